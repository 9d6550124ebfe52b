// The language client: starts dist/server.js over IPC for TypeScript/JavaScript documents (and
// tsconfig/jsconfig files, whose problems the server pushes), watches the files whose changes
// matter to the analysis, and feeds bounded/status to the status bar. Its diagnostic collections come
// from the given provider (liveDiagnostics.ts's StaticDiagnosticLinks links static findings to live ones).
import * as vscode from 'vscode';
import { type DiagnosticCollectionProvider, LanguageClient, type LanguageClientOptions, RevealOutputChannelOn, type ServerOptions, State, TransportKind } from 'vscode-languageclient/node';
import { StatusNotification } from '../shared/lspProtocol';
import { CrashRecovery } from './crashRecovery';
import type { BoundedLog } from './logChannel';
import type { StatusBar } from './statusBar';

const languages = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact'];
const configPattern = '**/{tsconfig,jsconfig}*.json';
// package.json, .nvmrc and .node-version also say which Node the project targets.
const watchedGlobs = ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}', configPattern, '**/package.json', '**/{.nvmrc,.node-version}'];

export class BoundedLanguageClient implements vscode.Disposable {
  readonly client: LanguageClient;
  private readonly crashRecovery: CrashRecovery;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(context: vscode.ExtensionContext, log: BoundedLog, statusBar: StatusBar, restartCommand: string, diagnosticCollectionProvider?: DiagnosticCollectionProvider) {
    this.crashRecovery = new CrashRecovery(log, restartCommand);
    const module = vscode.Uri.joinPath(context.extensionUri, 'dist', 'server.js').fsPath;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
    };
    const watchers = watchedGlobs.map((glob) => vscode.workspace.createFileSystemWatcher(glob));
    this.disposables.push(...watchers);
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        ...languages.flatMap((language) => [
          { scheme: 'file', language },
          { scheme: 'untitled', language },
        ]),
        { scheme: 'file', pattern: configPattern },
      ],
      synchronize: { fileEvents: watchers, configurationSection: 'bounded' },
      outputChannel: log,
      traceOutputChannel: log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      errorHandler: this.crashRecovery,
      // Config files are synced so their problems have a document to sit on; they are not pulled on edit.
      diagnosticPullOptions: { onChange: true, onSave: false, filter: (document) => !languages.includes(document.languageId) },
      ...(diagnosticCollectionProvider ? { diagnosticCollectionProvider } : {}),
    };
    this.client = new LanguageClient('bounded', 'Bounded', serverOptions, clientOptions);
    this.disposables.push(
      this.client.onNotification(StatusNotification.type, (status) => statusBar.update(status)),
      this.client.onDidChangeState(({ newState }) => {
        if (newState === State.Starting) statusBar.showStarting();
        else if (newState === State.Stopped) statusBar.showStopped();
      }),
    );
  }

  start(): Promise<void> {
    return this.client.start();
  }

  /** A restart the user asked for: also resets the crash count. */
  async restart(): Promise<void> {
    this.crashRecovery.reset();
    await this.client.restart();
  }

  async dispose(): Promise<void> {
    for (const disposable of this.disposables) disposable.dispose();
    await this.client.dispose();
  }
}
