// The OTLP/HTTP receiver against the real OpenTelemetry SDK and its real OTLP exporters (protobuf
// and HTTP/JSON, plain and gzip) running in child processes, over real HTTP on a port the system
// chose; then bad requests of every kind, each answered with a clear error, while the receiver
// keeps serving and a later good request still lands, with nothing else lost.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { parse } from 'protobufjs';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/live/otlpReceiver';
import { TraceStore } from '../../src/live/traceStore';
import type { ExportedTrace } from './otlpExportingService';

const exportingService = join(__dirname, 'otlpExportingService.ts');

/** The replies, and requests with invalid spans, with a schema of the test's own (google.rpc.Status, the export request and response). */
const replySchema = parse(
  `
  syntax = "proto3";
  message Status { int32 code = 1; string message = 2; }
  message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
  message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
  message Span { bytes trace_id = 1; bytes span_id = 2; string name = 5; }
  message ScopeSpans { repeated Span spans = 2; }
  message ResourceSpans { repeated ScopeSpans scope_spans = 2; }
  message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`,
  { keepCase: true },
).root;
const RpcStatus = replySchema.lookupType('Status');
const ExportResponse = replySchema.lookupType('ExportTraceServiceResponse');
const ExportRequest = replySchema.lookupType('ExportTraceServiceRequest');

function runExportingService(protocol: 'protobuf' | 'json', tracesUrl: string, compression: 'gzip' | 'none', serviceName: string): Promise<ExportedTrace> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', exportingService, protocol, tracesUrl, compression, serviceName], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      if (code !== 0 || stderr.trim() !== '') reject(new Error(`the exporting service (${protocol}) exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as ExportedTrace);
    });
  });
}

/** Resolves once `condition` holds for the store, checked now and after every add; rejects past the deadline. */
function waitForStore(store: TraceStore, condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const subscription = store.onSpans(() => {
      if (!condition()) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    });
  });
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface PostOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  /** Sent in one write; `undefined` sends no body. */
  body?: Buffer | string;
}

function send(receiver: OtlpReceiver, options: PostOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: receiver.host, port: receiver.port, method: options.method ?? 'POST', path: options.path ?? '/v1/traces', headers: options.headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

function jsonMessage(reply: Reply): string {
  assert.equal(reply.headers['content-type'], 'application/json');
  const status = JSON.parse(reply.body.toString()) as { code: number; message: string };
  assert.equal(typeof status.code, 'number');
  return status.message;
}

function protobufMessage(reply: Reply): string {
  assert.equal(reply.headers['content-type'], 'application/x-protobuf');
  return (RpcStatus.toObject(RpcStatus.decode(reply.body)) as { message: string }).message;
}

async function sdkSpans(count: number, name: string): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('receiver-test');
  for (let index = 0; index < count; index += 1) tracer.startSpan(`${name} ${index}`).end();
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

const protobufHeaders = { 'Content-Type': 'application/x-protobuf' };
const jsonHeaders = { 'Content-Type': 'application/json' };

describe('OTLP receiver with the real OpenTelemetry exporters', () => {
  const store = new TraceStore({ maxSpans: 10_000, maxAgeMs: 600_000 });
  const logged: string[] = [];
  let receiver: OtlpReceiver;

  before(async () => {
    receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0, store, maxBodyBytes: 256 * 1024, maxDecompressedBytes: 1024 * 1024, log: (line) => logged.push(line) });
  });
  after(() => receiver.close());

  it('listens on the port the system chose, on the host it was given', () => {
    assert.ok(receiver.port > 0);
    assert.equal(receiver.host, '127.0.0.1');
    assert.equal(receiver.url, `http://127.0.0.1:${receiver.port}`);
  });

  for (const [protocol, compression] of [
    ['protobuf', 'none'],
    ['json', 'none'],
    ['protobuf', 'gzip'],
    ['json', 'gzip'],
  ] as const) {
    it(`stores the spans of the ${protocol} exporter (${compression === 'gzip' ? 'gzip' : 'plain'}) with their ids, parents, attributes, events, links and resource`, async () => {
      const serviceName = `orders-${protocol}-${compression}`;
      const exported = await runExportingService(protocol, `${receiver.url}/v1/traces`, compression, serviceName);
      await waitForStore(store, () => store.spansOf(exported.traceId).length === 2, `the ${protocol} trace`);
      const root = store.span(exported.traceId, exported.rootSpanId);
      const child = store.span(exported.traceId, exported.childSpanId);
      assert.ok(root && child);
      assert.equal(root.parentSpanId, undefined);
      assert.equal(child.parentSpanId, exported.rootSpanId);
      assert.equal(root.name, 'GET /orders/:id');
      assert.equal(root.kind, 'server');
      assert.equal(child.kind, 'client');
      assert.equal(root.serviceName, serviceName);
      assert.equal(root.resource['service.version'], '1.0.0');
      assert.deepEqual(root.scope, { name: 'otlp-exporting-service', version: '0.1.0' });
      assert.deepEqual(root.attributes, { 'http.route': '/orders/:id', 'http.response.status_code': 502, 'code.filepath': '/app/orders.ts', 'code.lineno': 42 });
      assert.deepEqual(child.status, { code: 'error', message: 'query timed out' });
      assert.deepEqual(
        child.events.map((event) => [event.name, event.attributes]),
        [['exception', { 'exception.type': 'TimeoutError', 'exception.message': 'query timed out' }]],
      );
      assert.equal(child.links.length, 1);
      assert.equal(child.links[0].spanId, exported.linkedSpanId);
      assert.deepEqual(child.links[0].attributes, { 'link.reason': 'cache' });
      // Times as the SDK reported them (its clock rounds start times, so only the order within a span is certain).
      const now = BigInt(Date.now()) * 1_000_000n;
      for (const span of [root, child]) assert.ok(span.startTimeUnixNano > now - 60_000_000_000n && span.startTimeUnixNano <= span.endTimeUnixNano, span.name);
      const summary = store.traces().find((trace) => trace.traceId === exported.traceId);
      assert.equal(summary?.rootServiceName, serviceName);
      assert.equal(summary?.errorCount, 1);
      const linked = store.traces().find((trace) => trace.rootName === 'warm cache' && trace.rootServiceName === serviceName);
      assert.ok(linked, 'the linked span, a trace of its own, arrived too');
    });
  }
});

describe('OTLP receiver on bad requests', () => {
  const store = new TraceStore({ maxSpans: 10_000, maxAgeMs: 600_000 });
  const maxBodyBytes = 64 * 1024;
  const maxDecompressedBytes = 512 * 1024;
  let receiver: OtlpReceiver;
  let goodProtobuf: Uint8Array;
  let goodJson: Uint8Array;

  before(async () => {
    receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0, store, maxBodyBytes, maxDecompressedBytes });
    const protobufSpans = await sdkSpans(3, 'protobuf');
    goodProtobuf = ProtobufTraceSerializer.serializeRequest(protobufSpans) ?? assert.fail('no protobuf body');
    goodJson = JsonTraceSerializer.serializeRequest(await sdkSpans(2, 'json')) ?? assert.fail('no JSON body');
  });
  after(() => receiver.close());

  it('answers 200 with an empty ExportTraceServiceResponse in the request content type', async () => {
    const protobuf = await send(receiver, { headers: protobufHeaders, body: Buffer.from(goodProtobuf) });
    assert.equal(protobuf.status, 200);
    assert.equal(protobuf.headers['content-type'], 'application/x-protobuf');
    assert.deepEqual(ExportResponse.toObject(ExportResponse.decode(protobuf.body)), {});
    const json = await send(receiver, { headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: Buffer.from(goodJson) });
    assert.equal(json.status, 200);
    assert.equal(json.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(json.body.toString()), {});
    assert.deepEqual(store.stats(), { spans: 5, traces: 5, evictedSpans: 0 });
  });

  it('answers 200 with partialSuccess when some spans are invalid, and keeps the valid ones', async () => {
    const traceId = 'aa'.repeat(16);
    const body = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId, spanId: 'bb'.repeat(8), name: 'valid' }, { traceId, spanId: 'cc', name: 'short id' }] }] }],
    });
    const reply = await send(receiver, { headers: jsonHeaders, body });
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body.toString()), { partialSuccess: { rejectedSpans: 1, errorMessage: '1 span rejected: span id "cc" of trace aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa is 1 bytes, not 8' } });
    assert.equal(store.span(traceId, 'bb'.repeat(8))?.name, 'valid');


    const request = ExportRequest.fromObject({
      resource_spans: [{ scope_spans: [{ spans: [{ trace_id: Buffer.from('dd'.repeat(16), 'hex'), span_id: Buffer.from('ee'.repeat(8), 'hex'), name: 'valid' }, { trace_id: Buffer.alloc(16), span_id: Buffer.from('ee'.repeat(8), 'hex'), name: 'zero trace id' }] }] }],
    });
    const protobufReply = await send(receiver, { headers: protobufHeaders, body: Buffer.from(ExportRequest.encode(request).finish()) });
    assert.equal(protobufReply.status, 200);
    assert.deepEqual(ExportResponse.toObject(ExportResponse.decode(protobufReply.body), { longs: Number }), { partial_success: { rejected_spans: 1, error_message: '1 span rejected: trace id is all zeros' } });
    assert.equal(store.span('dd'.repeat(16), 'ee'.repeat(8))?.name, 'valid');
  });

  it('refuses what it cannot read with a clear error, each in the request content type', async () => {
    const cases: Array<{ what: string; options: PostOptions; status: number; message: RegExp; format: 'json' | 'protobuf' }> = [
      { what: 'malformed JSON', options: { headers: jsonHeaders, body: '{"resourceSpans": [' }, status: 400, message: /^the body is not JSON: /, format: 'json' },
      { what: 'JSON of the wrong shape', options: { headers: jsonHeaders, body: '{"resourceSpans": 5}' }, status: 400, message: /resourceSpans is not a list/, format: 'json' },
      { what: 'truncated protobuf', options: { headers: protobufHeaders, body: Buffer.from(goodProtobuf).subarray(0, goodProtobuf.length - 5) }, status: 400, message: /^the body is not a protobuf ExportTraceServiceRequest: /, format: 'protobuf' },
      { what: 'protobuf that is text', options: { headers: protobufHeaders, body: 'this is not protobuf at all' }, status: 400, message: /^the body is not a protobuf ExportTraceServiceRequest: /, format: 'protobuf' },
      { what: 'a body that says gzip and is not', options: { headers: { ...protobufHeaders, 'Content-Encoding': 'gzip' }, body: Buffer.from(goodProtobuf) }, status: 400, message: /^the body is not valid gzip: /, format: 'protobuf' },
      { what: 'a content type other than protobuf or JSON', options: { headers: { 'Content-Type': 'text/plain' }, body: 'hello' }, status: 415, message: /unsupported content type "text\/plain"/, format: 'json' },
      { what: 'no content type', options: { body: Buffer.from(goodProtobuf) }, status: 415, message: /unsupported content type ""/, format: 'json' },
      { what: 'an unsupported content encoding', options: { headers: { ...jsonHeaders, 'Content-Encoding': 'br' }, body: 'x' }, status: 415, message: /unsupported content encoding "br"/, format: 'json' },
      { what: 'another path', options: { path: '/v1/metrics', headers: protobufHeaders, body: Buffer.from(goodProtobuf) }, status: 404, message: /no such endpoint: \/v1\/metrics/, format: 'protobuf' },
      { what: 'another method', options: { method: 'GET', headers: jsonHeaders }, status: 405, message: /GET is not supported/, format: 'json' },
      { what: 'a body past maxBodyBytes, with its length declared', options: { headers: protobufHeaders, body: Buffer.alloc(maxBodyBytes + 1) }, status: 413, message: new RegExp(`^the body is ${maxBodyBytes + 1} bytes, past the limit of ${maxBodyBytes}$`), format: 'protobuf' },
      { what: 'a gzip bomb', options: { headers: { ...jsonHeaders, 'Content-Encoding': 'gzip' }, body: gzipSync(Buffer.alloc(64 * 1024 * 1024, ' ')) }, status: 413, message: new RegExp(`^the body inflates past the limit of ${maxDecompressedBytes} bytes$`), format: 'json' },
    ];
    const statsBefore = store.stats();
    for (const { what, options, status, message, format } of cases) {
      const reply = await send(receiver, options);
      assert.equal(reply.status, status, what);
      assert.match(format === 'json' ? jsonMessage(reply) : protobufMessage(reply), message, what);
      if (status === 405) assert.equal(reply.headers.allow, 'POST');
    }
    assert.deepEqual(store.stats(), statsBefore, 'nothing was stored from the bad requests');
  });

  it('refuses a chunked body once it passes maxBodyBytes, without a declared length', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const request = httpRequest({ host: receiver.host, port: receiver.port, method: 'POST', path: '/v1/traces', headers: { ...jsonHeaders, 'Transfer-Encoding': 'chunked' }, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
          request.destroy();
        });
      });
      request.on('error', reject);
      // Keep sending until the receiver answers: it must not wait for the end of an endless body.
      const chunk = Buffer.alloc(16 * 1024, ' ');
      let sent = 0;
      let answered = false;
      const pump = () => {
        while (!answered && sent < 64 * maxBodyBytes && request.write(chunk)) sent += chunk.length;
        if (!answered && sent >= 64 * maxBodyBytes) request.end();
      };
      request.on('drain', pump);
      request.on('response', () => (answered = true));
      pump();
    });
    assert.equal(reply.status, 413);
    assert.equal(jsonMessage(reply), `the body is past the limit of ${maxBodyBytes} bytes`);
  });

  it('keeps serving after all of that: a later good request still arrives, and nothing else was lost', async () => {
    const later = await sdkSpans(4, 'later');
    const body = ProtobufTraceSerializer.serializeRequest(later);
    assert.ok(body);
    const reply = await send(receiver, { headers: { ...protobufHeaders, 'Content-Encoding': 'gzip' }, body: gzipSync(body) });
    assert.equal(reply.status, 200);
    for (const span of later) assert.ok(store.span(span.spanContext().traceId, span.spanContext().spanId), span.name);
    assert.deepEqual(store.stats(), { spans: 5 + 2 + 4, traces: 5 + 2 + 4, evictedSpans: 0 }, 'the first good requests, the valid spans of the partial ones, the later one');
  });
});

describe('OTLP receiver counters', () => {
  it('counts requests, refusals by status, accepted spans and the spans a partialSuccess rejected', async () => {
    const store = new TraceStore({ maxSpans: 1000, maxAgeMs: 600_000 });
    const receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0, store });
    try {
      assert.deepEqual(receiver.stats(), { requests: 0, refusedRequests: {}, acceptedSpans: 0, rejectedSpans: 0 });
      const traceId = 'ab'.repeat(16);
      const partial = JSON.stringify({
        resourceSpans: [{ scopeSpans: [{ spans: [{ traceId, spanId: 'bb'.repeat(8), name: 'valid' }, { traceId, spanId: 'cc', name: 'short id' }, { traceId: '00'.repeat(16), spanId: 'dd'.repeat(8), name: 'zero trace id' }] }] }],
      });
      assert.equal((await send(receiver, { headers: jsonHeaders, body: partial })).status, 200);
      assert.equal((await send(receiver, { headers: jsonHeaders, body: '{"resourceSpans": [' })).status, 400);
      assert.equal((await send(receiver, { headers: jsonHeaders, body: '{"resourceSpans": 5}' })).status, 400);
      assert.equal((await send(receiver, { path: '/v1/metrics', headers: jsonHeaders, body: '{}' })).status, 404);
      assert.deepEqual(receiver.stats(), { requests: 4, refusedRequests: { 400: 2, 404: 1 }, acceptedSpans: 1, rejectedSpans: 2 });
    } finally {
      await receiver.close();
    }
  });
});

describe('OTLP receiver when overloaded', () => {
  it('answers 503 with Retry-After past maxConcurrentRequests, then serves again', async () => {
    const store = new TraceStore({ maxSpans: 100, maxAgeMs: 600_000 });
    const receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0, store, maxConcurrentRequests: 1 });
    try {
      const body = Buffer.from(JsonTraceSerializer.serializeRequest(await sdkSpans(1, 'slow')) ?? assert.fail('no body'));
      // A slow sender: headers and half the body now, the rest once the 503 has been seen.
      const slow = httpRequest({ host: receiver.host, port: receiver.port, method: 'POST', path: '/v1/traces', headers: { ...jsonHeaders, 'Content-Length': body.length }, agent: false });
      const slowReply = new Promise<Reply>((resolve, reject) => {
        slow.on('response', (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        });
        slow.on('error', reject);
      });
      slow.write(body.subarray(0, body.length >> 1));
      slow.flushHeaders();

      const deadline = Date.now() + 10_000;
      let busy: Reply | undefined;
      while (Date.now() < deadline) {
        const reply = await send(receiver, { headers: jsonHeaders, body: '{}' });
        if (reply.status === 503) {
          busy = reply;
          break;
        }
        assert.equal(reply.status, 200, 'before the slow request is counted, requests go through');
      }
      assert.ok(busy, 'a 503 within 10 s');
      assert.equal(busy.headers['retry-after'], '1');
      assert.match(jsonMessage(busy), /busy/);

      slow.end(body.subarray(body.length >> 1));
      assert.equal((await slowReply).status, 200);
      assert.equal(store.stats().spans, 1);
      const afterwards = await send(receiver, { headers: jsonHeaders, body: '{}' });
      assert.equal(afterwards.status, 200, 'serving again once the slow request is done');
    } finally {
      await receiver.close();
    }
  });
});

describe('OTLP receiver when clients misbehave', () => {
  it('frees the slot of a client that goes away mid-body, and answers 400 to what is not HTTP', async () => {
    const store = new TraceStore({ maxSpans: 100, maxAgeMs: 600_000 });
    const logged: string[] = [];
    const receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0, store, maxConcurrentRequests: 1, log: (line) => logged.push(line) });
    try {
      const leaving = httpRequest({ host: receiver.host, port: receiver.port, method: 'POST', path: '/v1/traces', headers: { ...jsonHeaders, 'Content-Length': 1000 }, agent: false });
      leaving.on('error', () => undefined);
      leaving.write('{"resourceSpans": [');
      leaving.flushHeaders();
      assert.equal(await probeUntil(receiver, 503), 503, 'the leaving client holds the only slot');
      leaving.destroy();
      assert.equal(await probeUntil(receiver, 200), 200, 'its slot is free again once it has gone');

      const notHttp = await new Promise<string>((resolve, reject) => {
        const socket = connect(receiver.port, receiver.host, () => socket.write('this is not HTTP\r\n\r\n'));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
      assert.match(notHttp, /^HTTP\/1\.1 400 Bad Request/);
      assert.equal((await send(receiver, { headers: jsonHeaders, body: '{}' })).status, 200, 'still serving');
      assert.ok(logged.some((line) => line.startsWith('otlp: bad request from a client: ')));
    } finally {
      await receiver.close();
    }
  });
});

/** POSTs empty requests until one is answered `status`, for at most 10 s; returns the status seen last. */
async function probeUntil(receiver: OtlpReceiver, status: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = (await send(receiver, { headers: jsonHeaders, body: '{}' })).status;
    if (seen === status) break;
  }
  return seen;
}

describe('OTLP receiver on a port in use', () => {
  it('rejects with EADDRINUSE and names host:port', async () => {
    const store = new TraceStore({ maxSpans: 10, maxAgeMs: 1_000 });
    const first = await startOtlpReceiver({ host: '127.0.0.1', port: 0, store });
    try {
      await assert.rejects(startOtlpReceiver({ host: '127.0.0.1', port: first.port, store }), (error: NodeJS.ErrnoException) => {
        assert.equal(error.code, 'EADDRINUSE');
        assert.match(error.message, new RegExp(`^127\\.0\\.0\\.1:${first.port} is already in use .*: choose another port$`));
        return true;
      });
      const reply = await send(first, { headers: jsonHeaders, body: '{}' });
      assert.equal(reply.status, 200, 'the receiver that owns the port is unaffected');
    } finally {
      await first.close();
    }
  });
});
