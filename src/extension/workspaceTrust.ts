// Workspace trust. The analyzer only reads files and never runs project code, so it runs in
// untrusted workspaces; attaching to live processes (the live features) needs a trusted one.
import * as vscode from 'vscode';

export function isLiveAttachAllowed(): boolean {
  return vscode.workspace.isTrusted;
}
