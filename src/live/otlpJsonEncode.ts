// LiveSpans into an OTLP/JSON ExportTraceServiceRequest, the inverse of otlpDecode.ts's
// decodeOtlpJson: what "Export Live Traces" writes and any OTLP/JSON reader (this one, the
// collector's otlpjsonfile receiver, Jaeger's importer) reads back. Spans are grouped by resource
// (equal attributes, whichever request they came in) and, within it, by instrumentation scope, in
// the order they are given. OTLP/JSON, not proto3 JSON: ids are lowercase hex, enums integers,
// 64-bit integers (times, int attributes) decimal strings. What a LiveSpan does not hold (trace
// state, flags, dropped counts, schema URLs) is not written; `receivedAt` is this receiver's, not
// OTLP's, and is not written either.
import type { AttributeValue, Attributes, LiveSpan, SpanKind, StatusCode } from './spans';

export interface OtlpJsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number | string;
  arrayValue?: { values: OtlpJsonAnyValue[] };
  kvlistValue?: { values: OtlpJsonKeyValue[] };
}

export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonAnyValue;
}

export interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpJsonKeyValue[];
  events: Array<{ timeUnixNano: string; name: string; attributes: OtlpJsonKeyValue[] }>;
  links: Array<{ traceId: string; spanId: string; attributes: OtlpJsonKeyValue[] }>;
  status: { code: number; message?: string };
}

export interface OtlpJsonScopeSpans {
  scope: { name: string; version?: string };
  spans: OtlpJsonSpan[];
}

export interface OtlpJsonResourceSpans {
  resource: { attributes: OtlpJsonKeyValue[] };
  scopeSpans: OtlpJsonScopeSpans[];
}

export interface OtlpJsonExportTraceServiceRequest {
  resourceSpans: OtlpJsonResourceSpans[];
}

const spanKindNumbers: Record<SpanKind, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const statusCodeNumbers: Record<StatusCode, number> = { unset: 0, ok: 1, error: 2 };

export function encodeOtlpJson(spans: Iterable<LiveSpan>): OtlpJsonExportTraceServiceRequest {
  const resources = new Map<string, { resourceSpans: OtlpJsonResourceSpans; scopes: Map<string, OtlpJsonScopeSpans> }>();
  // Spans of one decoded request share their resource object: its key is computed once.
  const resourceKeys = new WeakMap<Attributes, string>();
  for (const span of spans) {
    let resourceKey = resourceKeys.get(span.resource);
    if (resourceKey === undefined) {
      resourceKey = JSON.stringify(span.resource);
      resourceKeys.set(span.resource, resourceKey);
    }
    let resource = resources.get(resourceKey);
    if (resource === undefined) {
      resource = { resourceSpans: { resource: { attributes: encodeAttributes(span.resource) }, scopeSpans: [] }, scopes: new Map() };
      resources.set(resourceKey, resource);
    }
    const scopeKey = JSON.stringify([span.scope.name, span.scope.version ?? '']);
    let scopeSpans = resource.scopes.get(scopeKey);
    if (scopeSpans === undefined) {
      scopeSpans = { scope: span.scope.version === undefined ? { name: span.scope.name } : { name: span.scope.name, version: span.scope.version }, spans: [] };
      resource.scopes.set(scopeKey, scopeSpans);
      resource.resourceSpans.scopeSpans.push(scopeSpans);
    }
    scopeSpans.spans.push(encodeSpan(span));
  }
  return { resourceSpans: [...resources.values()].map((resource) => resource.resourceSpans) };
}

function encodeSpan(span: LiveSpan): OtlpJsonSpan {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
    name: span.name,
    kind: spanKindNumbers[span.kind],
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    attributes: encodeAttributes(span.attributes),
    events: span.events.map((event) => ({ timeUnixNano: event.timeUnixNano.toString(), name: event.name, attributes: encodeAttributes(event.attributes) })),
    links: span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId, attributes: encodeAttributes(link.attributes) })),
    status: span.status.message === undefined ? { code: statusCodeNumbers[span.status.code] } : { code: statusCodeNumbers[span.status.code], message: span.status.message },
  };
}

function encodeAttributes(attributes: Attributes): OtlpJsonKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: encodeAnyValue(value) }));
}

/**
 * The decoder's AttributeValue back to an AnyValue. A whole number is an intValue (as the OTel JS
 * SDK writes it), any other number a doubleValue (NaN and the infinities as proto3 JSON's strings);
 * null is the empty AnyValue. Bytes were decoded to hex text and int64s past 2^53 to decimal text:
 * both go back as strings.
 */
function encodeAnyValue(value: AttributeValue): OtlpJsonAnyValue {
  if (value === null) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) return { intValue: value.toString() };
    return { doubleValue: Number.isFinite(value) ? value : String(value) };
  }
  if (Array.isArray(value)) return { arrayValue: { values: value.map(encodeAnyValue) } };
  return { kvlistValue: { values: encodeAttributes(value) } };
}
