// Spans as the live model holds them: decoded from OTLP (protobuf or JSON) into one shape, with ids
// as lowercase hex and times as BigInt nanoseconds (OTLP's fixed64/int64 do not fit a double).

export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

export type StatusCode = 'unset' | 'ok' | 'error';

/** An OTLP AnyValue: scalars, arrays, key-value lists; bytes as lowercase hex. */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface LiveSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Absent for a root span (OTLP's empty parent_span_id). */
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  status: { code: StatusCode; message?: string };
  /** The resource's `service.name`; `unknown_service` when the resource has none. */
  serviceName: string;
  attributes: Attributes;
  /** The resource attributes, shared by every span of one ResourceSpans. */
  resource: Attributes;
  scope: { name: string; version?: string };
  events: SpanEvent[];
  links: SpanLink[];
  /** When the receiver accepted the span (ms since the epoch, the receiver's clock). */
  receivedAt: number;
}

export function spanDurationMs(span: LiveSpan): number {
  return Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
}
