// Real redis-server processes for the live tests: each on a free loopback port, in its own temp
// dir, with no persistence (`--save '' --appendonly no`), stopped when the test that started it ends. A server
// can be stopped and started again on the same port (a Redis that goes away and comes back).
// startRedisCluster joins several into a Redis Cluster (redis-cli --cluster create).
// Call it inside a test (not a before hook): the server stops when that test ends.
// launchRedisServer is the same without node:test's hook (the vscode suites run under mocha): the
// caller stops it and calls `remove`.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { freeLoopbackPort } from './freePort';

export interface RedisServerOptions {
  /** `requirepass`: the default user needs this password. */
  password?: string;
  /** Extra redis.conf lines (`user reader on >pw ~* +xinfo ...`). */
  configLines?: string[];
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and waits for the process to end. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop). */
  start(): Promise<void>;
  /** What the server wrote, for a failing test's message. */
  log(): string;
}

const startTimeoutMs = 10_000;

/** Starts a redis-server on a free port; `after` stops it and removes its folder. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const server = await launchRedisServer(options);
  after(() => server.remove());
  return server;
}

/** Starts a redis-server on a free port; `remove` stops it and removes its folder. */
export async function launchRedisServer(options: RedisServerOptions = {}): Promise<RedisServer & { remove(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded-redis-'));
  const port = await freeLoopbackPort();
  const conf = [
    `port ${port}`,
    'bind 127.0.0.1',
    'save ""',
    'appendonly no',
    `dir ${dir}`,
    ...(options.password !== undefined ? [`requirepass ${options.password}`] : []),
    ...(options.configLines ?? []),
  ];
  const confFile = path.join(dir, 'redis.conf');
  fs.writeFileSync(confFile, `${conf.join('\n')}\n`);
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    if (child) throw new Error('redis-server is already running');
    const started = spawn('redis-server', [confFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.on('exit', () => {
      if (child === started) child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`redis-server did not accept connections within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
      const onData = () => {
        if (/Ready to accept connections/.test(output)) done();
      };
      const onExit = (code: number | null) => fail(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
      const onError = (error: Error) => fail(error);
      const cleanUp = () => {
        clearTimeout(timer);
        started.stdout?.off('data', onData);
        started.off('exit', onExit);
        started.off('error', onError);
      };
      const done = () => {
        cleanUp();
        resolve();
      };
      const fail = (error: Error) => {
        cleanUp();
        started.kill('SIGKILL');
        reject(error);
      };
      started.stdout?.on('data', onData);
      started.once('exit', onExit);
      started.once('error', onError);
      onData();
    });
  };

  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const killer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };

  const remove = async () => {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { port, url: `redis://127.0.0.1:${port}`, start, stop, remove, log: () => output };
}

export interface RedisCluster {
  /** The masters, each holding a third of the slots. */
  readonly nodes: RedisServer[];
}

/** Starts `masters` cluster-enabled redis-servers and joins them with `redis-cli --cluster create`. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < masters; i++) nodes.push(await startRedisServer({ configLines: ['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 5000'] }));
  const created = await run('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes']);
  if (created.code !== 0) throw new Error(`redis-cli --cluster create failed (${created.code}):\n${created.output}`);
  const deadline = Date.now() + startTimeoutMs;
  for (const node of nodes) {
    for (;;) {
      const info = await run('redis-cli', ['-p', String(node.port), 'cluster', 'info']);
      if (/cluster_state:ok/.test(info.output)) break;
      if (Date.now() > deadline) throw new Error(`the cluster was not ok within ${startTimeoutMs} ms:\n${info.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { nodes };
}

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
