// Extension entry point: the "Bounded" output, the status bar, the language client, the commands,
// the Findings panel and the live session it shows (traces over OTLP), the live findings in the editor,
// the live status item and notifications.
import * as vscode from 'vscode';
import { registerAttachNodeProcess } from './attachNodeProcess';
import { registerAttachRedisCommand, registerForgetRedisTargetCommand } from './attachRedis';
import { AttachedRedisTargets } from './attachedRedisTargets';
import { commandIds, registerCommands } from './commands';
import { registerFindingsPanel, showTracesCommand } from './findingsPanel';
import { BoundedLanguageClient } from './languageClient';
import { LiveDiagnostics, StaticDiagnosticLinks } from './liveDiagnostics';
import { LiveSessionHost } from './liveSessionHost';
import { registerLiveStatus } from './liveStatusBar';
import { BoundedLog } from './logChannel';
import { StatusBar } from './statusBar';
import { StreamSiteIndex } from './streamSiteIndex';

let languageClient: BoundedLanguageClient | undefined;
let liveSessions: LiveSessionHost | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const channel = vscode.window.createOutputChannel('Bounded', 'bounded-output');
  const log = new BoundedLog(channel);
  const statusBar = new StatusBar(commandIds.showOutput);
  context.subscriptions.push(channel, log, statusBar);

  const staticDiagnosticLinks = new StaticDiagnosticLinks();
  languageClient = new BoundedLanguageClient(context, log, statusBar, commandIds.restartServer, staticDiagnosticLinks);
  registerCommands(context, languageClient, log);
  liveSessions = new LiveSessionHost((line) => log.info(line), context.secrets, new AttachedRedisTargets(context.workspaceState));
  const streamSites = new StreamSiteIndex(() => languageClient?.client, (line) => log.info(line));
  context.subscriptions.push(streamSites, new LiveDiagnostics(liveSessions, staticDiagnosticLinks, streamSites));
  context.subscriptions.push(registerFindingsPanel(context, liveSessions, streamSites));
  context.subscriptions.push(registerAttachRedisCommand(liveSessions, context.secrets, () => void vscode.commands.executeCommand(showTracesCommand)));
  context.subscriptions.push(registerForgetRedisTargetCommand(liveSessions, context.secrets));
  registerAttachNodeProcess(context, liveSessions, (line) => log.info(line));
  context.subscriptions.push(registerLiveStatus(context, liveSessions));
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
