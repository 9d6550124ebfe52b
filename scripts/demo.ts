// `npm run demo`: builds the extension and opens it, loaded from this checkout, in code-server on
// examples/demo-service/ (or a copy of the vscode-tier fixture workspace when that folder is absent).
// Listens on 127.0.0.1 only; prints the URL to open in a browser and runs until Ctrl-C.
// The window starts its OTLP receiver as it opens (bounded.live.otlp.autoStart, on 4318 or a free
// port when that is taken), and while the receiver answers, scripts/demoTraffic.ts sends it the
// demo service's traces every few seconds: "Bounded: Show Live Traces" lists them.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCodeServer, freeLoopbackPort, repoRoot, startCodeServer, workbenchUrl } from '../test/vscode/codeServer';
import { copyFixtureWorkspace } from '../test/vscode/testInputs';
import { createDemoTraffic } from './demoTraffic';

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

function receiverListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends a round of the demo's traffic every few seconds while the window's receiver listens, until `stopped`. */
async function sendDemoTraffic(port: number, demoRoot: string, stopped: () => boolean): Promise<void> {
  const endpoint = `http://127.0.0.1:${port}`;
  const traffic = createDemoTraffic(endpoint, demoRoot);
  let sending = false;
  for (let round = 0; !stopped(); ) {
    const listening = await receiverListening(port);
    if (listening !== sending) {
      sending = listening;
      process.stdout.write(
        sending
          ? `Traces: sending the demo service's traffic to ${endpoint} every ${roundIntervalMs / 1000} s (Bounded: Show Live Traces)\n`
          : `Traces: the receiver at ${endpoint} stopped answering; waiting for it (it starts with the window)\n`,
      );
    }
    if (sending) {
      await traffic.sendRound(round++).catch((error: unknown) => process.stderr.write(`Traces: a round was not delivered: ${error instanceof Error ? error.message : String(error)}\n`));
    }
    await new Promise((resolve) => setTimeout(resolve, sending ? roundIntervalMs : receiverProbeMs));
  }
  await traffic.shutdown();
}

async function main(): Promise<void> {
  await build();
  await ensureCodeServer();

  const scratch = mkdtempSync(join(tmpdir(), 'bounded-demo-'));
  const demoService = join(repoRoot, 'examples', 'demo-service');
  const folder = existsSync(demoService) ? demoService : copyFixtureWorkspace(scratch);

  const otlpPort = await freeLoopbackPort(otlpDefaultPort);
  const server = await startCodeServer({ logToStderr: true, userSettings: { 'bounded.live.otlp.autoStart': true, 'bounded.live.otlp.port': otlpPort } });
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true;
      void server.stop().then(() => {
        rmSync(scratch, { recursive: true, force: true });
        process.exit(0);
      });
    });
  }

  const url = workbenchUrl(server, { folder, extensionDevelopmentPath: repoRoot });
  process.stdout.write(`\nBounded demo: open this URL in a browser on this machine (Ctrl-C stops it):\n\n  ${url}\n\n`);
  let exited = false;
  // The traffic names lines of examples/demo-service: none for the fixture workspace.
  const traffic = folder === demoService ? sendDemoTraffic(otlpPort, demoService, () => stopping || exited) : Promise.resolve();
  const how = await server.exited;
  exited = true;
  await traffic;
  if (stopping) return;
  rmSync(scratch, { recursive: true, force: true });
  throw new Error(`code-server stopped (${how})`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
