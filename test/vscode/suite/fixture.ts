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
