// The seed problem, end to end: two real services (child processes, instrumented with the real
// OpenTelemetry SDK and HTTP instrumentation, see propagationService.ts), checkout calling payments
// over HTTP, export to the built `bounded watch --json`. Once with W3C trace-context propagation,
// once with checkout dropping the traceparent header: the detector tells them apart. And watch's
// JSON lines (summaries, a finding, its clearing), its clean stop, and a port that is taken.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'bounded.js');
const service = path.join(__dirname, 'propagationService.ts');
const calls = 5;
// checkout: a root span and an HTTP client span per call; payments: a server span per call.
const spansPerRun = calls * 3;
// Generous for a loaded machine: a span whose parent or child is this late would be a finding.
const graceSeconds = 3;
const windowSeconds = 2;

const running = new Set<ChildProcess>();
after(async () => {
  await Promise.all([...running].map((child) => stopChild(child, 'SIGKILL')));
});

/** A child process's output, line by line, with waits on its lines that end at a deadline. */
class Lines {
  readonly all: string[] = [];
  private partial = '';
  private readonly waiters = new Set<() => void>();

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.all.push(...parts);
      for (const waiter of [...this.waiters]) waiter();
    });
  }

  /** The first line (from `from` on) that `match` accepts. */
  waitFor(match: (line: string) => boolean, what: string, timeoutMs: number, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.all.slice(from).find(match);
        if (found === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms; lines so far:\n${this.all.join('\n')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; stdout: Lines; stderr: Lines } {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return { child, stdout: new Lines(child.stdout!), stderr: new Lines(child.stderr!) };
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Sends the signal and waits for the exit; SIGKILL if it is still running after 10 s. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill(signal);
  try {
    return await exited(child, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

interface WatchLine {
  type: 'finding' | 'finding-cleared' | 'summary';
  [key: string]: unknown;
}

interface TracesFigures {
  endpoint?: string;
  spansReceived: number;
  tracesReceived: number;
  pendingParents: number;
  pendingClients: number;
  store: { spans: number; traces: number; evictedSpans: number };
  topOperations: Array<{ serviceName: string; spanName: string; count: number; p99?: number }>;
}

function parsed(line: string): WatchLine {
  return JSON.parse(line) as WatchLine;
}

function tracesOf(line: WatchLine): TracesFigures {
  return (line.sources as { traces: TracesFigures }).traces;
}

async function startWatch() {
  const watch = start([bin, 'watch', '--otlp-port', '0', '--json', '--summary-interval', '0.3', '--grace', String(graceSeconds), '--window', String(windowSeconds)]);
  const first = parsed(await watch.stdout.waitFor((line) => line.startsWith('{"type":"summary"'), 'first summary', 30_000));
  const endpoint = tracesOf(first).endpoint;
  assert.match(endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  return { ...watch, tracesUrl: `${endpoint}/v1/traces` };
}

/** Runs payments and checkout against the receiver; resolves once both exited, their spans flushed. */
async function runServices(tracesUrl: string, checkoutPropagation: 'w3c' | 'none'): Promise<void> {
  const payments = start(['--import', 'tsx', service, 'payments'], { SERVICE_NAME: 'payments', OTLP_TRACES_URL: tracesUrl, PROPAGATION: 'w3c' });
  const listening = await payments.stdout.waitFor((line) => line.startsWith('listening '), 'payments listening', 30_000);
  const checkout = start(['--import', 'tsx', service, 'checkout', `http://127.0.0.1:${listening.split(' ')[1]}`, String(calls)], {
    SERVICE_NAME: 'checkout',
    OTLP_TRACES_URL: tracesUrl,
    PROPAGATION: checkoutPropagation,
  });
  assert.equal(await exited(checkout.child, 60_000), 0, checkout.stderr.all.join('\n'));
  assert.deepEqual(checkout.stdout.all, ['done']);
  assert.equal(await stopChild(payments.child, 'SIGTERM'), 0, payments.stderr.all.join('\n'));
  assert.deepEqual(payments.stderr.all.filter((line) => line.trim() !== ''), [], 'payments exported without errors');
  assert.deepEqual(checkout.stderr.all.filter((line) => line.trim() !== ''), [], 'checkout exported without errors');
}

/** The first summary once every span of the run is in and nothing waits on a parent or a child. */
function settled(watch: Awaited<ReturnType<typeof startWatch>>): Promise<string> {
  return watch.stdout.waitFor(
    (line) => {
      if (!line.startsWith('{"type":"summary"')) return false;
      const traces = tracesOf(parsed(line));
      return traces.spansReceived >= spansPerRun && traces.pendingClients === 0 && traces.pendingParents === 0;
    },
    `a summary with ${spansPerRun} spans received and none pending`,
    30_000,
  );
}

describe('bounded watch: trace propagation between two services', () => {
  before(() => {
    assert.ok(fs.existsSync(path.join(root, 'dist', 'cli.js')), 'the CLI is built (npm run build)');
  });

  it('propagated: every call is one trace across both services, and no broken-propagation finding', async () => {
    const watch = await startWatch();
    await runServices(watch.tracesUrl, 'w3c');
    const settledLine = await settled(watch);
    const settledAt = Date.parse(parsed(settledLine).time as string);
    const traces = tracesOf(parsed(settledLine));
    assert.equal(traces.spansReceived, spansPerRun);
    assert.equal(traces.tracesReceived, calls, 'one trace per call');
    // Past the grace period of the last span and a tick more, a finding would have been printed.
    await watch.stdout.waitFor((line) => line.startsWith('{"type":"summary"') && Date.parse(parsed(line).time as string) >= settledAt + graceSeconds * 1000 + 1500, 'a summary well past the grace period', 30_000);
    assert.deepEqual(
      watch.stdout.all.map(parsed).filter((line) => line.type !== 'summary'),
      [],
    );
    assert.equal(await stopChild(watch.child, 'SIGTERM'), 0, watch.stderr.all.join('\n'));
  });

  it('traceparent dropped by checkout: a broken-propagation finding naming both services, cleared once the calls stop', async () => {
    const watch = await startWatch();
    await runServices(watch.tracesUrl, 'none');
    const finding = parsed(await watch.stdout.waitFor((line) => line.startsWith('{"type":"finding"'), 'a finding', 30_000));
    assert.deepEqual(Object.keys(finding), ['type', 'kind', 'severity', 'subject', 'message', 'evidence']);
    assert.equal(finding.kind, 'broken-propagation');
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.subject, 'checkout → payments');
    assert.match(finding.message as string, /checkout calls payments but payments starts a new trace/);
    const evidence = finding.evidence as {
      from: string;
      to: string;
      counts: Record<string, number>;
      occurrences: Array<{ pattern: string; clientSpan: { traceId: string; spanId: string; serviceName: string }; serverSpan: { traceId: string; spanId: string; serviceName: string }; endpoint: string }>;
    };
    assert.equal(evidence.from, 'checkout');
    assert.equal(evidence.to, 'payments');
    assert.ok(evidence.counts['dropped-context'] >= 1);
    for (const occurrence of evidence.occurrences) {
      assert.equal(occurrence.pattern, 'dropped-context');
      assert.equal(occurrence.clientSpan.serviceName, 'checkout');
      assert.equal(occurrence.serverSpan.serviceName, 'payments');
      assert.match(occurrence.clientSpan.traceId, /^[0-9a-f]{32}$/);
      assert.match(occurrence.serverSpan.spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(occurrence.clientSpan.traceId, occurrence.serverSpan.traceId);
      assert.match(occurrence.endpoint, /^localhost:\d+$/);
    }

    const settledLine = await settled(watch);
    const traces = tracesOf(parsed(settledLine));
    assert.equal(traces.spansReceived, spansPerRun);
    assert.equal(traces.tracesReceived, 2 * calls, 'payments started a trace of its own for every call');
    const findingsAfter = watch.stdout.all.map(parsed).filter((line) => line.type === 'finding');
    assert.equal(findingsAfter.length, 1, 'one finding for the pair, updated rather than raised again');

    const cleared = parsed(await watch.stdout.waitFor((line) => line.startsWith('{"type":"finding-cleared"'), 'the finding cleared', 2 * windowSeconds * 1000 + 15_000));
    assert.deepEqual(cleared, { type: 'finding-cleared', kind: 'broken-propagation', subject: 'checkout → payments' });
    const afterClear = watch.stdout.all.length;
    const summary = parsed(await watch.stdout.waitFor((line) => line.startsWith('{"type":"summary"'), 'a summary after the clearing', 5_000, afterClear));
    assert.equal(summary.findings, 0);
    assert.ok(!Number.isNaN(Date.parse(summary.time as string)));
    assert.equal(await stopChild(watch.child, 'SIGTERM'), 0, watch.stderr.all.join('\n'));
  });

  it('a port that is taken: says so and exits 2', async () => {
    const first = await startWatch();
    const port = new URL(first.tracesUrl).port;
    const second = start([bin, 'watch', '--otlp-port', port, '--json']);
    assert.equal(await exited(second.child, 30_000), 2);
    assert.deepEqual(second.stdout.all, []);
    assert.match(second.stderr.all.join('\n'), new RegExp(`127\\.0\\.0\\.1:${port} is already in use[^]*--otlp-port`));
    assert.equal(await stopChild(first.child, 'SIGINT'), 0);
  });
});
