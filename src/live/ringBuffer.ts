// A fixed-capacity ring: pushing past the capacity drops the oldest item and hands it back, so the
// caller can keep its own indexes consistent. Memory is one array of `capacity` slots, whatever
// the number of pushes.

export class RingBuffer<T> {
  private readonly slots: (T | undefined)[];
  /** Index of the oldest item. */
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a ring's capacity is a whole number of at least 1, not ${capacity}`);
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  /** Appends `item` as the newest; when the ring was full, returns the oldest item, which it dropped. */
  push(item: T): T | undefined {
    if (this.count < this.capacity) {
      this.slots[(this.head + this.count) % this.capacity] = item;
      this.count += 1;
      return undefined;
    }
    const dropped = this.slots[this.head];
    this.slots[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    return dropped;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const oldest = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count -= 1;
    return oldest;
  }

  oldest(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  newest(): T | undefined {
    return this.count === 0 ? undefined : this.slots[(this.head + this.count - 1) % this.capacity];
  }

  /** Oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let offset = 0; offset < this.count; offset += 1) yield this.slots[(this.head + offset) % this.capacity] as T;
  }
}
