// OTLP/JSON encoding of LiveSpans (what "Export Live Traces" writes): decoding what it encodes
// gives the same spans back, and what the real OpenTelemetry JSON exporter sends
// (@opentelemetry/otlp-transformer's JsonTraceSerializer) decodes and encodes to the same request,
// apart from the fields a LiveSpan does not hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { decodeOtlpJson } from '../../src/live/otlpDecode';
import { encodeOtlpJson } from '../../src/live/otlpJsonEncode';
import type { LiveSpan } from '../../src/live/spans';
import { liveSpan } from '../support/liveSpans';

const receivedAt = 1_700_000_000_000;
const traceA = '5b8efff798038103d269b633813fc60c';
const traceB = '0af7651916cd43dd8448eb211c80319c';

function roundTrip(spans: LiveSpan[]): LiveSpan[] {
  const result = decodeOtlpJson(JSON.stringify(encodeOtlpJson(spans)), receivedAt);
  assert.equal(result.rejected, 0, result.errorMessage);
  return result.spans;
}

describe('encodeOtlpJson', () => {
  it('round-trips every field a LiveSpan holds: ids, parents, kinds, times past 2^53, status, attributes of every type, events, links, resource, scope', () => {
    const checkoutResource = { 'service.name': 'checkout', 'deployment.environment': 'prod' };
    const spans: LiveSpan[] = [
      liveSpan(traceA, 'eee19b7ec3c1b174', {
        name: '<img src=x onerror=alert(1)>',
        kind: 'server',
        startTimeUnixNano: 1_700_000_000_123_456_789n,
        endTimeUnixNano: 18_446_744_073_709_551_615n,
        status: { code: 'error', message: 'declined' },
        resource: checkoutResource,
        serviceName: 'checkout',
        scope: { name: 'checkout-tracer', version: '1.2.3' },
        attributes: {
          'http.route': '/checkout',
          'http.status_code': 500,
          negative: -7,
          ratio: 0.25,
          big: 1e20,
          nan: Number.NaN,
          infinity: Number.POSITIVE_INFINITY,
          retry: true,
          huge: '-9223372036854775808',
          tags: ['a', 1, false, null, ['nested']],
          map: { k: 'v', inner: { deep: 2 } },
          unset: null,
          '': 'empty key',
        },
        events: [{ name: 'exception', timeUnixNano: 1_700_000_000_200_000_001n, attributes: { 'exception.stacktrace': 'Error: x\n    at f (/app/a.ts:3:1)' } }],
        links: [{ traceId: traceB, spanId: 'b7ad6b7169203331', attributes: { 'link.kind': 'follows' } }],
      }),
      liveSpan(traceA, 'eee19b7ec3c1b175', { parentSpanId: 'eee19b7ec3c1b174', kind: 'client', resource: { ...checkoutResource }, serviceName: 'checkout', scope: { name: 'http' } }),
      liveSpan(traceA, 'eee19b7ec3c1b176', { parentSpanId: 'eee19b7ec3c1b175', kind: 'consumer', status: { code: 'ok' }, resource: { 'service.name': 'payments' }, serviceName: 'payments' }),
      liveSpan(traceB, 'b7ad6b7169203331', { kind: 'producer', resource: {}, serviceName: 'unknown_service', scope: { name: '' } }),
      liveSpan(traceB, 'b7ad6b7169203332', { parentSpanId: 'b7ad6b7169203331', kind: 'unspecified', receivedAt }),
    ].map((span) => ({ ...span, receivedAt }));
    assert.deepEqual(roundTrip(spans), spans);
  });

  it('groups spans by equal resource (whichever request they came in) and then by scope, keeping their order', () => {
    const spans = [
      liveSpan(traceA, '0000000000000001', { resource: { 'service.name': 'checkout' }, scope: { name: 'a' } }),
      liveSpan(traceA, '0000000000000002', { resource: { 'service.name': 'payments' }, serviceName: 'payments', scope: { name: 'a' } }),
      liveSpan(traceA, '0000000000000003', { resource: { 'service.name': 'checkout' }, scope: { name: 'b' } }),
      liveSpan(traceA, '0000000000000004', { resource: { 'service.name': 'checkout' }, scope: { name: 'a' } }),
      liveSpan(traceA, '0000000000000005', { resource: { 'service.name': 'checkout' }, scope: { name: 'a', version: '2' } }),
    ];
    const request = encodeOtlpJson(spans);
    const layout = request.resourceSpans.map((resourceSpans) => ({
      resource: resourceSpans.resource.attributes.map(({ key, value }) => `${key}=${value.stringValue}`),
      scopes: resourceSpans.scopeSpans.map((scopeSpans) => ({ scope: scopeSpans.scope, spans: scopeSpans.spans.map((span) => span.spanId.slice(-1)) })),
    }));
    assert.deepEqual(layout, [
      {
        resource: ['service.name=checkout'],
        scopes: [
          { scope: { name: 'a' }, spans: ['1', '4'] },
          { scope: { name: 'b' }, spans: ['3'] },
          { scope: { name: 'a', version: '2' }, spans: ['5'] },
        ],
      },
      { resource: ['service.name=payments'], scopes: [{ scope: { name: 'a' }, spans: ['2'] }] },
    ]);
  });

  it('writes OTLP/JSON, not proto3 JSON: hex ids, integer enums, 64-bit integers as decimal strings, no parent on a root', () => {
    const [span] = encodeOtlpJson([
      liveSpan(traceA, 'eee19b7ec3c1b174', { kind: 'client', status: { code: 'error' }, startTimeUnixNano: 1_700_000_000_000_000_001n, attributes: { count: 42, ratio: 0.5 } }),
    ]).resourceSpans[0].scopeSpans[0].spans;
    assert.equal(span.traceId, traceA);
    assert.equal(span.spanId, 'eee19b7ec3c1b174');
    assert.equal('parentSpanId' in span, false);
    assert.equal(span.kind, 3);
    assert.deepEqual(span.status, { code: 2 });
    assert.equal(span.startTimeUnixNano, '1700000000000000001');
    assert.deepEqual(span.attributes, [
      { key: 'count', value: { intValue: '42' } },
      { key: 'ratio', value: { doubleValue: 0.5 } },
    ]);
  });

  it('encodes nothing as an empty request', () => {
    assert.deepEqual(encodeOtlpJson([]), { resourceSpans: [] });
    assert.deepEqual(decodeOtlpJson(JSON.stringify(encodeOtlpJson([])), receivedAt), { spans: [], rejected: 0 });
  });
});

async function sdkSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('checkout-tracer', '1.2.3');
  const root = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER, attributes: { 'http.route': '/checkout', 'http.status_code': 500, retry: true, ratio: 0.25, tags: ['a', 'b'] } });
  const child = tracer.startSpan('charge card', { kind: SpanKind.CLIENT, links: [{ context: root.spanContext(), attributes: { 'link.kind': 'follows' } }] }, trace.setSpan(context.active(), root));
  child.addEvent('exception', { 'exception.type': 'Error', 'exception.stacktrace': 'Error: declined\n    at charge (/app/pay.ts:12:3)' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'declined' });
  child.end();
  root.end();
  const other = provider.getTracer('jobs').startSpan('nightly', { kind: SpanKind.PRODUCER });
  other.setStatus({ code: SpanStatusCode.OK });
  other.end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/**
 * The request without what a LiveSpan does not hold (dropped counts, flags, trace state, schema
 * URLs) and with 64-bit integers as the decimal strings OTLP/JSON says they are (the SDK writes
 * int attributes as JSON numbers; both are valid).
 */
function comparable(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => comparable(item));
  if (typeof value !== 'object' || value === null) return key === 'intValue' ? String(value) : value;
  const kept: Record<string, unknown> = {};
  for (const [field, fieldValue] of Object.entries(value)) {
    if (/^dropped|^flags$|^traceState$|^schemaUrl$/.test(field)) continue;
    kept[field] = comparable(fieldValue, field);
  }
  return kept;
}

describe('encodeOtlpJson of what the OpenTelemetry JSON exporter sends', () => {
  it('decodes and re-encodes to the same request', async () => {
    const body = JsonTraceSerializer.serializeRequest(await sdkSpans());
    assert.ok(body);
    const sent: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    const decoded = decodeOtlpJson(body, receivedAt);
    assert.equal(decoded.rejected, 0);
    assert.equal(decoded.spans.length, 3);
    const reencoded = encodeOtlpJson(decoded.spans);
    assert.deepEqual(comparable(reencoded), comparable(sent));
    assert.deepEqual(decodeOtlpJson(JSON.stringify(reencoded), receivedAt).spans, decoded.spans);
  });
});
