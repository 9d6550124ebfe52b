// The spans the live model holds, indexed by trace id. One ring of `maxSpans` spans in arrival
// order bounds the memory whatever the input rate; a span leaves the ring (and every index) when
// the ring is full or when it has been held longer than `maxAgeMs`. Sources call add(); detectors,
// the panel and `bounded watch` read spansOf()/span()/traces() or listen with onSpans().
import { RingBuffer } from './ringBuffer';
import type { LiveSpan } from './spans';

export interface TraceStoreOptions {
  maxSpans: number;
  maxAgeMs: number;
}

export interface TraceSummary {
  traceId: string;
  rootServiceName?: string;
  rootName?: string;
  startTimeUnixNano: bigint;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
}

interface HeldSpan {
  span: LiveSpan;
  /** When the store took it (ms, the store's clock): the age eviction looks at this. */
  addedAt: number;
}

interface TraceEntry {
  spans: Map<string, LiveSpan>;
  /** Computed on demand, dropped whenever a span of the trace comes or goes. */
  summary?: TraceSummary;
}

type SpansListener = (spans: readonly LiveSpan[]) => void;

export class TraceStore {
  private readonly ring: RingBuffer<HeldSpan>;
  private readonly tracesById = new Map<string, TraceEntry>();
  private readonly listeners = new Set<SpansListener>();
  private evictedSpans = 0;

  constructor(
    private readonly options: TraceStoreOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(options.maxSpans) || options.maxSpans < 1) throw new RangeError(`maxSpans is a whole number of at least 1, not ${options.maxSpans}`);
    if (!(options.maxAgeMs > 0)) throw new RangeError(`maxAgeMs is a positive number of milliseconds, not ${options.maxAgeMs}`);
    this.ring = new RingBuffer<HeldSpan>(options.maxSpans);
  }

  /**
   * Stores the spans, dropping the oldest past maxSpans and those older than maxAgeMs, then tells
   * the listeners about the spans it took. A span already held (same trace and span id, as an
   * exporter's retry resends) is kept once: the later copy is not stored nor passed on.
   * A listener that throws does not stop the others; their errors are rethrown together after.
   */
  add(spans: readonly LiveSpan[]): void {
    const addedAt = this.now();
    const taken: LiveSpan[] = [];
    for (const span of spans) {
      let trace = this.tracesById.get(span.traceId);
      if (trace === undefined) {
        trace = { spans: new Map() };
        this.tracesById.set(span.traceId, trace);
      } else if (trace.spans.has(span.spanId)) {
        continue;
      }
      trace.spans.set(span.spanId, span);
      trace.summary = undefined;
      taken.push(span);
      const dropped = this.ring.push({ span, addedAt });
      if (dropped !== undefined) this.forget(dropped.span);
    }
    this.prune(addedAt);
    if (taken.length > 0) this.tell(taken);
  }

  onSpans(listener: SpansListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The trace's spans held now, by start time. */
  spansOf(traceId: string): LiveSpan[] {
    const trace = this.tracesById.get(traceId);
    if (trace === undefined) return [];
    return [...trace.spans.values()].sort(byStartTime);
  }

  span(traceId: string, spanId: string): LiveSpan | undefined {
    return this.tracesById.get(traceId)?.spans.get(spanId);
  }

  /** One summary per trace held, newest (latest start) first. */
  traces(): TraceSummary[] {
    const summaries: TraceSummary[] = [];
    for (const [traceId, trace] of this.tracesById) {
      trace.summary ??= summarise(traceId, trace.spans);
      summaries.push(trace.summary);
    }
    return summaries.sort((a, b) => (a.startTimeUnixNano === b.startTimeUnixNano ? a.traceId.localeCompare(b.traceId) : a.startTimeUnixNano > b.startTimeUnixNano ? -1 : 1));
  }

  stats(): { spans: number; traces: number; evictedSpans: number } {
    return { spans: this.ring.size, traces: this.tracesById.size, evictedSpans: this.evictedSpans };
  }

  /** Drops the spans held longer than maxAgeMs at `now` (add() runs this too). */
  prune(now: number = this.now()): void {
    const oldestKept = now - this.options.maxAgeMs;
    for (let oldest = this.ring.oldest(); oldest !== undefined && oldest.addedAt < oldestKept; oldest = this.ring.oldest()) {
      this.ring.shift();
      this.forget(oldest.span);
    }
  }

  private forget(span: LiveSpan): void {
    this.evictedSpans += 1;
    const trace = this.tracesById.get(span.traceId);
    if (trace === undefined) return;
    trace.spans.delete(span.spanId);
    trace.summary = undefined;
    if (trace.spans.size === 0) this.tracesById.delete(span.traceId);
  }

  private tell(spans: readonly LiveSpan[]): void {
    const errors: unknown[] = [];
    for (const listener of this.listeners) {
      try {
        listener(spans);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} span listeners failed`);
  }
}

function byStartTime(a: LiveSpan, b: LiveSpan): number {
  return a.startTimeUnixNano === b.startTimeUnixNano ? 0 : a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
}

function summarise(traceId: string, spans: Map<string, LiveSpan>): TraceSummary {
  let start: bigint | undefined;
  let end: bigint | undefined;
  let root: LiveSpan | undefined;
  let errorCount = 0;
  const services = new Set<string>();
  for (const span of spans.values()) {
    if (start === undefined || span.startTimeUnixNano < start) start = span.startTimeUnixNano;
    if (end === undefined || span.endTimeUnixNano > end) end = span.endTimeUnixNano;
    // The root is the span without a parent; with several (broken propagation), the earliest.
    if (span.parentSpanId === undefined && (root === undefined || span.startTimeUnixNano < root.startTimeUnixNano)) root = span;
    if (span.status.code === 'error') errorCount += 1;
    services.add(span.serviceName);
  }
  const startTimeUnixNano = start ?? 0n;
  return {
    traceId,
    rootServiceName: root?.serviceName,
    rootName: root?.name,
    startTimeUnixNano,
    durationMs: Number((end ?? startTimeUnixNano) - startTimeUnixNano) / 1e6,
    spanCount: spans.size,
    errorCount,
    services: [...services].sort(),
  };
}
