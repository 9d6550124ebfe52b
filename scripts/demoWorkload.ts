// The live parts of `npm run demo`, real processes the panel can watch:
//   - the stock-watch service (examples/demo-service/src/stockWatch.ts) started with an inspector
//     on a free loopback port, and a stream of requests to it; its leak is switched with
//     `POST /leak/on` / `/leak/off` on the service ("Bounded: Attach to Node Process…" lists it);
//   - the fulfilment worker (examples/demo-service/src/worker.ts, stream `orders`, group
//     `fulfilment`) run as it is against a Redis, with a label service standing in for the shipping
//     provider and a producer of orders. The worker imports pg through its audit trail and the demo
//     installs no pg and runs no Postgres: NODE_PATH points at examples/demo-service/stand-ins, whose
//     `pg` answers every query with no rows. Pausing the worker (SIGSTOP, as a stalled process is)
//     makes it fall behind; resuming (SIGCONT) lets it catch up;
//   - a control server on loopback for the switches that are not the service's own (the worker's).
// The orchestration is here so that test/integration/demoWorkload.test.ts runs the same parts.
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';

export const demoStream = 'orders';
export const demoGroup = 'fulfilment';

const repoRoot = join(__dirname, '..');
const demoRoot = join(repoRoot, 'examples', 'demo-service');
const startTimeoutMs = 20_000;

export interface DemoProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What it wrote to stdout and stderr, for messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after 1 s; resolves once it exited. */
  stop(): Promise<void>;
}

/** Spawns `node <args>` in the repository root; resolves once `ready` matches its output (at once without `ready`). */
function startNode<T>(args: string[], env: NodeJS.ProcessEnv, ready: ((output: string) => T | undefined) | undefined, what: string): Promise<DemoProcess & { ready: T | undefined }> {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
    await exited;
    clearTimeout(timer);
  };
  const started = (found: T | undefined) => ({ child, pid: child.pid!, output: () => output, stop, ready: found });
  return new Promise((resolve, reject) => {
    let settled = ready === undefined;
    const timer = settled
      ? undefined
      : setTimeout(() => {
          settled = true;
          void stop();
          reject(new Error(`${what} did not start within ${startTimeoutMs / 1000} s:\n${output}`));
        }, startTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (settled || ready === undefined) return;
      const found = ready(output);
      if (found === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve(started(found));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${what} exited (${signal ?? code}) before it was ready:\n${output}`));
    });
    if (ready === undefined) resolve(started(undefined));
  });
}

export interface StockWatchService extends DemoProcess {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly inspectorPort: number;
}

/** Starts the stock-watch service with its inspector on a free loopback port. */
export async function startStockWatch(options: { leak?: boolean } = {}): Promise<StockWatchService> {
  const started = await startNode(
    ['--inspect=127.0.0.1:0', '--enable-source-maps', '--import', 'tsx', join(demoRoot, 'src', 'stockWatch.ts')],
    { STOCK_WATCH_LEAK: options.leak === true ? 'on' : 'off' },
    (output) => {
      const inspector = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      const listening = /stock-watch listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      return inspector && listening ? { url: listening[1], inspectorPort: Number(inspector[1]) } : undefined;
    },
    'the stock-watch service',
  );
  const { url, inspectorPort } = started.ready!;
  return { ...started, url, inspectorPort };
}

/** Sends a POST, resolving with the status and body (rejects on a network error or after 2 s). */
export function post(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', timeout: 2_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`POST ${url} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

/** Asks the service to watch one of `skus` SKUs every `everyMs`, round robin, until stopped. */
export function startStockWatchTraffic(serviceUrl: string, options: { everyMs?: number; skus?: number } = {}): { stop(): void; sent(): number } {
  const everyMs = options.everyMs ?? 100;
  const skus = options.skus ?? 20;
  let sent = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    if (stopped) return;
    const sku = `SKU-${String(sent % skus).padStart(3, '0')}`;
    sent++;
    void post(`${serviceUrl}/stock-watches?sku=${sku}`)
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) timer = setTimeout(next, everyMs);
      });
  };
  next();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    sent: () => sent,
  };
}

export interface LabelService {
  readonly url: string;
  readonly labels: () => number;
  close(): Promise<void>;
}

/** The shipping provider's label endpoint the worker calls (`POST /labels`), answering after `latencyMs`. */
export function startLabelService(latencyMs = 20): Promise<LabelService> {
  let labels = 0;
  const server = http.createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/labels') {
      response.writeHead(404).end();
      return;
    }
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const { orderId } = JSON.parse(body || '{}') as { orderId?: string };
      setTimeout(() => {
        labels++;
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ labelUrl: `https://labels.example/${orderId ?? 'unknown'}.pdf` }));
      }, latencyMs);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, labels: () => labels, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** Creates the worker's group from the start of the stream (with the stream) unless it exists: from `0`, Redis keeps its lag known. */
export async function ensureOrdersGroup(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.xgroup('CREATE', demoStream, demoGroup, '0', 'MKSTREAM');
  } catch (error) {
    if (!String(error).includes('BUSYGROUP')) throw error;
  } finally {
    redis.disconnect();
  }
}

export interface FulfilmentWorker extends DemoProcess {
  readonly paused: boolean;
  /** SIGSTOP: it stops reading and acknowledging, as a stalled process does; the stream's lag grows. */
  pause(): void;
  /** SIGCONT: it reads the backlog and catches up. */
  resume(): void;
}

/** Runs examples/demo-service/src/worker.ts against `redisUrl`, its labels from `shippingUrl`; resolves once it reads the stream. */
export async function startFulfilmentWorker(redisUrl: string, shippingUrl: string): Promise<FulfilmentWorker> {
  // worker.ts prints nothing when it runs: it is ready once its consumer is in the group.
  const started = await startNode(['--import', 'tsx', join(demoRoot, 'src', 'worker.ts')], { REDIS_URL: redisUrl, SHIPPING_URL: shippingUrl, NODE_PATH: join(demoRoot, 'stand-ins') }, undefined, 'the fulfilment worker');
  try {
    await waitForConsumer(redisUrl, `worker-${started.pid}`, started);
  } catch (error) {
    await started.stop();
    throw error;
  }
  let paused = false;
  return {
    ...started,
    get paused() {
      return paused;
    },
    pause() {
      if (paused) return;
      paused = true;
      started.child.kill('SIGSTOP');
    },
    resume() {
      if (!paused) return;
      paused = false;
      started.child.kill('SIGCONT');
    },
  };
}

async function waitForConsumer(redisUrl: string, consumer: string, worker: DemoProcess): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const deadline = Date.now() + startTimeoutMs;
  try {
    while (Date.now() < deadline) {
      if (worker.child.exitCode !== null) throw new Error(`the fulfilment worker exited (${worker.child.exitCode}):\n${worker.output()}`);
      const consumers = (await redis.xinfo('CONSUMERS', demoStream, demoGroup).catch(() => [])) as unknown[][];
      if (consumers.some((fields) => fields[1] === consumer)) return;
      // Redis 7.0 adds a consumer when its XREADGROUP is served, not while it blocks on an empty stream.
      const clients = String(await redis.client('LIST'));
      if (/ cmd=xreadgroup /.test(clients)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the fulfilment worker's consumer ${consumer} did not join ${demoStream}/${demoGroup} within ${startTimeoutMs / 1000} s:\n${worker.output()}`);
  } finally {
    redis.disconnect();
  }
}

/** Adds an order to the stream every `everyMs` (XADD orders MAXLEN ~ 100000 * orderId ord_N) until stopped. */
export function startOrderProducer(redisUrl: string, everyMs = 200): { stop(): Promise<void>; produced(): number } {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let produced = 0;
  const timer = setInterval(() => {
    produced++;
    redis.xadd(demoStream, 'MAXLEN', '~', 100_000, '*', 'orderId', `ord_${Date.now().toString(36)}_${produced}`).catch(() => undefined);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await redis.quit().catch(() => redis.disconnect());
    },
    produced: () => produced,
  };
}

export interface DemoControl {
  readonly url: string;
  close(): Promise<void>;
}

/** A loopback server for `POST /worker/pause` and `/worker/resume`. */
export function startDemoControl(worker: () => FulfilmentWorker | undefined): Promise<DemoControl> {
  const server = http.createServer((request, response) => {
    const current = worker();
    const route = `${request.method} ${request.url}`;
    if (current === undefined || (route !== 'POST /worker/pause' && route !== 'POST /worker/resume')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(current === undefined ? 'the worker is not running\n' : 'POST /worker/pause or /worker/resume\n');
      return;
    }
    if (route === 'POST /worker/pause') current.pause();
    else current.resume();
    response.writeHead(200, { 'content-type': 'text/plain' }).end(`worker ${current.paused ? 'paused' : 'running'}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
