// Real Node processes for the inspector tests: started with `--inspect=127.0.0.1:<port>` (0: any
// free port, read back from "Debugger listening on ws://..." on stderr), each printing
// `ready <httpPort>` on stdout once its HTTP server listens. Killed when the test file ends.
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { after } from 'node:test';

export interface InspectedNode {
  child: ChildProcess;
  pid: number;
  /** Undefined for a process started without --inspect. */
  inspectorPort?: number;
  httpPort: number;
  stderr(): string;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** A service that leaks a Timeout handle every 50 ms: an interval started and never cleared. */
export const leakingTimersService = `const http = require('node:http');
setInterval(() => {
  setInterval(() => {}, 60_000);
}, 50);
const server = http.createServer((request, response) => response.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('ready ' + server.address().port));
`;

/** The same service without the leak, as an ES module (where `require` is not a global). */
export const steadyEsmService = `import http from 'node:http';
setInterval(() => {}, 50);
const server = http.createServer((request, response) => response.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('ready ' + server.address().port));
`;

export interface StartOptions {
  /** --inspect=127.0.0.1:<port>; 0 picks a free one; undefined starts it without an inspector. */
  inspectPort?: number;
  extraArgs?: string[];
  timeoutMs?: number;
}

export async function startInspectedNode(script: string, options: StartOptions = {}): Promise<InspectedNode> {
  const args = [...(options.inspectPort !== undefined ? [`--inspect=127.0.0.1:${options.inspectPort}`] : []), ...(options.extraArgs ?? []), script];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    running.delete(child);
    resolve(code);
  }));
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const httpPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} printed no "ready" within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /ready (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready; stderr: ${stderr}`));
    });
  });
  const listening = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
  return {
    child,
    pid: child.pid!,
    inspectorPort: listening ? Number(listening[1]) : undefined,
    httpPort,
    stderr: () => stderr,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** GET / on the service's HTTP port: its status code. */
export function httpGet(port: number, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy(new Error(`GET :${port} timed out`)));
    request.on('error', reject);
  });
}

