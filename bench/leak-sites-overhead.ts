// What attaching costs a service: requests/s of a small HTTP server (an async handler that awaits a
// little work and answers JSON, over keep-alive connections) not attached, attached by the
// inspector source (sampling every 2 s), and attached with leak-site tracking (the async_hooks
// hook) at the default and at full sampling: one server process, the modes interleaved round by
// round in the same run (the order rotating). Each round's figure is a ratio to the same round's not-attached rate (a
// machine shared with other work swings between rounds more than within one); the table gives the
// medians of those ratios, and of the rates, side by side.
//   npx tsx bench/leak-sites-overhead.ts [--seconds 2] [--rounds 7] [--connections 32]
// The load comes from this process (node:http with a keep-alive agent, a fixed number of requests
// in flight), not autocannon: nothing to install. On a shared machine run it under
// `flock /tmp/bounded-cpu.lock`. Results go to bench/results/leak-sites-overhead-<time>.json.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as os from 'node:os';
import { createInspectorSource, defaultLeakSiteSampleRate, type InspectorSource } from '../src/live/inspectorSource';
import { TimeSeriesStore } from '../src/live/timeSeries';

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? Number(process.argv[at + 1]) : fallback;
}

const seconds = argument('--seconds', 2);
const rounds = argument('--rounds', 7);
const connections = argument('--connections', 32);

const serviceSource = `const http = require('node:http');
const lookup = (id) => new Promise((resolve) => setImmediate(() => resolve({ id, items: [1, 2, 3] })));
const server = http.createServer(async (request, response) => {
  const record = await lookup(request.url);
  const body = JSON.stringify({ ...record, at: Date.now() });
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log('ready ' + server.address().port));
`;

interface Mode {
  name: string;
  leakSites?: { sampleRate: number };
  attached: boolean;
}

const modes: Mode[] = [
  { name: 'not attached', attached: false },
  { name: 'attached (sampling every 2 s)', attached: true },
  { name: `leak sites at ${defaultLeakSiteSampleRate * 100}% (default)`, attached: true, leakSites: { sampleRate: defaultLeakSiteSampleRate } },
  { name: 'leak sites at 100%', attached: true, leakSites: { sampleRate: 1 } },
];

async function startService(): Promise<{ httpPort: number; inspectorPort: number; stop(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded-bench-overhead-'));
  const script = path.join(dir, 'service.cjs');
  fs.writeFileSync(script, serviceSource);
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const httpPort = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /ready (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${code}): ${stderr}`)));
  });
  const inspectorPort = Number(/ws:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr)?.[1]);
  return {
    httpPort,
    inspectorPort,
    stop() {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Requests completed in `ms` with `connections` requests in flight at all times. */
async function load(port: number, ms: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let completed = 0;
  let running = true;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: `/item/${completed}`, agent }, (response) => {
        response.resume();
        response.on('end', () => {
          if (running) completed++;
          resolve();
        });
      });
      request.on('error', reject);
    });
  const loop = async () => {
    while (running) await one();
  };
  const loops = Array.from({ length: connections }, loop);
  await new Promise((resolve) => setTimeout(resolve, ms));
  running = false;
  await Promise.all(loops);
  agent.destroy();
  return completed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const service = await startService();
  const perMode = new Map<string, number[]>(modes.map((mode) => [mode.name, []]));
  const ratiosPerMode = new Map<string, number[]>(modes.map((mode) => [mode.name, []]));
  try {
    await load(service.httpPort, 1000); // warm-up: JIT, connections
    for (let round = 1; round <= rounds; round++) {
      // The order rotates each round: what a mode leaves behind (garbage to collect) falls on each of the others in turn.
      const order = modes.map((_, i) => modes[(i + round - 1) % modes.length]);
      const rates = new Map<string, number>();
      for (const mode of order) {
        let source: InspectorSource | undefined;
        if (mode.attached) {
          source = createInspectorSource({ port: service.inspectorPort, store: new TimeSeriesStore({ maxKeys: 1000, maxPointsPerKey: 1000, maxAgeMs: 600_000 }), sampleIntervalMs: 2000, ...(mode.leakSites ? { leakSites: mode.leakSites } : {}) });
          await source.start();
        }
        const requests = await load(service.httpPort, seconds * 1000);
        const perSecond = requests / seconds;
        perMode.get(mode.name)!.push(perSecond);
        rates.set(mode.name, perSecond);
        await source?.stop();
        process.stderr.write(`round ${round}: ${mode.name}: ${Math.round(perSecond)} requests/s\n`);
      }
      for (const mode of modes) ratiosPerMode.get(mode.name)!.push(rates.get(mode.name)! / rates.get(modes[0].name)!);
    }
  } finally {
    service.stop();
  }
  const rows = modes.map((mode) => ({
    mode: mode.name,
    requestsPerSecond: Math.round(median(perMode.get(mode.name)!)),
    ratio: Number(median(ratiosPerMode.get(mode.name)!).toFixed(4)),
    rounds: perMode.get(mode.name)!.map(Math.round),
    roundRatios: ratiosPerMode.get(mode.name)!.map((ratio) => Number(ratio.toFixed(3))),
  }));
  const width = Math.max(...rows.map((row) => row.mode.length));
  console.log(`\n${'mode'.padEnd(width)}  requests/s  ratio   (medians of ${rounds} rounds of ${seconds} s; ratio to not attached in the same round; ${connections} in flight, Node ${process.version}, ${os.cpus().length} CPUs)`);
  for (const row of rows) console.log(`${row.mode.padEnd(width)}  ${String(row.requestsPerSecond).padStart(10)}  ${row.ratio.toFixed(3)}   ${row.ratio === 1 ? '' : row.ratio < 1 ? `${((1 - row.ratio) * 100).toFixed(1)}% slower` : `${((row.ratio - 1) * 100).toFixed(1)}% faster (noise)`}`);
  const results = path.join(__dirname, 'results');
  fs.mkdirSync(results, { recursive: true });
  const file = path.join(results, `leak-sites-overhead-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ node: process.version, cpus: os.cpus().length, seconds, rounds, connections, rows }, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
