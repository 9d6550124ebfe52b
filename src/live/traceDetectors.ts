// Detectors over the spans a TraceStore takes in. They raise and clear live findings:
//
// broken-propagation (one trace id must survive every hop across services), subject `from → to`:
//   - dropped context: a client span of service X gets no child server span, and in the same time
//     (inside the client span, give or take the clock skew) service Y starts a new trace with a root
//     server span for the same request (same method and path, or the endpoint X called is Y's).
//     That is what a traceparent header that was not sent, or not read, looks like.
//   - no child span: a client span of X to an endpoint of a service Y that reports to us (learnt from
//     Y's server spans and from calls that did propagate) never gets a server span in Y (unless the
//     call failed without a response: then it never reached Y).
//   - missing parent: a server or consumer span names a remote parent that never arrives within the
//     grace period (`unknown → Y`): the caller forwards a trace context but does not report here.
//     Only spans with a remote parent count: a missing local parent is a span still running.
//   Each clears once its pattern has not been seen for `propagationClearMs`.
// slow-operation: per service and span name, the p99 of the current window jumps past the p99 of
//   the baseline (the longer window before it) by `ratio` and by at least `minIncreaseMs`.
// error-rate: per service and span name, the error rate of the current window jumps past the
//   baseline's by `ratio` and by at least `minIncrease`.
// Both need enough spans in each window and a baseline at least one window long (so that a pattern
// that repeats within a window, a sawtooth, is in the baseline too), and clear when the window no
// longer shows the jump (or is empty). Times are the receiver's (LiveSpan.receivedAt) and the `now` of tick(), one clock.
// Everything held is bounded: pending spans by `maxPending` (past it new ones are not judged, and
// counted), operations by the percentile options.
import type { LiveFindingSet } from './liveFindingSet';
import type { SourceLocation } from './liveFinding';
import { defaultSlidingPercentilesOptions, formatDurationMs, SlidingPercentiles, type OperationFigures, type SlidingPercentilesOptions } from './slidingPercentiles';
import { spanDurationMs, type AttributeValue, type Attributes, type LiveSpan } from './spans';
import type { TraceStore } from './traceStore';

export interface JumpThresholds {
  /** Spans the current window needs before it is judged. */
  minCount: number;
  /** Spans the baseline needs before it is trusted. */
  minBaselineCount: number;
  /** How many times the baseline's figure the current one must be. */
  ratio: number;
}

export interface SlowOperationThresholds extends JumpThresholds {
  /** And at least this much slower, so that 1 ms → 3 ms is not a finding. */
  minIncreaseMs: number;
}

export interface ErrorRateThresholds extends JumpThresholds {
  /** And at least this much higher (a fraction: 0.1 is ten points). */
  minIncrease: number;
  /** Failing spans the current window needs. */
  minErrors: number;
}

export interface TraceDetectorOptions {
  /** How long a span's parent, or a client span's child server span, may take to arrive. */
  propagationGraceMs: number;
  /** A broken-propagation finding clears after this long without a new occurrence. */
  propagationClearMs: number;
  /** How far apart two services' clocks may be when matching a client span with a root server span. */
  clockSkewMs: number;
  /** Spans waiting for a parent or a child, and root server spans kept for matching, each at most. */
  maxPending: number;
  /** Endpoint (host:port) → service entries learnt, and service pairs with broken propagation tracked, each at most. */
  maxEndpoints: number;
  percentiles: SlidingPercentilesOptions;
  slowOperation: SlowOperationThresholds;
  errorRate: ErrorRateThresholds;
}

export const defaultTraceDetectorOptions: TraceDetectorOptions = {
  propagationGraceMs: 10_000,
  propagationClearMs: 60_000,
  clockSkewMs: 100,
  maxPending: 10_000,
  maxEndpoints: 1_000,
  percentiles: defaultSlidingPercentilesOptions,
  slowOperation: { minCount: 20, minBaselineCount: 20, ratio: 2, minIncreaseMs: 20 },
  errorRate: { minCount: 20, minBaselineCount: 20, ratio: 2, minIncrease: 0.1, minErrors: 5 },
};

export interface TraceDetectorOptionsInput extends Partial<Omit<TraceDetectorOptions, 'percentiles' | 'slowOperation' | 'errorRate'>> {
  percentiles?: Partial<SlidingPercentilesOptions>;
  slowOperation?: Partial<SlowOperationThresholds>;
  errorRate?: Partial<ErrorRateThresholds>;
}

export interface TraceDetectorStats {
  /** Spans waiting for their parent. */
  pendingParents: number;
  /** Client spans waiting for their child server span. */
  pendingClients: number;
  /** Root server spans kept to match with client spans. */
  recentRoots: number;
  /** Spans not kept for judging because `maxPending` were waiting already. */
  droppedPending: number;
  operations: number;
}

export interface TraceDetectors {
  /** Judges what waited past the grace period, and the sliding windows, at `now`. Call it on a timer. */
  tick(now?: number): void;
  /** The busiest operations of the current window, busiest first. */
  topOperations(limit: number, now?: number): OperationFigures[];
  stats(): TraceDetectorStats;
  dispose(): void;
}

export interface TraceDetectorsInit {
  store: TraceStore;
  findings: LiveFindingSet;
  options?: TraceDetectorOptionsInput;
  now?: () => number;
}

export function resolveTraceDetectorOptions(input: TraceDetectorOptionsInput = {}): TraceDetectorOptions {
  const defaults = defaultTraceDetectorOptions;
  return {
    ...defaults,
    ...input,
    percentiles: { ...defaults.percentiles, ...input.percentiles },
    slowOperation: { ...defaults.slowOperation, ...input.slowOperation },
    errorRate: { ...defaults.errorRate, ...input.errorRate },
  };
}

export function createTraceDetectors(init: TraceDetectorsInit): TraceDetectors {
  const detectors = new TraceDetectorState(init.store, init.findings, resolveTraceDetectorOptions(init.options), init.now ?? Date.now);
  const subscription = init.store.onSpans((spans) => detectors.take(spans));
  return {
    tick: (now) => detectors.tick(now ?? detectors.now()),
    topOperations: (limit, now) => detectors.topOperations(limit, now ?? detectors.now()),
    stats: () => detectors.stats(),
    dispose: () => subscription.dispose(),
  };
}

type PropagationPattern = 'dropped-context' | 'no-child-span' | 'missing-parent';

interface SpanReference {
  traceId: string;
  spanId: string;
  serviceName: string;
  name: string;
}

interface PropagationOccurrence {
  pattern: PropagationPattern;
  /** The client span whose context did not make it (dropped-context, no-child-span). */
  clientSpan?: SpanReference;
  /** The server span that started a new trace (dropped-context) or whose parent never came (missing-parent). */
  serverSpan?: SpanReference;
  /** The parent span id that never arrived (missing-parent). */
  missingParentSpanId?: string;
  endpoint?: string;
}

interface BrokenPair {
  from: string;
  to: string;
  counts: Record<PropagationPattern, number>;
  /** Newest first, at most `occurrencesKept`. */
  latest: PropagationOccurrence[];
  location?: SourceLocation;
  lastSeenAt: number;
}

interface Waiting<T> {
  value: T;
  since: number;
}

const unknownService = 'unknown';
const occurrencesKept = 5;
const childrenKeptPerParent = 5;
const rootRetentionGraces = 3;

class TraceDetectorState {
  private readonly percentiles: SlidingPercentiles;
  /** traceId/parentSpanId → the spans with a remote parent waiting for it. */
  private readonly pendingParents = new Map<string, Waiting<LiveSpan[]>>();
  /** traceId/spanId → client spans waiting for a child server span. */
  private readonly pendingClients = new Map<string, Waiting<LiveSpan>>();
  /** traceId/spanId → root server spans, kept a few grace periods to match late client spans. */
  private readonly recentRoots = new Map<string, Waiting<LiveSpan>>();
  /** service → the keys of its spans in recentRoots. */
  private readonly recentRootsByService = new Map<string, Set<string>>();
  /** host:port → the service that serves it. Most recently learnt last. */
  private readonly endpointServices = new Map<string, string>();
  private readonly brokenPairs = new Map<string, BrokenPair>();
  /** Subjects of slow-operation and error-rate findings raised by this detector. */
  private readonly slowSubjects = new Set<string>();
  private readonly errorRateSubjects = new Set<string>();
  private droppedPending = 0;

  constructor(
    private readonly store: TraceStore,
    private readonly findings: LiveFindingSet,
    private readonly options: TraceDetectorOptions,
    readonly now: () => number,
  ) {
    this.percentiles = new SlidingPercentiles(options.percentiles);
  }

  take(spans: readonly LiveSpan[]): void {
    // Every client span of the batch is waiting before any server span of it is looked at, since
    // a batch may list a server span before its parent.
    for (const span of spans) {
      this.percentiles.record(
        { serviceName: span.serviceName, spanName: span.name },
        { traceId: span.traceId, spanId: span.spanId, durationMs: spanDurationMs(span), isError: span.status.code === 'error', statusMessage: span.status.message, at: span.receivedAt },
      );
      const waitingChildren = this.takeWaiting(this.pendingParents, spanKey(span.traceId, span.spanId)) ?? [];
      const childServerSpan = span.kind === 'client' ? waitingChildren.find((child) => child.kind === 'server') : undefined;
      if (childServerSpan !== undefined) this.learnPropagatedCall(span, childServerSpan);
      else if (span.kind === 'client') this.keep(this.pendingClients, spanKey(span.traceId, span.spanId), span, span.receivedAt);
      if (span.kind === 'server') {
        const endpoint = serverEndpoint(span.attributes);
        if (endpoint !== undefined) this.learnEndpoint(endpoint, span.serviceName);
        if (span.parentSpanId === undefined) this.addRoot(span);
      }
    }
    for (const span of spans) {
      if (span.parentSpanId === undefined || !hasRemoteParent(span)) continue;
      const parent = this.store.span(span.traceId, span.parentSpanId);
      if (parent === undefined) this.waitForParent(span, span.parentSpanId);
      else if (parent.kind === 'client' && span.kind === 'server') {
        this.pendingClients.delete(spanKey(parent.traceId, parent.spanId));
        this.learnPropagatedCall(parent, span);
      }
    }
  }

  tick(now: number): void {
    const grace = this.options.propagationGraceMs;
    const touched = new Set<string>();
    for (const [key, waiting] of this.pendingParents) {
      if (waiting.since + grace > now) break;
      this.pendingParents.delete(key);
      for (const child of waiting.value) {
        if (child.parentSpanId === undefined || this.store.span(child.traceId, child.parentSpanId) !== undefined) continue;
        touched.add(this.record(unknownService, child.serviceName, now, { pattern: 'missing-parent', serverSpan: reference(child), missingParentSpanId: child.parentSpanId }));
      }
    }
    for (const [key, waiting] of this.pendingClients) {
      if (waiting.since + grace > now) break;
      this.pendingClients.delete(key);
      const subject = this.judgeUnansweredClient(waiting.value, now);
      if (subject !== undefined) touched.add(subject);
    }
    for (const [key, waiting] of this.recentRoots) {
      if (waiting.since + rootRetentionGraces * grace > now) break;
      this.removeRoot(key);
    }
    for (const subject of touched) this.raisePropagation(subject);
    for (const [subject, pair] of this.brokenPairs) {
      if (pair.lastSeenAt + this.options.propagationClearMs > now) continue;
      this.brokenPairs.delete(subject);
      this.findings.clear('broken-propagation', subject);
    }
    this.judgeOperations(now);
    this.percentiles.prune(now);
  }

  topOperations(limit: number, now: number): OperationFigures[] {
    return this.percentiles
      .all(now)
      .filter((figures) => figures.current.count > 0)
      .sort((a, b) => b.current.count - a.current.count || a.serviceName.localeCompare(b.serviceName) || a.spanName.localeCompare(b.spanName))
      .slice(0, limit);
  }

  stats(): TraceDetectorStats {
    return {
      pendingParents: this.pendingParents.size,
      pendingClients: this.pendingClients.size,
      recentRoots: this.recentRoots.size,
      droppedPending: this.droppedPending,
      operations: this.percentiles.stats().keys,
    };
  }

  /** A client span got no child server span in time: a new trace in the service it called, or no span there at all. */
  private judgeUnansweredClient(client: LiveSpan, now: number): string | undefined {
    const endpoint = clientEndpoint(client.attributes);
    const root = this.matchingRoot(client, endpoint);
    if (root !== undefined) {
      this.removeRoot(spanKey(root.traceId, root.spanId));
      return this.record(client.serviceName, root.serviceName, now, { pattern: 'dropped-context', clientSpan: reference(client), serverSpan: reference(root), endpoint }, sourceLocationOf(client));
    }
    const target = endpoint === undefined ? undefined : this.endpointServices.get(endpoint);
    if (target === undefined) return undefined; // a call to something that does not report here
    // A call that failed without a response (connection refused, a timeout) never reached a server.
    if (client.status.code === 'error' && positiveIntegerAttribute(client.attributes, 'http.response.status_code', 'http.status_code') === undefined) return undefined;
    return this.record(client.serviceName, target, now, { pattern: 'no-child-span', clientSpan: reference(client), endpoint }, sourceLocationOf(client));
  }

  /** The root server span in another service that answers this client span, the closest in time. */
  private matchingRoot(client: LiveSpan, endpoint: string | undefined): LiveSpan | undefined {
    const target = endpoint === undefined ? undefined : this.endpointServices.get(endpoint);
    // A call to an endpoint no service reports for, with nothing to compare, went elsewhere.
    if (endpoint !== undefined && target === undefined && clientUrlPath(client.attributes) === undefined && rpcMethod(client.attributes) === undefined) return undefined;
    const services = target !== undefined ? [target] : this.recentRootsByService.keys();
    const skew = BigInt(Math.round(this.options.clockSkewMs * 1e6));
    let best: LiveSpan | undefined;
    let bestGap = 0n;
    for (const service of services) {
      if (service === client.serviceName) continue;
      for (const key of this.recentRootsByService.get(service) ?? []) {
        const root = this.recentRoots.get(key)!.value;
        if (root.traceId === client.traceId) continue;
        if (root.startTimeUnixNano < client.startTimeUnixNano - skew || root.endTimeUnixNano > client.endTimeUnixNano + skew) continue;
        if (!this.sameRequest(client, endpoint, root)) continue;
        const gap = root.startTimeUnixNano - client.startTimeUnixNano;
        const absoluteGap = gap < 0n ? -gap : gap;
        if (best === undefined || absoluteGap < bestGap) {
          best = root;
          bestGap = absoluteGap;
        }
      }
    }
    return best;
  }

  private addRoot(span: LiveSpan): void {
    if (this.recentRoots.size >= this.options.maxPending) {
      this.droppedPending++;
      return;
    }
    const key = spanKey(span.traceId, span.spanId);
    this.recentRoots.set(key, { value: span, since: span.receivedAt });
    let keys = this.recentRootsByService.get(span.serviceName);
    if (keys === undefined) {
      keys = new Set();
      this.recentRootsByService.set(span.serviceName, keys);
    }
    keys.add(key);
  }

  private removeRoot(key: string): void {
    const waiting = this.recentRoots.get(key);
    if (waiting === undefined) return;
    this.recentRoots.delete(key);
    const keys = this.recentRootsByService.get(waiting.value.serviceName);
    keys?.delete(key);
    if (keys?.size === 0) this.recentRootsByService.delete(waiting.value.serviceName);
  }

  /**
   * Whether a root server span can be the request a client span made: HTTP methods and paths, and
   * RPC methods, agree where both are known, and the endpoint called is the root's service when
   * that is known. A client with an endpoint that is no known service's, and no path or RPC method
   * to compare, called something else (a database, an outside API).
   */
  private sameRequest(client: LiveSpan, endpoint: string | undefined, root: LiveSpan): boolean {
    const clientMethod = httpMethod(client.attributes);
    const rootMethod = httpMethod(root.attributes);
    if (clientMethod !== undefined && rootMethod !== undefined && clientMethod !== rootMethod) return false;
    let corroborated = false;
    for (const [clientOperation, rootOperation] of [
      [clientUrlPath(client.attributes), serverUrlPath(root.attributes)],
      [rpcMethod(client.attributes), rpcMethod(root.attributes)],
    ]) {
      if (clientOperation === undefined || rootOperation === undefined) continue;
      if (clientOperation !== rootOperation) return false;
      corroborated = true;
    }
    if (endpoint === undefined) return true;
    const target = this.endpointServices.get(endpoint);
    if (target !== undefined) return target === root.serviceName;
    return corroborated;
  }

  private learnPropagatedCall(client: LiveSpan, server: LiveSpan): void {
    const endpoint = clientEndpoint(client.attributes);
    if (endpoint !== undefined) this.learnEndpoint(endpoint, server.serviceName);
  }

  private learnEndpoint(endpoint: string, serviceName: string): void {
    this.endpointServices.delete(endpoint);
    this.endpointServices.set(endpoint, serviceName);
    if (this.endpointServices.size > this.options.maxEndpoints) this.endpointServices.delete(this.endpointServices.keys().next().value as string);
  }

  private waitForParent(span: LiveSpan, parentSpanId: string): void {
    const key = spanKey(span.traceId, parentSpanId);
    const waiting = this.pendingParents.get(key);
    if (waiting === undefined) this.keep(this.pendingParents, key, [span], span.receivedAt);
    else if (waiting.value.length < childrenKeptPerParent) waiting.value.push(span);
  }

  /**
   * Adds to a map kept in arrival order. Once it holds maxPending, new spans are dropped (and
   * counted) rather than the oldest: those are the next to be judged, so that under overload the
   * detectors still judge a sample instead of dropping everything before its grace period ends.
   */
  private keep<T>(map: Map<string, Waiting<T>>, key: string, value: T, since: number): void {
    if (map.size >= this.options.maxPending) {
      this.droppedPending++;
      return;
    }
    map.set(key, { value, since });
  }

  private takeWaiting<T>(map: Map<string, Waiting<T>>, key: string): T | undefined {
    const waiting = map.get(key);
    if (waiting === undefined) return undefined;
    map.delete(key);
    return waiting.value;
  }

  private record(from: string, to: string, now: number, occurrence: PropagationOccurrence, location?: SourceLocation): string {
    const subject = `${from} → ${to}`;
    let pair = this.brokenPairs.get(subject);
    if (pair === undefined) {
      if (this.brokenPairs.size >= this.options.maxEndpoints) return subject;
      pair = { from, to, counts: { 'dropped-context': 0, 'no-child-span': 0, 'missing-parent': 0 }, latest: [], lastSeenAt: now };
      this.brokenPairs.set(subject, pair);
    }
    pair.counts[occurrence.pattern]++;
    pair.latest.unshift(occurrence);
    if (pair.latest.length > occurrencesKept) pair.latest.pop();
    pair.lastSeenAt = now;
    if (location !== undefined) pair.location = location;
    return subject;
  }

  private raisePropagation(subject: string): void {
    const pair = this.brokenPairs.get(subject);
    if (pair === undefined) return;
    const occurrences = pair.counts['dropped-context'] + pair.counts['no-child-span'] + pair.counts['missing-parent'];
    const example = pair.latest[0];
    this.findings.raise({
      kind: 'broken-propagation',
      severity: 'warning',
      subject,
      message: `${propagationMessage(pair, example)} (${occurrences} ${occurrences === 1 ? 'time' : 'times'}).`,
      evidence: {
        from: pair.from,
        to: pair.to,
        counts: { ...pair.counts },
        occurrences: pair.latest.map((occurrence) => ({ ...occurrence })),
      },
      ...(pair.location ? { location: pair.location } : {}),
    });
  }

  private judgeOperations(now: number): void {
    const slow = new Set<string>();
    const failing = new Set<string>();
    const windowSeconds = this.options.percentiles.windowMs / 1000;
    for (const figures of this.percentiles.all(now)) {
      const subject = `${figures.serviceName}: ${figures.spanName}`;
      const { current, baseline } = figures;
      const slowThresholds = this.options.slowOperation;
      const baselineLongEnough = baseline.coveredMs >= this.options.percentiles.windowMs;
      const slowJudged = baselineLongEnough && current.count >= slowThresholds.minCount && baseline.count >= slowThresholds.minBaselineCount;
      const isSlow =
        slowJudged && current.p99 !== undefined && baseline.p99 !== undefined && current.p99 >= baseline.p99 * slowThresholds.ratio && current.p99 - baseline.p99 >= slowThresholds.minIncreaseMs;
      if (isSlow || (this.slowSubjects.has(subject) && !slowJudged && current.count > 0)) {
        slow.add(subject);
        if (isSlow) {
          this.findings.raise({
            kind: 'slow-operation',
            severity: 'warning',
            subject,
            message: `${figures.serviceName} ${figures.spanName}: p99 ${formatDurationMs(current.p99)} over the last ${windowSeconds} s, ${(current.p99! / baseline.p99!).toFixed(1)}× its baseline of ${formatDurationMs(baseline.p99)} (p50 ${formatDurationMs(current.p50)}, ${current.count} spans).`,
            evidence: {
              serviceName: figures.serviceName,
              spanName: figures.spanName,
              windowMs: this.options.percentiles.windowMs,
              current: { count: current.count, p50: current.p50, p95: current.p95, p99: current.p99 },
              baseline: { count: baseline.count, p50: baseline.p50, p95: baseline.p95, p99: baseline.p99 },
              slowestSpans: current.slowest,
            },
          });
        }
      }
      const errorThresholds = this.options.errorRate;
      const errorJudged = baselineLongEnough && current.count >= errorThresholds.minCount && baseline.count >= errorThresholds.minBaselineCount;
      const isFailing =
        errorJudged &&
        current.errorCount >= errorThresholds.minErrors &&
        current.errorRate >= baseline.errorRate * errorThresholds.ratio &&
        current.errorRate - baseline.errorRate >= errorThresholds.minIncrease;
      if (isFailing || (this.errorRateSubjects.has(subject) && !errorJudged && current.count > 0)) {
        failing.add(subject);
        if (isFailing) {
          this.findings.raise({
            kind: 'error-rate',
            severity: 'error',
            subject,
            message: `${figures.serviceName} ${figures.spanName}: ${formatRate(current.errorRate)} of spans failed over the last ${windowSeconds} s (${current.errorCount} of ${current.count}), up from ${formatRate(baseline.errorRate)}.`,
            evidence: {
              serviceName: figures.serviceName,
              spanName: figures.spanName,
              windowMs: this.options.percentiles.windowMs,
              current: { count: current.count, errorCount: current.errorCount, errorRate: current.errorRate },
              baseline: { count: baseline.count, errorCount: baseline.errorCount, errorRate: baseline.errorRate },
              errorSpans: current.errors,
            },
          });
        }
      }
    }
    clearGone(this.findings, 'slow-operation', this.slowSubjects, slow);
    clearGone(this.findings, 'error-rate', this.errorRateSubjects, failing);
  }
}

/** Clears the findings of `raised` that are not in `holding`, and makes `raised` hold those. */
function clearGone(findings: LiveFindingSet, kind: 'slow-operation' | 'error-rate', raised: Set<string>, holding: Set<string>): void {
  for (const subject of raised) if (!holding.has(subject)) findings.clear(kind, subject);
  raised.clear();
  for (const subject of holding) raised.add(subject);
}

function propagationMessage(pair: BrokenPair, example: PropagationOccurrence): string {
  switch (example.pattern) {
    case 'dropped-context':
      return `${pair.from} calls ${pair.to} but ${pair.to} starts a new trace: the trace context (traceparent) is not sent by ${pair.from} or not read by ${pair.to}`;
    case 'no-child-span':
      return `${pair.from}'s calls to ${pair.to}${example.endpoint ? ` (${example.endpoint})` : ''} get no server span in ${pair.to}: ${pair.to} reports spans, but none for these calls`;
    case 'missing-parent':
      return `${pair.to} receives calls whose parent span never arrives: the caller forwards a trace context but does not report its spans here`;
  }
}

/** Server and consumer spans have their parent in another process; a missing local parent is a span still running. */
function hasRemoteParent(span: LiveSpan): boolean {
  return span.kind === 'server' || span.kind === 'consumer';
}

function spanKey(traceId: string, spanId: string): string {
  return `${traceId}/${spanId}`;
}

function reference(span: LiveSpan): SpanReference {
  return { traceId: span.traceId, spanId: span.spanId, serviceName: span.serviceName, name: span.name };
}

function stringAttribute(attributes: Attributes, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function positiveIntegerAttribute(attributes: Attributes, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value: AttributeValue | undefined = attributes[key];
    const port = typeof value === 'string' ? Number(value) : value;
    if (typeof port === 'number' && Number.isInteger(port) && port > 0) return port;
  }
  return undefined;
}

const loopbackNames = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '::ffff:127.0.0.1']);

function endpointOf(host: string, port: number): string {
  const name = host.toLowerCase();
  return `${loopbackNames.has(name) ? 'localhost' : name}:${port}`;
}

function endpointOfUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : undefined;
    return port === undefined ? undefined : endpointOf(url.hostname, port);
  } catch {
    return undefined;
  }
}

function pathOfUrl(text: string): string | undefined {
  try {
    return new URL(text).pathname;
  } catch {
    return undefined;
  }
}

/** Where a client span sent its request (current and older semantic conventions). */
function clientEndpoint(attributes: Attributes): string | undefined {
  const host = stringAttribute(attributes, 'server.address', 'net.peer.name', 'net.peer.ip');
  const port = positiveIntegerAttribute(attributes, 'server.port', 'net.peer.port');
  if (host !== undefined && port !== undefined) return endpointOf(host, port);
  const url = stringAttribute(attributes, 'url.full', 'http.url');
  return url === undefined ? undefined : endpointOfUrl(url);
}

/** Which endpoint a server span was called on (from its Host header, by the conventions). */
function serverEndpoint(attributes: Attributes): string | undefined {
  const host = stringAttribute(attributes, 'server.address', 'net.host.name');
  const port = positiveIntegerAttribute(attributes, 'server.port', 'net.host.port');
  if (host !== undefined && port !== undefined) return endpointOf(host, port);
  const hostHeader = stringAttribute(attributes, 'http.host');
  if (hostHeader !== undefined) return endpointOfUrl(`http://${hostHeader}`);
  const url = stringAttribute(attributes, 'url.full', 'http.url');
  return url === undefined ? undefined : endpointOfUrl(url);
}

function withoutQuery(target: string): string {
  const at = target.indexOf('?');
  return at === -1 ? target : target.slice(0, at);
}

function clientUrlPath(attributes: Attributes): string | undefined {
  const url = stringAttribute(attributes, 'url.full', 'http.url');
  if (url !== undefined) return pathOfUrl(url);
  const target = stringAttribute(attributes, 'url.path', 'http.target');
  return target === undefined ? undefined : withoutQuery(target);
}

function serverUrlPath(attributes: Attributes): string | undefined {
  const target = stringAttribute(attributes, 'url.path', 'http.target');
  if (target !== undefined) return withoutQuery(target);
  const url = stringAttribute(attributes, 'url.full', 'http.url');
  return url === undefined ? undefined : pathOfUrl(url);
}

/** `service/method` of an RPC span (gRPC and the like), the same on both sides of a call. */
function rpcMethod(attributes: Attributes): string | undefined {
  const service = stringAttribute(attributes, 'rpc.service');
  const method = stringAttribute(attributes, 'rpc.method');
  return service !== undefined && method !== undefined ? `${service}/${method}` : undefined;
}

function httpMethod(attributes: Attributes): string | undefined {
  return stringAttribute(attributes, 'http.request.method', 'http.method')?.toUpperCase();
}

/** The code location a span names (`code.filepath`/`code.lineno` or `code.file.path`/`code.line.number`). */
function sourceLocationOf(span: LiveSpan): SourceLocation | undefined {
  const file = stringAttribute(span.attributes, 'code.file.path', 'code.filepath');
  const line = positiveIntegerAttribute(span.attributes, 'code.line.number', 'code.lineno');
  return file !== undefined && line !== undefined ? { file, line } : undefined;
}

function formatRate(rate: number): string {
  return `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)}%`;
}
