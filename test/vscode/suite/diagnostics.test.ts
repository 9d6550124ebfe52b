import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type EditedFixture, openFixture } from './fixture';
import { waitUntil } from './waitUntil';

const diagnosticTimeoutMs = 60_000;
// Language servers may leave a code action's edit to codeAction/resolve; resolve that many.
const codeActionsToResolve = 10;

function isFloatingPromise(diagnostic: vscode.Diagnostic): boolean {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  return diagnostic.source === 'bounded' && code === 'floating-promise';
}

function floatingPromiseDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter(isFloatingPromise);
}

suite('floating-promise diagnostics', function () {
  this.timeout(diagnosticTimeoutMs + 30_000);
  let fixture: EditedFixture;
  let document: vscode.TextDocument;

  suiteSetup(async () => {
    fixture = await openFixture('src', 'service.ts');
    document = fixture.document;
  });

  suiteTeardown(() => fixture.restore());

  test('reports the un-awaited call to load()', async () => {
    const [diagnostic] = await waitUntil(
      'a floating-promise diagnostic from bounded',
      () => {
        const found = floatingPromiseDiagnostics(document.uri);
        return found.length > 0 ? found : undefined;
      },
      diagnosticTimeoutMs,
    );
    assert.match(document.getText(diagnostic.range), /load\(\)/);
  });

  test('its "Await" quick fix awaits the call and clears the diagnostic', async () => {
    const [diagnostic] = floatingPromiseDiagnostics(document.uri);
    assert.ok(diagnostic, 'the floating-promise diagnostic is reported');
    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider',
      document.uri,
      diagnostic.range,
      undefined,
      codeActionsToResolve,
    );
    const awaitFix = actions.find(
      (action): action is vscode.CodeAction => action instanceof vscode.CodeAction && action.title.startsWith('Await'),
    );
    assert.ok(awaitFix, `a code action titled "Await..." among: ${JSON.stringify(actions.map((action) => action.title))}`);
    assert.ok(awaitFix.kind && vscode.CodeActionKind.QuickFix.contains(awaitFix.kind), `"${awaitFix.title}" is a quick fix`);
    assert.ok(awaitFix.edit, `"${awaitFix.title}" carries its edit`);
    assert.ok(await vscode.workspace.applyEdit(awaitFix.edit), 'the edit applies');
    assert.match(document.getText(), /await load\(\)/);
    await waitUntil(
      'the floating-promise diagnostic to go away',
      () => floatingPromiseDiagnostics(document.uri).length === 0,
      diagnosticTimeoutMs,
    );
  });
});
