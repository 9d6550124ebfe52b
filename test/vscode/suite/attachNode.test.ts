// "Bounded: Attach to Node Process…" in the real VS Code: a real Node process started with
// --inspect=127.0.0.1:0 that leaks a Timeout handle every 50 ms, attached through the command with
// the picks made (the test-only `{ pid, confirmed: true }`, with a short leak window); its
// handle-leak finding shows in the panel's Live findings view; "Bounded: Detach from Node Process"
// removes the finding and leaves nothing in the target (asked from a second inspector session).
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { connectInspector, listInspectorTargets } from '../../../src/live/inspectorClient';
import { extensionId } from './fixture';
import { waitUntil } from './waitUntil';

const leakingService = `setInterval(() => { setInterval(() => {}, 60_000); }, 50);
require('node:http').createServer((request, response) => response.end('ok')).listen(0, '127.0.0.1', () => console.log('ready'));
`;

interface RenderedQueryResult {
  elements: Array<{ text: string }>;
}

async function liveFindingSubjects(): Promise<string[] | undefined> {
  try {
    const result = await vscode.commands.executeCommand<RenderedQueryResult>('bounded.test.livePanel', { action: 'query', selector: '.live-finding-subject' });
    return result.elements.map((element) => element.text);
  } catch {
    return undefined;
  }
}

async function installedIn(port: number): Promise<boolean> {
  const [target] = await listInspectorTargets({ port });
  const observer = await connectInspector(target.webSocketDebuggerUrl);
  try {
    return (await observer.evaluate(`Symbol.for('bounded.attach') in globalThis`)).value === true;
  } finally {
    await observer.close();
  }
}

suite('attach to Node process', () => {
  let folder: string;
  let child: ChildProcess | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    folder = await mkdtemp(join(tmpdir(), 'bounded-attach-node-'));
  });

  suiteTeardown(async () => {
    child?.kill('SIGKILL');
    const panels = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('bounded.findings'));
    await vscode.window.tabGroups.close(panels);
    await rm(folder, { recursive: true, force: true });
  });

  test('attaching to a leaking process shows its handle-leak in Live findings; detaching removes it and the sampler', async () => {
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
    const port = await waitUntil('the target to be ready with its inspector', () => {
      const match = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
      return match && stdout.includes('ready') ? Number(match[1]) : undefined;
    }, 10_000);

    const endpoint = await vscode.commands.executeCommand<string | undefined>('bounded.attachNodeProcess', {
      pid: started.pid,
      confirmed: true,
      sampleIntervalMs: 100,
      leak: { windowMs: 2000, minSpanMs: 1000, minPoints: 8, subWindows: 4, minRatePerMin: 10 },
    });
    assert.equal(endpoint, `127.0.0.1:${port}`);
    assert.equal(await installedIn(port), true);

    await vscode.commands.executeCommand('bounded.showTraces');
    const subject = `inspector ${port} Timeout`;
    await waitUntil(`the Live findings view to show ${subject}`, async () => (await liveFindingSubjects())?.includes(subject) || undefined, 20_000);

    await vscode.commands.executeCommand('bounded.detachNodeProcess');
    await waitUntil('the finding to leave the Live findings view', async () => {
      const subjects = await liveFindingSubjects();
      return subjects !== undefined && !subjects.includes(subject) ? true : undefined;
    }, 10_000);
    assert.equal(await installedIn(port), false, 'nothing of Bounded is left in the target');
  });
});
