import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type EditedFixture, openFixture } from './fixture';
import { waitUntil } from './waitUntil';

const timeoutMs = 60_000;

function unclearedInterval(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'bounded' && (typeof d.code === 'object' ? d.code.value : d.code) === 'uncleared-interval');
}

suite('uncleared-interval in the editor', function () {
  this.timeout(timeoutMs * 3);
  let fixture: EditedFixture;
  let document: vscode.TextDocument;

  suiteSetup(async () => {
    fixture = await openFixture('src', 'heartbeat.ts');
    document = fixture.document;
  });

  suiteTeardown(() => fixture.restore());

  test('the dropped interval handle is reported, and the fix keeps it and clears it in stop()', async () => {
    const [diagnostic] = await waitUntil('an uncleared-interval diagnostic', () => {
      const found = unclearedInterval(document.uri);
      return found.length > 0 ? found : undefined;
    }, timeoutMs);
    assert.match(document.getText(diagnostic.range), /setInterval/);

    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range);
    const fix = actions.find((a): a is vscode.CodeAction => 'edit' in a && a.title.startsWith('Keep the handle'));
    assert.ok(fix?.edit, `a "Keep the handle" quick fix among: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));

    assert.match(document.getText(), /this\.\w+ = setInterval\(/);
    assert.match(document.getText(), /stop\(\): void \{\n\s+clearInterval\(this\.\w+\);/);
    await waitUntil('the diagnostic to clear', () => unclearedInterval(document.uri).length === 0 || undefined, timeoutMs);
  });
});
