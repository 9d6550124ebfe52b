// The live model as the panel protocol carries it: the trace summaries the Traces filter lets
// through, one trace's spans with times relative to its start, and live findings. Pure (no vscode
// import), so it is unit-tested.
import type { LiveFinding } from '../live/liveFinding';
import type { Attributes, LiveSpan } from '../live/spans';
import type { TraceStore, TraceSummary } from '../live/traceStore';
import type { OpenTraceResult, PanelAttributes, PanelLiveFinding, PanelSpan, PanelTraceSummary, TracesFilter } from '../shared/livePanelProtocol';
import { tracesShownLimit } from '../shared/livePanelProtocol';
import { spanSourceHints } from './spanSource';
import { matchesTracesFilter, type TextMatchCache } from './traceFilter';

export interface FilteredTraces {
  traces: PanelTraceSummary[];
  matching: number;
  services: string[];
}

/** The held traces the filter lets through, newest first, at most `limit`; and every service seen. */
export function filteredTraceSummaries(store: TraceStore, filter: TracesFilter, limit = tracesShownLimit, cache?: TextMatchCache): FilteredTraces {
  const traces: PanelTraceSummary[] = [];
  const services = new Set<string>();
  const held = new Set<string>();
  let matching = 0;
  const spansOf = (traceId: string) => store.spansOf(traceId);
  for (const summary of store.traces()) {
    held.add(summary.traceId);
    for (const service of summary.services) services.add(service);
    if (!matchesTracesFilter(summary, filter, spansOf, cache)) continue;
    matching += 1;
    if (traces.length < limit) traces.push(toPanelTraceSummary(summary));
  }
  cache?.retain(held);
  return { traces, matching, services: [...services].sort((a, b) => a.localeCompare(b)) };
}

function toPanelTraceSummary(summary: TraceSummary): PanelTraceSummary {
  return {
    traceId: summary.traceId,
    rootServiceName: summary.rootServiceName,
    rootName: summary.rootName,
    startTimeMs: nanosToMs(summary.startTimeUnixNano),
    durationMs: summary.durationMs,
    spanCount: summary.spanCount,
    errorCount: summary.errorCount,
    services: summary.services,
  };
}

export function openTraceResult(store: TraceStore, traceId: string): OpenTraceResult {
  const spans = store.spansOf(traceId);
  const start = spans.reduce<bigint | undefined>((earliest, span) => (earliest === undefined || span.startTimeUnixNano < earliest ? span.startTimeUnixNano : earliest), undefined) ?? 0n;
  return { traceId, startTimeMs: nanosToMs(start), spans: spans.map((span) => toPanelSpan(span, start)) };
}

function toPanelSpan(span: LiveSpan, traceStart: bigint): PanelSpan {
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: span.kind,
    serviceName: span.serviceName,
    startMs: nanosBetweenMs(traceStart, span.startTimeUnixNano),
    durationMs: Math.max(0, nanosBetweenMs(span.startTimeUnixNano, span.endTimeUnixNano)),
    status: span.status.message === undefined ? { code: span.status.code } : { code: span.status.code, message: span.status.message },
    attributes: panelAttributes(span.attributes),
    resource: panelAttributes(span.resource),
    scope: span.scope.version === undefined ? { name: span.scope.name } : { name: span.scope.name, version: span.scope.version },
    events: span.events.map((event) => ({ name: event.name, offsetMs: nanosBetweenMs(traceStart, event.timeUnixNano), attributes: panelAttributes(event.attributes) })),
    links: span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId, attributes: panelAttributes(link.attributes) })),
    hasSource: spanSourceHints(span).length > 0,
  };
}

/** LiveSpan attributes are already JSON values; this only drops the type's looseness. */
function panelAttributes(attributes: Attributes): PanelAttributes {
  return attributes as PanelAttributes;
}

export function toPanelLiveFinding(finding: LiveFinding): PanelLiveFinding {
  return {
    kind: finding.kind,
    severity: finding.severity,
    subject: finding.subject,
    message: finding.message,
    evidence: finding.evidence,
    location: finding.location,
    raisedAt: finding.raisedAt,
    updatedAt: finding.updatedAt,
  };
}

function nanosToMs(nanos: bigint): number {
  return Number(nanos / 1_000_000n) + Number(nanos % 1_000_000n) / 1e6;
}

function nanosBetweenMs(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}
