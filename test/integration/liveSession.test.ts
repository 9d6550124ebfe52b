// The extension host's live session on plain Node: a real OpenTelemetry SDK exporter sends to the
// receiver it starts, spans reach its store and its change listeners; a taken port fails with a
// message naming host:port and leaves the session able to start on a free port; the body limit from
// the settings reaches the receiver; dispose releases the port.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { LiveSession } from '../../src/extension/liveSession';
import { defaultLive, type LiveSettings } from '../../src/shared/settings';
import { waitUntil } from '../support/waitUntil';

function settings(port: number, maxBodyBytes = defaultLive.otlp.maxBodyBytes): LiveSettings {
  return { ...defaultLive, otlp: { ...defaultLive.otlp, port, maxBodyBytes } };
}


function post(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/v1/traces`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function listenOnFreePort(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(server));
  });
}

describe('live session', () => {
  const sessions: LiveSession[] = [];
  after(async () => {
    for (const session of sessions) await session.dispose();
  });

  it('receives a real exporter’s spans into its store and tells its listeners', async () => {
    const session = new LiveSession(settings(0));
    sessions.push(session);
    let changes = 0;
    session.onChange(() => changes++);
    const receiver = await session.start();
    assert.equal(session.state.state, 'running');
    assert.equal(session.state.endpoint, receiver.url);
    assert.ok(receiver.port > 0);

    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }) })],
    });
    const span = provider.getTracer('test').startSpan('GET /checkout');
    span.end();
    await provider.shutdown();
    const traceId = span.spanContext().traceId;
    const held = await waitUntil('the span in the store', () => session.store.spansOf(traceId)[0]);
    assert.equal(held.name, 'GET /checkout');
    assert.ok(changes >= 3, 'starting, running and the spans were announced');
  });

  it('a taken port fails naming host:port, and the session then starts on a free port', async () => {
    const blocker = await listenOnFreePort();
    const port = (blocker.address() as { port: number }).port;
    try {
      const session = new LiveSession(settings(port));
      sessions.push(session);
      await assert.rejects(session.start(), (error: NodeJS.ErrnoException) => error.code === 'EADDRINUSE' && error.message.includes(`127.0.0.1:${port}`));
      assert.equal(session.state.state, 'failed');
      assert.match(session.state.message ?? '', new RegExp(`127\\.0\\.0\\.1:${port}`));
      const receiver = await session.start(0);
      assert.notEqual(receiver.port, port);
      assert.equal(session.state.state, 'running');
    } finally {
      blocker.close();
    }
  });

  it('passes the body limit from the settings to the receiver, and dispose releases the port', async () => {
    const session = new LiveSession(settings(0, 2048));
    const receiver = await session.start();
    assert.equal(await post(receiver.url, Buffer.from(JSON.stringify({ resourceSpans: [] }))), 200);
    assert.equal(await post(receiver.url, Buffer.alloc(4096, 0x20)), 413);
    await session.dispose();
    await assert.rejects(post(receiver.url, Buffer.from('{}')), /ECONNREFUSED/);
  });
});
