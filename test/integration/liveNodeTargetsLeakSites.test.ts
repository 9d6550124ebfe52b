// Leak-site tracking turned on and off for an attached Node target (LiveNodeTargets.setLeakSites, as
// the panel's "Track leak sites" toggle does), against a real process started with --inspect=0 that
// leaks an interval every 50 ms: with it on the leak site is the leaking line; the handle series
// carry on under the same label across the re-attach; with it off a second inspector session sees
// the sampler installed but no hook and no site table left; an endpoint not attached, or whose process
// is gone, is refused; and onChange tells of each sample.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connectInspector, listInspectorTargets } from '../../src/live/inspectorClient';
import { locationOfSite } from '../../src/live/inspectorSource';
import { LiveSession } from '../../src/extension/liveSession';
import { defaultLive } from '../../src/shared/settings';
import { leakingTimersService, startInspectedNode } from '../support/inspectedNode';
import { scratchFolder } from '../support/scratchFolder';
import { collectUnhandledRejections } from '../support/unhandledRejections';
import { waitUntil } from '../support/waitUntil';

const scratch = scratchFolder('live-node-leak-sites');
const leakingScript = scratch.write('leaking.cjs', leakingTimersService);
const leakingLine = leakingTimersService.split('\n').findIndex((line) => line.includes('60_000')) + 1;

collectUnhandledRejections();

const sessions: LiveSession[] = [];
after(async () => {
  for (const session of sessions) await session.dispose();
});

/** What a second inspector session sees of Bounded's install in the target. */
async function installIn(port: number): Promise<{ installed: boolean; hook: boolean; sites: boolean }> {
  const [target] = await listInspectorTargets({ port });
  const observer = await connectInspector(target.webSocketDebuggerUrl);
  try {
    const seen = await observer.evaluate(`(() => { const install = globalThis[Symbol.for('bounded.attach')]; return { installed: !!install, hook: !!install?.hook, sites: !!install?.sites }; })()`);
    return seen.value as { installed: boolean; hook: boolean; sites: boolean };
  } finally {
    await observer.close();
  }
}

describe('live Node targets: leak sites from the extension', () => {
  it('turns leak-site tracking on and off for an attached target, its series continuous, no hook left after off', async () => {
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    const port = target.inspectorPort!;
    const endpoint = `127.0.0.1:${port}`;
    const session = new LiveSession({ ...defaultLive, otlp: { ...defaultLive.otlp, port: 0 } }, () => undefined, { sampleIntervalMs: 100 });
    sessions.push(session);
    const targets = session.nodeTargets;
    let changes = 0;
    targets.onChange(() => changes++);

    const { source } = await targets.attach({ host: '127.0.0.1', port });
    await waitUntil('a few samples', () => (source.figures().samples >= 3 ? true : undefined));
    assert.ok(changes >= 3, `onChange told of the samples (${changes})`);
    assert.equal(targets.leakSitesOf(endpoint), undefined);
    assert.equal(source.figures().leakSites, undefined);
    assert.deepEqual(await installIn(port), { installed: true, hook: false, sites: false }, 'no hook until asked');
    const timeoutKey = `inspector:${port}:handles:Timeout`;
    const firstPoint = targets.store.points(timeoutKey)[0];
    const pointsBefore = targets.store.points(timeoutKey).length;

    await targets.setLeakSites(endpoint, { sampleRate: 1 });
    assert.deepEqual(targets.leakSitesOf(endpoint), { sampleRate: 1 });
    const tracked = targets.get(endpoint)!;
    assert.notEqual(tracked, source, 'attached again with the option');
    assert.equal(tracked.label, source.label, 'under the same label');
    const top = await waitUntil('the leaking line as the top site', () => {
      const first = tracked.figures().leakSites?.top[0];
      return first !== undefined && first.live >= 5 ? first : undefined;
    });
    assert.equal(top.type, 'Timeout');
    assert.deepEqual(locationOfSite(top.site), { file: leakingScript, line: leakingLine });
    assert.deepEqual(await installIn(port), { installed: true, hook: true, sites: true });
    const points = targets.store.points(timeoutKey);
    assert.deepEqual(points[0], firstPoint, 'the handle series carries on from before');
    assert.ok(points.length > pointsBefore);
    assert.ok(targets.store.keys(`inspector:${port}:sites:Timeout:${leakingScript}:${leakingLine}:`).length === 1, 'the site series');

    await targets.setLeakSites(endpoint, undefined);
    assert.equal(targets.leakSitesOf(endpoint), undefined);
    const untracked = targets.get(endpoint)!;
    await waitUntil('sampling without sites', () => (untracked.state === 'sampling' ? true : undefined));
    assert.equal(untracked.figures().leakSites, undefined);
    assert.deepEqual(await installIn(port), { installed: true, hook: false, sites: false }, 'the hook and its table are gone from the target');
    assert.deepEqual(targets.store.points(timeoutKey)[0], firstPoint, 'still the same series');

    await targets.detach(endpoint);
    assert.deepEqual(await installIn(port), { installed: false, hook: false, sites: false });
    await target.kill();
  });

  it('refuses a target that is not attached, a bad sampling fraction, and a process that is gone', async () => {
    const session = new LiveSession({ ...defaultLive, otlp: { ...defaultLive.otlp, port: 0 } });
    sessions.push(session);
    await assert.rejects(session.nodeTargets.setLeakSites('127.0.0.1:9', { sampleRate: 0.1 }), /not attached to a Node process on 127\.0\.0\.1:9/);
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    const endpoint = `127.0.0.1:${target.inspectorPort}`;
    await session.nodeTargets.attach({ host: '127.0.0.1', port: target.inspectorPort! });
    await assert.rejects(session.nodeTargets.setLeakSites(endpoint, { sampleRate: 0 }), /fraction in \(0, 1\]/);
    assert.equal(session.nodeTargets.leakSitesOf(endpoint), undefined, 'left as it was');
    await target.kill();
    await waitUntil("'process gone'", () => (session.nodeTargets.get(endpoint)?.state === 'process gone' ? true : undefined));
    await assert.rejects(session.nodeTargets.setLeakSites(endpoint, { sampleRate: 0.1 }), /is gone: attach to it again first/);
    assert.equal(session.nodeTargets.get(endpoint)?.state, 'process gone', 'still listed, for the re-attach offer');
    await session.dispose();
  });
});
