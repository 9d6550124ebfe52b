// The "Bounded" commands (contributed in package.json): restart the server, analyse the whole
// workspace under a cancellable progress notification (the server pushes the findings of closed
// files to the Problems panel), show the output.
import * as vscode from 'vscode';
import { WorkDoneProgress } from 'vscode-languageclient/node';
import { AnalyzeWorkspaceRequest, type AnalyzeWorkspaceResult } from '../shared/lspProtocol';
import type { BoundedLanguageClient } from './languageClient';
import type { BoundedLog } from './logChannel';

export const commandIds = {
  restartServer: 'bounded.restartServer',
  analyzeWorkspace: 'bounded.analyzeWorkspace',
  showOutput: 'bounded.showOutput',
} as const;

/** VS Code's own command that opens the Problems panel. */
const showProblemsCommand = 'workbench.actions.view.problems';

export function registerCommands(context: vscode.ExtensionContext, languageClient: BoundedLanguageClient, log: BoundedLog): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(commandIds.restartServer, () => restartServer(languageClient, log)),
    vscode.commands.registerCommand(commandIds.analyzeWorkspace, () => analyzeWorkspace(languageClient, log)),
    vscode.commands.registerCommand(commandIds.showOutput, () => log.show(true)),
  );
}

async function restartServer(languageClient: BoundedLanguageClient, log: BoundedLog): Promise<void> {
  log.info('Restarting the language server');
  try {
    await languageClient.restart();
  } catch (error) {
    log.error(error instanceof Error ? error : String(error));
    void vscode.window.showErrorMessage(`Bounded: the language server did not restart (${error instanceof Error ? error.message : String(error)}).`, 'Show Output').then((choice) => {
      if (choice) log.show(true);
    });
  }
}

let runs = 0;

async function analyzeWorkspace(languageClient: BoundedLanguageClient, log: BoundedLog): Promise<void> {
  const { client } = languageClient;
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Bounded: analysing workspace', cancellable: true },
    async (progress, token): Promise<AnalyzeWorkspaceResult | 'cancelled' | Error> => {
      const workDoneToken = `bounded.analyzeWorkspace.${++runs}`;
      let reported = 0;
      const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind === 'end') return;
        const increment = value.percentage !== undefined ? value.percentage - reported : undefined;
        if (value.percentage !== undefined) reported = value.percentage;
        progress.report({ message: value.message, increment });
      });
      try {
        return await client.sendRequest(AnalyzeWorkspaceRequest.type, { workDoneToken }, token);
      } catch (error) {
        return token.isCancellationRequested ? 'cancelled' : error instanceof Error ? error : new Error(String(error));
      } finally {
        listener.dispose();
      }
    },
  );
  if (outcome === 'cancelled') {
    log.info('Workspace analysis cancelled');
  } else if (outcome instanceof Error) {
    log.error(outcome);
    void vscode.window.showErrorMessage(`Bounded: analysing the workspace failed (${outcome.message}).`, 'Show Output').then((choice) => {
      if (choice) log.show(true);
    });
  } else {
    const message = `Bounded: ${outcome.findings} finding${outcome.findings === 1 ? '' : 's'} in ${outcome.files} file${outcome.files === 1 ? '' : 's'} (${(outcome.durationMs / 1000).toFixed(1)} s).`;
    log.info(message);
    void vscode.window.showInformationMessage(message, 'Show Problems').then((choice) => {
      if (choice) void vscode.commands.executeCommand(showProblemsCommand);
    });
  }
}
