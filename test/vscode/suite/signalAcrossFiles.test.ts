import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type EditedFixture, openFixture } from './fixture';
import { waitUntil } from './waitUntil';

const timeoutMs = 60_000;

function signalNotForwarded(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'bounded' && (typeof d.code === 'object' ? d.code.value : d.code) === 'signal-not-forwarded');
}

async function replaceText(document: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit applies');
}

suite('signal-not-forwarded across two files', function () {
  this.timeout(timeoutMs * 4);
  let caller: EditedFixture;
  let callee: EditedFixture;

  suiteSetup(async () => {
    caller = await openFixture('src', 'customerRoutes.ts');
    callee = await openFixture('src', 'customers.ts');
    // Both stay open side by side: the caller's diagnostics are pulled again after the callee changes.
    await vscode.window.showTextDocument(caller.document, { viewColumn: vscode.ViewColumn.One, preview: false });
    await vscode.window.showTextDocument(callee.document, { viewColumn: vscode.ViewColumn.Two, preview: false });
  });

  suiteTeardown(async () => {
    await callee.restore();
    await caller.restore();
  });

  test('the caller is reported while the callee in the other file takes a signal, and follows edits of the callee', async () => {
    const original = callee.document.getText();
    const [diagnostic] = await waitUntil('a signal-not-forwarded diagnostic in customerRoutes.ts', () => {
      const found = signalNotForwarded(caller.document.uri);
      return found.length > 0 ? found : undefined;
    }, timeoutMs);
    assert.equal(caller.document.getText(diagnostic.range), 'lookupCustomer');

    // Unsaved edit of the callee: without its signal parameter there is nothing to forward.
    const withoutSignal = original.replace('id: string, signal?: AbortSignal', 'id: string').replace('{ signal }', '{ signal: AbortSignal.timeout(5000) }');
    assert.notEqual(withoutSignal, original, 'the fixture has the signal parameter to remove');
    await replaceText(callee.document, withoutSignal);
    await waitUntil('the caller diagnostic to go once the callee takes no signal', () => signalNotForwarded(caller.document.uri).length === 0 || undefined, timeoutMs);

    // The parameter back, saved this time: the finding at the caller comes back.
    await replaceText(callee.document, original);
    assert.ok(await callee.document.save(), 'the callee saves');
    const [again] = await waitUntil('the caller diagnostic to come back', () => {
      const found = signalNotForwarded(caller.document.uri);
      return found.length > 0 ? found : undefined;
    }, timeoutMs);
    assert.equal(caller.document.getText(again.range), 'lookupCustomer');
  });
});
