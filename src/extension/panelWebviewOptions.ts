// The Bounded panel's webview options, one definition for the panel the commands create and the one
// VS Code restores after a reload (findingsPanel.ts): scripts on, and local resources only from the
// bundles (dist/) and media/, so the webview cannot load anything else of the extension, the
// workspace or the machine.
import { posix } from 'node:path';
import type * as vscode from 'vscode';

/** The extension's folders the webview may load from: the esbuild bundles and the stylesheets. */
export const panelResourceFolders = ['dist', 'media'] as const;

export function panelWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    // The webview keeps its own state (vscode.setState) and gets a complete snapshot when shown again.
    retainContextWhenHidden: false,
    localResourceRoots: panelResourceFolders.map((folder) => extensionUri.with({ path: posix.join(extensionUri.path, folder) })),
  };
}
