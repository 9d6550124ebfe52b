// The live half of the panel's host: answers the webview's live requests (open a trace, reveal a
// span's source, copy the endpoint, turn a Node target's leak-site tracking on or off, open a leak
// site's line), keeps the Traces filter it sends, sends complete live snapshots (after `ready`, when shown, and
// at most `snapshotsPerSecond` a second while data comes in), and, for the vscode tests only, asks
// the webview what it rendered. Every message is checked by its guard before anything is done.
import * as vscode from 'vscode';
import {
  ClickRequest,
  CopyEndpointRequest,
  LiveSnapshotNotification,
  type LiveSnapshotParams,
  type PanelRedisTarget,
  OpenTraceRequest,
  RenderedQueryRequest,
  type RenderedQueryResult,
  type FindingLocationRef,
  RevealFindingLocationRequest,
  type LeakSiteRef,
  RevealLeakSiteRequest,
  type SetLeakSitesParams,
  SetLeakSitesRequest,
  type SetLeakSitesResult,
  RevealSourceRequest,
  OpenStreamSiteRequest,
  type StreamSiteRef,
  type RevealSourceResult,
  SetTracesFilterCommand,
  type SpanRef,
  StartReceiverCommand,
  emptyTracesFilter,
  type TracesFilter,
} from '../shared/livePanelProtocol';
import type { IpcRequest } from '../shared/panelProtocol';
import { defaultLeakSiteSampleRate, locationOfSite } from '../live/inspectorSource';
import { isCurrentScrapeSite, panelNodeHandleTargets, panelScrapeHandleTargets, pprofFrameLocation } from './liveHandlesData';
import { filteredTraceSummaries, openTraceResult, toPanelLiveFinding } from './livePanelData';
import type { LiveSessionHost } from './liveSessionHost';
import { panelRedisTargets } from './liveStreamsData';
import type { StreamSiteIndex } from './streamSiteIndex';
import { isKnownStreamSite, panelStreamSites, withStreamSites } from './streamSitesPanel';
import { insideWorkspace, resolveSpanSource } from './spanSource';
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
    /** The code's stream call sites: the Streams tab links each stream to them. */
    private readonly streamSites?: StreamSiteIndex,
  ) {
    this.subscription = vscode.Disposable.from(live.onChange(() => this.scheduleSnapshot()), ...(streamSites ? [streamSites.onChange(() => this.scheduleSnapshot())] : []));
  }

  /** Handles a message if it is one of the live ones; false when it is not. */
  async handleMessage(message: unknown): Promise<boolean> {
    if (OpenTraceRequest.is(message)) {
      await this.webview.postMessage(OpenTraceRequest.response(message.id, openTraceResult(this.live.current.store, message.params.traceId)));
    } else if (RevealSourceRequest.is(message)) {
      await this.webview.postMessage(RevealSourceRequest.response(message.id, await this.revealSource(message.params)));
    } else if (OpenStreamSiteRequest.is(message)) {
      await this.webview.postMessage(OpenStreamSiteRequest.response(message.id, await this.openStreamSite(message.params)));
    } else if (SetLeakSitesRequest.is(message)) {
      await this.webview.postMessage(SetLeakSitesRequest.response(message.id, await this.setLeakSites(message.params)));
    } else if (RevealLeakSiteRequest.is(message)) {
      await this.webview.postMessage(RevealLeakSiteRequest.response(message.id, await this.revealLeakSite(message.params)));
    } else if (RevealFindingLocationRequest.is(message)) {
      await this.webview.postMessage(RevealFindingLocationRequest.response(message.id, await this.revealFindingLocation(message.params)));
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
      streams: this.withSites(panelRedisTargets(session.streamSource), session.streamSource !== undefined),
      handles: [...panelNodeHandleTargets(session.nodeTargets), ...panelScrapeHandleTargets(session.scrapeTargets)],
      generatedAt: Date.now(),
    };
  }

  private async revealSource({ traceId, spanId }: SpanRef): Promise<RevealSourceResult> {
    const span = this.live.current.store.span(traceId, spanId);
    if (!span) return { opened: false, message: 'The span is no longer held (it was evicted).' };
    const resolution = resolveSpanSource(span, workspaceFolderPaths());
    if (!resolution.found) {
      void vscode.window.showInformationMessage(`Bounded: ${resolution.reason}`);
      return { opened: false, message: resolution.reason };
    }
    return this.openWorkspaceFile(resolution.file, resolution.line);
  }

  /** A live finding's location: only one a current finding names, and only inside the workspace (a service or a probed process named the path). */
  private async revealFindingLocation({ file, line }: FindingLocationRef): Promise<RevealSourceResult> {
    const named = this.live.current.findings.list().some((finding) => finding.location?.file === file && finding.location.line === line);
    if (!named) return { opened: false, message: 'No current live finding names that location (it may have cleared).' };
    const inside = insideWorkspace(file, workspaceFolderPaths());
    if (inside === undefined) {
      const message = `${file} is not inside the workspace: Bounded opens only workspace files.`;
      void vscode.window.showInformationMessage(`Bounded: ${message}`);
      return { opened: false, message };
    }
    return this.openWorkspaceFile(inside, line);
  }

  /** The Handles view's toggle (the webview showed the cost and asked first): leak-site tracking of an attached Node target on or off. */
  private async setLeakSites({ target, enabled }: SetLeakSitesParams): Promise<SetLeakSitesResult> {
    const targets = this.live.current.nodeTargets;
    const source = targets.get(target);
    if (source === undefined) return { ok: false, message: `Bounded is not attached to ${target} any more.` };
    const name = source.figures().pid !== undefined ? `Node pid ${source.figures().pid}` : target;
    try {
      await targets.setLeakSites(target, enabled ? { sampleRate: defaultLeakSiteSampleRate } : undefined);
    } catch (error) {
      const message = `Could not turn leak-site tracking ${enabled ? 'on' : 'off'} for ${name}: ${error instanceof Error ? error.message : String(error)}`;
      void vscode.window.showErrorMessage(`Bounded: ${message}`);
      return { ok: false, message };
    } finally {
      this.postSnapshot();
    }
    return enabled
      ? { ok: true, message: `Tracking leak sites of ${name} (${defaultLeakSiteSampleRate * 100}% of new resources): sites show after the next samples.` }
      : { ok: true, message: `Leak-site tracking is off for ${name}: the hook was removed from the process.` };
  }

  /** A leak site's line: only a site the target reports now, and only inside the workspace (the process named the path). */
  private async revealLeakSite({ target, site }: LeakSiteRef): Promise<RevealSourceResult> {
    const current = this.live.current.nodeTargets.get(target)?.figures().leakSites?.top.some((candidate) => candidate.site === site) === true;
    const location = current ? locationOfSite(site) : isCurrentScrapeSite(this.live.current.scrapeTargets, target, site) ? pprofFrameLocation(site) : undefined;
    if (location === undefined) return { opened: false, message: 'That is not a current leak site of this target (it may have gone).' };
    const inside = insideWorkspace(location.file, workspaceFolderPaths());
    if (inside === undefined) {
      const message = `${location.file} is not inside the workspace: Bounded opens only workspace files.`;
      void vscode.window.showInformationMessage(`Bounded: ${message}`);
      return { opened: false, message };
    }
    return this.openWorkspaceFile(inside, location.line);
  }

  private async openWorkspaceFile(file: string, line: number): Promise<RevealSourceResult> {
    const uri = vscode.Uri.file(file);
    try {
      const position = new vscode.Position(Math.max(0, line - 1), 0);
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position), viewColumn: this.editorColumn(), preserveFocus: false });
    } catch (error) {
      const message = `Cannot open ${vscode.workspace.asRelativePath(uri)}: ${error instanceof Error ? error.message : String(error)}`;
      void vscode.window.showWarningMessage(`Bounded: ${message}`);
      return { opened: false, message };
    }
    return { opened: true, message: `${vscode.workspace.asRelativePath(uri)}:${line}` };
  }

  /** Each stream's produce and consume sites, once there are streams to show (asking the server only then). */
  private withSites(targets: PanelRedisTarget[], polling: boolean): PanelRedisTarget[] {
    if (!polling || !this.streamSites) return targets;
    const label = (uri: string, line: number) => `${vscode.workspace.asRelativePath(vscode.Uri.parse(uri))}:${line + 1}`;
    return withStreamSites(targets, panelStreamSites(this.streamSites.current(), label));
  }

  /** A stream's call site: only one the server named (the webview is not trusted), in the workspace. */
  private async openStreamSite(ref: StreamSiteRef): Promise<RevealSourceResult> {
    if (!this.streamSites || !isKnownStreamSite(this.streamSites.current(), ref)) return { opened: false, message: 'That is not a stream call site of this workspace (the code may have changed).' };
    const uri = vscode.Uri.parse(ref.uri);
    const inside = uri.scheme === 'file' ? insideWorkspace(uri.fsPath, workspaceFolderPaths()) : undefined;
    if (inside === undefined) return { opened: false, message: `${ref.uri} is not inside the workspace.` };
    try {
      const position = new vscode.Position(ref.line, ref.character);
      await vscode.window.showTextDocument(vscode.Uri.file(inside), { selection: new vscode.Range(position, position), viewColumn: this.editorColumn(), preserveFocus: false });
    } catch (error) {
      const message = `Cannot open ${vscode.workspace.asRelativePath(uri)}: ${error instanceof Error ? error.message : String(error)}`;
      void vscode.window.showWarningMessage(`Bounded: ${message}`);
      return { opened: false, message };
    }
    return { opened: true, message: `${vscode.workspace.asRelativePath(uri)}:${ref.line + 1}` };
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

function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
}
