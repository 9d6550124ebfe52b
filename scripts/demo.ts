// `npm run demo`: builds the extension and opens it, loaded from this checkout, in code-server on
// examples/demo-service/ (or a copy of the vscode-tier fixture workspace when that folder is absent).
// Listens on 127.0.0.1 only; prints the URL to open in a browser and runs until Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCodeServer, repoRoot, startCodeServer, workbenchUrl } from '../test/vscode/codeServer';
import { copyFixtureWorkspace } from '../test/vscode/testInputs';

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

  const scratch = mkdtempSync(join(tmpdir(), 'bounded-demo-'));
  const demoService = join(repoRoot, 'examples', 'demo-service');
  const folder = existsSync(demoService) ? demoService : copyFixtureWorkspace(scratch);

  const server = await startCodeServer({ logToStderr: true });
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
  const how = await server.exited;
  if (stopping) return;
  rmSync(scratch, { recursive: true, force: true });
  throw new Error(`code-server stopped (${how})`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
