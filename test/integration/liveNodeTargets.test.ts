// The live session's Node targets ("Bounded: Attach to Node Process…" without vscode) against real
// Node processes started with --inspect=127.0.0.1:0: attaching to one leaking Timeout handles raises
// handle-leak in the session's findings (what the Live findings view shows); detaching leaves nothing
// in the target (checked from a second inspector session); a target that exits is 'process gone',
// stays so, and re-attaching to the same port resumes; disposing the session detaches.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { readNodeProcess } from '../../src/live/nodeProcesses';
import { LiveSession } from '../../src/extension/liveSession';
import { inspectorAddressOf, nodeProcessPickItem } from '../../src/extension/nodeAttachPrompts';
import { defaultLive } from '../../src/shared/settings';
import { freeLoopbackPort } from '../support/freePort';
import { leakingTimersService, startInspectedNode, steadyEsmService } from '../support/inspectedNode';
import { samplerInstalledIn } from '../support/installedSampler';
import { scratchFolder } from '../support/scratchFolder';
import { waitUntil } from '../support/waitUntil';
import { collectUnhandledRejections } from '../support/unhandledRejections';

const scratch = scratchFolder('live-node-targets');
const leakingScript = scratch.write('leaking.cjs', leakingTimersService);
const steadyScript = scratch.write('steady.mjs', steadyEsmService);

collectUnhandledRejections();

const sessions: LiveSession[] = [];
after(async () => {
  for (const session of sessions) await session.dispose();
});

function newSession(): LiveSession {
  const session = new LiveSession({ ...defaultLive, otlp: { ...defaultLive.otlp, port: 0 } }, () => undefined, {
    sampleIntervalMs: 100,
    leak: { windowMs: 2000, minSpanMs: 1000, minPoints: 8, subWindows: 4, minRatePerMin: 10 },
  });
  sessions.push(session);
  return session;
}

describe('live session Node targets', () => {
  it('attaches to the picked process, raises handle-leak in the session findings, and detach leaves nothing', async () => {
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    // What the QuickPick offers for it, from the /proc listing.
    const info = await waitUntil('the process in /proc with its inspector port', async () => {
      const read = await readNodeProcess(target.pid);
      return read?.listening.some((socket) => socket.port === target.inspectorPort) ? read : undefined;
    });
    const address = inspectorAddressOf(info, target.inspectorPort);
    assert.deepEqual(address, { host: '127.0.0.1', port: target.inspectorPort });
    assert.equal(nodeProcessPickItem(info, target.inspectorPort).description, `inspector on 127.0.0.1:${target.inspectorPort}`);

    const session = newSession();
    const states: string[] = [];
    session.nodeTargets.onStateChange((endpoint, state) => states.push(`${endpoint} ${state}`));
    const changes: number[] = [];
    session.onChange(() => changes.push(session.findings.list().length));
    const { source, started } = await session.nodeTargets.attach(address!);
    assert.match(started, new RegExp(`pid ${target.pid}`));
    const endpoint = `127.0.0.1:${target.inspectorPort}`;
    assert.equal(session.nodeTargets.get(endpoint), source);

    const finding = await waitUntil('a handle-leak finding in the session', () => session.findings.list().find((f) => f.kind === 'handle-leak' && f.subject === `inspector ${target.inspectorPort} Timeout`), 10_000);
    assert.match(finding.message, new RegExp(`node pid ${target.pid} \\(inspector ${endpoint}\\): \\+\\d[\\d,.]* Timeout handles/min`));
    assert.ok(changes.length > 0, 'the session said its findings changed');
    assert.ok(states.includes(`${endpoint} sampling`), states.join(', '));
    assert.equal(await samplerInstalledIn(target.inspectorPort!), true);

    await session.nodeTargets.detach(endpoint);
    assert.equal(await samplerInstalledIn(target.inspectorPort!), false, 'the sampler is gone from the target');
    assert.deepEqual(session.nodeTargets.list(), []);
    assert.equal(session.findings.list().filter((f) => f.kind === 'handle-leak').length, 0, 'its findings are cleared on detach');
    assert.equal(states.at(-1), `${endpoint} detached`);
    await target.kill();
  });

  it("shows a target that exits as 'process gone' and re-attaches to the same port when asked", async () => {
    const port = await freeLoopbackPort();
    const first = await startInspectedNode(steadyScript, { inspectPort: port });
    const session = newSession();
    const endpoint = `127.0.0.1:${port}`;
    const { source } = await session.nodeTargets.attach({ host: '127.0.0.1', port });
    await waitUntil('sampling', () => (source.state === 'sampling' ? true : undefined));
    await first.kill();
    await waitUntil("'process gone'", () => (source.state === 'process gone' ? true : undefined));
    assert.equal(session.nodeTargets.get(endpoint), source, 'kept while the user decides');

    const second = await startInspectedNode(steadyScript, { inspectPort: port });
    // Not re-attached by itself: the extension asks first.
    assert.equal(source.state, 'process gone');
    const again = await session.nodeTargets.attach({ host: '127.0.0.1', port });
    await waitUntil('sampling the restarted process', () => (again.source.state === 'sampling' ? true : undefined));
    assert.equal(again.source.figures().pid, second.pid);
    assert.equal(session.nodeTargets.list().length, 1);
    assert.ok(session.nodeTargets.store.points(`inspector:${port}:memory:rss`).length > 1, 'the series carry on');

    await session.dispose();
    assert.deepEqual(session.nodeTargets.list(), [], 'dispose detaches');
    assert.equal(await samplerInstalledIn(port), false, 'nothing left in the target after dispose');
    await second.kill();
  });

  it('rejects an attach where nothing listens and keeps nothing', async () => {
    const session = newSession();
    const port = await freeLoopbackPort();
    await assert.rejects(session.nodeTargets.attach({ host: '127.0.0.1', port }));
    assert.deepEqual(session.nodeTargets.list(), []);
    await assert.rejects(session.nodeTargets.attach({ host: '10.1.2.3', port: 9229 }), /loopback/);
    assert.deepEqual(session.nodeTargets.list(), []);
  });
});
