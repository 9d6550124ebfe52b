// Local Node processes read from /proc: real processes with and without --inspect, their listening
// ports and inspector ports, and SIGUSR1 opening the inspector of a process started without one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { createInspectorSource } from '../../src/live/inspectorSource';
import { inspectPortOf, listNodeProcesses, probeInspectorPort, readNodeProcess, sendInspectSignal } from '../../src/live/nodeProcesses';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { freeLoopbackPort } from '../support/freePort';
import { startInspectedNode, steadyEsmService } from '../support/inspectedNode';
import { waitUntil } from '../support/waitUntil';
import { scratchFolder } from '../support/scratchFolder';

const scratch = scratchFolder('node-processes');
const service = scratch.write('service.mjs', steadyEsmService);
const linux = process.platform === 'linux';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('inspectPortOf', () => {
  it('reads the port the inspector flags name', () => {
    assert.equal(inspectPortOf(['--inspect']), 9229);
    assert.equal(inspectPortOf(['--inspect=9230']), 9230);
    assert.equal(inspectPortOf(['--inspect=127.0.0.1:0']), 0);
    assert.equal(inspectPortOf(['--inspect-brk=[::1]:9331']), 9331);
    assert.equal(inspectPortOf(['--inspect-wait=localhost:9332']), 9332);
    assert.equal(inspectPortOf(['--inspect-port=9400']), 9400, 'where SIGUSR1 opens it');
    assert.equal(inspectPortOf(['--enable-source-maps']), undefined);
  });
});

describe('listNodeProcesses', { skip: linux ? false : 'reads /proc (Linux)' }, () => {
  it('lists processes with their listening ports and inspector ports', async () => {
    const fixed = await freeLoopbackPort();
    const [random, onFixed, plain] = await Promise.all([startInspectedNode(service, { inspectPort: 0 }), startInspectedNode(service, { inspectPort: fixed }), startInspectedNode(service)]);
    after(() => Promise.all([random.kill(), onFixed.kill(), plain.kill()]));
    const listed = await listNodeProcesses();
    const byPid = new Map(listed.map((info) => [info.pid, info]));
    assert.ok(!byPid.has(process.pid), 'not the calling process');

    const randomInfo = byPid.get(random.pid)!;
    assert.ok(randomInfo.commandLine.includes(service));
    assert.equal(randomInfo.inspectFlagPort, 0);
    assert.ok(randomInfo.listening.some((socket) => socket.port === random.httpPort && socket.address === '127.0.0.1'));
    assert.ok(randomInfo.listening.some((socket) => socket.port === random.inspectorPort));
    assert.equal(await probeInspectorPort(randomInfo), random.inspectorPort, '--inspect=0: found by asking /json/list');

    assert.equal(byPid.get(onFixed.pid)!.inspectorPort, fixed);
    const plainInfo = byPid.get(plain.pid)!;
    assert.equal(plainInfo.inspectorPort, undefined);
    assert.equal(plainInfo.inspectFlagPort, undefined);
    assert.equal(await probeInspectorPort(plainInfo), undefined);
  });

  it('SIGUSR1 opens the inspector of a process started without --inspect (on its --inspect-port), and the source attaches', async () => {
    const port = await freeLoopbackPort();
    const target = await startInspectedNode(service, { extraArgs: [`--inspect-port=127.0.0.1:${port}`] });
    after(() => target.kill());
    assert.equal((await readNodeProcess(target.pid))!.inspectorPort, undefined, 'no inspector yet');
    await sendInspectSignal(target.pid);
    const info = await waitUntil('the inspector to listen', async () => ((await readNodeProcess(target.pid))?.inspectorPort === port ? true : undefined), 5000);
    assert.ok(info);
    const store = new TimeSeriesStore({ maxKeys: 100, maxPointsPerKey: 100, maxAgeMs: 60_000 });
    const source = createInspectorSource({ port, store, sampleIntervalMs: 100 });
    await source.start();
    await waitUntil('a sample', () => store.latest(`inspector:${port}:handles:Timeout`));
    await source.stop();
  });

  it('SIGUSR1 on a plain `node service.mjs` opens 127.0.0.1:9229', async (t) => {
    if (!(await portIsFree(9229))) {
      t.skip('port 9229 is taken on this machine');
      return;
    }
    const target = await startInspectedNode(service);
    after(() => target.kill());
    await sendInspectSignal(target.pid);
    const outcome = await waitUntil(
      'the inspector on 9229',
      async () => ((await readNodeProcess(target.pid))?.inspectorPort === 9229 ? 'listening' : /address already in use/.test(target.stderr()) ? 'taken' : undefined),
      5000,
    );
    // Another process may take 9229 between the check and the signal: that is the machine, not Node.
    if (outcome === 'taken') t.skip('port 9229 was taken before the inspector could listen');
  });

  it('refuses to send SIGUSR1 to a process that is not Node (its default action would end it)', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    after(() => sleeper.kill('SIGKILL'));
    await waitUntil('sleep to start', async () => ((await readNodeProcess(sleeper.pid!)) === undefined && sleeper.pid !== undefined ? true : undefined));
    await assert.rejects(sendInspectSignal(sleeper.pid!), /not a Node process/);
    assert.equal(sleeper.exitCode, null);
    assert.equal(sleeper.signalCode, null);
  });
});
