import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { openFixture } from './fixture';
import { waitUntil } from './waitUntil';

const timeoutMs = 60_000;

/** Process ids of running Bounded language servers (`dist/server.js --node-ipc`), read from /proc. */
function serverProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string;
    try {
      commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // the process ended while we looked
    }
    const args = commandLine.split('\0');
    if (args.some((arg) => arg.endsWith('/dist/server.js')) && args.includes('--node-ipc')) pids.push(Number(entry));
  }
  return pids;
}

function floatingPromiseCount(uri: vscode.Uri): number {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'bounded' && (typeof d.code === 'object' ? d.code.value : d.code) === 'floating-promise').length;
}

suite('language server crash recovery', function () {
  this.timeout(timeoutMs * 3);

  test('a killed server is restarted and diagnostics keep coming', async function () {
    if (process.platform !== 'linux') this.skip();
    const fixture = await openFixture('src', 'service.ts');
    const { document } = fixture;
    await waitUntil('the first floating-promise diagnostic', () => floatingPromiseCount(document.uri) > 0 || undefined, timeoutMs);
    const [original] = await waitUntil('a running language server process', () => {
      const pids = serverProcesses();
      return pids.length === 1 ? pids : undefined;
    });

    process.kill(original, 'SIGKILL');
    const [restarted] = await waitUntil('a new language server process', () => {
      const pids = serverProcesses().filter((pid) => pid !== original);
      return pids.length === 1 ? pids : undefined;
    }, timeoutMs);
    assert.notEqual(restarted, original);

    // The restarted server analyses edits: a second floating call shows up as a second diagnostic.
    const edit = new vscode.WorkspaceEdit();
    const at = document.getText().indexOf('load();');
    assert.ok(at >= 0, 'the fixture has a floating load() call');
    edit.insert(document.uri, document.positionAt(at), 'load();\n  ');
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      await waitUntil('two floating-promise diagnostics from the restarted server', () => floatingPromiseCount(document.uri) === 2 || undefined, timeoutMs);
    } finally {
      await fixture.restore();
    }
  });
});
