// "Bounded: Attach to Node Process…" in the real VS Code: a real Node process started with
// --inspect=127.0.0.1:0 that leaks a Timeout handle every 50 ms, attached through the command with
// the picks made (the test-only `{ pid, confirmed: true }`, with a short leak window); its
// handle-leak finding shows in the panel's Live findings view; "Bounded: Detach from Node Process"
// removes the finding and leaves nothing in the target (asked from a second inspector session).
// A change of a bounded.live setting while attached (the receiver's port: the session is rebuilt)
// leaves the process attached: the sampler is still in it and the finding still shows.
// bounded.live.metrics.targets naming a real prom-client service (test/support/handleLeaker.ts, run
// from the checkout the extension is loaded from) puts it in the Handles tab, up, with its Timeout
// series; removing the setting takes it out.
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { samplerInstalledIn } from '../../support/installedSampler';
import { extensionId } from './fixture';
import { closeLivePanels, panelReceiver, panelTexts } from './panelProbe';
import { spawnNode, startLeakingNode } from './spawnedNode';
import { waitUntil } from './waitUntil';
import { freeLoopbackPort } from '../../support/freePort';

function liveFindingSubjects(): Promise<string[] | undefined> {
  return panelTexts('.live-finding-subject');
}

suite('attach to Node process', () => {
  let folder: string;
  let child: ChildProcess | undefined;
  let metricsChild: ChildProcess | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    folder = await mkdtemp(join(tmpdir(), 'bounded-attach-node-'));
  });

  suiteTeardown(async () => {
    child?.kill('SIGKILL');
    metricsChild?.kill('SIGKILL');
    await closeLivePanels();
    await rm(folder, { recursive: true, force: true });
  });

  test('attaching to a leaking process shows its handle-leak in Live findings; detaching removes it and the sampler', async () => {
    const { process: started, stderr, inspectorPort: port } = await startLeakingNode(folder, (spawned) => (child = spawned));

    const endpoint = await vscode.commands.executeCommand<string | undefined>('bounded.attachNodeProcess', {
      pid: started.pid,
      confirmed: true,
      sampleIntervalMs: 100,
      leak: { windowMs: 2000, minSpanMs: 1000, minPoints: 8, subWindows: 4, minRatePerMin: 10 },
    });
    assert.equal(endpoint, `127.0.0.1:${port}`);
    assert.equal(await samplerInstalledIn(port), true);

    await vscode.commands.executeCommand('bounded.showTraces');
    const subject = `inspector ${port} Timeout`;
    await waitUntil(`the Live findings view to show ${subject}`, async () => (await liveFindingSubjects())?.includes(subject) || undefined, 20_000);

    // A settings change that rebuilds the session (the receiver moves to another port).
    const otlpPort = await freeLoopbackPort();
    try {
      await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', otlpPort, vscode.ConfigurationTarget.Workspace);
      await waitUntil('the rebuilt session to receive on the new port', async () => {
        const receiver = await panelReceiver();
        return receiver.state === 'running' && receiver.port === otlpPort ? true : undefined;
      }, 10_000);
      assert.equal(stderr().match(/Debugger attached\./g)?.length, 2, `no second attach (one session is the check above):\n${stderr()}`);
      assert.equal(await samplerInstalledIn(port), true, 'still attached after the rebuild');
      assert.ok((await liveFindingSubjects())?.includes(subject), 'the finding still shows after the rebuild');
    } finally {
      await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', undefined, vscode.ConfigurationTarget.Workspace);
    }

    await vscode.commands.executeCommand('bounded.detachNodeProcess');
    await waitUntil('the finding to leave the Live findings view', async () => {
      const subjects = await liveFindingSubjects();
      return subjects !== undefined && !subjects.includes(subject) ? true : undefined;
    }, 10_000);
    assert.equal(await samplerInstalledIn(port), false, 'nothing of Bounded is left in the target');
  });

  test('a Prometheus endpoint of bounded.live.metrics.targets shows in the Handles tab, up, with its series', async () => {
    const root = vscode.extensions.getExtension(extensionId)!.extensionPath;
    const started = spawnNode(['--import', 'tsx', join(root, 'test', 'support', 'handleLeaker.ts'), 'leak'], { cwd: root });
    metricsChild = started.process;
    const url = await waitUntil('the prom-client service to listen', () => /listening on (http:\/\/\S+)/.exec(started.stdout() + started.stderr())?.[1], 15_000);
    const section = '.handle-target[data-kind="metrics"]';
    try {
      await vscode.workspace.getConfiguration('bounded').update('live.metrics.targets', [{ name: 'handle-leaker', url: `${url}/metrics` }], vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('bounded.showTraces');
      await waitUntil('the endpoint up in the Handles tab', async () => ((await panelTexts(`${section} .handle-state`))?.[0] === 'up' ? true : undefined), 20_000);
      assert.deepEqual(await panelTexts(`${section} .handle-target-name`), ['handle-leaker']);
      await waitUntil('its Timeout series charted', async () => ((await panelTexts(`${section} .handle-chart-handles .ts-chart-text td`))?.includes('Timeout') ? true : undefined), 20_000);
    } finally {
      await vscode.workspace.getConfiguration('bounded').update('live.metrics.targets', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitUntil('the endpoint to leave the Handles tab', async () => ((await panelTexts(section))?.length === 0 ? true : undefined), 10_000);
  });
});
