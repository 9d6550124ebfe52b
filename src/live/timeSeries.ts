// Numeric series per key (`redis:orders:workers:lag`, `handles:1234:Timeout`), each a ring of
// (time, value) points kept by count and by age. The number of keys is bounded too: a new key past
// maxKeys pushes out the key that was appended to least recently, so a source that invents keys
// (one per pid, per consumer) cannot grow the store. Memory is at most maxKeys × maxPointsPerKey points.
import { RingBuffer } from './ringBuffer';

export interface TimeSeriesOptions {
  maxKeys: number;
  maxPointsPerKey: number;
  maxAgeMs: number;
}

export interface SeriesPoint {
  /** ms since the epoch. */
  t: number;
  value: number;
}

export class TimeSeriesStore {
  /** In order of the latest append, least recent first: the first key is the one a new key evicts. */
  private readonly series = new Map<string, RingBuffer<SeriesPoint>>();
  private evictedKeys = 0;

  constructor(
    private readonly options: TimeSeriesOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(options.maxKeys) || options.maxKeys < 1) throw new RangeError(`maxKeys is a whole number of at least 1, not ${options.maxKeys}`);
    if (!(options.maxAgeMs > 0)) throw new RangeError(`maxAgeMs is a positive number of milliseconds, not ${options.maxAgeMs}`);
  }

  /**
   * Appends a point to the key's series (creating it, and evicting the least recently appended key
   * when there are maxKeys already). Points are expected in time order per key; one older than the
   * newest held is dropped, so a series is always sorted. Non-finite values (NaN, ±Infinity, as
   * Prometheus may report) are kept: they say what the source said.
   */
  append(key: string, t: number, value: number): void {
    let points = this.series.get(key);
    if (points === undefined) {
      if (this.series.size >= this.options.maxKeys) this.evictLeastRecentKey();
      points = new RingBuffer<SeriesPoint>(this.options.maxPointsPerKey);
    } else {
      const newest = points.newest();
      if (newest !== undefined && t < newest.t) return;
      // Move the key to the end: Map keeps insertion order, so the first key stays the least recent.
      this.series.delete(key);
    }
    this.series.set(key, points);
    points.push({ t, value });
    this.pruneSeries(key, points, this.now() - this.options.maxAgeMs);
  }

  /** The key's points, oldest first; with sinceMs, only those at or after it. */
  points(key: string, sinceMs?: number): SeriesPoint[] {
    const points = this.series.get(key);
    if (points === undefined) return [];
    const oldestKept = Math.max(sinceMs ?? -Infinity, this.now() - this.options.maxAgeMs);
    const result: SeriesPoint[] = [];
    for (const point of points) if (point.t >= oldestKept) result.push({ ...point });
    return result;
  }

  latest(key: string): SeriesPoint | undefined {
    const newest = this.series.get(key)?.newest();
    return newest === undefined || newest.t < this.now() - this.options.maxAgeMs ? undefined : { ...newest };
  }

  /** The keys held, least recently appended first; with a prefix, only the keys that start with it. */
  keys(prefix?: string): string[] {
    const keys = [...this.series.keys()];
    return prefix === undefined ? keys : keys.filter((key) => key.startsWith(prefix));
  }

  delete(key: string): boolean {
    return this.series.delete(key);
  }

  stats(): { keys: number; points: number; evictedKeys: number } {
    let points = 0;
    for (const series of this.series.values()) points += series.size;
    return { keys: this.series.size, points, evictedKeys: this.evictedKeys };
  }

  /** Drops the points older than maxAgeMs at `now`, and the keys left with none. */
  prune(now: number = this.now()): void {
    const oldestKept = now - this.options.maxAgeMs;
    for (const [key, points] of this.series) this.pruneSeries(key, points, oldestKept);
  }

  private pruneSeries(key: string, points: RingBuffer<SeriesPoint>, oldestKept: number): void {
    for (let oldest = points.oldest(); oldest !== undefined && oldest.t < oldestKept; oldest = points.oldest()) points.shift();
    if (points.size === 0) this.series.delete(key);
  }

  private evictLeastRecentKey(): void {
    const leastRecent = this.series.keys().next();
    if (leastRecent.done) return;
    this.series.delete(leastRecent.value);
    this.evictedKeys += 1;
  }
}
