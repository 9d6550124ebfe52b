// `npm run demo`: builds the extension and opens it, loaded from this checkout, in code-server on
// examples/demo-service/ (or a copy of the vscode-tier fixture workspace when that folder is absent).
// Listens on 127.0.0.1 only; prints the URL to open in a browser and runs until Ctrl-C.
// The window starts its OTLP receiver as it opens (bounded.live.otlp.autoStart, on 4318 or a free
// port when that is taken) and writes where it listens to BOUNDED_LIVE_ENDPOINT_FILE; while it
// runs, scripts/demoTraffic.ts sends it the demo service's traces every few seconds, following it
// to another port ("Use Another Port"): "Bounded: Show Live Traces" lists them.
// Beside it, the live parts of scripts/demoWorkload.ts: the stock-watch service with an inspector
// open and a stream of requests (its leak switched with curl; "Bounded: Attach to Node Process…"
// lists it), and the fulfilment worker on the `orders` stream of a redis-server started here on a
// free port (or REDIS_URL's), with a producer of orders and a switch that pauses the worker; the
// Redis is in the window's bounded.live.redis.targets, so the Streams tab shows the backlog.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCodeServer, repoRoot, startCodeServer, workbenchUrl } from '../test/vscode/codeServer';
import { freeLoopbackPort } from '../test/support/freePort';
import { launchRedisServer } from '../test/support/redisServer';
import { copyFixtureWorkspace } from '../test/vscode/testInputs';
import { followLiveEndpoint } from './demoTraffic';
import {
  demoGroup,
  demoStream,
  ensureOrdersGroup,
  startDemoControl,
  startFulfilmentWorker,
  startLabelService,
  startOrderProducer,
  startStockWatch,
  startStockWatchTraffic,
  type FulfilmentWorker,
} from './demoWorkload';

const otlpDefaultPort = 4318;
const roundIntervalMs = 3_000;
const receiverProbeMs = 1_000;

function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`the build failed (exit code ${code})`))));
  });
}

async function main(): Promise<void> {
  await build();
  await ensureCodeServer();

  const cleanUps: Array<() => Promise<void> | void> = [];
  const cleanUp = async () => {
    for (const step of cleanUps.reverse()) await Promise.resolve(step()).catch(() => undefined);
  };
  const scratch = mkdtempSync(join(tmpdir(), 'bounded-demo-'));
  cleanUps.push(() => rmSync(scratch, { recursive: true, force: true }));
  const demoService = join(repoRoot, 'examples', 'demo-service');
  const folder = existsSync(demoService) ? demoService : copyFixtureWorkspace(scratch);
  const withDemoService = folder === demoService;

  let redisUrl = process.env.REDIS_URL;
  let worker: FulfilmentWorker | undefined;
  let instructions: string[] = [];
  try {
    if (withDemoService) {
      if (redisUrl === undefined) {
        const redis = await launchRedisServer();
        cleanUps.push(() => redis.remove());
        redisUrl = redis.url;
      } else {
        process.stdout.write(`Streams: REDIS_URL is set: the demo adds orders to the ${demoStream} stream of ${redisUrl} (and creates group ${demoGroup} if it is missing)\n`);
      }
      await ensureOrdersGroup(redisUrl);
      const labels = await startLabelService();
      cleanUps.push(() => labels.close());
      worker = await startFulfilmentWorker(redisUrl, labels.url);
      cleanUps.push(() => worker?.stop());
      const producer = startOrderProducer(redisUrl, 200);
      cleanUps.push(() => producer.stop());
      const control = await startDemoControl(() => worker);
      cleanUps.push(() => control.close());

      const stockWatch = await startStockWatch();
      cleanUps.push(() => stockWatch.stop());
      const traffic = startStockWatchTraffic(stockWatch.url, { everyMs: 100 });
      cleanUps.push(() => traffic.stop());

      instructions = [
        `Leak: the stock-watch service (examples/demo-service/src/stockWatch.ts, pid ${stockWatch.pid}) gets 10 requests/s, inspector on 127.0.0.1:${stockWatch.inspectorPort}.`,
        `  In VS Code: "Bounded: Attach to Node Process…", pick pid ${stockWatch.pid}. Then switch its leak:`,
        `    curl -X POST ${stockWatch.url}/leak/on      (a setInterval per request, never cleared)`,
        `    curl -X POST ${stockWatch.url}/leak/off`,
        `Streams: examples/demo-service/src/worker.ts (pid ${worker.pid}) reads ${demoStream}/${demoGroup} on ${redisUrl}; 5 orders/s are added.`,
        `  The Streams tab of "Bounded: Show Live Traces" shows it. Make the worker fall behind, then catch up:`,
        `    curl -X POST ${control.url}/worker/pause`,
        `    curl -X POST ${control.url}/worker/resume`,
      ];
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }

  // The window writes its receiver's state here; the traffic follows it.
  const endpointFile = join(scratch, 'live-endpoint.json');
  process.env.BOUNDED_LIVE_ENDPOINT_FILE = endpointFile;
  const otlpPort = await freeLoopbackPort(otlpDefaultPort);
  const userSettings: Record<string, unknown> = { 'bounded.live.otlp.autoStart': true, 'bounded.live.otlp.port': otlpPort };
  if (redisUrl !== undefined && withDemoService) userSettings['bounded.live.redis.targets'] = [{ name: 'demo', url: redisUrl, streams: [demoStream] }];
  const server = await startCodeServer({ logToStderr: true, userSettings }).catch(async (error: unknown) => {
    await cleanUp();
    throw error;
  });
  cleanUps.push(() => server.stop());
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true;
      void cleanUp().then(() => process.exit(0));
    });
  }

  const url = workbenchUrl(server, { folder, extensionDevelopmentPath: repoRoot });
  process.stdout.write(`\nBounded demo: open this URL in a browser on this machine (Ctrl-C stops it):\n\n  ${url}\n\n${instructions.map((line) => `${line}\n`).join('')}\n`);
  let exited = false;
  // The traffic names lines of examples/demo-service: none for the fixture workspace.
  const traces = withDemoService
    ? followLiveEndpoint({ endpointFile, demoRoot: demoService, stopped: () => stopping || exited, roundIntervalMs, probeIntervalMs: receiverProbeMs, say: (line) => process.stdout.write(`${line}\n`) })
    : Promise.resolve();
  const how = await server.exited;
  exited = true;
  await traces;
  if (stopping) return;
  await cleanUp();
  throw new Error(`code-server stopped (${how})`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
