// The host side of the Bounded: Findings webview panel: the `bounded.showFindings` command, restore
// across reloads (a WebviewPanelSerializer), and the panel protocol. The webview gets a complete
// snapshot when it says `ready`, when the panel is shown again, and (debounced) when diagnostics
// change while it is visible. It is never trusted: it may only open documents that have Bounded
// diagnostics right now and run the commands the protocol allows.
import * as vscode from 'vscode';
import {
  OpenDocsCommand,
  OpenLocationCommand,
  type OpenLocationParams,
  ReadyCommand,
  RunCommandCommand,
  SnapshotNotification,
} from '../shared/panelProtocol';
import { collectFindingsSnapshot, isBoundedDiagnostic } from './findingsSnapshot';
import { createNonce, renderPanelHtml } from './panelHtml';

export const showFindingsCommand = 'bounded.showFindings';
export const findingsViewType = 'bounded.findings';

const panelTitle = 'Bounded: Findings';
const snapshotDebounceMs = 200;

export function registerFindingsPanel(context: vscode.ExtensionContext): vscode.Disposable {
  const host = new FindingsPanelHost(context.extensionUri);
  return vscode.Disposable.from(
    host,
    vscode.commands.registerCommand(showFindingsCommand, () => host.show()),
    vscode.window.registerWebviewPanelSerializer(findingsViewType, {
      deserializeWebviewPanel: async (panel) => host.restore(panel),
    }),
    vscode.languages.onDidChangeDiagnostics(() => host.scheduleSnapshot()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => host.scheduleSnapshot()),
  );
}

class FindingsPanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubscriptions: vscode.Disposable[] = [];
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    this.attach(vscode.window.createWebviewPanel(findingsViewType, panelTitle, column, this.webviewOptions()));
  }

  /** Takes over a panel VS Code restored after a reload. */
  restore(panel: vscode.WebviewPanel): void {
    if (this.panel) {
      // The command opened one before the restore came in; keep a single panel.
      panel.dispose();
      return;
    }
    panel.webview.options = this.webviewOptions();
    this.attach(panel);
  }

  /** At most one snapshot per debounce interval, taken when it ends, so a long workspace run still updates. */
  scheduleSnapshot(): void {
    if (!this.panel?.visible || this.snapshotTimer) return;
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      if (this.panel?.visible) this.postSnapshot();
    }, snapshotDebounceMs);
  }

  dispose(): void {
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = undefined;
    this.detach();
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.webview.html = this.html(panel.webview);
    this.panelSubscriptions = [
      panel.webview.onDidReceiveMessage((message: unknown) => this.handleMessage(message)),
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.postSnapshot();
      }),
      panel.onDidDispose(() => this.detach()),
    ];
  }

  private detach(): void {
    for (const subscription of this.panelSubscriptions) subscription.dispose();
    this.panelSubscriptions = [];
    this.panel = undefined;
  }

  private html(webview: vscode.Webview): string {
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
    });
  }

  private postSnapshot(): void {
    void this.panel?.webview.postMessage(SnapshotNotification.message(collectFindingsSnapshot()));
  }

  private async handleMessage(message: unknown): Promise<void> {
    try {
      if (ReadyCommand.is(message)) this.postSnapshot();
      else if (OpenLocationCommand.is(message)) await this.openLocation(message.params);
      else if (RunCommandCommand.is(message)) await vscode.commands.executeCommand(message.params.command);
      else if (OpenDocsCommand.is(message)) await this.openDocs(message.params.rule);
    } catch (error) {
      void vscode.window.showErrorMessage(`Bounded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Opens a document only if it has Bounded diagnostics now, selecting the finding at the position. */
  private async openLocation({ file, line, character }: OpenLocationParams): Promise<void> {
    const entry = vscode.languages.getDiagnostics().find(([uri, diagnostics]) => uri.toString() === file && diagnostics.some(isBoundedDiagnostic));
    if (!entry) return;
    const [uri, diagnostics] = entry;
    const position = new vscode.Position(line, character);
    const finding = diagnostics.find((diagnostic) => isBoundedDiagnostic(diagnostic) && diagnostic.range.start.isEqual(position));
    await vscode.window.showTextDocument(uri, {
      selection: finding?.range ?? new vscode.Range(position, position),
      viewColumn: this.editorColumn(),
    });
  }

  /** Opens the documentation page that a current Bounded diagnostic of `rule` links to. */
  private async openDocs(rule: string): Promise<void> {
    const { code } =
      vscode.languages
        .getDiagnostics()
        .flatMap(([, diagnostics]) => diagnostics)
        .find((diagnostic) => isBoundedDiagnostic(diagnostic) && typeof diagnostic.code === 'object' && String(diagnostic.code.value) === rule) ?? {};
    if (typeof code !== 'object') return;
    await vscode.commands.executeCommand('vscode.open', code.target, this.editorColumn());
  }

  /** Beside the panel's editor group, so opening a finding does not hide (and reload) the panel. */
  private editorColumn(): vscode.ViewColumn {
    return this.panel?.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
  }
}
