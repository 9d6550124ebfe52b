import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionId, fixtureUri } from './fixture';
import { waitUntil } from './waitUntil';

suite('activation', () => {
  test('runs in VS Code 1.100', () => {
    assert.match(vscode.version, /^1\.100\./);
  });

  test(`${extensionId} is present and activates when a TypeScript file is opened`, async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `extension ${extensionId} is installed`);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fixtureUri('src', 'service.ts')));
    await waitUntil(`${extensionId} to activate`, () => extension.isActive);
  });

  test('registers its commands', async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    const commands = new Set(await vscode.commands.getCommands(true));
    const expected = ['bounded.restartServer', 'bounded.analyzeWorkspace', 'bounded.showOutput', 'bounded.showFindings'];
    assert.deepEqual(expected.filter((command) => !commands.has(command)), [], 'commands not registered');
  });
});
