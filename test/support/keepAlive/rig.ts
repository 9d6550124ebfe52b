// The keep-alive 502, reproduced with real processes on one machine:
//
//   senders --HTTP--> nginx --upstream keepalive--> latency relay (10 ms each way) --> Node app
//
// nginx (Debian's package, run from a generated config in a folder of its own, no system service)
// keeps idle upstream connections for 60 s. A Node 20 app with the default keepAliveTimeout closes
// an idle connection ~6 s after its last response (5000 ms + Node's 1000 ms buffer); a request that
// nginx sends on that connection while the close is still on its way (the relay's 10 ms each way
// stand for a real network) gets no answer, and nginx answers the client 502 ("upstream prematurely
// closed connection"). The same app with the fix (keepAliveTimeout 65000, headersTimeout 66000)
// outlives nginx's idle connections, so the race cannot happen.
//
// Each sender is a sequential client on an upstream of its own (nginx reuses its most recent idle
// connection, so senders sharing one upstream would keep each other's connection busy): it POSTs
// (not idempotent, so nginx never retries it), waits for the answer, sleeps so that its next request
// reaches the relay as the default app closes the idle connection (within a few ms), and POSTs
// again, until the time is up; after a failure it retries at once, which opens a new upstream
// connection for the next try. Both apps run at the same time, behind the same nginx, with the same
// pacing. The relay reports every byte's, close's and reset's time, so each request nginx sent on an
// idle connection is matched with what its sender got and how long the connection had been idle.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { freeLoopbackPort } from '../freePort';

export type AppKind = 'default' | 'fixed';

export interface RigOptions {
  /** An empty folder for nginx's config, pid, logs and temp files. */
  folder: string;
  /** Sequential senders per app, each on its own nginx upstream. */
  senders: number;
  /** How long the senders keep sending; every process is stopped by the end of the run. */
  durationMs: number;
  /** The relay's delay in each direction. */
  relayDelayMs: number;
  /**
   * The senders' sleeps after an answer are the pace (when the default app closes an idle
   * connection, less the relay's delay that the answer spent on its way back) plus these offsets,
   * taken in turn across senders and attempts, so that the tries straddle the close.
   */
  offsetsMs: readonly number[];
}

/** One request after an idle gap on a connection nginx had kept (the only kind that can race). */
export interface Reuse {
  sender: number;
  /** The status the sender got, or the error code when it got none. */
  outcome: string;
  /** Relay clock: from the connection's last response to this request reaching the relay. */
  idleMs: number;
  /** From the app's close of this connection (as the relay saw it) to the request; absent when the app had not closed it. */
  afterCloseMs?: number;
}

export interface AppResult {
  app: AppKind;
  keepAliveTimeout: number;
  requests: number;
  /** Outcomes the senders saw: HTTP status, or the error code when there was no response. */
  outcomes: Record<string, number>;
  /** Requests that nginx sent on an upstream connection it had kept idle. */
  reuses: Reuse[];
  /** Upstream connections nginx opened to the relay. */
  connections: number;
  /** Which side closed (or reset) each upstream connection first, by the end of the run. */
  closedFirstBy: { app: number; nginx: number; neither: number };
  /** For each connection the app closed while idle: ms from its last response to the close (relay clock). */
  idleClosesMs: number[];
  /** nginx's error log lines for this app's upstreams ("upstream prematurely closed ...", resets). */
  upstreamErrors: string[];
}

export interface RigResult {
  durationMs: number;
  /** The senders' sleep between an answer and the next request, before the offsets. */
  paceMs: number;
  nginx: string;
  node: string;
  apps: AppResult[];
}

interface RelayEventLine {
  listener: number;
  connection: number;
  event: 'open' | 'request' | 'response' | 'serviceEnd' | 'serviceReset' | 'proxyEnd' | 'proxyReset';
  at: number;
}

/** Node closes an idle connection this long after keepAliveTimeout (measured on Node 20: 6,000-6,004 ms for 5,000). */
const nodeKeepAliveBufferMs = 1000;
/** nginx's upstream keepalive_timeout: an app's keep-alive must outlive it. */
const nginxUpstreamIdleMs = 60_000;
/** After a failed request a sender retries this soon (on a new upstream connection), as a client would. */
const retryMs = 50;
/** How late the default app's idle close may come, after the load, before the run stops waiting for it. */
const settleGraceMs = 5000;

const support = __dirname;
const repositoryRoot = path.resolve(support, '../../..');
const apps: AppKind[] = ['default', 'fixed'];

/** Whether `nginx` can be run (Debian's nginx-light or nginx package). */
export function nginxVersion(): string | undefined {
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return /nginx\/(\S+)/.exec(result.stderr)?.[1];
}

/** Children of one run; all are ended by stopAll(), and by this process's exit if it comes first. */
class Processes {
  private readonly children: ChildProcess[] = [];
  private stopping = false;
  // TERM, not KILL: timeout(1) passes TERM on to nginx, while a KILLed timeout would leave nginx running.
  private readonly onExit = (): void => this.killAll('SIGTERM');

  constructor() {
    process.on('exit', this.onExit);
  }

  spawn(command: string, args: string[], cwd: string): ChildProcess {
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (code !== 0 && code !== null && !this.stopping) process.stderr.write(`${path.basename(command)} ${args.join(' ')} exited ${code ?? signal}: ${stderr}\n`);
    });
    return child;
  }

  /** Ends every child (TERM, then KILL after a grace period) and waits until they have exited. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const running = this.children.filter((child) => child.exitCode === null && child.signalCode === null);
    const exited = running.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
    this.killAll('SIGTERM');
    const grace = setTimeout(() => this.killAll('SIGKILL'), 3000);
    await Promise.all(exited);
    clearTimeout(grace);
    process.off('exit', this.onExit);
  }

  private killAll(signal: NodeJS.Signals): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    }
  }
}

/** The first stdout line of `child`, parsed as JSON. */
function firstLine<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null): void => reject(new Error(`${what} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      resolve(JSON.parse(line) as T);
    });
  });
}

async function waitForPort(port: number, nginx: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited (${nginx.exitCode}) before it listened`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function upstreamName(app: AppKind, sender: number): string {
  return `${app}_${sender}`;
}

function nginxConfig(folder: string, port: number, relayPorts: Record<AppKind, number[]>): string {
  const upstreams = apps.flatMap((app) =>
    relayPorts[app].map(
      (relayPort, sender) => `  upstream ${upstreamName(app, sender)} {
    server 127.0.0.1:${relayPort};
    keepalive 64;
    keepalive_timeout ${nginxUpstreamIdleMs / 1000}s;
  }
`,
    ),
  );
  const locations = apps.flatMap((app) =>
    relayPorts[app].map(
      (_, sender) => `    location = /${app}/${sender} {
      proxy_pass http://${upstreamName(app, sender)};
    }
`,
    ),
  );
  return `# Generated by test/support/keepAlive/rig.ts for one run.
worker_processes 1;
pid ${folder}/nginx.pid;
error_log ${folder}/error.log error;
events {
  worker_connections 256;
}
http {
  access_log off;
  client_body_temp_path ${folder}/client_body;
  proxy_temp_path ${folder}/proxy;
  fastcgi_temp_path ${folder}/fastcgi;
  uwsgi_temp_path ${folder}/uwsgi;
  scgi_temp_path ${folder}/scgi;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
${upstreams.join('')}
  server {
    listen 127.0.0.1:${port};
${locations.join('')}  }
}
`;
}

/** POSTs a small body on a connection of its own; resolves with the status, or the error code. */
function post(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve) => {
    const body = 'ping';
    const request = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', agent: false, headers: { 'content-type': 'text/plain', 'content-length': body.length } }, (response) => {
      response.resume();
      response.on('end', () => resolve(String(response.statusCode)));
      response.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    request.setTimeout(10_000, () => request.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    request.end(body);
  });
}

/** Connections the relay opened to the app that the app has not closed or reset. */
function openConnections(events: RelayEventLine[]): number {
  const open = new Set<number>();
  for (const event of events) {
    if (event.event === 'open') open.add(event.connection);
    else if (event.event === 'serviceEnd' || event.event === 'serviceReset') open.delete(event.connection);
  }
  return open.size;
}

/** Per upstream connection, in order: what the relay saw. */
function analyseRelay(events: RelayEventLine[], outcomesBySender: string[][]): Pick<AppResult, 'reuses' | 'connections' | 'closedFirstBy' | 'idleClosesMs'> {
  interface Connection {
    lastResponseAt?: number;
    closedAt?: number;
    closedFirstBy?: 'app' | 'nginx';
    /** Whether bytes from the app came after the current request started (so the next request chunk is a new request). */
    answered: boolean;
    requests: number;
  }
  const connections = new Map<number, Connection>();
  const reuses: Reuse[] = [];
  const idleClosesMs: number[] = [];
  // Requests per listener in the order they reached the relay, to pair each with the sender's outcome.
  const requestIndex = new Map<number, number>();
  for (const event of events) {
    let connection = connections.get(event.connection);
    if (!connection) {
      connection = { answered: true, requests: 0 };
      connections.set(event.connection, connection);
    }
    switch (event.event) {
      case 'request': {
        if (!connection.answered) break;
        connection.answered = false;
        const index = requestIndex.get(event.listener) ?? 0;
        requestIndex.set(event.listener, index + 1);
        if (connection.requests > 0 && connection.lastResponseAt !== undefined) {
          const outcome = outcomesBySender[event.listener][index] ?? 'unknown';
          const reuse: Reuse = { sender: event.listener, outcome, idleMs: event.at - connection.lastResponseAt };
          if (connection.closedAt !== undefined) reuse.afterCloseMs = event.at - connection.closedAt;
          reuses.push(reuse);
        }
        connection.requests++;
        break;
      }
      case 'response':
        connection.answered = true;
        connection.lastResponseAt = event.at;
        break;
      case 'serviceEnd':
      case 'serviceReset':
        if (connection.closedAt === undefined) {
          connection.closedAt = event.at;
          connection.closedFirstBy ??= 'app';
          if (connection.answered && connection.lastResponseAt !== undefined) idleClosesMs.push(event.at - connection.lastResponseAt);
        }
        break;
      case 'proxyEnd':
      case 'proxyReset':
        connection.closedFirstBy ??= 'nginx';
        break;
      case 'open':
        break;
    }
  }
  const closedFirstBy = { app: 0, nginx: 0, neither: 0 };
  for (const connection of connections.values()) closedFirstBy[connection.closedFirstBy ?? 'neither']++;
  return { reuses, connections: connections.size, closedFirstBy, idleClosesMs };
}

/**
 * Starts both apps, a relay in front of each, and nginx in front of the relays; runs the senders for
 * `durationMs`; stops every process (also when something fails) and returns what each app's senders saw.
 */
export async function runKeepAliveRig(options: RigOptions): Promise<RigResult> {
  const nginx = nginxVersion();
  if (!nginx) throw new Error('nginx is not installed (Debian: apt-get install nginx-light)');
  const processes = new Processes();
  // Children also end on their own after this long, and nginx is run under timeout(1), so nothing
  // outlives a run even when this process is killed without a chance to clean up.
  const lifetimeMs = options.durationMs + 30_000;
  const tsx = (script: string, ...args: string[]): ChildProcess =>
    processes.spawn(process.execPath, ['--import', 'tsx', path.join(support, script), ...args, '--lifetime', String(lifetimeMs)], repositoryRoot);
  try {
    const started = performance.now();
    const appChildren = { default: tsx('app.ts'), fixed: tsx('app.ts', '--fixed') };
    const appInfo = {
      default: await firstLine<{ port: number; keepAliveTimeout: number }>(appChildren.default, 'the default app'),
      fixed: await firstLine<{ port: number; keepAliveTimeout: number }>(appChildren.fixed, 'the fixed app'),
    };
    if (appInfo.default.keepAliveTimeout >= nginxUpstreamIdleMs) throw new Error(`Node ${process.version}'s default keepAliveTimeout (${appInfo.default.keepAliveTimeout} ms) already outlives nginx's ${nginxUpstreamIdleMs} ms`);
    const paceMs = appInfo.default.keepAliveTimeout + nodeKeepAliveBufferMs - options.relayDelayMs;
    const staggerMs = Math.floor(paceMs / options.senders);
    const relayEvents: Record<AppKind, RelayEventLine[]> = { default: [], fixed: [] };
    const relayPorts = {} as Record<AppKind, number[]>;
    for (const app of apps) {
      const relay = tsx('relay.ts', '--target', String(appInfo[app].port), '--listeners', String(options.senders), '--delay', String(options.relayDelayMs));
      relayPorts[app] = (await firstLine<{ ports: number[] }>(relay, `the ${app} app's relay`)).ports;
      createInterface({ input: relay.stdout! }).on('line', (line) => relayEvents[app].push(JSON.parse(line) as RelayEventLine));
    }

    const port = await freeLoopbackPort();
    fs.writeFileSync(path.join(options.folder, 'nginx.conf'), nginxConfig(options.folder, port, relayPorts));
    const nginxProcess = processes.spawn(
      'timeout',
      ['--kill-after=5', `${Math.ceil(lifetimeMs / 1000)}`, 'nginx', '-p', options.folder, '-c', path.join(options.folder, 'nginx.conf'), '-e', path.join(options.folder, 'error.log'), '-g', 'daemon off;'],
      options.folder,
    );
    await waitForPort(port, nginxProcess, 10_000);

    const deadline = performance.now() + options.durationMs;
    const outcomes: Record<AppKind, string[][]> = { default: [], fixed: [] };
    const sender = async (app: AppKind, index: number): Promise<void> => {
      const seen: string[] = [];
      outcomes[app][index] = seen;
      await sleep(index * staggerMs);
      for (let attempt = 0; ; attempt++) {
        const outcome = await post(port, `/${app}/${index}`);
        seen.push(outcome);
        const spacing = outcome === '200' ? paceMs + options.offsetsMs[(attempt * options.senders + index) % options.offsetsMs.length] : retryMs;
        if (performance.now() + spacing > deadline) return;
        await sleep(spacing);
      }
    };
    await Promise.all(apps.flatMap((app) => Array.from({ length: options.senders }, (_, index) => sender(app, index))));
    // Then leave the last connections idle until the default app has closed them all (~6 s), so that
    // every run shows which side closes an idle connection: the default app, while nginx keeps it;
    // the fixed app keeps them as long (the same wait).
    const settleUntil = performance.now() + paceMs + options.relayDelayMs * 2 + settleGraceMs;
    while (performance.now() < settleUntil && openConnections(relayEvents.default) > 0) await sleep(100);
    // Give the relays' last events time to arrive before reading them.
    await sleep(options.relayDelayMs * 4 + 50);
    const errorLog = fs.existsSync(path.join(options.folder, 'error.log')) ? fs.readFileSync(path.join(options.folder, 'error.log'), 'utf8').split('\n') : [];
    const results = apps.map((app): AppResult => {
      const seen = outcomes[app].flat();
      const counts: Record<string, number> = {};
      for (const outcome of seen) counts[outcome] = (counts[outcome] ?? 0) + 1;
      return {
        app,
        keepAliveTimeout: appInfo[app].keepAliveTimeout,
        requests: seen.length,
        outcomes: counts,
        ...analyseRelay(relayEvents[app], outcomes[app]),
        upstreamErrors: errorLog.filter((line) => relayPorts[app].some((relayPort) => line.includes(`upstream: "http://127.0.0.1:${relayPort}/`))),
      };
    });
    return { durationMs: Math.round(performance.now() - started), paceMs, nginx, node: process.version, apps: results };
  } finally {
    await processes.stopAll();
  }
}
