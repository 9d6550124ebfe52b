// The fixed-capacity ring under the trace store and the time series.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingBuffer } from '../../src/live/ringBuffer';

describe('RingBuffer', () => {
  it('keeps items oldest first until it is full', () => {
    const ring = new RingBuffer<number>(3);
    assert.equal(ring.push(1), undefined);
    assert.equal(ring.push(2), undefined);
    assert.deepEqual([...ring], [1, 2]);
    assert.equal(ring.size, 2);
    assert.equal(ring.oldest(), 1);
    assert.equal(ring.newest(), 2);
  });

  it('drops and hands back the oldest item past its capacity, and its size stays at the capacity', () => {
    const ring = new RingBuffer<number>(3);
    const dropped: (number | undefined)[] = [];
    for (let item = 1; item <= 7; item += 1) dropped.push(ring.push(item));
    assert.deepEqual(dropped, [undefined, undefined, undefined, 1, 2, 3, 4]);
    assert.deepEqual([...ring], [5, 6, 7]);
    assert.equal(ring.size, 3);
    assert.equal(ring.oldest(), 5);
    assert.equal(ring.newest(), 7);
  });

  it('shifts the oldest, across the wrap-around', () => {
    const ring = new RingBuffer<string>(2);
    ring.push('a');
    ring.push('b');
    ring.push('c');
    assert.equal(ring.shift(), 'b');
    assert.deepEqual([...ring], ['c']);
    ring.push('d');
    ring.push('e');
    assert.deepEqual([...ring], ['d', 'e']);
    assert.equal(ring.shift(), 'd');
    assert.equal(ring.shift(), 'e');
    assert.equal(ring.shift(), undefined);
    assert.equal(ring.size, 0);
    assert.equal(ring.oldest(), undefined);
    assert.equal(ring.newest(), undefined);
  });

  it('refuses a capacity that is not a whole number of at least 1', () => {
    assert.throws(() => new RingBuffer(0), RangeError);
    assert.throws(() => new RingBuffer(1.5), RangeError);
  });
});
