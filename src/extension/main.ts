// Extension entry point: the "Bounded" output, the status bar, the language client, the commands,
// the Findings panel and the live session it shows (traces over OTLP).
import * as vscode from 'vscode';
import { registerAttachNodeProcess } from './attachNodeProcess';
import { registerAttachRedisCommand } from './attachRedis';
import { commandIds, registerCommands } from './commands';
import { registerFindingsPanel, showTracesCommand } from './findingsPanel';
import { BoundedLanguageClient } from './languageClient';
import { LiveSessionHost } from './liveSessionHost';
import { BoundedLog } from './logChannel';
import { StatusBar } from './statusBar';

let languageClient: BoundedLanguageClient | undefined;
let liveSessions: LiveSessionHost | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const channel = vscode.window.createOutputChannel('Bounded', 'bounded-output');
  const log = new BoundedLog(channel);
  const statusBar = new StatusBar(commandIds.showOutput);
  context.subscriptions.push(channel, log, statusBar);

  languageClient = new BoundedLanguageClient(context, log, statusBar, commandIds.restartServer);
  registerCommands(context, languageClient, log);
  liveSessions = new LiveSessionHost((line) => log.info(line), context.secrets);
  context.subscriptions.push(registerFindingsPanel(context, liveSessions));
  context.subscriptions.push(registerAttachRedisCommand(liveSessions, context.secrets, () => void vscode.commands.executeCommand(showTracesCommand)));
  registerAttachNodeProcess(context, liveSessions, (line) => log.info(line));
  if (liveSessions.autoStart) void liveSessions.start();
  log.info(`Bounded ${String(context.extension.packageJSON.version)} activated; starting the language server`);
  try {
    await languageClient.start();
  } catch (error) {
    log.error(error instanceof Error ? error : String(error));
    statusBar.showStopped();
  }
}

export async function deactivate(): Promise<void> {
  await liveSessions?.dispose();
  liveSessions = undefined;
  await languageClient?.dispose();
  languageClient = undefined;
}
