// The traces source: an OTLP/HTTP receiver feeding a TraceStore, watched by the trace detectors,
// which are ticked on a timer for their grace periods and sliding windows (the tick also drops the
// spans past the store's age). `bounded watch` runs it as a LiveSource (start/stop); the panel's
// session keeps it open and starts and stops its receiver (startReceiver/stopReceiver), the store
// and the detectors living on in between (traces imported from a file reach them too).
import type { LiveFindingSet } from './liveFindingSet';
import type { LiveSource, LiveSourceSummary } from './liveSource';
import { formatDurationMs } from './slidingPercentiles';
import { startOtlpReceiver, type OtlpReceiver } from './otlpReceiver';
import { createTraceDetectors, type TraceDetectorOptionsInput } from './traceDetectors';
import { TraceStore, type TraceStoreOptions } from './traceStore';

export interface TraceSourceOptions {
  host: string;
  /** The port start() listens on, and startReceiver() by default; 0 lets the system choose. */
  port: number;
  findings: LiveFindingSet;
  store?: TraceStoreOptions;
  detectors?: TraceDetectorOptionsInput;
  /** The receiver's limits (startOtlpReceiver's defaults when not given). */
  maxBodyBytes?: number;
  maxDecompressedBytes?: number;
  maxConcurrentRequests?: number;
  /** How often the detectors judge what waited past its grace period and the sliding windows. */
  tickMs?: number;
  /** Operations the summary lists. */
  topOperations?: number;
  log?: (line: string) => void;
}

export const defaultTraceStoreOptions: TraceStoreOptions = { maxSpans: 100_000, maxAgeMs: 30 * 60_000, maxBytes: 256 * 1024 * 1024 };

export interface TraceSource extends LiveSource {
  readonly store: TraceStore;
  readonly findings: LiveFindingSet;
  /** The receiver's base endpoint (what OTEL_EXPORTER_OTLP_ENDPOINT takes) while it runs. */
  readonly url: string | undefined;
  /**
   * Starts the receiver on `port` (options.port by default; 0 picks a free one). Rejects as
   * startOtlpReceiver does (code EADDRINUSE when the port is taken), the source staying open to
   * try again. Running or starting already: resolves with that receiver.
   */
  startReceiver(port?: number): Promise<OtlpReceiver>;
  /** Closes the receiver (one still starting once it has started); the store and detectors stay. */
  stopReceiver(): Promise<void>;
}

export function createTraceSource(options: TraceSourceOptions): TraceSource {
  const store = new TraceStore(options.store ?? defaultTraceStoreOptions);
  const detectors = createTraceDetectors({ store, findings: options.findings, options: options.detectors });
  const ticker = setInterval(() => {
    detectors.tick();
    store.prune();
  }, options.tickMs ?? 1000);
  ticker.unref();
  let receiver: OtlpReceiver | undefined;
  let starting: Promise<OtlpReceiver> | undefined;
  let spansReceived = 0;
  let tracesReceived = 0;
  const counting = store.onSpans((spans) => {
    spansReceived += spans.length;
    const perTrace = new Map<string, number>();
    for (const span of spans) perTrace.set(span.traceId, (perTrace.get(span.traceId) ?? 0) + 1);
    // A trace is new when all the spans the store holds of it came in this batch.
    for (const [traceId, count] of perTrace) if (store.spansOf(traceId).length === count) tracesReceived++;
  });

  async function startReceiver(port = options.port): Promise<OtlpReceiver> {
    if (receiver) return receiver;
    if (starting) return starting;
    const { host, maxBodyBytes, maxDecompressedBytes, maxConcurrentRequests, log } = options;
    starting = startOtlpReceiver({ host, port, store, maxBodyBytes, maxDecompressedBytes, maxConcurrentRequests, log });
    try {
      receiver = await starting;
      return receiver;
    } finally {
      starting = undefined;
    }
  }

  async function stopReceiver(): Promise<void> {
    const running = receiver ?? (await starting?.catch(() => undefined));
    receiver = undefined;
    await running?.close();
  }

  async function stop(): Promise<void> {
    clearInterval(ticker);
    detectors.dispose();
    counting.dispose();
    await stopReceiver();
  }

  return {
    name: 'traces',
    store,
    findings: options.findings,
    get url() {
      return receiver?.url;
    },
    startReceiver,
    stopReceiver,
    /** Starts the receiver on options.port; when it cannot, stops the source (a watch exits then). */
    async start() {
      try {
        const started = await startReceiver();
        return `receiving OTLP/HTTP traces at ${started.url}/v1/traces (OTEL_EXPORTER_OTLP_ENDPOINT=${started.url})`;
      } catch (error) {
        await stop();
        throw error;
      }
    },
    stop,
    summary(): LiveSourceSummary {
      const held = store.stats();
      const pending = detectors.stats();
      const received = receiver?.stats() ?? { requests: 0, refusedRequests: {}, acceptedSpans: 0, rejectedSpans: 0 };
      const top = detectors.topOperations(options.topOperations ?? 5).map((figures) => ({
        serviceName: figures.serviceName,
        spanName: figures.spanName,
        count: figures.current.count,
        errorRate: Number(figures.current.errorRate.toFixed(4)),
        p50: roundedToMicroseconds(figures.current.p50),
        p95: roundedToMicroseconds(figures.current.p95),
        p99: roundedToMicroseconds(figures.current.p99),
      }));
      const figures = {
        endpoint: receiver?.url,
        spansReceived,
        tracesReceived,
        receiver: received,
        store: held,
        pendingParents: pending.pendingParents,
        pendingClients: pending.pendingClients,
        topOperations: top,
      };
      const refused = Object.entries(received.refusedRequests).map(([status, count]) => `${count}× ${status}`);
      const busiest = top.map((operation) => `${operation.serviceName} ${operation.spanName} ${operation.count}× p99 ${formatDurationMs(operation.p99)}${operation.errorRate > 0 ? ` ${(operation.errorRate * 100).toFixed(0)}% errors` : ''}`);
      const text = `traces: ${spansReceived} spans, ${tracesReceived} traces received${received.rejectedSpans > 0 ? ` (${received.rejectedSpans} invalid spans rejected)` : ''}${refused.length > 0 ? `; requests refused: ${refused.join(', ')}` : ''}; holding ${held.spans} spans of ${held.traces} traces${held.evictedSpans > 0 ? ` (${held.evictedSpans} evicted)` : ''}${busiest.length > 0 ? `; busiest: ${busiest.join(', ')}` : ''}`;
      return { figures, text };
    },
  };
}

/** The percentiles are within 1% anyway: microseconds keep the JSON readable. */
function roundedToMicroseconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Number(ms.toFixed(3));
}
