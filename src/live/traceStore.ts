// The spans the live model holds, indexed by trace id. One ring of `maxSpans` spans in arrival
// order, and a budget of `maxBytes` over the spans' estimated sizes, bound the memory whatever the
// input rate and whatever the spans carry (one span with a megabyte attribute counts as a megabyte);
// a span leaves the ring (and every index) when the ring is full, when the oldest must go to bring
// the estimate under the budget, or when it has been held longer than `maxAgeMs`. Sources call add(); detectors,
// the panel and `bounded watch` read spansOf()/span()/traces() or listen with onSpans().
import { RingBuffer } from './ringBuffer';
import type { AttributeValue, Attributes, LiveSpan } from './spans';

export interface TraceStoreOptions {
  maxSpans: number;
  maxAgeMs: number;
  /** The budget over the spans' estimated sizes (estimatedSpanBytes); default: no budget beyond maxSpans. */
  maxBytes?: number;
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
  /** estimatedSpanBytes(span), counted in heldBytes while held. */
  bytes: number;
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
  private heldBytes = 0;
  private readonly maxBytes: number;

  constructor(
    private readonly options: TraceStoreOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(options.maxSpans) || options.maxSpans < 1) throw new RangeError(`maxSpans is a whole number of at least 1, not ${options.maxSpans}`);
    if (!(options.maxAgeMs > 0)) throw new RangeError(`maxAgeMs is a positive number of milliseconds, not ${options.maxAgeMs}`);
    if (options.maxBytes !== undefined && !(options.maxBytes > 0)) throw new RangeError(`maxBytes is a positive number of bytes, not ${options.maxBytes}`);
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
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
      const bytes = estimatedSpanBytes(span);
      this.heldBytes += bytes;
      const dropped = this.ring.push({ span, bytes, addedAt });
      if (dropped !== undefined) this.forget(dropped);
      // Over the budget: the oldest go, but never the span just taken (alone, it is within the receiver's body limits).
      while (this.heldBytes > this.maxBytes && this.ring.size > 1) this.forget(this.ring.shift() as HeldSpan);
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

  /** The spans held, by estimatedSpanBytes: what maxBytes bounds. */
  get estimatedBytes(): number {
    return this.heldBytes;
  }

  /** Drops the spans held longer than maxAgeMs at `now` (add() runs this too). */
  prune(now: number = this.now()): void {
    const oldestKept = now - this.options.maxAgeMs;
    for (let oldest = this.ring.oldest(); oldest !== undefined && oldest.addedAt < oldestKept; oldest = this.ring.oldest()) {
      this.ring.shift();
      this.forget(oldest);
    }
  }

  private forget({ span, bytes }: HeldSpan): void {
    this.evictedSpans += 1;
    this.heldBytes -= bytes;
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

/**
 * About what a span costs in memory: strings at two bytes a character (names, ids, keys and values
 * of attributes, events and links, the resource once per span since spans of one request share it
 * but evictions do not), a fixed cost per value and per span. An estimate for a budget, on the high
 * side: for spans with ten HTTP attributes it gives 1,589 bytes a span where V8's heap grew by
 * 1,051 (V8 keeps ASCII strings at one byte a character). At the default 256 MB that is ~160,000
 * such spans, so the count (100,000) binds for ordinary spans and the budget for large ones.
 */
export function estimatedSpanBytes(span: LiveSpan): number {
  let bytes = spanOverheadBytes + 2 * (span.name.length + span.serviceName.length + span.scope.name.length + (span.status.message?.length ?? 0));
  bytes += attributesBytes(span.attributes) + attributesBytes(span.resource);
  for (const event of span.events) bytes += valueOverheadBytes + 2 * event.name.length + attributesBytes(event.attributes);
  for (const link of span.links) bytes += valueOverheadBytes + 2 * 48 + attributesBytes(link.attributes);
  return bytes;
}

const spanOverheadBytes = 400;
const valueOverheadBytes = 32;

function attributesBytes(attributes: Attributes): number {
  let bytes = 0;
  for (const key in attributes) bytes += 2 * key.length + valueBytes(attributes[key] as AttributeValue, 0);
  return bytes;
}

function valueBytes(value: AttributeValue, depth: number): number {
  if (typeof value === 'string') return valueOverheadBytes + 2 * value.length;
  if (value === null || typeof value !== 'object' || depth > 8) return valueOverheadBytes;
  let bytes = valueOverheadBytes;
  if (Array.isArray(value)) for (const item of value) bytes += valueBytes(item, depth + 1);
  else for (const key in value) bytes += 2 * key.length + valueBytes(value[key] as AttributeValue, depth + 1);
  return bytes;
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
