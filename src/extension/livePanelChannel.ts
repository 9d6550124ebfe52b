// The live half of the panel's host: answers the webview's live requests (open a trace, reveal a
// span's source, copy the endpoint), keeps the Traces filter it sends, sends complete live snapshots (after `ready`, when shown, and
// at most `snapshotsPerSecond` a second while data comes in), and, for the vscode tests only, asks
// the webview what it rendered. Every message is checked by its guard before anything is done.
import * as vscode from 'vscode';
import {
  ClickRequest,
  CopyEndpointRequest,
  LiveSnapshotNotification,
  type LiveSnapshotParams,
  OpenTraceRequest,
  RenderedQueryRequest,
  type RenderedQueryResult,
  RevealSourceRequest,
  type RevealSourceResult,
  SetTracesFilterCommand,
  type SpanRef,
  StartReceiverCommand,
  emptyTracesFilter,
  type TracesFilter,
} from '../shared/livePanelProtocol';
import type { IpcRequest } from '../shared/panelProtocol';
import { filteredTraceSummaries, openTraceResult, toPanelLiveFinding } from './livePanelData';
import type { LiveSessionHost } from './liveSessionHost';
import { panelRedisTargets } from './liveStreamsData';
import { resolveSpanSource } from './spanSource';
import { TextMatchCache } from './traceFilter';

const snapshotIntervalMs = 250;
const webviewRequestTimeoutMs = 10_000;

export class LivePanelChannel implements vscode.Disposable {
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSnapshotAt = 0;
  private nextRequestId = 1;
  private readonly pending = new Map<number, { settle: (message: unknown) => boolean; fail: (error: Error) => void }>();
  private readonly subscription: vscode.Disposable;
  private filter: TracesFilter = emptyTracesFilter;
  private readonly textMatches = new TextMatchCache();

  constructor(
    private readonly webview: vscode.Webview,
    private readonly isVisible: () => boolean,
    private readonly live: LiveSessionHost,
    private readonly editorColumn: () => vscode.ViewColumn,
  ) {
    this.subscription = live.onChange(() => this.scheduleSnapshot());
  }

  /** Handles a message if it is one of the live ones; false when it is not. */
  async handleMessage(message: unknown): Promise<boolean> {
    if (OpenTraceRequest.is(message)) {
      await this.webview.postMessage(OpenTraceRequest.response(message.id, openTraceResult(this.live.current.store, message.params.traceId)));
    } else if (RevealSourceRequest.is(message)) {
      await this.webview.postMessage(RevealSourceRequest.response(message.id, await this.revealSource(message.params)));
    } else if (CopyEndpointRequest.is(message)) {
      const { endpoint } = this.live.current.state;
      if (endpoint) {
        await vscode.env.clipboard.writeText(endpoint);
        void vscode.window.setStatusBarMessage(`Bounded: copied ${endpoint}`, 3000);
      }
      await this.webview.postMessage(CopyEndpointRequest.response(message.id, { copied: endpoint }));
    } else if (SetTracesFilterCommand.is(message)) {
      this.filter = message.params;
      this.postSnapshot();
    } else if (StartReceiverCommand.is(message)) {
      await this.live.start(message.params.freePort ? 0 : undefined);
    } else {
      for (const [id, { settle }] of this.pending) {
        if (settle(message)) {
          this.pending.delete(id);
          return true;
        }
      }
      return false;
    }
    return true;
  }

  /** The webview says `ready` or was shown again: a complete snapshot now, and the receiver started. */
  async onReady(): Promise<void> {
    // A webview that says ready again was reloaded (hidden, then shown): what it was asked before is lost.
    this.failPending('the webview reloaded before it answered');
    this.postSnapshot();
    await this.live.start();
  }

  postSnapshot(): void {
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = undefined;
    this.lastSnapshotAt = Date.now();
    void this.webview.postMessage(LiveSnapshotNotification.message(this.snapshot()));
  }

  /** Test-only: what the webview rendered in the elements `selector` matches. */
  queryRendered(selector: string): Promise<RenderedQueryResult> {
    return this.request(RenderedQueryRequest, { selector });
  }

  /** Test-only: clicks an element of the webview. */
  click(selector: string, index: number): Promise<{ clicked: boolean }> {
    return this.request(ClickRequest, { selector, index });
  }

  dispose(): void {
    clearTimeout(this.snapshotTimer);
    this.subscription.dispose();
    this.failPending('the panel was closed');
  }

  private failPending(reason: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const { fail } of pending) fail(new Error(reason));
  }

  /** At most one snapshot per interval while visible; a hidden panel gets a complete one when shown. */
  private scheduleSnapshot(): void {
    if (!this.isVisible() || this.snapshotTimer) return;
    const wait = Math.max(0, this.lastSnapshotAt + snapshotIntervalMs - Date.now());
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      if (this.isVisible()) this.postSnapshot();
    }, wait);
  }

  private snapshot(): LiveSnapshotParams {
    const session = this.live.current;
    const stats = session.store.stats();
    const { traces, matching, services } = filteredTraceSummaries(session.store, this.filter, undefined, this.textMatches);
    return {
      receiver: session.state,
      traces,
      filter: this.filter,
      tracesMatching: matching,
      services,
      tracesHeld: stats.traces,
      spansHeld: stats.spans,
      evictedSpans: stats.evictedSpans,
      findings: session.findings.list().map(toPanelLiveFinding),
      streams: panelRedisTargets(session.streamSource),
      generatedAt: Date.now(),
    };
  }

  private async revealSource({ traceId, spanId }: SpanRef): Promise<RevealSourceResult> {
    const span = this.live.current.store.span(traceId, spanId);
    if (!span) return { opened: false, message: 'The span is no longer held (it was evicted).' };
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
    const resolution = resolveSpanSource(span, folders);
    if (!resolution.found) {
      void vscode.window.showInformationMessage(`Bounded: ${resolution.reason}`);
      return { opened: false, message: resolution.reason };
    }
    const uri = vscode.Uri.file(resolution.file);
    try {
      const position = new vscode.Position(resolution.line - 1, 0);
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position), viewColumn: this.editorColumn(), preserveFocus: false });
    } catch (error) {
      const message = `Cannot open ${vscode.workspace.asRelativePath(uri)}: ${error instanceof Error ? error.message : String(error)}`;
      void vscode.window.showWarningMessage(`Bounded: ${message}`);
      return { opened: false, message };
    }
    return { opened: true, message: `${vscode.workspace.asRelativePath(uri)}:${resolution.line}` };
  }

  private request<P, R>(type: IpcRequest<P, R>, params: P): Promise<R> {
    const id = this.nextRequestId++;
    if (!this.isVisible()) return Promise.reject(new Error('the panel is hidden: its webview is not loaded'));
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the webview did not answer ${type.method} within ${webviewRequestTimeoutMs / 1000} s`));
      }, webviewRequestTimeoutMs);
      this.pending.set(id, {
        settle: (message) => {
          if (!type.isResponse(message) || message.id !== id) return false;
          clearTimeout(timer);
          resolve(message.params);
          return true;
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      void this.webview.postMessage(type.message(params, id));
    });
  }
}
