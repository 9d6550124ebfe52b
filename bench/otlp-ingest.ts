// OTLP receiver ingest: spans per second decoded and stored, protobuf and JSON, while a second
// process sends, side by side with the floor: the same payloads POSTed to a sink that only reads
// the body. Each phase runs in fresh processes: a receiving process (the receiver with its trace
// store, or the sink) and a sending process (the same payloads, made with the real OpenTelemetry
// SDK and serialised by its OTLP serializers, POSTed over keep-alive connections). The receiving
// process's resident set (VmRSS from /proc) and V8 heap are sampled through the run, to show them
// held at the ring's bound. Prints a table with ratios against the sink and writes every run to
// bench/results/.
//   npx tsx bench/otlp-ingest.ts [--runs 3] [--seconds 10] [--max-spans 50000] [--concurrency 4]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { startOtlpReceiver } from '../src/live/otlpReceiver';
import { defaultTraceStoreOptions } from '../src/live/traceSource';
import { TraceStore } from '../src/live/traceStore';

type Format = 'protobuf' | 'json';
type Target = 'sink' | 'receiver';

const spansPerRequest = 512; // the BatchSpanProcessor's default maxExportBatchSize
const spansPerTrace = 8;
const warmupMs = 2_000;
const sampleEveryMs = 200;

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

function wholeArgument(name: string, fallback: number): number {
  const value = Number(argument(name, String(fallback)));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a whole number of at least 1`);
  return value;
}

const contentTypes: Record<Format, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

// ---------------------------------------------------------------------------------------------
// Messages between the processes (over the IPC channel)

type ReceivingMessage = { type: 'listening'; port: number } | { type: 'stats'; stats: ReceivingStats };
interface ReceivingStats {
  /** Spans stored (receiver) or bodies' spans read (sink, counted from its requests). */
  requests: number;
  storedSpans: number;
  heldSpans: number;
  heapUsedBytes: number;
}
type SendingMessage = { type: 'generated'; payloads: number; bytesPerRequest: number } | { type: 'sent'; requests: number; statuses: Record<string, number>; errors: number };
/** `collect`: run a full garbage collection first, so heapUsedBytes is what the process retains. */
type ParentMessage = { type: 'stats'; collect: boolean } | { type: 'go' } | { type: 'stop' };

// ---------------------------------------------------------------------------------------------
// The receiving process: the receiver (decode + store) or the sink (read the body, answer 200)

async function runReceiving(target: Target, maxSpans: number): Promise<void> {
  let requests = 0;
  let storedSpans = 0;
  let heldSpans = (): number => 0;
  let port: number;
  if (target === 'receiver') {
    const store = new TraceStore({ maxSpans, maxAgeMs: 600_000, maxBytes: defaultTraceStoreOptions.maxBytes });
    store.onSpans((spans) => {
      storedSpans += spans.length;
      requests += 1;
    });
    heldSpans = () => store.stats().spans;
    port = (await startOtlpReceiver({ host: '127.0.0.1', port: 0, store })).port;
  } else {
    const server = createServer((request, response) => {
      request.on('data', () => undefined);
      request.on('end', () => {
        requests += 1;
        const json = request.headers['content-type'] === contentTypes.json;
        const body = json ? '{}' : '';
        response.writeHead(200, { 'Content-Type': json ? contentTypes.json : contentTypes.protobuf, 'Content-Length': body.length });
        response.end(body);
      });
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    port = (server.address() as AddressInfo).port;
  }
  const tell = (message: ReceivingMessage) => process.send?.(message);
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'stats') return;
    if (message.collect) (globalThis as { gc?: () => void }).gc?.();
    tell({ type: 'stats', stats: { requests, storedSpans: target === 'sink' ? requests * spansPerRequest : storedSpans, heldSpans: heldSpans(), heapUsedBytes: process.memoryUsage().heapUsed } });
  });
  process.on('disconnect', () => process.exit(0));
  tell({ type: 'listening', port });
}

// ---------------------------------------------------------------------------------------------
// The sending process: payloads from the real SDK, POSTed until told to stop

function makePayloads(format: Format, distinctSpans: number): Uint8Array[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '2.4.1', 'host.name': 'bench-host', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  const payloads: Uint8Array[] = [];
  const serializer = format === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
  const requestsNeeded = Math.ceil(distinctSpans / spansPerRequest);
  for (let requestIndex = 0; requestIndex < requestsNeeded; requestIndex += 1) {
    for (let traceIndex = 0; traceIndex < spansPerRequest / spansPerTrace; traceIndex += 1) {
      const root = tracer.startSpan('GET /checkout/:cartId', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/checkout/:cartId', 'http.response.status_code': 200, 'url.path': `/checkout/${requestIndex}-${traceIndex}` } });
      const parent = trace.setSpan(context.active(), root);
      for (let childIndex = 1; childIndex < spansPerTrace; childIndex += 1) {
        const child = tracer.startSpan(childIndex % 2 === 0 ? 'SELECT carts' : 'POST /payments', {
          kind: SpanKind.CLIENT,
          attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM carts WHERE id = $1', 'server.address': 'db.internal', 'server.port': 5432, 'user.id': requestIndex * 1000 + traceIndex, retry: false },
        }, parent);
        if (childIndex % 4 === 0) child.addEvent('cache miss', { 'cache.key': `cart:${traceIndex}` });
        child.end();
      }
      root.end();
    }
    const spans = exporter.getFinishedSpans();
    exporter.reset();
    const body = serializer.serializeRequest(spans);
    if (body === undefined) throw new Error('the serializer made no body');
    payloads.push(body);
  }
  return payloads;
}

async function runSending(format: Format, port: number, concurrency: number, distinctSpans: number): Promise<void> {
  const payloads = makePayloads(format, distinctSpans);
  const tell = (message: SendingMessage) => process.send?.(message);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let stopped = false;
  let next = 0;
  const post = (body: Uint8Array) =>
    new Promise<void>((done) => {
      const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', agent, headers: { 'Content-Type': contentTypes[format], 'Content-Length': body.length } }, (response) => {
        statuses[response.statusCode ?? 0] = (statuses[response.statusCode ?? 0] ?? 0) + 1;
        response.resume();
        response.on('end', done);
      });
      request.on('error', () => {
        errors += 1;
        done();
      });
      request.end(body);
    });
  const worker = async () => {
    while (!stopped) {
      await post(payloads[next++ % payloads.length]);
      requests += 1;
    }
  };
  const go = new Promise<void>((resolve) => process.on('message', (message: ParentMessage) => (message.type === 'go' ? resolve() : message.type === 'stop' ? (stopped = true) : undefined)));
  tell({ type: 'generated', payloads: payloads.length, bytesPerRequest: Math.round(payloads.reduce((sum, payload) => sum + payload.length, 0) / payloads.length) });
  await go;
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  tell({ type: 'sent', requests, statuses, errors });
  process.disconnect();
}

// ---------------------------------------------------------------------------------------------
// The parent: phases, sampling, the table

interface Phase {
  format: Format;
  target: Target;
}

interface PhaseResult extends Phase {
  spansPerSecond: number;
  requestsPerSecond: number;
  bytesPerRequest: number;
  rssMb: { atWarmup: number; peak: number; atEnd: number };
  heapMb: { atWarmup: number; peak: number; atEnd: number };
  /** Heap retained (after a full collection) at the end of the warm-up and at the end. */
  retainedHeapMb: { atWarmup: number; atEnd: number };
  heldSpans: number;
  statuses: Record<string, number>;
  errors: number;
}

function childOf(args: string[], nodeOptions: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeOptions, '--import', 'tsx', __filename, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`a bench process exited (${code}) before sending ${type}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function rssMbOf(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

async function statsOf(receiving: ChildProcess, collect = false): Promise<ReceivingStats> {
  const reply = nextMessage<Extract<ReceivingMessage, { type: 'stats' }>>(receiving, 'stats');
  receiving.send({ type: 'stats', collect } satisfies ParentMessage);
  return (await reply).stats;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runPhase(phase: Phase, options: { seconds: number; maxSpans: number; concurrency: number }): Promise<PhaseResult> {
  const receiving = childOf(['--role', phase.target, '--max-spans', String(options.maxSpans)], ['--expose-gc']);
  try {
    const { port } = await nextMessage<Extract<ReceivingMessage, { type: 'listening' }>>(receiving, 'listening');
    const sending = childOf(['--role', 'sender', '--format', phase.format, '--port', String(port), '--concurrency', String(options.concurrency), '--distinct-spans', String(options.maxSpans * 2)]);
    const generated = await nextMessage<Extract<SendingMessage, { type: 'generated' }>>(sending, 'generated');
    const sent = nextMessage<Extract<SendingMessage, { type: 'sent' }>>(sending, 'sent');
    sending.send({ type: 'go' } satisfies ParentMessage);
    const started = Date.now();
    const rss: number[] = [];
    const heap: number[] = [];
    // Sampling paces the run: the parent waits on its own clock, not on the processes.
    await delay(warmupMs);
    const retainedAtWarmup = await statsOf(receiving, true);
    const atWarmup = await statsOf(receiving);
    const warmedAt = Date.now();
    rss.push(rssMbOf(receiving));
    heap.push(atWarmup.heapUsedBytes / 2 ** 20);
    let atEnd = atWarmup;
    while (Date.now() - started < warmupMs + options.seconds * 1000) {
      await delay(sampleEveryMs);
      atEnd = await statsOf(receiving);
      rss.push(rssMbOf(receiving));
      heap.push(atEnd.heapUsedBytes / 2 ** 20);
    }
    const measuredMs = Date.now() - warmedAt;
    sending.send({ type: 'stop' } satisfies ParentMessage);
    const report = await sent;
    const retainedAtEnd = await statsOf(receiving, true);
    return {
      ...phase,
      spansPerSecond: ((atEnd.storedSpans - atWarmup.storedSpans) * 1000) / measuredMs,
      requestsPerSecond: ((atEnd.requests - atWarmup.requests) * 1000) / measuredMs,
      bytesPerRequest: generated.bytesPerRequest,
      rssMb: { atWarmup: rss[0], peak: Math.max(...rss), atEnd: rss[rss.length - 1] },
      heapMb: { atWarmup: heap[0], peak: Math.max(...heap), atEnd: heap[heap.length - 1] },
      retainedHeapMb: { atWarmup: retainedAtWarmup.heapUsedBytes / 2 ** 20, atEnd: retainedAtEnd.heapUsedBytes / 2 ** 20 },
      heldSpans: atEnd.heldSpans,
      statuses: report.statuses,
      errors: report.errors,
    };
  } finally {
    receiving.kill();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const grouped = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function runBench(): Promise<void> {
  const runs = wholeArgument('--runs', 3);
  const seconds = wholeArgument('--seconds', 10);
  const maxSpans = wholeArgument('--max-spans', 50_000);
  const concurrency = wholeArgument('--concurrency', 4);
  const phases: Phase[] = [];
  for (const format of ['protobuf', 'json'] as const) for (const target of ['sink', 'receiver'] as const) phases.push({ format, target });
  const loadAtStart = loadavg()[0];
  console.log(`${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, 1-minute load ${loadAtStart.toFixed(1)}`);
  console.log(`${runs} rounds, ${seconds} s measured after ${warmupMs / 1000} s of warm-up, ${spansPerRequest} spans per request, ${concurrency} requests in flight, ring of ${grouped(maxSpans)} spans`);

  const results = new Map<string, PhaseResult[]>();
  for (let round = 1; round <= runs; round += 1) {
    for (const phase of phases) {
      const result = await runPhase(phase, { seconds, maxSpans, concurrency });
      const key = `${phase.format}/${phase.target}`;
      results.set(key, [...(results.get(key) ?? []), result]);
      console.log(`  round ${round} ${key}: ${grouped(result.spansPerSecond)} spans/s, RSS ${result.rssMb.atWarmup.toFixed(0)}→${result.rssMb.atEnd.toFixed(0)} MB (peak ${result.rssMb.peak.toFixed(0)}), retained heap ${result.retainedHeapMb.atWarmup.toFixed(0)}→${result.retainedHeapMb.atEnd.toFixed(0)} MB, held ${grouped(result.heldSpans)}, statuses ${JSON.stringify(result.statuses)}${result.errors ? `, ${result.errors} errors` : ''}`);
    }
  }
  const loadAtEnd = loadavg()[0];

  console.log('');
  console.log('| format | target | spans/s | ×sink | requests/s | body KB | RSS MB warm→end (peak) | heap MB peak | retained heap MB warm→end | spans held |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const format of ['protobuf', 'json'] as const) {
    const sinkRate = median((results.get(`${format}/sink`) ?? []).map((result) => result.spansPerSecond));
    for (const target of ['sink', 'receiver'] as const) {
      const phaseResults = results.get(`${format}/${target}`) ?? [];
      const medianOf = (figure: (result: PhaseResult) => number) => median(phaseResults.map(figure));
      const rate = medianOf((result) => result.spansPerSecond);
      const cells = [
        format,
        target,
        grouped(rate),
        (rate / sinkRate).toFixed(2),
        grouped(medianOf((result) => result.requestsPerSecond)),
        grouped(medianOf((result) => result.bytesPerRequest) / 1024),
        `${grouped(medianOf((result) => result.rssMb.atWarmup))}→${grouped(medianOf((result) => result.rssMb.atEnd))} (${grouped(medianOf((result) => result.rssMb.peak))})`,
        grouped(medianOf((result) => result.heapMb.peak)),
        `${grouped(medianOf((result) => result.retainedHeapMb.atWarmup))}→${grouped(medianOf((result) => result.retainedHeapMb.atEnd))}`,
        target === 'receiver' ? grouped(medianOf((result) => result.heldSpans)) : '-',
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }
  }
  console.log('');
  for (const [key, phaseResults] of results) console.log(`- ${key} runs: ${phaseResults.map((result) => grouped(result.spansPerSecond)).join(', ')} spans/s`);
  console.log(`- 1-minute load ${loadAtStart.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} at the end`);

  const resultsDir = join(__dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `otlp-ingest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ runs, seconds, maxSpans, concurrency, spansPerRequest, loadAtStart, loadAtEnd, results: Object.fromEntries(results) }, null, 2)}\n`);
  console.log(`- written to ${file}`);
}

const role = argument('--role', 'bench');
const main =
  role === 'receiver' || role === 'sink'
    ? runReceiving(role, wholeArgument('--max-spans', 50_000))
    : role === 'sender'
      ? runSending(argument('--format', 'protobuf') as Format, wholeArgument('--port', 4318), wholeArgument('--concurrency', 4), wholeArgument('--distinct-spans', 100_000))
      : runBench();
main.catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
