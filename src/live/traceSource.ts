// The traces source: an OTLP/HTTP receiver feeding a TraceStore, watched by the trace detectors,
// which are ticked on a timer for their grace periods and sliding windows.
import type { LiveFindingSet } from './liveFindingSet';
import type { LiveSource, LiveSourceSummary } from './liveSource';
import { formatDurationMs } from './slidingPercentiles';
import { startOtlpReceiver, type OtlpReceiver } from './otlpReceiver';
import { createTraceDetectors, type TraceDetectorOptionsInput, type TraceDetectors } from './traceDetectors';
import { TraceStore, type TraceStoreOptions } from './traceStore';

export interface TraceSourceOptions {
  host: string;
  port: number;
  findings: LiveFindingSet;
  store?: TraceStoreOptions;
  detectors?: TraceDetectorOptionsInput;
  /** How often the detectors judge what waited past its grace period and the sliding windows. */
  tickMs?: number;
  /** Operations the summary lists. */
  topOperations?: number;
  log?: (line: string) => void;
}

export const defaultTraceStoreOptions: TraceStoreOptions = { maxSpans: 100_000, maxAgeMs: 30 * 60_000 };

export interface TraceSource extends LiveSource {
  readonly store: TraceStore;
}

export function createTraceSource(options: TraceSourceOptions): TraceSource {
  const store = new TraceStore(options.store ?? defaultTraceStoreOptions);
  let receiver: OtlpReceiver | undefined;
  let detectors: TraceDetectors | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let spansReceived = 0;
  let tracesReceived = 0;
  const counting = store.onSpans((spans) => {
    spansReceived += spans.length;
    const perTrace = new Map<string, number>();
    for (const span of spans) perTrace.set(span.traceId, (perTrace.get(span.traceId) ?? 0) + 1);
    // A trace is new when all the spans the store holds of it came in this batch.
    for (const [traceId, count] of perTrace) if (store.spansOf(traceId).length === count) tracesReceived++;
  });

  return {
    name: 'traces',
    store,
    async start() {
      detectors = createTraceDetectors({ store, findings: options.findings, options: options.detectors });
      try {
        receiver = await startOtlpReceiver({ host: options.host, port: options.port, store, log: options.log });
      } catch (error) {
        detectors.dispose();
        detectors = undefined;
        throw error;
      }
      const ticking = detectors;
      ticker = setInterval(() => ticking.tick(), options.tickMs ?? 1000);
      return `receiving OTLP/HTTP traces at ${receiver.url}/v1/traces (OTEL_EXPORTER_OTLP_ENDPOINT=${receiver.url})`;
    },
    async stop() {
      clearInterval(ticker);
      ticker = undefined;
      detectors?.dispose();
      detectors = undefined;
      counting.dispose();
      await receiver?.close();
      receiver = undefined;
    },
    summary(): LiveSourceSummary {
      const held = store.stats();
      const pending = detectors?.stats();
      const top = (detectors?.topOperations(options.topOperations ?? 5) ?? []).map((figures) => ({
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
        store: held,
        pendingParents: pending?.pendingParents ?? 0,
        pendingClients: pending?.pendingClients ?? 0,
        topOperations: top,
      };
      const busiest = top.map((operation) => `${operation.serviceName} ${operation.spanName} ${operation.count}× p99 ${formatDurationMs(operation.p99)}${operation.errorRate > 0 ? ` ${(operation.errorRate * 100).toFixed(0)}% errors` : ''}`);
      const text = `traces: ${spansReceived} spans, ${tracesReceived} traces received; holding ${held.spans} spans of ${held.traces} traces${held.evictedSpans > 0 ? ` (${held.evictedSpans} evicted)` : ''}${busiest.length > 0 ? `; busiest: ${busiest.join(', ')}` : ''}`;
      return { figures, text };
    },
  };
}

/** The percentiles are within 1% anyway: microseconds keep the JSON readable. */
function roundedToMicroseconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Number(ms.toFixed(3));
}
