// OTLP ExportTraceServiceRequest, protobuf or JSON, into LiveSpans. A body that does not decode
// throws an OtlpDecodeError with the reason (the receiver answers 400); a span that decodes but is
// not valid (ids of the wrong length or all zero) is counted as rejected and the others are kept
// (the receiver answers 200 with partialSuccess).
//
// OTLP/JSON differs from proto3 JSON: trace and span ids are hex, not base64; enums are integers
// (names are accepted too); int64 values may be a decimal string or a number; unknown fields are
// ignored. Field names are lowerCamelCase; AnyValue bytes are base64, as in proto3 JSON.
import { Reader } from 'protobufjs';
import { exportTraceServiceRequestType } from './otlpTraceSchema';
import type { AttributeValue, Attributes, LiveSpan, SpanEvent, SpanKind, SpanLink, StatusCode } from './spans';

export interface OtlpDecodeResult {
  spans: LiveSpan[];
  rejected: number;
  /** Why the first rejected span was rejected (and how many were), when some were. */
  errorMessage?: string;
}

export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

const spanKinds: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const spanKindNames = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const statusCodes: readonly StatusCode[] = ['unset', 'ok', 'error'];
const statusCodeNames = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const unknownService = 'unknown_service';

// ---------------------------------------------------------------------------------------------
// Protobuf

/** protobufjs's 64-bit integer when long.js is loaded; a number otherwise. */
interface LongBits {
  low: number;
  high: number;
}
type ProtoInt64 = LongBits | number;

interface ProtoAnyValue {
  string_value?: string;
  bool_value?: boolean;
  int_value?: ProtoInt64;
  double_value?: number;
  array_value?: { values: ProtoAnyValue[] };
  kvlist_value?: { values: ProtoKeyValue[] };
  bytes_value?: Uint8Array;
}
interface ProtoKeyValue {
  key: string;
  value?: ProtoAnyValue;
}
interface ProtoSpan {
  trace_id: Uint8Array;
  span_id: Uint8Array;
  parent_span_id: Uint8Array;
  name: string;
  kind: number;
  start_time_unix_nano: ProtoInt64;
  end_time_unix_nano: ProtoInt64;
  attributes: ProtoKeyValue[];
  events: Array<{ time_unix_nano: ProtoInt64; name: string; attributes: ProtoKeyValue[] }>;
  links: Array<{ trace_id: Uint8Array; span_id: Uint8Array; attributes: ProtoKeyValue[] }>;
  status?: { message: string; code: number };
}
interface ProtoExportTraceServiceRequest {
  resource_spans: Array<{
    resource?: { attributes: ProtoKeyValue[] };
    scope_spans: Array<{ scope?: { name: string; version: string }; spans: ProtoSpan[] }>;
  }>;
}

export function decodeOtlpProtobuf(body: Uint8Array, receivedAt: number): OtlpDecodeResult {
  let request: ProtoExportTraceServiceRequest;
  try {
    request = exportTraceServiceRequestType.decode(Reader.create(body)) as unknown as ProtoExportTraceServiceRequest;
  } catch (error) {
    throw new OtlpDecodeError(`the body is not a protobuf ExportTraceServiceRequest: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = new DecodeResultBuilder();
  for (const resourceSpans of request.resource_spans) {
    const resource = protoAttributes(resourceSpans.resource?.attributes);
    const serviceName = serviceNameOf(resource);
    for (const scopeSpans of resourceSpans.scope_spans) {
      const scope = scopeOf(scopeSpans.scope?.name, scopeSpans.scope?.version);
      for (const span of scopeSpans.spans) {
        const traceId = hexOfBytes(span.trace_id);
        const spanId = hexOfBytes(span.span_id);
        const parentSpanId = span.parent_span_id.length === 0 ? undefined : hexOfBytes(span.parent_span_id);
        const invalid = invalidIds(traceId, spanId, parentSpanId);
        if (invalid !== undefined) {
          result.reject(invalid);
          continue;
        }
        result.spans.push({
          traceId,
          spanId,
          ...(parentSpanId === undefined ? {} : { parentSpanId }),
          name: span.name,
          kind: spanKinds[span.kind] ?? 'unspecified',
          startTimeUnixNano: unsignedOfProto(span.start_time_unix_nano),
          endTimeUnixNano: unsignedOfProto(span.end_time_unix_nano),
          status: statusOf(span.status?.code ?? 0, span.status?.message),
          serviceName,
          attributes: protoAttributes(span.attributes),
          resource,
          scope,
          events: span.events.map((event): SpanEvent => ({ name: event.name, timeUnixNano: unsignedOfProto(event.time_unix_nano), attributes: protoAttributes(event.attributes) })),
          links: span.links.map((link): SpanLink => ({ traceId: hexOfBytes(link.trace_id), spanId: hexOfBytes(link.span_id), attributes: protoAttributes(link.attributes) })),
          receivedAt,
        });
      }
    }
  }
  return result.finish();
}

function protoAttributes(keyValues: readonly ProtoKeyValue[] | undefined): Attributes {
  const attributes: Attributes = {};
  if (keyValues === undefined) return attributes;
  for (const keyValue of keyValues) attributes[keyValue.key] = protoAnyValue(keyValue.value);
  return attributes;
}

/** The member of AnyValue's `value` oneof that is set: decoded fields are the message's own properties, unset ones its prototype's defaults. */
function protoAnyValue(value: ProtoAnyValue | undefined): AttributeValue {
  if (value === undefined || value === null) return null;
  if (Object.hasOwn(value, 'string_value')) return value.string_value ?? '';
  if (Object.hasOwn(value, 'int_value')) return numberOfInt64(signedOfProto(value.int_value ?? 0));
  if (Object.hasOwn(value, 'bool_value')) return value.bool_value ?? false;
  if (Object.hasOwn(value, 'double_value')) return value.double_value ?? 0;
  if (Object.hasOwn(value, 'array_value')) return (value.array_value?.values ?? []).map(protoAnyValue);
  if (Object.hasOwn(value, 'kvlist_value')) return protoAttributes(value.kvlist_value?.values);
  if (Object.hasOwn(value, 'bytes_value')) return hexOfBytes(value.bytes_value ?? new Uint8Array());
  return null;
}

function bitsOf(value: ProtoInt64): bigint {
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

function unsignedOfProto(value: ProtoInt64): bigint {
  return BigInt.asUintN(64, bitsOf(value));
}

function signedOfProto(value: ProtoInt64): bigint {
  return BigInt.asIntN(64, bitsOf(value));
}

function hexOfBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

// ---------------------------------------------------------------------------------------------
// JSON

type JsonObject = { [key: string]: unknown };

/** `body` as bytes (UTF-8) or text. */
export function decodeOtlpJson(body: Uint8Array | string, receivedAt: number): OtlpDecodeResult {
  let request: unknown;
  try {
    request = JSON.parse(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError(`the body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(request)) throw new OtlpDecodeError('the body is not an ExportTraceServiceRequest: not a JSON object');
  const result = new DecodeResultBuilder();
  const resourceSpansList = listAt(request, 'resourceSpans', 'the request');
  resourceSpansList.forEach((resourceSpans, resourceIndex) => {
    const where = `resourceSpans[${resourceIndex}]`;
    const resourceSpansObject = objectOf(resourceSpans, where);
    const resourceObject = optionalObjectAt(resourceSpansObject, 'resource', where);
    const resource = jsonAttributes(resourceObject?.attributes, `${where}.resource.attributes`);
    const serviceName = serviceNameOf(resource);
    listAt(resourceSpansObject, 'scopeSpans', where).forEach((scopeSpans, scopeIndex) => {
      const scopeWhere = `${where}.scopeSpans[${scopeIndex}]`;
      const scopeSpansObject = objectOf(scopeSpans, scopeWhere);
      const scopeObject = optionalObjectAt(scopeSpansObject, 'scope', scopeWhere);
      const scope = scopeOf(optionalStringAt(scopeObject, 'name', `${scopeWhere}.scope`), optionalStringAt(scopeObject, 'version', `${scopeWhere}.scope`));
      listAt(scopeSpansObject, 'spans', scopeWhere).forEach((span, spanIndex) => {
        const spanWhere = `${scopeWhere}.spans[${spanIndex}]`;
        const decoded = jsonSpan(objectOf(span, spanWhere), spanWhere, { serviceName, resource, scope, receivedAt });
        if (typeof decoded === 'string') result.reject(decoded);
        else result.spans.push(decoded);
      });
    });
  });
  return result.finish();
}

interface SpanContextOfScope {
  serviceName: string;
  resource: Attributes;
  scope: LiveSpan['scope'];
  receivedAt: number;
}

/** The span, or why it is rejected. Throws when the body is malformed (a field of the wrong JSON type). */
function jsonSpan(span: JsonObject, where: string, context: SpanContextOfScope): LiveSpan | string {
  const traceId = idAt(span, 'traceId', where);
  const spanId = idAt(span, 'spanId', where);
  const parentHex = idAt(span, 'parentSpanId', where);
  const parentSpanId = parentHex === '' ? undefined : parentHex;
  const invalid = invalidIds(traceId, spanId, parentSpanId);
  if (invalid !== undefined) return invalid;
  const statusObject = optionalObjectAt(span, 'status', where);
  return {
    traceId,
    spanId,
    ...(parentSpanId === undefined ? {} : { parentSpanId }),
    name: optionalStringAt(span, 'name', where) ?? '',
    kind: spanKinds[enumAt(span, 'kind', spanKindNames, where)] ?? 'unspecified',
    startTimeUnixNano: BigInt.asUintN(64, int64At(span, 'startTimeUnixNano', where)),
    endTimeUnixNano: BigInt.asUintN(64, int64At(span, 'endTimeUnixNano', where)),
    status: statusOf(statusObject === undefined ? 0 : enumAt(statusObject, 'code', statusCodeNames, `${where}.status`), optionalStringAt(statusObject, 'message', `${where}.status`)),
    serviceName: context.serviceName,
    attributes: jsonAttributes(span.attributes, `${where}.attributes`),
    resource: context.resource,
    scope: context.scope,
    events: listAt(span, 'events', where).map((event, index): SpanEvent => {
      const eventWhere = `${where}.events[${index}]`;
      const eventObject = objectOf(event, eventWhere);
      return {
        name: optionalStringAt(eventObject, 'name', eventWhere) ?? '',
        timeUnixNano: BigInt.asUintN(64, int64At(eventObject, 'timeUnixNano', eventWhere)),
        attributes: jsonAttributes(eventObject.attributes, `${eventWhere}.attributes`),
      };
    }),
    links: listAt(span, 'links', where).map((link, index): SpanLink => {
      const linkWhere = `${where}.links[${index}]`;
      const linkObject = objectOf(link, linkWhere);
      return { traceId: idAt(linkObject, 'traceId', linkWhere), spanId: idAt(linkObject, 'spanId', linkWhere), attributes: jsonAttributes(linkObject.attributes, `${linkWhere}.attributes`) };
    }),
    receivedAt: context.receivedAt,
  };
}

function jsonAttributes(keyValues: unknown, where: string): Attributes {
  const attributes: Attributes = {};
  if (keyValues === undefined || keyValues === null) return attributes;
  if (!Array.isArray(keyValues)) throw new OtlpDecodeError(`${where} is not a list`);
  keyValues.forEach((keyValue, index) => {
    const keyValueWhere = `${where}[${index}]`;
    const keyValueObject = objectOf(keyValue, keyValueWhere);
    const key = optionalStringAt(keyValueObject, 'key', keyValueWhere) ?? '';
    attributes[key] = jsonAnyValue(keyValueObject.value, `${keyValueWhere}.value`);
  });
  return attributes;
}

function jsonAnyValue(value: unknown, where: string): AttributeValue {
  if (value === undefined || value === null) return null;
  const anyValue = objectOf(value, where);
  if ('stringValue' in anyValue) return stringOf(anyValue.stringValue, `${where}.stringValue`);
  if ('boolValue' in anyValue) {
    if (typeof anyValue.boolValue !== 'boolean') throw new OtlpDecodeError(`${where}.boolValue is not a boolean`);
    return anyValue.boolValue;
  }
  if ('intValue' in anyValue) return numberOfInt64(int64Of(anyValue.intValue, `${where}.intValue`));
  if ('doubleValue' in anyValue) return doubleOf(anyValue.doubleValue, `${where}.doubleValue`);
  if ('arrayValue' in anyValue) {
    const arrayValue = objectOf(anyValue.arrayValue, `${where}.arrayValue`);
    return listAt(arrayValue, 'values', `${where}.arrayValue`).map((item, index) => jsonAnyValue(item, `${where}.arrayValue.values[${index}]`));
  }
  if ('kvlistValue' in anyValue) return jsonAttributes(objectOf(anyValue.kvlistValue, `${where}.kvlistValue`).values, `${where}.kvlistValue.values`);
  if ('bytesValue' in anyValue) return Buffer.from(stringOf(anyValue.bytesValue, `${where}.bytesValue`), 'base64').toString('hex');
  return null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectOf(value: unknown, where: string): JsonObject {
  if (!isObject(value)) throw new OtlpDecodeError(`${where} is not an object`);
  return value;
}

function optionalObjectAt(object: JsonObject, key: string, where: string): JsonObject | undefined {
  const value = object[key];
  return value === undefined || value === null ? undefined : objectOf(value, `${where}.${key}`);
}

/** A repeated field: absent or null is empty. */
function listAt(object: JsonObject, key: string, where: string): unknown[] {
  const value = object[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${where}.${key} is not a list`);
  return value;
}

function stringOf(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new OtlpDecodeError(`${where} is not a string`);
  return value;
}

function optionalStringAt(object: JsonObject | undefined, key: string, where: string): string | undefined {
  const value = object?.[key];
  return value === undefined || value === null ? undefined : stringOf(value, `${where}.${key}`);
}

/** A hex id; absent is '' (and then not valid where an id is required). Not hex is malformed. */
function idAt(object: JsonObject, key: string, where: string): string {
  const value = optionalStringAt(object, key, where) ?? '';
  if (!/^[0-9a-fA-F]*$/.test(value)) throw new OtlpDecodeError(`${where}.${key} is not hex: ${JSON.stringify(value.slice(0, 40))}`);
  return value.toLowerCase();
}

function int64Of(value: unknown, where: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new OtlpDecodeError(`${where} is not an integer: ${JSON.stringify(value)}`);
}

function int64At(object: JsonObject, key: string, where: string): bigint {
  const value = object[key];
  return value === undefined || value === null ? 0n : int64Of(value, `${where}.${key}`);
}

/** proto3 JSON doubles: a number, or a string for NaN, Infinity, -Infinity (and decimal text). */
function doubleOf(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (value === 'NaN') return Number.NaN;
  throw new OtlpDecodeError(`${where} is not a number: ${JSON.stringify(value)}`);
}

/** An enum as its integer (OTLP/JSON) or its name (proto3 JSON); unknown values read as 0. */
function enumAt(object: JsonObject, key: string, names: readonly string[], where: string): number {
  const value = object[key];
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') return Math.max(0, names.indexOf(value));
  throw new OtlpDecodeError(`${where}.${key} is not an enum value: ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------------------------
// Shared

class DecodeResultBuilder {
  readonly spans: LiveSpan[] = [];
  private rejected = 0;
  private firstReason: string | undefined;

  reject(reason: string): void {
    this.rejected += 1;
    this.firstReason ??= reason;
  }

  finish(): OtlpDecodeResult {
    if (this.rejected === 0) return { spans: this.spans, rejected: 0 };
    const others = this.rejected - 1;
    return { spans: this.spans, rejected: this.rejected, errorMessage: `${this.rejected} span${this.rejected === 1 ? '' : 's'} rejected: ${this.firstReason}${others > 0 ? ` (and ${others} more)` : ''}` };
  }
}

/** Why the ids make the span invalid, or undefined when they are valid. */
function invalidIds(traceId: string, spanId: string, parentSpanId: string | undefined): string | undefined {
  if (traceId.length !== 32) return `trace id ${JSON.stringify(traceId)} is ${traceId.length / 2} bytes, not 16`;
  if (/^0+$/.test(traceId)) return 'trace id is all zeros';
  if (spanId.length !== 16) return `span id ${JSON.stringify(spanId)} of trace ${traceId} is ${spanId.length / 2} bytes, not 8`;
  if (/^0+$/.test(spanId)) return `span id of trace ${traceId} is all zeros`;
  if (parentSpanId !== undefined && parentSpanId.length !== 16) return `parent span id ${JSON.stringify(parentSpanId)} of span ${spanId} is ${parentSpanId.length / 2} bytes, not 8`;
  return undefined;
}

function serviceNameOf(resource: Attributes): string {
  const serviceName = resource['service.name'];
  return typeof serviceName === 'string' && serviceName !== '' ? serviceName : unknownService;
}

function scopeOf(name: string | undefined, version: string | undefined): LiveSpan['scope'] {
  return version === undefined || version === '' ? { name: name ?? '' } : { name: name ?? '', version };
}

function statusOf(code: number, message: string | undefined): LiveSpan['status'] {
  const status: LiveSpan['status'] = { code: statusCodes[code] ?? 'unset' };
  if (message !== undefined && message !== '') status.message = message;
  return status;
}

/** An int64 attribute as a number when it is one exactly, else as its decimal text (past 2^53). */
function numberOfInt64(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}
