// `bounded watch --metrics` and `--pprof` against real processes: a Node service with prom-client
// that leaks a setInterval per tick (and its steady twin), and the Go service of test/support/goLeaker
// built here with Debian's golang-go, leaking goroutines and fds. Windows are seconds long.
// Also the metrics source's errors for a 404, a page that is not metrics, and a refused connection.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runWatch, type WatchOptions } from '../../src/cli/watchCommand';
import { LiveFindingSet } from '../../src/live/liveFindingSet';
import { createMetricsSource, type MetricsTargetFigures } from '../../src/live/metricsSource';
import { createPprofSource } from '../../src/live/pprofSource';
import { buildGoLeaker, goLeakerLeakLine, goLeakerSource } from '../support/goLeakerBuild';
import { scratchFolder } from '../support/scratchFolder';

const root = path.resolve(__dirname, '../..');
const handleLeaker = path.join(root, 'test/support/handleLeaker.ts');

interface Started {
  child: ChildProcess;
  url: string;
}

const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts a process and resolves once it prints "listening on <url>" (within 15 s). */
function startService(command: string, args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not start within 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve({ child, url: listening[1] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

type JsonLine = Record<string, unknown> & { type: string };

/** `bounded watch --json` run in process, its lines parsed, with waits that end at a deadline. */
function watch(options: Partial<WatchOptions>) {
  const lines: JsonLine[] = [];
  const errors: string[] = [];
  const waiters = new Set<() => void>();
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stop = resolve));
  const fullOptions: WatchOptions = { json: true, summaryIntervalMs: 200, graceMs: 10_000, windowMs: 30_000, scrapeIntervalMs: 200, leakWindowMs: 3_000, leakMinRatePerMin: 30, ...options };
  const exitCode = runWatch(
    fullOptions,
    {
      stdout: (text) => {
        for (const line of text.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as JsonLine);
        for (const waiter of [...waiters]) waiter();
      },
      stderr: (text) => errors.push(text),
    },
    stopSignal,
  );
  return {
    lines,
    exitCode,
    stop,
    waitFor(description: string, predicate: (line: JsonLine) => boolean, timeoutMs = 15_000): Promise<JsonLine> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(predicate);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${description} within ${timeoutMs} ms; stderr:\n${errors.join('')}\nlast lines:\n${lines.slice(-3).map((line) => JSON.stringify(line)).join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

type Watch = ReturnType<typeof watch>;

function metricsTargets(line: JsonLine): MetricsTargetFigures[] {
  return ((line.sources as Record<string, { targets: MetricsTargetFigures[] }>).metrics?.targets ?? []) as MetricsTargetFigures[];
}

function findings(watching: Watch, kind?: string): JsonLine[] {
  return watching.lines.filter((line) => line.type === 'finding' && (kind === undefined || line.kind === kind));
}

async function finish(watching: Watch): Promise<void> {
  watching.stop();
  assert.equal(await watching.exitCode, 0);
}

describe('bounded watch --metrics (a real Node process with prom-client)', () => {
  it('raises a handle-leak with a rate for a setInterval per tick; keeps running when the target is killed, and resumes', async () => {
    const leaking = await startService(process.execPath, ['--import', 'tsx', handleLeaker, 'leak'], { TICK_MS: '50' });
    const watching = watch({ metrics: [`${leaking.url}/metrics`] });
    try {
      const finding = await watching.waitFor('handle-leak', (line) => line.type === 'finding' && line.kind === 'handle-leak');
      const port = new URL(leaking.url).port;
      assert.equal(finding.subject, `127.0.0.1:${port} nodejs_active_resources{type="Timeout"}`);
      assert.match(String(finding.message), new RegExp(`^127\\.0\\.0\\.1:${port}: \\+[\\d,]+ Timeout handles/min over \\d s \\(\\d+ → \\d+\\)$`));
      const evidence = finding.evidence as Record<string, unknown>;
      assert.equal(evidence.type, 'Timeout');
      assert.equal(evidence.metric, 'nodejs_active_resources');
      // 20 intervals a second: 1,200 a minute, less what the scrapes' timing blurs.
      assert.ok((evidence.ratePerMin as number) > 600 && (evidence.ratePerMin as number) < 1_800, String(evidence.ratePerMin));
      assert.deepEqual(findings(watching).map((line) => line.kind), ['handle-leak'], 'nodejs_active_handles is not judged twice over');

      await stopped(leaking.child);
      const down = await watching.waitFor('a summary with the target down', (line) => line.type === 'summary' && metricsTargets(line)[0]?.state === 'down');
      assert.match(String(metricsTargets(down)[0].error), /connection refused by 127\.0\.0\.1:\d+ \(is the service running\?\)|closed the connection/);
      const summariesWhenDown = watching.lines.filter((line) => line.type === 'summary').length;
      await watching.waitFor('more summaries', () => watching.lines.filter((line) => line.type === 'summary').length >= summariesWhenDown + 3);

      // A steady process on the same port: the target is up again, and the leak clears once its count fell.
      const restarted = await startService(process.execPath, ['--import', 'tsx', handleLeaker, 'steady'], { PORT: port });
      assert.equal(restarted.url, leaking.url);
      await watching.waitFor('the target up again', (line) => line.type === 'summary' && line.time !== down.time && metricsTargets(line)[0]?.state === 'up' && metricsTargets(line)[0]?.failures > 0);
      await watching.waitFor('the leak cleared', (line) => line.type === 'finding-cleared' && line.kind === 'handle-leak');
    } finally {
      await finish(watching);
    }
  });

  it('stays silent on a steady process whose timers come and go', async () => {
    const steady = await startService(process.execPath, ['--import', 'tsx', handleLeaker, 'steady'], { TICK_MS: '20' });
    const watching = watch({ metrics: [steady.url.replace(/^http:\/\//, '')] });
    try {
      // Three windows of scrapes.
      await watching.waitFor('30 scrapes (two windows)', (line) => line.type === 'summary' && (metricsTargets(line)[0]?.polls ?? 0) >= 30, 30_000);
      assert.deepEqual(findings(watching), []);
      const latest = watching.lines.filter((line) => line.type === 'summary').at(-1)!;
      assert.ok(metricsTargets(latest)[0].latest['nodejs_active_resources{type="Timeout"}'] !== undefined);
    } finally {
      await finish(watching);
    }
  });
});

describe('bounded watch --pprof and --metrics (the Go service)', () => {
  const scratch = scratchFolder('go-leaker');
  let goLeaker: string;
  before(() => {
    goLeaker = buildGoLeaker(scratch.root);
  });

  it("raises a goroutine-leak naming the leaking stack's file:line, and fd and goroutine leaks from /metrics", async () => {
    const leakLine = goLeakerLeakLine();
    assert.ok(leakLine > 0);
    const service = await startService(goLeaker, ['-leak-every', '20ms', '-leak-fds']);
    const watching = watch({ pprof: [service.url], metrics: [service.url] });
    try {
      const stack = await watching.waitFor('goroutine-leak of a stack', (line) => line.type === 'finding' && line.kind === 'goroutine-leak' && String(line.subject).includes(' stack '));
      assert.deepEqual(stack.location, { file: goLeakerSource, line: leakLine });
      assert.match(String(stack.message), /^127\.0\.0\.1:\d+: \+[\d,]+ goroutines\/min over \d s \(\d+ → \d+\) in main\.leakedWorker \(main\.go:\d+\)$/);
      const evidence = stack.evidence as Record<string, unknown>;
      assert.equal(evidence.type, 'main.leakedWorker');
      assert.deepEqual(evidence.frames, [`main.leakedWorker ${goLeakerSource}:${leakLine}`]);
      assert.ok((evidence.ratePerMin as number) > 1_500 && (evidence.ratePerMin as number) < 4_500, String(evidence.ratePerMin));

      await watching.waitFor('goroutine-leak from go_goroutines', (line) => line.type === 'finding' && line.kind === 'goroutine-leak' && String(line.subject).endsWith(' go_goroutines'));
      const fds = await watching.waitFor('fd-leak from process_open_fds', (line) => line.type === 'finding' && line.kind === 'fd-leak');
      assert.match(String(fds.message), /\+[\d,]+ open fds\/min/);
      // The largest stack of the summary is the leak's, and it grew since the sample before.
      const pprofTop = (line: JsonLine) => (line.sources as Record<string, { targets: { top: { count: number; growth: number; frame?: string }[] }[] }>).pprof?.targets[0]?.top[0];
      const summary = await watching.waitFor('a pprof summary led by the leak', (line) => line.type === 'summary' && (pprofTop(line)?.count ?? 0) > 50);
      assert.equal(pprofTop(summary)!.frame, `main.leakedWorker ${goLeakerSource}:${leakLine}`);
      assert.ok(pprofTop(summary)!.growth > 0);
    } finally {
      await finish(watching);
      await stopped(service.child);
    }
  });

  it('stays silent on the Go service when it does not leak', async () => {
    const service = await startService(goLeaker, []);
    const watching = watch({ pprof: [service.url], metrics: [service.url] });
    try {
      await watching.waitFor('30 scrapes (two windows)', (line) => line.type === 'summary' && (metricsTargets(line)[0]?.polls ?? 0) >= 30, 30_000);
      assert.deepEqual(findings(watching), []);
    } finally {
      await finish(watching);
      await stopped(service.child);
    }
  });
});

describe('the metrics source on endpoints that are not metrics', () => {
  it('says 404, not text, no metrics and refused, and keeps polling', async () => {
    const server = http.createServer((request, response) => {
      if (request.url === '/html') response.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
      else if (request.url === '/empty') response.writeHead(200, { 'content-type': 'text/plain' }).end('just words\n');
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    // A port nothing listens on: one this server had, closed.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const source = createMetricsSource({ urls: [`127.0.0.1:${port}`, `http://127.0.0.1:${port}/html`, `http://127.0.0.1:${port}/empty`, `127.0.0.1:${closedPort}`], findings: new LiveFindingSet(), intervalMs: 100 });
    await source.start();
    try {
      const deadline = Date.now() + 10_000;
      let targets = (source.summary().figures as { targets: MetricsTargetFigures[] }).targets;
      while (targets.some((target) => target.polls < 2) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        targets = (source.summary().figures as { targets: MetricsTargetFigures[] }).targets;
      }
      assert.deepEqual(
        targets.map((target) => target.state),
        ['down', 'down', 'down', 'down'],
      );
      assert.match(targets[0].error!, /^HTTP 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/metrics \(is that the right path\?\)$/);
      assert.match(targets[1].error!, /answers with text\/html, not text\/plain/);
      assert.match(targets[2].error!, /answered, but with no metrics \(line 1: /);
      assert.match(targets[3].error!, /^connection refused by 127\.0\.0\.1:\d+ \(is the service running\?\)$/);
      assert.ok(targets.every((target) => target.polls >= 2 && target.failures === target.polls), 'polled on');
      assert.match(source.summary().text, /^metrics: http:\/\/127\.0\.0\.1:\d+\/metrics down \(HTTP 404/);
    } finally {
      await source.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** A local endpoint whose body the test sets; counts the requests. */
async function endpoint(contentType = 'text/plain; version=0.0.4') {
  let body = '';
  let requests = 0;
  const server = http.createServer((_request, response) => {
    requests++;
    response.writeHead(200, { 'content-type': contentType }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get requests() {
      return requests;
    },
    setBody: (text: string) => void (body = text),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(description: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not ${description} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('leaks that end', () => {
  const leak = { windowMs: 1_000, minPoints: 5, minRatePerMin: 30 };

  it('clears a handle-leak once its type leaves the scrape (prom-client leaves out a type with none)', async () => {
    const server = await endpoint();
    const findings = new LiveFindingSet();
    const source = createMetricsSource({ urls: [server.url], findings, intervalMs: 40, leak });
    let count = 0;
    const rising = setInterval(() => server.setBody(`# TYPE nodejs_active_resources gauge\nnodejs_active_resources{type="Timeout"} ${(count += 3)}\nnodejs_active_resources{type="TCPWRAP"} 2\n`), 40);
    await source.start();
    try {
      await until('a handle-leak', () => findings.list().some((finding) => finding.kind === 'handle-leak'));
      assert.deepEqual(findings.list().map((finding) => finding.subject), [`${new URL(server.url).host} nodejs_active_resources{type="Timeout"}`]);
      clearInterval(rising);
      server.setBody('# TYPE nodejs_active_resources gauge\nnodejs_active_resources{type="TCPWRAP"} 2\n');
      await until('cleared', () => findings.size === 0);
      const latest = (source.summary().figures as { targets: MetricsTargetFigures[] }).targets[0].latest;
      assert.equal(latest['nodejs_active_resources{type="Timeout"}'], 0);
    } finally {
      clearInterval(rising);
      await source.stop();
      await server.close();
    }
  });

  it('clears a goroutine-leak once its stack is gone from the profile', async () => {
    const server = await endpoint('text/plain; charset=utf-8');
    const findings = new LiveFindingSet();
    const source = createPprofSource({ urls: [server.url], findings, intervalMs: 40, leak });
    const profile = (leaked: number) => `goroutine profile: total ${leaked + 1}\n${leaked} @ 0x1 0x2\n#\t0x1\tmain.worker+0x27\t/app/worker.go:90\n\n1 @ 0x3\n#\t0x3\tmain.main+0x1\t/app/main.go:10\n\n`;
    let leaked = 0;
    const rising = setInterval(() => server.setBody(profile((leaked += 5))), 40);
    server.setBody(profile(0));
    await source.start();
    try {
      await until('a goroutine-leak', () => findings.size > 0);
      const [finding] = findings.list();
      assert.deepEqual(finding.location, { file: '/app/worker.go', line: 90 });
      assert.match(finding.message, /goroutines\/min over 1 s \(\d+ → \d+\) in main\.worker \(worker\.go:90\)$/);
      clearInterval(rising);
      server.setBody('goroutine profile: total 1\n1 @ 0x3\n#\t0x3\tmain.main+0x1\t/app/main.go:10\n\n');
      await until('cleared', () => findings.size === 0);
    } finally {
      clearInterval(rising);
      await source.stop();
      await server.close();
    }
  });
});
