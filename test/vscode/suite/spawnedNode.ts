// Node processes the attach suites start from the extension host, their output collected: without
// the host's NODE_OPTIONS in their environment (VS Code's own, not meant for a service); and the
// service that leaks a Timeout handle every 50 ms, started with --inspect=127.0.0.1:0. Not a suite:
// index.ts runs only *.test.js, and each suite's bundle inlines this module.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from './waitUntil';

export interface SpawnedNode {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
}

/** Starts `node <args>` (the extension host's Node), collecting stdout and stderr. */
export function spawnNode(args: string[], options: { cwd?: string } = {}): SpawnedNode {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { process: child, stdout: () => stdout, stderr: () => stderr };
}

const leakingService = `setInterval(() => { setInterval(() => {}, 60_000); }, 50);
require('node:http').createServer((request, response) => response.end('ok')).listen(0, '127.0.0.1', () => console.log('ready'));
`;

/**
 * Writes the leaking service to `folder`/leaking.cjs and starts it with its inspector on a free
 * loopback port; `onSpawn` gets the process at once (for the suite's teardown to kill); resolves
 * once it serves and its inspector listens.
 */
export async function startLeakingNode(folder: string, onSpawn: (child: ChildProcess) => void): Promise<SpawnedNode & { script: string; inspectorPort: number }> {
  const script = join(folder, 'leaking.cjs');
  await writeFile(script, leakingService);
  const started = spawnNode(['--inspect=127.0.0.1:0', script]);
  onSpawn(started.process);
  const inspectorPort = await waitUntil('the target to be ready with its inspector', () => {
    const match = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(started.stderr());
    return match && started.stdout().includes('ready') ? Number(match[1]) : undefined;
  }, 10_000);
  return { ...started, script, inspectorPort };
}
