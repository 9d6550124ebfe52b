// What outlives a rebuild of the live session (the host's LiveAttachedTargets), against real
// processes: a Node service started with --inspect=127.0.0.1:0 leaking Timeout handles stays
// attached and sampling when the session is rebuilt around it for a settings change (no second
// attach: Node says "Debugger attached." once), its handle-leak is mirrored into the new session's
// findings and cleared there on detach. The Prometheus and pprof targets of the settings: a real
// prom-client service (test/support/handleLeaker.ts) and the Go service of test/support/goLeaker
// raise handle-leak and goroutine-leak in the session's findings, setting the same targets again
// keeps their pollers, removing them clears the findings; a url that is not http(s) is refused.
// Re-attach's look-up: a process restarted on the same inspector port is found as the new pid.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listNodeProcesses } from '../../src/live/nodeProcesses';
import { LiveAttachedTargets } from '../../src/extension/liveAttachedTargets';
import { isCurrentScrapeSite, panelScrapeHandleTargets } from '../../src/extension/liveHandlesData';
import { LiveSession } from '../../src/extension/liveSession';
import { processAtInspector } from '../../src/extension/nodeAttachPrompts';
import { LiveSnapshotNotification } from '../../src/shared/livePanelProtocol';
import { defaultLive, type LiveSettings } from '../../src/shared/settings';
import { buildGoLeaker, goLeakerLeakLine, goLeakerSource } from '../support/goLeakerBuild';
import { freeLoopbackPort } from '../support/freePort';
import { leakingTimersService, startInspectedNode } from '../support/inspectedNode';
import { samplerInstalledIn } from '../support/installedSampler';
import { scratchFolder } from '../support/scratchFolder';
import { collectUnhandledRejections } from '../support/unhandledRejections';
import { waitUntil } from '../support/waitUntil';

const root = path.resolve(__dirname, '../..');
const scratch = scratchFolder('live-attached-targets');
const leakingScript = scratch.write('leaking.cjs', leakingTimersService);
const shortLeak = { windowMs: 2000, minSpanMs: 1000, minPoints: 8, subWindows: 4, minRatePerMin: 10 };

collectUnhandledRejections();

const cleanUps: Array<() => Promise<void>> = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const cleanUp of cleanUps.reverse()) await cleanUp();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function settings(port: number): LiveSettings {
  return { ...defaultLive, otlp: { ...defaultLive.otlp, port } };
}

function newAttached(): LiveAttachedTargets {
  const attached = new LiveAttachedTargets(() => undefined, { node: { sampleIntervalMs: 100, leak: shortLeak }, scrape: { intervalMs: 100, leak: shortLeak } });
  cleanUps.push(() => attached.dispose());
  return attached;
}

function newSession(attached: LiveAttachedTargets, port = 0): LiveSession {
  const session = new LiveSession(settings(port), () => undefined, {}, attached);
  cleanUps.push(() => session.dispose());
  return session;
}

/** Starts a process and resolves with the URL it prints ("listening on <url>"), within 15 s. */
function startService(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not start within 15 s:\n${output}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

describe('attached targets across session rebuilds', () => {
  it('a rebuilt session keeps the Node target sampling, attached once, its finding mirrored and cleared on detach', async () => {
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    const attached = newAttached();
    const first = newSession(attached);
    const { source } = await first.nodeTargets.attach({ host: '127.0.0.1', port: target.inspectorPort! });
    const subject = `inspector ${target.inspectorPort} Timeout`;
    await waitUntil('handle-leak in the first session', () => first.findings.get('handle-leak', subject), 10_000);

    // What the host does for a change of bounded.live.otlp.port: dispose the session, build one around the same targets.
    await first.dispose();
    const second = newSession(attached, await freeLoopbackPort());
    assert.equal(second.nodeTargets, attached.nodeTargets);
    assert.equal(second.nodeTargets.get(`127.0.0.1:${target.inspectorPort}`), source, 'the same inspector source');
    assert.ok(second.findings.get('handle-leak', subject), 'the finding is in the new session at once');
    const samplesAtRebuild = source.figures().samples;
    await waitUntil('more samples after the rebuild', () => source.figures().samples >= samplesAtRebuild + 5 || undefined, 5_000);
    assert.equal(source.state, 'sampling');
    assert.equal(source.figures().attaches, 1, 'not attached again');
    assert.equal(target.stderr().match(/Debugger attached\./g)?.length, 1, `one inspector session in the target:\n${target.stderr()}`);
    const updatedBefore = second.findings.get('handle-leak', subject)!.updatedAt;
    await waitUntil('the mirrored finding updated by new samples', () => (second.findings.get('handle-leak', subject)!.updatedAt > updatedBefore) || undefined, 5_000);

    await second.nodeTargets.detach(`127.0.0.1:${target.inspectorPort}`);
    assert.equal(second.findings.get('handle-leak', subject), undefined, 'cleared in the session on detach');
    assert.equal(await samplerInstalledIn(target.inspectorPort!), false, 'nothing left in the target');
  });

  it('a session made without attached targets owns them and detaches on dispose', async () => {
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    const session = new LiveSession(settings(0), () => undefined, { sampleIntervalMs: 100 });
    await session.nodeTargets.attach({ host: '127.0.0.1', port: target.inspectorPort! });
    assert.equal(await samplerInstalledIn(target.inspectorPort!), true);
    await session.dispose();
    assert.equal(await samplerInstalledIn(target.inspectorPort!), false);
  });

  it("re-attach's look-up finds the process that has the inspector port now, and nothing once it is gone", async () => {
    const port = await freeLoopbackPort();
    const before = await startInspectedNode(leakingScript, { inspectPort: port });
    const endpoint = { host: '127.0.0.1', port };
    assert.equal(processAtInspector(await listNodeProcesses().then((all) => all.map((info) => ({ info }))), endpoint)?.info.pid, before.pid);
    await before.kill();
    assert.equal(processAtInspector(await listNodeProcesses().then((all) => all.map((info) => ({ info }))), endpoint), undefined);
    const after = await startInspectedNode(leakingScript, { inspectPort: port });
    const found = processAtInspector(await listNodeProcesses().then((all) => all.map((info) => ({ info }))), endpoint);
    assert.equal(found?.info.pid, after.pid);
    assert.notEqual(after.pid, before.pid);
    await after.kill();
  });
});

describe('metrics and pprof targets of the settings', () => {
  let goLeaker: string;
  before(() => {
    goLeaker = buildGoLeaker(scratch.root);
  });

  it('raise handle-leak and goroutine-leak in the session findings, keep pollers of unchanged targets, clear when removed', async () => {
    const leakLine = goLeakerLeakLine();
    const [promUrl, goUrl] = await Promise.all([
      startService(process.execPath, ['--import', 'tsx', path.join(root, 'test/support/handleLeaker.ts'), 'leak']),
      startService(goLeaker, ['-leak-every', '20ms']),
    ]);
    const attached = newAttached();
    const session = newSession(attached);
    const metrics = [{ name: 'orders-api', url: `${promUrl}/metrics`, pin: ['process_cpu_user_seconds_total'] }];
    const pprof = [{ name: 'labeller', url: goUrl }];
    assert.deepEqual(await session.scrapeTargets.setTargets(metrics, pprof), []);

    const handleLeak = await waitUntil('handle-leak from /metrics', () => session.findings.list().find((f) => f.kind === 'handle-leak' && /Timeout/.test(f.subject)), 15_000);
    assert.match(handleLeak.message, /\+\d[\d,.]* Timeout handles\/min/);
    const goroutineLeak = await waitUntil('goroutine-leak from pprof', () => session.findings.list().find((f) => f.kind === 'goroutine-leak' && f.location !== undefined), 15_000);
    assert.deepEqual(goroutineLeak.location, { file: goLeakerSource, line: leakLine });
    const listed = session.scrapeTargets.list();
    assert.deepEqual(listed.map((target) => [target.kind, target.name, target.figures().state]), [['metrics', 'orders-api', 'up'], ['pprof', 'labeller', 'up']]);
    const pinned = listed[0].store.keys('metrics:').filter((key) => key.includes('process_cpu_user_seconds_total'));
    assert.ok(pinned.length > 0, 'the pinned metric is kept as a series');

    // The Handles view's targets: charts of the kept series, the pprof stacks as sites at their file:line.
    const [promTarget, goTarget] = panelScrapeHandleTargets(session.scrapeTargets);
    assert.deepEqual([promTarget.kind, promTarget.name, promTarget.state, promTarget.id], ['metrics', 'orders-api', 'up', `${promUrl}/metrics`]);
    const handlesChart = promTarget.charts.find((chart) => chart.id === 'handles');
    assert.equal(handlesChart?.stackable, true);
    const timeouts = handlesChart?.series.find((series) => series.label === 'Timeout');
    assert.ok(timeouts && timeouts.points.length >= 5, 'a Timeout series');
    assert.ok(timeouts.points.at(-1)![1]! > timeouts.points[0][1]!, 'rising');
    assert.ok(promTarget.charts.some((chart) => chart.id === 'memory' && chart.unit === 'bytes' && chart.series.length === 1));
    assert.ok(promTarget.charts.some((chart) => chart.id === 'metric:process_cpu_user_seconds_total'), promTarget.charts.map((chart) => chart.id).join(', '));
    assert.deepEqual([goTarget.kind, goTarget.name, goTarget.state, goTarget.runtime], ['pprof', 'labeller', 'up', 'Go']);
    assert.ok(goTarget.charts.find((chart) => chart.id === 'goroutines')!.series[0].points.length > 0);
    const leakingStack = goTarget.sites.find((site) => site.location?.line === leakLine);
    assert.ok(leakingStack, JSON.stringify(goTarget.sites));
    assert.deepEqual(leakingStack.location, { file: goLeakerSource, line: leakLine });
    assert.ok(leakingStack.live > 10 && leakingStack.estimated === false);
    assert.equal(isCurrentScrapeSite(session.scrapeTargets, goTarget.id, leakingStack.site), true);
    assert.equal(isCurrentScrapeSite(session.scrapeTargets, goTarget.id, 'main.other /etc/passwd:1'), false);
    const snapshot = { receiver: session.state, traces: [], filter: { service: '', errorsOnly: false, minDurationMs: 0, text: '' }, tracesMatching: 0, services: [], tracesHeld: 0, spansHeld: 0, evictedSpans: 0, findings: [], handles: [promTarget, goTarget], generatedAt: Date.now() };
    assert.ok(LiveSnapshotNotification.is(LiveSnapshotNotification.message(snapshot)), 'the snapshot passes the protocol guard');
    assert.equal(LiveSnapshotNotification.is(LiveSnapshotNotification.message({ ...snapshot, handles: [{ ...goTarget, state: 'connecting' as never }] })), false, 'and the guard does check the targets');

    // The same targets again (a settings change elsewhere): the same pollers and stores.
    assert.deepEqual(await session.scrapeTargets.setTargets(metrics, pprof), []);
    assert.deepEqual(session.scrapeTargets.list().map((target) => target.store), listed.map((target) => target.store));

    // Removing the metrics target stops it and clears its finding; the pprof one goes on.
    await session.scrapeTargets.setTargets([], pprof);
    assert.equal(session.findings.get('handle-leak', handleLeak.subject), undefined);
    assert.ok(session.findings.get('goroutine-leak', goroutineLeak.subject));
    assert.equal(session.scrapeTargets.list()[0].store, listed[1].store);
    await session.scrapeTargets.setTargets([], []);
    assert.equal(session.findings.list().length, 0);
  });

  it('refuses a url that is not http(s) and a second target on the same URL, polling the others', async () => {
    const session = newSession(newAttached());
    const refused = await session.scrapeTargets.setTargets(
      [
        { name: 'a', url: 'http://127.0.0.1:1/metrics', pin: [] },
        { name: 'b', url: '127.0.0.1:1', pin: [] },
        { name: 'c', url: 'ftp://127.0.0.1/metrics', pin: [] },
      ],
      [],
    );
    assert.deepEqual(refused, ['metrics target "b": http://127.0.0.1:1/metrics is polled already as "a"', 'metrics target "c": "ftp://127.0.0.1/metrics" is not an http or https URL']);
    const [only] = session.scrapeTargets.list();
    assert.equal(only.name, 'a');
    await waitUntil('the refused connection shown as down', () => (only.figures().state === 'down' ? only.figures().error : undefined), 5_000);
  });
});
