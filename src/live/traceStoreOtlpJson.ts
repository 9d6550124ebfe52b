// A TraceStore's spans to and from an OTLP/JSON file: what "Export Live Traces" writes (every span
// held, by trace) and what "Import Live Traces" reads back into the store. A file that does not
// decode throws OtlpDecodeError before anything is added: a bad file loses nothing.
import { decodeOtlpJson } from './otlpDecode';
import { encodeOtlpJson } from './otlpJsonEncode';
import type { LiveSpan } from './spans';
import type { TraceStore } from './traceStore';

export interface OtlpJsonExport {
  /** The ExportTraceServiceRequest as JSON text. */
  text: string;
  spans: number;
  traces: number;
}

export interface OtlpJsonImport {
  /** Spans taken into the store. */
  added: number;
  /** Spans the store held already, or the file holds twice (same trace and span id): not added twice. */
  alreadyHeld: number;
  /** Spans the file holds that are not valid (see otlpDecode.ts), with why. */
  rejected: number;
  rejectedReason?: string;
  traces: number;
}

export function exportTraceStoreAsOtlpJson(store: TraceStore): OtlpJsonExport {
  const traces = store.traces();
  const spans: LiveSpan[] = traces.flatMap((summary) => store.spansOf(summary.traceId));
  return { text: `${JSON.stringify(encodeOtlpJson(spans))}\n`, spans: spans.length, traces: traces.length };
}

/** Throws OtlpDecodeError when `text` is not an OTLP/JSON ExportTraceServiceRequest; the store is then unchanged. */
export function importOtlpJsonIntoTraceStore(store: TraceStore, text: string, receivedAt: number): OtlpJsonImport {
  const decoded = decodeOtlpJson(text, receivedAt);
  const seen = new Set<string>();
  const fresh = decoded.spans.filter((span) => {
    const key = `${span.traceId}/${span.spanId}`;
    if (seen.has(key) || store.span(span.traceId, span.spanId) !== undefined) return false;
    seen.add(key);
    return true;
  });
  store.add(fresh);
  return {
    added: fresh.length,
    alreadyHeld: decoded.spans.length - fresh.length,
    rejected: decoded.rejected,
    ...(decoded.errorMessage === undefined ? {} : { rejectedReason: decoded.errorMessage }),
    traces: new Set(decoded.spans.map((span) => span.traceId)).size,
  };
}
