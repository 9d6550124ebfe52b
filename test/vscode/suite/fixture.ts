// The fixture workspace the launcher opens (a temporary copy of test/vscode/workspace/).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const extensionId = 'bounded.bounded';

/** URI of a file in the opened fixture workspace, e.g. fixtureUri('src', 'service.ts'). */
export function fixtureUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the launcher opens the fixture workspace as a folder');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

export interface EditedFixture {
  document: vscode.TextDocument;
  /** Puts the original text back and saves, so later suites (and a second run) see the fixture as it was. */
  restore(): Promise<void>;
}

/** Opens a fixture file in an editor, remembering its text for `restore()`. */
export async function openFixture(...segments: string[]): Promise<EditedFixture> {
  const document = await vscode.workspace.openTextDocument(fixtureUri(...segments));
  const originalText = document.getText();
  await vscode.window.showTextDocument(document);
  return {
    document,
    async restore() {
      if (document.getText() !== originalText) {
        const edit = new vscode.WorkspaceEdit();
        edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), originalText);
        assert.ok(await vscode.workspace.applyEdit(edit), 'restoring the fixture text');
      }
      if (document.isDirty) await document.save();
    },
  };
}
