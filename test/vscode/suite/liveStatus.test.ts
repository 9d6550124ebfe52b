// The live status item and the live notifications in the real VS Code: with
// bounded.live.notifications set to warningsAndErrors, a real Node process started with
// --inspect=127.0.0.1:0 that leaks a Timeout handle every 20 ms is attached through "Bounded: Attach
// to Node Process…" (the test-only picks and a short leak window). Its handle-leak finding shows in
// the live status item (warning icon and colour, the finding in the tooltip as text), one
// notification is decided for it however often it updates (read through the test-only query
// `bounded.test.liveStatus`: the extension host cannot read VS Code's notifications), the item's
// command opens the panel on the Live findings tab (which starts its receiver: the tooltip names
// it), and once the panel is closed and the process killed and detached the item hides.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { extensionId } from './fixture';
import { waitUntil } from './waitUntil';

const statusCommand = 'bounded.test.liveStatus';
const panelCommand = 'bounded.test.livePanel';

const leakingService = `setInterval(() => { setInterval(() => {}, 60_000); }, 20);
console.log('ready');
`;

interface LiveStatusReport {
  visible: boolean;
  text: string;
  tooltip: string;
  background: string | undefined;
  command: string | undefined;
  notifications: Array<{ kind: string; subject: string; severity: string; notified: boolean; detail: string }>;
}

function status(): Thenable<LiveStatusReport> {
  return vscode.commands.executeCommand<LiveStatusReport>(statusCommand);
}

async function panelQuery(selector: string): Promise<Array<{ text: string; ariaLabel?: string }>> {
  try {
    return (await vscode.commands.executeCommand<{ elements: Array<{ text: string; ariaLabel?: string }> }>(panelCommand, { action: 'query', selector })).elements;
  } catch {
    return [];
  }
}

async function closePanels(): Promise<void> {
  const panels = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('bounded.findings'));
  await vscode.window.tabGroups.close(panels);
}

suite('live status item and notifications', () => {
  let folder: string;
  let child: ChildProcess | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    await vscode.workspace.getConfiguration('bounded').update('live.notifications', 'warningsAndErrors', vscode.ConfigurationTarget.Workspace);
    // Port 0: the panel's receiver on a free port, whatever else on this machine listens on 4318.
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', 0, vscode.ConfigurationTarget.Workspace);
    folder = await mkdtemp(join(tmpdir(), 'bounded-live-status-'));
  });

  suiteTeardown(async () => {
    child?.kill('SIGKILL');
    await vscode.commands.executeCommand('bounded.detachNodeProcess');
    await closePanels();
    await vscode.workspace.getConfiguration('bounded').update('live.notifications', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', undefined, vscode.ConfigurationTarget.Workspace);
    await rm(folder, { recursive: true, force: true });
  });

  test('a leaking process shows in the live status item, notifies once, opens Live findings, and the item hides when it is gone', async () => {
    assert.equal((await status()).visible, false, 'hidden while nothing live runs');

    const script = join(folder, 'leaking.cjs');
    await writeFile(script, leakingService);
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const started = spawn(process.execPath, ['--inspect=127.0.0.1:0', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let stderr = '';
    let stdout = '';
    started.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    started.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitUntil('the target to be ready with its inspector', () => /Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//.test(stderr) && stdout.includes('ready'), 10_000);

    const endpoint = await vscode.commands.executeCommand<string | undefined>('bounded.attachNodeProcess', {
      pid: started.pid,
      confirmed: true,
      sampleIntervalMs: 100,
      leak: { windowMs: 2000, minSpanMs: 1000, minPoints: 8, subWindows: 4, minRatePerMin: 10 },
    });
    assert.ok(endpoint, 'attached');

    const shown = await waitUntil('the handle-leak in the live status item', async () => {
      const report = await status();
      return report.visible && /handle-leak/.test(report.tooltip) ? report : undefined;
    }, 30_000);
    assert.match(shown.text, /^\$\(warning\) \d+ live$/);
    assert.equal(shown.background, 'statusBarItem.warningBackground');
    assert.equal(shown.command, 'bounded.showLiveFindings');
    const lines = shown.tooltip.split('\n');
    assert.match(lines[0], /^\d+ live findings? \(\d+ warnings?\)$/);
    assert.ok(lines.some((line) => /^warning · handle-leak · .*Timeout.*: .*Timeout/.test(line)), shown.tooltip);
    assert.ok(lines.includes('Live sources: 1 Node process'), shown.tooltip);

    const notified = await waitUntil('the notification decision', async () => (await status()).notifications.find((record) => record.kind === 'handle-leak' && record.notified), 10_000);
    assert.match(notified.detail, /^Bounded: handle-leak — .*Timeout.*: /);
    assert.equal(notified.severity, 'warning');
    // The finding updates with each sample; still one notification for it.
    await waitUntil('the finding to be updated a few times', async () => ((await status()).tooltip === shown.tooltip ? undefined : true), 10_000);
    const decisions = (await status()).notifications.filter((record) => record.kind === 'handle-leak' && record.subject === notified.subject);
    assert.deepEqual(decisions.map((record) => record.notified), [true], JSON.stringify(decisions));

    // Clicking the item: the panel on its Live findings tab, the finding listed there.
    await vscode.commands.executeCommand(shown.command);
    await waitUntil('the Live findings tab selected', async () => (await panelQuery('#tab-liveFindings[aria-selected="true"]')).length === 1 || undefined, 20_000);
    await waitUntil('the finding in the Live findings tab', async () => (await panelQuery('.live-finding-subject')).some((element) => element.text === notified.subject) || undefined, 20_000);
    await waitUntil('the receiver named in the tooltip', async () => /Live sources: OTLP receiver at http:\/\/127\.0\.0\.1:\d+; 1 Node process/.test((await status()).tooltip) || undefined, 20_000);

    // The panel open runs the OTLP receiver (a live source too): closed, it stops.
    await closePanels();
    started.kill('SIGKILL');
    await vscode.commands.executeCommand('bounded.detachNodeProcess');
    await waitUntil('the live status item to hide', async () => {
      const report = await status();
      return report.visible ? undefined : report;
    }, 20_000);
  });
});
