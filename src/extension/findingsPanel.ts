// The host side of the Bounded: Findings webview panel: the `bounded.showFindings`,
// `bounded.showTraces` and `bounded.showLiveFindings` commands, restore across reloads (a
// WebviewPanelSerializer), and the panel protocol (the live views' messages are
// livePanelChannel.ts's). The webview gets a complete
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
import { type PanelViewName, ShowViewNotification } from '../shared/livePanelProtocol';
import { collectFindingsSnapshot, isBoundedDiagnostic } from './findingsSnapshot';
import { LivePanelChannel } from './livePanelChannel';
import type { LiveSessionHost } from './liveSessionHost';
import type { StreamSiteIndex } from './streamSiteIndex';
import { registerLiveTraceFileCommands } from './liveTraceFiles';
import { createNonce, renderPanelHtml } from './panelHtml';
import { panelWebviewOptions } from './panelWebviewOptions';

export const showFindingsCommand = 'bounded.showFindings';
export const showTracesCommand = 'bounded.showTraces';
/** Opens the panel on its Live findings tab (the live status item and the notifications' "Show in Panel"). */
export const showLiveFindingsCommand = 'bounded.showLiveFindings';
export const findingsViewType = 'bounded.findings';
/** Registered only when the extension runs its tests: reads and clicks the panel's live views. */
export const livePanelTestCommand = 'bounded.test.livePanel';

export type LivePanelTestRequest =
  | { action: 'query'; selector: string }
  | { action: 'click'; selector: string; index?: number }
  | { action: 'receiver' };

const panelTitle = 'Bounded: Findings';
const snapshotDebounceMs = 200;

export function registerFindingsPanel(context: vscode.ExtensionContext, live: LiveSessionHost, streamSites?: StreamSiteIndex): vscode.Disposable {
  const host = new FindingsPanelHost(context.extensionUri, live, streamSites);
  const testCommand =
    context.extensionMode === vscode.ExtensionMode.Test
      ? [vscode.commands.registerCommand(livePanelTestCommand, (request: LivePanelTestRequest) => host.testRequest(request))]
      : [];
  return vscode.Disposable.from(
    host,
    ...testCommand,
    vscode.commands.registerCommand(showFindingsCommand, () => host.show()),
    vscode.commands.registerCommand(showTracesCommand, () => host.show('traces')),
    vscode.commands.registerCommand(showLiveFindingsCommand, () => host.show('liveFindings')),
    registerLiveTraceFileCommands(live, () => host.show('traces')),
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
  private liveChannel: LivePanelChannel | undefined;
  /** The view a command asked for, sent after the webview's next `ready`. */
  private requestedView: PanelViewName | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly live: LiveSessionHost,
    private readonly streamSites?: StreamSiteIndex,
  ) {}

  show(view?: PanelViewName): void {
    this.requestedView = view;
    if (this.panel) {
      this.panel.reveal();
      if (view && this.panel.visible) void this.panel.webview.postMessage(ShowViewNotification.message({ view }));
      // Opened before (or its receiver stopped or failed since): asking for the panel starts it again.
      void this.live.start();
      return;
    }
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    this.attach(vscode.window.createWebviewPanel(findingsViewType, panelTitle, column, panelWebviewOptions(this.extensionUri)));
  }

  /** Takes over a panel VS Code restored after a reload. */
  restore(panel: vscode.WebviewPanel): void {
    if (this.panel) {
      // The command opened one before the restore came in; keep a single panel.
      panel.dispose();
      return;
    }
    panel.webview.options = panelWebviewOptions(this.extensionUri);
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

  /** The test-only command: the receiver's state, or what the live views rendered, or a click in them. */
  async testRequest(request: LivePanelTestRequest): Promise<unknown> {
    if (request.action === 'receiver') return this.live.current.state;
    const channel = this.liveChannel;
    if (!channel) throw new Error('the panel is not open');
    return request.action === 'query' ? channel.queryRendered(request.selector) : channel.click(request.selector, request.index ?? 0);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.liveChannel = new LivePanelChannel(panel.webview, () => panel.visible, this.live, () => this.editorColumn(), this.streamSites);
    panel.webview.html = this.html(panel.webview);
    this.panelSubscriptions = [
      this.liveChannel,
      panel.webview.onDidReceiveMessage((message: unknown) => this.handleMessage(message)),
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.postSnapshot();
      }),
      panel.onDidDispose(() => {
        this.detach();
        // Started for the panel, stopped with it (the port is free again); autoStart keeps it receiving.
        if (!this.live.autoStart) void this.live.current.stopReceiver('Stopped when the panel closed; it starts again when the panel opens.');
      }),
    ];
  }

  private detach(): void {
    for (const subscription of this.panelSubscriptions) subscription.dispose();
    this.panelSubscriptions = [];
    this.panel = undefined;
    this.liveChannel = undefined;
  }

  private html(webview: vscode.Webview): string {
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
      codiconStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'codicon.css')).toString(),
      chartStyleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'uplot.css')).toString(),
    });
  }

  private postSnapshot(): void {
    void this.panel?.webview.postMessage(SnapshotNotification.message(collectFindingsSnapshot()));
    this.liveChannel?.postSnapshot();
  }

  private async handleMessage(message: unknown): Promise<void> {
    try {
      if (ReadyCommand.is(message)) {
        this.postSnapshot();
        if (this.requestedView) void this.panel?.webview.postMessage(ShowViewNotification.message({ view: this.requestedView }));
        this.requestedView = undefined;
        await this.liveChannel?.onReady();
      } else if (await this.liveChannel?.handleMessage(message)) return;
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
