// OTLP ExportTraceServiceRequest decoding, protobuf and JSON. Requests come from the real
// OpenTelemetry SDK and its own serializers (@opentelemetry/otlp-transformer, what the OTLP
// exporters send), and from hand-written bodies for what the SDK does not send (int64 as numbers,
// enums by name, unknown fields, bytes and key-value list attributes, invalid ids).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { parse } from 'protobufjs';
import { decodeOtlpJson, decodeOtlpProtobuf, OtlpDecodeError } from '../../src/live/otlpDecode';
import type { LiveSpan } from '../../src/live/spans';

const receivedAt = 1_700_000_000_000;

async function sdkSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('checkout-tracer', '1.2.3');
  const root = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER, attributes: { 'http.route': '/checkout', 'http.status_code': 500, retry: true, ratio: 0.25, tags: ['a', 'b'] } });
  const child = tracer.startSpan('charge card', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root));
  child.addEvent('exception', { 'exception.type': 'Error', 'exception.stacktrace': 'Error: declined\n    at charge (/app/pay.ts:12:3)' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'declined' });
  child.end();
  root.end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

function assertMatchesSdk(decoded: LiveSpan[], spans: ReadableSpan[]): void {
  assert.equal(decoded.length, 2);
  const root = decoded.find((span) => span.name === 'GET /checkout');
  const child = decoded.find((span) => span.name === 'charge card');
  const sdkRoot = spans.find((span) => span.name === 'GET /checkout');
  const sdkChild = spans.find((span) => span.name === 'charge card');
  assert.ok(root && child && sdkRoot && sdkChild);
  assert.equal(root.traceId, sdkRoot.spanContext().traceId);
  assert.match(root.traceId, /^[0-9a-f]{32}$/);
  assert.equal(root.spanId, sdkRoot.spanContext().spanId);
  assert.equal(root.parentSpanId, undefined);
  assert.equal(child.traceId, root.traceId);
  assert.equal(child.parentSpanId, root.spanId);
  assert.equal(root.kind, 'server');
  assert.equal(child.kind, 'client');
  const [seconds, nanos] = sdkRoot.startTime;
  assert.equal(root.startTimeUnixNano, BigInt(seconds) * 1_000_000_000n + BigInt(nanos));
  assert.ok(root.endTimeUnixNano >= root.startTimeUnixNano);
  assert.deepEqual(root.attributes, { 'http.route': '/checkout', 'http.status_code': 500, retry: true, ratio: 0.25, tags: ['a', 'b'] });
  assert.deepEqual(child.status, { code: 'error', message: 'declined' });
  assert.deepEqual(root.status, { code: 'unset' });
  assert.equal(root.serviceName, 'checkout');
  assert.equal(root.resource['deployment.environment'], 'test');
  assert.deepEqual(root.scope, { name: 'checkout-tracer', version: '1.2.3' });
  assert.equal(child.events.length, 1);
  assert.equal(child.events[0].name, 'exception');
  assert.equal(child.events[0].attributes['exception.type'], 'Error');
  assert.equal(typeof child.events[0].timeUnixNano, 'bigint');
  assert.equal(root.receivedAt, receivedAt);
}

const traceIdHex = '5b8efff798038103d269b633813fc60c';
const spanIdHex = 'eee19b7ec3c1b174';
const parentIdHex = 'eee19b7ec3c1b173';

function jsonRequest(span: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] }, scopeSpans: [{ scope: { name: 'manual' }, spans: [span] }] }],
    ...extra,
  });
}

describe('decodeOtlpProtobuf', () => {
  it('decodes what the SDK serialises: hex ids, parents, times, attributes, status, resource, scope, events', async () => {
    const spans = await sdkSpans();
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    assert.ok(body);
    const result = decodeOtlpProtobuf(body, receivedAt);
    assert.equal(result.rejected, 0);
    assertMatchesSdk(result.spans, spans);
  });

  // A newer exporter's schema: fields this receiver does not know (resource entity refs, a span
  // field 99, a request field 50) are on the wire, and bytes / kvlist / big int attributes.
  const newerSchema = parse(`
    syntax = "proto3";
    message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
    message ArrayValue { repeated AnyValue values = 1; }
    message KeyValueList { repeated KeyValue values = 1; }
    message KeyValue { string key = 1; AnyValue value = 2; }
    message EntityRef { string type = 2; }
    message Resource { repeated KeyValue attributes = 1; repeated EntityRef entity_refs = 3; }
    message Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; string future_field = 99; }
    message ScopeSpans { repeated Span spans = 2; }
    message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    message Request { repeated ResourceSpans resource_spans = 1; string future_request_field = 50; }
  `, { keepCase: true }).root;
  const NewerRequest = newerSchema.lookupType('Request');

  function newerBody(spans: Record<string, unknown>[]): Uint8Array {
    const message = NewerRequest.fromObject({
      future_request_field: 'ignored',
      resource_spans: [{ resource: { attributes: [{ key: 'service.name', value: { string_value: 'inventory' } }], entity_refs: [{ type: 'service' }] }, scope_spans: [{ spans }] }],
    });
    return NewerRequest.encode(message).finish();
  }

  it('skips unknown fields and reads AnyValue bytes, key-value lists, arrays and 64-bit ints', () => {
    const body = newerBody([
      {
        trace_id: Buffer.from(traceIdHex, 'hex'),
        span_id: Buffer.from(spanIdHex, 'hex'),
        parent_span_id: Buffer.from(parentIdHex, 'hex'),
        name: 'reserve',
        kind: 5,
        start_time_unix_nano: '18446744073709551615',
        end_time_unix_nano: '1700000000000000001',
        future_field: 'ignored too',
        attributes: [
          { key: 'raw', value: { bytes_value: Buffer.from([0xde, 0xad, 0xbe, 0xef]) } },
          { key: 'nested', value: { kvlist_value: { values: [{ key: 'inner', value: { array_value: { values: [{ int_value: 7 }, { bool_value: false }] } } }] } } },
          { key: 'big', value: { int_value: '9007199254740993' } },
          { key: 'negative', value: { int_value: -3 } },
          { key: 'empty' },
        ],
      },
    ]);
    const result = decodeOtlpProtobuf(body, receivedAt);
    assert.equal(result.rejected, 0);
    const [span] = result.spans;
    assert.equal(span.traceId, traceIdHex);
    assert.equal(span.spanId, spanIdHex);
    assert.equal(span.parentSpanId, parentIdHex);
    assert.equal(span.kind, 'consumer');
    assert.equal(span.startTimeUnixNano, 18446744073709551615n, 'fixed64 keeps all 64 bits');
    assert.equal(span.endTimeUnixNano, 1700000000000000001n);
    assert.equal(span.serviceName, 'inventory');
    assert.deepEqual(span.attributes, { raw: 'deadbeef', nested: { inner: [7, false] }, big: '9007199254740993', negative: -3, empty: null });
    assert.deepEqual(span.scope, { name: '' });
  });

  it('counts spans with bad ids as rejected and keeps the others', () => {
    const good = { trace_id: Buffer.from(traceIdHex, 'hex'), span_id: Buffer.from(spanIdHex, 'hex'), name: 'good' };
    const body = newerBody([
      good,
      { trace_id: Buffer.from('abcd', 'hex'), span_id: Buffer.from(spanIdHex, 'hex'), name: 'short trace id' },
      { trace_id: Buffer.from(traceIdHex, 'hex'), span_id: Buffer.alloc(8), name: 'zero span id' },
      { trace_id: Buffer.from(traceIdHex, 'hex'), span_id: Buffer.from(spanIdHex, 'hex'), parent_span_id: Buffer.from('01', 'hex'), name: 'short parent' },
    ]);
    const result = decodeOtlpProtobuf(body, receivedAt);
    assert.deepEqual(
      result.spans.map((span) => span.name),
      ['good'],
    );
    assert.equal(result.rejected, 3);
    assert.match(result.errorMessage ?? '', /^3 spans rejected: trace id "abcd" is 2 bytes, not 16 \(and 2 more\)$/);
    assert.equal(result.spans[0].serviceName, 'inventory');
  });

  it('reads an empty body as an empty request', () => {
    assert.deepEqual(decodeOtlpProtobuf(new Uint8Array(), receivedAt), { spans: [], rejected: 0 });
  });

  it('throws an OtlpDecodeError with the reason for a truncated or garbled body', async () => {
    const body = ProtobufTraceSerializer.serializeRequest(await sdkSpans());
    assert.ok(body);
    assert.throws(() => decodeOtlpProtobuf(body.subarray(0, body.length - 7), receivedAt), (error: unknown) => {
      assert.ok(error instanceof OtlpDecodeError);
      assert.match(error.message, /^the body is not a protobuf ExportTraceServiceRequest: /);
      return true;
    });
    assert.throws(() => decodeOtlpProtobuf(Buffer.from('{"resourceSpans":[]}'), receivedAt), OtlpDecodeError);
  });
});

describe('decodeOtlpJson', () => {
  it('decodes what the SDK serialises', async () => {
    const spans = await sdkSpans();
    const body = JsonTraceSerializer.serializeRequest(spans);
    assert.ok(body);
    const result = decodeOtlpJson(body, receivedAt);
    assert.equal(result.rejected, 0);
    assertMatchesSdk(result.spans, spans);
  });

  it('reads hex ids in any case, int64 as a string or a number, enums as integers or names, and ignores unknown fields', () => {
    const body = jsonRequest(
      {
        traceId: traceIdHex.toUpperCase(),
        spanId: spanIdHex,
        parentSpanId: parentIdHex,
        name: 'ship',
        kind: 'SPAN_KIND_PRODUCER',
        startTimeUnixNano: '1700000000000000001',
        endTimeUnixNano: 1700000000000,
        flags: 257,
        futureField: { anything: [1, 2] },
        status: { code: 2, message: 'timed out', futureStatusField: true },
        attributes: [
          { key: 'count', value: { intValue: '42' } },
          { key: 'count.number', value: { intValue: 42 } },
          { key: 'huge', value: { intValue: '-9223372036854775808' } },
          { key: 'ratio', value: { doubleValue: 0.5 } },
          { key: 'nan', value: { doubleValue: 'NaN' } },
          { key: 'raw', value: { bytesValue: Buffer.from([1, 2, 255]).toString('base64') } },
          { key: 'list', value: { arrayValue: { values: [{ stringValue: 'x' }, { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } }] } } },
          { key: 'unset', value: {} },
        ],
        events: [{ name: 'retry', timeUnixNano: 5, attributes: [], droppedAttributesCount: 0 }],
        links: [{ traceId: traceIdHex, spanId: parentIdHex, attributes: [{ key: 'link.kind', value: { stringValue: 'follows' } }] }],
      },
      { futureTopLevel: 'ignored' },
    );
    const result = decodeOtlpJson(body, receivedAt);
    assert.equal(result.rejected, 0);
    const [span] = result.spans;
    assert.equal(span.traceId, traceIdHex, 'lowercased');
    assert.equal(span.parentSpanId, parentIdHex);
    assert.equal(span.kind, 'producer');
    assert.equal(span.startTimeUnixNano, 1700000000000000001n, 'a string int64 keeps its precision');
    assert.equal(span.endTimeUnixNano, 1700000000000n);
    assert.deepEqual(span.status, { code: 'error', message: 'timed out' });
    assert.equal(span.serviceName, 'orders');
    assert.deepEqual(span.attributes, {
      count: 42,
      'count.number': 42,
      huge: '-9223372036854775808',
      ratio: 0.5,
      nan: Number.NaN,
      raw: '0102ff',
      list: ['x', { k: true }],
      unset: null,
    });
    assert.deepEqual(span.events, [{ name: 'retry', timeUnixNano: 5n, attributes: {} }]);
    assert.deepEqual(span.links, [{ traceId: traceIdHex, spanId: parentIdHex, attributes: { 'link.kind': 'follows' } }]);
  });

  it('names the service unknown_service when the resource has none, and reads an empty parent id as a root', () => {
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: traceIdHex, spanId: spanIdHex, parentSpanId: '', name: 'solo' }] }] }] });
    const [span] = decodeOtlpJson(body, receivedAt).spans;
    assert.equal(span.serviceName, 'unknown_service');
    assert.equal(span.parentSpanId, undefined);
    assert.equal(span.kind, 'unspecified');
    assert.equal(span.startTimeUnixNano, 0n);
  });

  it('counts spans with bad ids as rejected and keeps the others', () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: traceIdHex, spanId: spanIdHex, name: 'good' },
                { traceId: traceIdHex, name: 'no span id' },
                { traceId: '00000000000000000000000000000000', spanId: spanIdHex, name: 'zero trace id' },
              ],
            },
          ],
        },
      ],
    });
    const result = decodeOtlpJson(body, receivedAt);
    assert.deepEqual(
      result.spans.map((span) => span.name),
      ['good'],
    );
    assert.equal(result.rejected, 2);
    assert.match(result.errorMessage ?? '', /^2 spans rejected: span id "" of trace 5b8e\w+ is 0 bytes, not 8 \(and 1 more\)$/);
  });

  it('throws an OtlpDecodeError naming where a malformed body goes wrong', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"resourceSpans": [', /^the body is not JSON: /],
      ['[]', /not a JSON object/],
      ['{"resourceSpans": {}}', /^the request\.resourceSpans is not a list$/],
      [jsonRequest({ traceId: 'not hex at all', spanId: spanIdHex }), /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId is not hex/],
      [jsonRequest({ traceId: traceIdHex, spanId: spanIdHex, startTimeUnixNano: '12.5' }), /spans\[0\]\.startTimeUnixNano is not an integer: "12\.5"/],
      [jsonRequest({ traceId: traceIdHex, spanId: spanIdHex, attributes: [{ key: 'k', value: { boolValue: 'yes' } }] }), /attributes\[0\]\.value\.boolValue is not a boolean/],
    ];
    for (const [body, reason] of cases) {
      assert.throws(
        () => decodeOtlpJson(body, receivedAt),
        (error: unknown) => error instanceof OtlpDecodeError && reason.test(error.message),
        body,
      );
    }
  });
});
