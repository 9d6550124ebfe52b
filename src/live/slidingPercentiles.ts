// Per operation (service + span name): count, error count and p50/p95/p99 over a sliding window, and
// the same figures over the longer window just before it (the baseline a jump is judged against).
//
// Each operation keeps a ring of time buckets; each bucket holds a log-scaled histogram of durations
// (relative error under 1%, at most ~1,300 bins, sparse), so windows merge exactly and memory per
// operation is bounded by the number of buckets, whatever the span rate. The number of operations is
// bounded too: past `maxKeys` the least recently recorded operation is dropped (and counted).

export interface SlidingPercentilesOptions {
  /** Width of one time bucket. */
  bucketMs: number;
  /** The current window (rounded up to whole buckets), ending at `now`. */
  windowMs: number;
  /** The baseline: this much time just before the current window. */
  baselineMs: number;
  maxKeys: number;
  /** Slowest and failing spans each bucket keeps as examples. */
  examplesPerBucket: number;
}

export const defaultSlidingPercentilesOptions: SlidingPercentilesOptions = {
  bucketMs: 5_000,
  windowMs: 30_000,
  baselineMs: 300_000,
  maxKeys: 2_000,
  examplesPerBucket: 3,
};

export interface OperationKey {
  serviceName: string;
  spanName: string;
}

/** A span kept to show what a figure is made of. */
export interface OperationExample {
  traceId: string;
  spanId: string;
  durationMs: number;
  statusMessage?: string;
}

export interface OperationSample extends OperationExample {
  isError: boolean;
  /** ms since the epoch, on the same clock as `now`. */
  at: number;
}

export interface WindowFigures {
  count: number;
  errorCount: number;
  /** errorCount / count; 0 when there is nothing in the window. */
  errorRate: number;
  /** Undefined when the window is empty. */
  p50?: number;
  p95?: number;
  p99?: number;
  /** The slowest spans of the window, slowest first. */
  slowest: OperationExample[];
  /** The latest failing spans of the window, newest first. */
  errors: OperationExample[];
  /** From the start of the earliest bucket with spans to the end of the window; 0 when empty. */
  coveredMs: number;
}

export interface OperationFigures extends OperationKey {
  current: WindowFigures;
  baseline: WindowFigures;
}

export interface SlidingPercentilesStats {
  keys: number;
  evictedKeys: number;
  /** Samples older than the oldest bucket kept (they arrived too late to count). */
  lateSamples: number;
}

// Durations at or under minimumMs fall in bin 0; bin i > 0 covers (minimumMs·r^(i-1), minimumMs·r^i].
const minimumMs = 0.001;
const binRatio = 1.02;
const logBinRatio = Math.log(binRatio);
// ~30 hours: anything longer counts as the last bin.
const lastBin = Math.ceil(Math.log(1e8 / minimumMs) / logBinRatio);

function binOf(durationMs: number): number {
  if (!(durationMs > minimumMs)) return 0;
  return Math.min(lastBin, Math.ceil(Math.log(durationMs / minimumMs) / logBinRatio));
}

/** The geometric middle of the bin: within 1% of every duration it holds. */
function valueOfBin(bin: number): number {
  return bin === 0 ? minimumMs : minimumMs * Math.pow(binRatio, bin - 0.5);
}

interface TimeBucket {
  /** floor(at / bucketMs): which bucket of time this slot holds now. */
  index: number;
  count: number;
  errorCount: number;
  bins: Map<number, number>;
  slowest: OperationExample[];
  errors: OperationExample[];
}

class OperationWindows {
  readonly buckets: (TimeBucket | undefined)[];
  latestIndex = -Infinity;

  constructor(
    readonly key: OperationKey,
    slots: number,
  ) {
    this.buckets = new Array<TimeBucket | undefined>(slots);
  }
}

export class SlidingPercentiles {
  private readonly operations = new Map<string, OperationWindows>();
  private readonly windowBuckets: number;
  private readonly baselineBuckets: number;
  private readonly slots: number;
  private evictedKeys = 0;
  private lateSamples = 0;

  constructor(private readonly options: SlidingPercentilesOptions = defaultSlidingPercentilesOptions) {
    for (const name of ['bucketMs', 'windowMs', 'baselineMs', 'maxKeys'] as const) {
      if (!(options[name] > 0)) throw new RangeError(`${name} must be positive, got ${options[name]}`);
    }
    this.windowBuckets = Math.ceil(options.windowMs / options.bucketMs);
    this.baselineBuckets = Math.ceil(options.baselineMs / options.bucketMs);
    this.slots = this.windowBuckets + this.baselineBuckets;
  }

  record(key: OperationKey, sample: OperationSample): void {
    const id = operationId(key);
    let operation = this.operations.get(id);
    if (operation) {
      // Most recently recorded last, so the first entry is the one to drop when full.
      this.operations.delete(id);
    } else {
      while (this.operations.size >= this.options.maxKeys) {
        this.operations.delete(this.operations.keys().next().value as string);
        this.evictedKeys++;
      }
      operation = new OperationWindows({ serviceName: key.serviceName, spanName: key.spanName }, this.slots);
    }
    this.operations.set(id, operation);

    const index = Math.floor(sample.at / this.options.bucketMs);
    if (index <= operation.latestIndex - this.slots) {
      this.lateSamples++;
      return;
    }
    operation.latestIndex = Math.max(operation.latestIndex, index);
    const slot = index % this.slots;
    let bucket = operation.buckets[slot];
    if (!bucket || bucket.index !== index) {
      bucket = { index, count: 0, errorCount: 0, bins: new Map(), slowest: [], errors: [] };
      operation.buckets[slot] = bucket;
    }
    bucket.count++;
    const bin = binOf(sample.durationMs);
    bucket.bins.set(bin, (bucket.bins.get(bin) ?? 0) + 1);
    const example: OperationExample = { traceId: sample.traceId, spanId: sample.spanId, durationMs: sample.durationMs };
    if (sample.statusMessage !== undefined) example.statusMessage = sample.statusMessage;
    keepSlowest(bucket.slowest, example, this.options.examplesPerBucket);
    if (sample.isError) {
      bucket.errorCount++;
      bucket.errors.unshift(example);
      if (bucket.errors.length > this.options.examplesPerBucket) bucket.errors.pop();
    }
  }

  /** The figures of one operation at `now`; undefined when it has nothing in either window. */
  figures(key: OperationKey, now: number): OperationFigures | undefined {
    const operation = this.operations.get(operationId(key));
    return operation && this.figuresOf(operation, now);
  }

  /** Every operation with something in its current window or its baseline. */
  all(now: number): OperationFigures[] {
    const result: OperationFigures[] = [];
    for (const operation of this.operations.values()) {
      const figures = this.figuresOf(operation, now);
      if (figures) result.push(figures);
    }
    return result;
  }

  /** Drops operations with nothing left in either window. */
  prune(now: number): void {
    const oldestIndex = Math.floor(now / this.options.bucketMs) - this.slots + 1;
    for (const [id, operation] of this.operations) {
      if (operation.latestIndex < oldestIndex) this.operations.delete(id);
    }
  }

  stats(): SlidingPercentilesStats {
    return { keys: this.operations.size, evictedKeys: this.evictedKeys, lateSamples: this.lateSamples };
  }

  private figuresOf(operation: OperationWindows, now: number): OperationFigures | undefined {
    const nowIndex = Math.floor(now / this.options.bucketMs);
    const currentFrom = nowIndex - this.windowBuckets + 1;
    const baselineFrom = currentFrom - this.baselineBuckets;
    const current: TimeBucket[] = [];
    const baseline: TimeBucket[] = [];
    for (const bucket of operation.buckets) {
      if (!bucket || bucket.index > nowIndex || bucket.index < baselineFrom) continue;
      (bucket.index >= currentFrom ? current : baseline).push(bucket);
    }
    if (current.length === 0 && baseline.length === 0) return undefined;
    return { ...operation.key, current: this.merge(current, nowIndex), baseline: this.merge(baseline, currentFrom - 1) };
  }

  private merge(buckets: TimeBucket[], lastIndex: number): WindowFigures {
    let count = 0;
    let firstIndex = lastIndex + 1;
    let errorCount = 0;
    const bins = new Map<number, number>();
    const slowest: OperationExample[] = [];
    for (const bucket of buckets) {
      count += bucket.count;
      errorCount += bucket.errorCount;
      firstIndex = Math.min(firstIndex, bucket.index);
      for (const [bin, n] of bucket.bins) bins.set(bin, (bins.get(bin) ?? 0) + n);
      for (const example of bucket.slowest) keepSlowest(slowest, example, this.options.examplesPerBucket);
    }
    const errors = [...buckets]
      .sort((a, b) => b.index - a.index)
      .flatMap((bucket) => bucket.errors)
      .slice(0, this.options.examplesPerBucket);
    const coveredMs = (lastIndex + 1 - firstIndex) * this.options.bucketMs;
    const figures: WindowFigures = { count, errorCount, errorRate: count === 0 ? 0 : errorCount / count, slowest, errors, coveredMs };
    if (count > 0) {
      [figures.p50, figures.p95, figures.p99] = quantiles(bins, count, [0.5, 0.95, 0.99]);
    }
    return figures;
  }
}

function operationId(key: OperationKey): string {
  return `${key.serviceName}\u0000${key.spanName}`;
}

function keepSlowest(slowest: OperationExample[], example: OperationExample, limit: number): void {
  if (slowest.length >= limit && slowest[slowest.length - 1].durationMs >= example.durationMs) return;
  const at = slowest.findIndex((kept) => kept.durationMs < example.durationMs);
  slowest.splice(at === -1 ? slowest.length : at, 0, example);
  if (slowest.length > limit) slowest.pop();
}

/** Nearest-rank quantiles of the histogram, ascending `qs`. */
function quantiles(bins: Map<number, number>, count: number, qs: number[]): number[] {
  const ordered = [...bins.entries()].sort((a, b) => a[0] - b[0]);
  const result: number[] = [];
  let seen = 0;
  let next = 0;
  for (const [bin, n] of ordered) {
    seen += n;
    while (next < qs.length && seen >= Math.ceil(qs[next] * count)) {
      result.push(valueOfBin(bin));
      next++;
    }
    if (next === qs.length) break;
  }
  return result;
}

/** A duration as figures show it: `4.2 ms`, `380 ms`, `1.25 s`. */
export function formatDurationMs(ms: number | undefined): string {
  if (ms === undefined) return '?';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}
