// The inspector source against real Node processes started with --inspect: counts that rise in a
// process leaking Timeout handles and stay put in a steady ES module, the sampler fully removed on
// detach (checked from a second inspector session), leak sites at the right file and line (also
// source-mapped to .ts), a killed target ('process gone', no crash) and one restarted on the same
// port (re-attached), and the target's watchdog removing the sampler when Bounded vanishes.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { transformSync } from 'esbuild';
import { connectInspector, InspectorError, isLoopbackHost, listInspectorTargets, type InspectorConnection } from '../../src/live/inspectorClient';
import { attachExpression } from '../../src/live/inspectorProbe';
import { createInspectorSource, locationOfSite, type InspectorSource } from '../../src/live/inspectorSource';
import { LeakDetector } from '../../src/live/leakDetector';
import { LiveFindingSet } from '../../src/live/liveFindingSet';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { freeLoopbackPort } from '../support/freePort';
import { httpGet, leakingTimersService, startInspectedNode, steadyEsmService } from '../support/inspectedNode';
import { waitUntil } from '../support/waitUntil';
import { scratchFolder } from '../support/scratchFolder';
import { collectUnhandledRejections } from '../support/unhandledRejections';

const scratch = scratchFolder('inspector');
const leakingScript = scratch.write('leaking.cjs', leakingTimersService);
const steadyScript = scratch.write('steady.mjs', steadyEsmService);
/** The line of `setInterval(() => {}, 60_000)` in leakingTimersService. */
const leakingLine = leakingTimersService.split('\n').findIndex((line) => line.includes('60_000')) + 1;

collectUnhandledRejections();

const sources: InspectorSource[] = [];
after(async () => {
  for (const source of sources) await source.stop();
});

function newStore(): TimeSeriesStore {
  return new TimeSeriesStore({ maxKeys: 1000, maxPointsPerKey: 1000, maxAgeMs: 600_000 });
}

function sourceFor(port: number, store: TimeSeriesStore, extra: Partial<Parameters<typeof createInspectorSource>[0]> = {}): InspectorSource {
  const source = createInspectorSource({ port, store, sampleIntervalMs: 100, reattachBackoff: { initialMs: 50, maxMs: 200 }, ...extra });
  sources.push(source);
  return source;
}

async function secondSession(port: number): Promise<InspectorConnection> {
  const [target] = await listInspectorTargets({ port });
  const connection = await connectInspector(target.webSocketDebuggerUrl);
  after(() => connection.close());
  return connection;
}

/** Evaluates in the target, awaiting the promise the expression returns. */
async function evaluateAwaiting(connection: InspectorConnection, expression: string): Promise<unknown> {
  const result = await connection.call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true, includeCommandLineAPI: true });
  assert.equal(result.exceptionDetails, undefined, JSON.stringify(result.exceptionDetails));
  return (result.result as { value?: unknown }).value;
}

describe('inspector client', () => {
  it('refuses a non-loopback host unless allowed, and any domain but Runtime', async () => {
    assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('[::1]') && isLoopbackHost('localhost') && isLoopbackHost('127.3.4.5'));
    assert.ok(!isLoopbackHost('10.0.0.1') && !isLoopbackHost('0.0.0.0') && !isLoopbackHost('example.com') && !isLoopbackHost('::'));
    assert.throws(() => listInspectorTargets({ host: '10.1.2.3', port: 9229 }), (error: InspectorError) => error.code === 'not-loopback');
    await assert.rejects(connectInspector('ws://192.168.1.2:9229/abc'), (error: InspectorError) => error.code === 'not-loopback');
    const target = await startInspectedNode(steadyScript, { inspectPort: 0 });
    const connection = await secondSession(target.inspectorPort!);
    await assert.rejects(connection.call('Debugger.enable'), (error: InspectorError) => error.code === 'refused-method');
    assert.deepEqual(await connection.evaluate('1 + 1'), { value: 2 });
    assert.match((await connection.evaluate('(() => { throw new Error("boom") })()')).exception ?? '', /boom/);
    await target.kill();
    await waitUntil('the connection to close', () => (connection.state === 'closed' ? true : undefined));
    await assert.rejects(connection.evaluate('1'), (error: InspectorError) => error.code === 'process-gone');
  });

  it('times a request out when the target is busy, and takes its late answer in stride', async () => {
    const target = await startInspectedNode(steadyScript, { inspectPort: 0 });
    const connection = await secondSession(target.inspectorPort!);
    const blocking = connection.evaluate('(() => { const until = Date.now() + 800; while (Date.now() < until); return "done"; })()', 5000);
    await assert.rejects(connection.evaluate('1', 200), (error: InspectorError) => error.code === 'timeout' && /event loop may be blocked/.test(error.message));
    assert.deepEqual(await blocking, { value: 'done' });
    assert.deepEqual(await connection.evaluate('2'), { value: 2 }, 'the late answer to the timed-out request is dropped');
    await target.kill();
  });

  it('says clearly when nothing listens on the port', async () => {
    const port = await freeLoopbackPort();
    await assert.rejects(listInspectorTargets({ port }), (error: InspectorError) => error.code === 'unreachable' && error.message.includes(`127.0.0.1:${port}`));
  });
});

describe('inspector source', () => {
  it('sees Timeout handles rise in a leaking CJS process, with memory and event-loop delay', async () => {
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    const store = newStore();
    const source = sourceFor(target.inspectorPort!, store);
    const states: string[] = [];
    source.onStateChange((state) => states.push(state));
    assert.match(await source.start(), new RegExp(`pid ${target.pid}`));
    const key = `inspector:${target.inspectorPort}:handles:Timeout`;
    const points = await waitUntil('Timeout handles to rise by 10', () => {
      const series = store.points(key);
      return series.length >= 3 && series[series.length - 1].value - series[0].value >= 10 ? series : undefined;
    });
    assert.ok(points.length >= 3);
    assert.equal(source.state, 'sampling');
    assert.deepEqual(states.slice(0, 3), ['attaching', 'attached', 'sampling']);
    assert.ok(store.latest(`inspector:${target.inspectorPort}:memory:rss`)!.value > 1e6);
    assert.ok(store.latest(`inspector:${target.inspectorPort}:memory:heapUsed`)!.value > 1e5);
    await waitUntil('an event-loop delay sample', () => store.latest(`inspector:${target.inspectorPort}:eventLoopDelay:p99`));
    const figures = source.figures();
    assert.equal(figures.pid, target.pid);
    assert.ok(figures.handles.Timeout > 0);
    assert.match(source.summary().text, /sampling; handles Timeout \d+/);
    await source.stop();
    assert.equal(source.state, 'detached');
    assert.equal(await httpGet(target.httpPort), 200);
    await target.kill();
  });

  it('reads a steady ES module whose counts stay put (require through the command line API)', async () => {
    const target = await startInspectedNode(steadyScript, { inspectPort: 0 });
    const store = newStore();
    const source = sourceFor(target.inspectorPort!, store);
    await source.start();
    const key = `inspector:${target.inspectorPort}:handles:Timeout`;
    const points = await waitUntil('five samples', () => (store.points(key).length >= 5 ? store.points(key) : undefined));
    assert.deepEqual(new Set(points.map((point) => point.value)), new Set([1]), 'one interval, never more');
    await waitUntil('an event-loop delay sample', () => store.latest(`inspector:${target.inspectorPort}:eventLoopDelay:p50`));
    await source.stop();
    await target.kill();
  });

  it('removes everything it installed on detach (asserted from a second session)', async () => {
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    const source = sourceFor(target.inspectorPort!, newStore(), { leakSites: { sampleRate: 1 } });
    await source.start();
    await waitUntil('a sample with leak sites', () => source.figures().leakSites);
    const observer = await secondSession(target.inspectorPort!);
    // Hold on to the install, to look at it once the global is gone.
    assert.deepEqual(await observer.evaluate(`(globalThis.heldInstall = globalThis[Symbol.for('bounded.attach')]) !== undefined`), { value: true });
    await source.stop();
    const afterDetach = await evaluateAwaiting(
      observer,
      `(async () => {
        const held = globalThis.heldInstall;
        const countBefore = held.histogram.count;
        const timers = Array.from({ length: 50 }, () => setTimeout(() => {}, 10_000));
        await new Promise((resolve) => setTimeout(resolve, 150));
        timers.forEach(clearTimeout);
        return {
          globalGone: !(Symbol.for('bounded.attach') in globalThis),
          histogramStill: held.histogram.count === countBefore,
          sitesEmpty: held.sites.bySite.size === 0 && held.sites.byAsyncId.size === 0,
        };
      })()`,
    );
    assert.deepEqual(afterDetach, { globalGone: true, histogramStill: true, sitesEmpty: true });
    await observer.evaluate('delete globalThis.heldInstall');
    await target.kill();
  });

  it('finds the leak site: the file and line of the interval that is never cleared', async () => {
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    const store = newStore();
    const source = sourceFor(target.inspectorPort!, store, { leakSites: { sampleRate: 0.5 } });
    await source.start();
    const top = await waitUntil('the leaking site to lead with 10 live', () => {
      const first = source.figures().leakSites?.top[0];
      return first !== undefined && first.live >= 10 ? first : undefined;
    });
    assert.equal(top.type, 'Timeout');
    assert.deepEqual(locationOfSite(top.site), { file: leakingScript, line: leakingLine });
    assert.equal(top.estimatedLive, Math.round(top.live / 0.5));
    assert.ok(store.keys(`inspector:${target.inspectorPort}:sites:Timeout:${leakingScript}:${leakingLine}:`).length === 1);
    await source.stop();
    await target.kill();
  });

  it('source-maps the leak site to the .ts line when the target runs compiled JS with --enable-source-maps', async () => {
    const tsFile = scratch.write('leaky/service.ts', `import * as http from 'node:http';\n\nfunction startPolling(): void {\n  const handle: NodeJS.Timeout = setInterval((): void => {}, 60_000);\n  void handle;\n}\nsetInterval(startPolling, 50);\nconst server = http.createServer((_request, response) => response.end('ok'));\nserver.listen(0, '127.0.0.1', () => console.log('ready ' + (server.address() as { port: number }).port));\n`);
    const compiled = transformSync(require('node:fs').readFileSync(tsFile, 'utf8'), { loader: 'ts', format: 'cjs', sourcemap: 'inline', sourcefile: tsFile });
    const jsFile = scratch.write('leaky/dist/service.js', compiled.code);
    const target = await startInspectedNode(jsFile, { inspectPort: 0, extraArgs: ['--enable-source-maps'] });
    const source = sourceFor(target.inspectorPort!, newStore(), { leakSites: { sampleRate: 1 } });
    await source.start();
    const top = await waitUntil('a leading site', () => {
      const first = source.figures().leakSites?.top[0];
      return first !== undefined && first.live >= 5 ? first : undefined;
    });
    assert.deepEqual(locationOfSite(top.site), { file: tsFile, line: 4 });
    await source.stop();
    await target.kill();
  });

  it("raises handle-leak through the leak detector, naming the leak site's line", async () => {
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    const store = newStore();
    const findings = new LiveFindingSet();
    const detector = new LeakDetector({ store, findings, options: { windowMs: 2000, minSpanMs: 1000, minPoints: 8, subWindows: 4, minRatePerMin: 10 } });
    const source = sourceFor(target.inspectorPort!, store, { detector, leakSites: { sampleRate: 1 } });
    await source.start();
    const handleLeak = await waitUntil('a handle-leak finding on Timeout', () => findings.list().find((finding) => finding.subject === `inspector ${target.inspectorPort} Timeout`), 10_000);
    assert.equal(handleLeak.kind, 'handle-leak');
    assert.match(handleLeak.message, /Timeout handles\/min/);
    const siteLeak = await waitUntil('a handle-leak finding at the site', () => findings.list().find((finding) => finding.location !== undefined), 10_000);
    assert.deepEqual(siteLeak.location, { file: leakingScript, line: leakingLine });
    await source.stop();
    assert.equal(findings.size, 0, 'detaching clears its findings');
    await target.kill();
  });

  it("goes to 'process gone' when the target is killed, and re-attaches when it is back on the same port", async () => {
    const port = await freeLoopbackPort();
    const first = await startInspectedNode(steadyScript, { inspectPort: port });
    const store = newStore();
    const source = sourceFor(port, store);
    await source.start();
    await waitUntil('sampling', () => (source.state === 'sampling' ? true : undefined));
    await first.kill();
    await waitUntil("'process gone'", () => (source.state === 'process gone' ? true : undefined));
    assert.match(source.summary().text, /process gone/);
    const samplesBefore = store.points(`inspector:${port}:handles:Timeout`).length;
    const second = await startInspectedNode(steadyScript, { inspectPort: port });
    await waitUntil('sampling the restarted process', () => (source.state === 'sampling' && source.figures().pid === second.pid ? true : undefined));
    assert.equal(source.figures().attaches, 2);
    await waitUntil('the series to carry on', () => (store.points(`inspector:${port}:handles:Timeout`).length > samplesBefore ? true : undefined));
    await source.stop();
    await second.kill();
  });

  it('lets a service that shuts down exit while attached (Node waits for inspector sessions at exit)', async () => {
    const script = scratch.write(
      'graceful.cjs',
      `const http = require('node:http');
const ticker = setInterval(() => {}, 50);
const server = http.createServer((request, response) => response.end('ok'));
process.on('SIGTERM', () => { clearInterval(ticker); server.close(); });
server.listen(0, '127.0.0.1', () => console.log('ready ' + server.address().port));
`,
    );
    const target = await startInspectedNode(script, { inspectPort: 0 });
    const source = sourceFor(target.inspectorPort!, newStore(), { reattach: false });
    await source.start();
    await waitUntil('sampling', () => (source.state === 'sampling' ? true : undefined));
    target.child.kill('SIGTERM');
    const code = await Promise.race([target.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running after 5 s'), 5000))]);
    assert.equal(code, 0);
    await waitUntil("'process gone'", () => (source.state === 'process gone' ? true : undefined));
    assert.match(source.figures().lastError ?? '', /exiting/);
  });

  it('keeps a target serving whose Error.prepareStackTrace throws, with leak sites on', async () => {
    const script = scratch.write('hostile.cjs', `Error.prepareStackTrace = () => { throw new Error('no stacks here'); };\n${leakingTimersService}`);
    const target = await startInspectedNode(script, { inspectPort: 0 });
    const source = sourceFor(target.inspectorPort!, newStore(), { leakSites: { sampleRate: 1 } });
    await source.start();
    await waitUntil('a few samples', () => (source.figures().samples >= 3 ? true : undefined));
    assert.equal(await httpGet(target.httpPort), 200);
    assert.equal(target.child.exitCode, null);
    const observer = await secondSession(target.inspectorPort!);
    assert.deepEqual(await observer.evaluate(`globalThis[Symbol.for('bounded.attach')].sites.dropped > 0`), { value: true }, 'the throwing stacks were dropped');
    await source.stop();
    await target.kill();
  });

  it('finds the leak site in an ES module (file:// frames)', async () => {
    const script = scratch.write('leaking.mjs', `import http from 'node:http';
setInterval(() => {
  setInterval(() => {}, 60_000);
}, 50);
const server = http.createServer((request, response) => response.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('ready ' + server.address().port));
`);
    const target = await startInspectedNode(script, { inspectPort: 0 });
    const source = sourceFor(target.inspectorPort!, newStore(), { leakSites: { sampleRate: 1 } });
    await source.start();
    const top = await waitUntil('a leading site', () => {
      const first = source.figures().leakSites?.top[0];
      return first !== undefined && first.live >= 5 ? first : undefined;
    });
    assert.match(top.site, /^file:\/\//);
    assert.deepEqual(locationOfSite(top.site), { file: script, line: 3 });
    await source.stop();
    await target.kill();
  });

  it('refuses to start with a clear error when nothing listens, and holds nothing', async () => {
    const port = await freeLoopbackPort();
    const source = sourceFor(port, newStore());
    await assert.rejects(source.start(), /no inspector on 127\.0\.0\.1:\d+/);
    assert.equal(source.state, 'detached');
  });

  it("the target's watchdog removes the sampler when no sample comes (Bounded went away)", async () => {
    const target = await startInspectedNode(steadyScript, { inspectPort: 0 });
    const connection = await secondSession(target.inspectorPort!);
    const installed = await connection.evaluate(attachExpression({ eventLoopResolutionMs: 10, watchdogMs: 300, leakSites: { sampleRate: 1, maxSites: 10, maxTracked: 10 } }));
    assert.equal((installed.value as { pid: number }).pid, target.pid);
    await waitUntil('the install to be removed by the watchdog', async () => ((await connection.evaluate(`Symbol.for('bounded.attach') in globalThis`)).value === false ? true : undefined), 5000);
    assert.equal(await httpGet(target.httpPort), 200);
    await target.kill();
  });
});
