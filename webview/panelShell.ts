// The panel's webview as a whole: five tabs (Findings, Traces, Streams, Live findings, Handles) over their views,
// the routing of the host's messages to them (each checked by its guard), the trace a user opened
// (fetched again when a snapshot shows it changed: openTraceRefresh.ts), the links from a live
// finding to its stream group or to the Handles view, and the state kept across reloads (filters, tab, open trace). The test probe answers the vscode
// tests' queries about what is rendered.
import {
  ClickRequest,
  CopyEndpointRequest,
  type LiveSnapshotParams,
  LiveSnapshotNotification,
  OpenTraceRequest,
  type PanelViewName,
  panelViewNames,
  RenderedQueryRequest,
  RevealLeakSiteRequest,
  SetLeakSitesRequest,
  RevealFindingLocationRequest,
  OpenStreamSiteRequest,
  RevealSourceRequest,
  SetTracesFilterCommand,
  ShowViewNotification,
  StartReceiverCommand,
  type TracesFilter,
} from '../src/shared/livePanelProtocol';
import { type IpcMessage, RunCommandCommand, SnapshotNotification } from '../src/shared/panelProtocol';
import { createElement } from './domText';
import { type FindingsFilter, restoreFilter } from './findingsModel';
import { FindingsView } from './findingsView';
import { HandlesView } from './handlesView';
import { HostRequests } from './hostRequests';
import { LiveFindingsView, type StreamGroupRef } from './liveFindingsView';
import { OpenTraceRefresh, type RefreshTimers, traceVersion } from './openTraceRefresh';
import { clickElement, queryRendered } from './testProbe';
import { StreamsView } from './streamsView';
import { restoreTracesFilter } from './tracesModel';
import { TracesView } from './tracesView';
import { WaterfallView } from './waterfallView';

export interface PanelState {
  findings: FindingsFilter;
  traces: TracesFilter;
  view: PanelViewName;
  openTraceId?: string;
}

export function restorePanelState(saved: unknown): PanelState {
  const state = typeof saved === 'object' && saved !== null ? (saved as Partial<Record<keyof PanelState, unknown>>) : {};
  return {
    findings: restoreFilter(state.findings),
    traces: restoreTracesFilter(state.traces),
    view: (panelViewNames as readonly unknown[]).includes(state.view) ? (state.view as PanelViewName) : 'findings',
    openTraceId: typeof state.openTraceId === 'string' ? state.openTraceId : undefined,
  };
}

export interface PanelShellOptions {
  document: Document;
  root: HTMLElement;
  state: PanelState;
  saveState(state: PanelState): void;
  postMessage(message: IpcMessage<unknown>): void;
  /** Tests' clock and timers for the open trace's refresh; the real ones otherwise. */
  refreshTimers?: RefreshTimers;
}

const tabLabels: Readonly<Record<PanelViewName, string>> = { findings: 'Findings', traces: 'Traces', streams: 'Streams', liveFindings: 'Live findings', handles: 'Handles' };

export class PanelShell {
  private readonly document: Document;
  private readonly requests: HostRequests;
  private readonly tabs = new Map<PanelViewName, { tab: HTMLButtonElement; panel: HTMLElement }>();
  private readonly findingsView: FindingsView;
  private readonly tracesView: TracesView;
  private readonly tracesList: HTMLElement;
  private readonly waterfallPane: HTMLElement;
  private readonly waterfallView: WaterfallView;
  private readonly liveFindingsView: LiveFindingsView;
  private readonly streamsView: StreamsView;
  private readonly handlesView: HandlesView;
  private state: PanelState;
  /** The stream group a live finding pointed at: marked in the Streams view across its re-renders. */
  private streamGroup: StreamGroupRef | undefined;
  private latestSnapshot: LiveSnapshotParams | undefined;
  /** Fetches the open trace again when a snapshot shows it changed (throttled for large ones). */
  private readonly openTraceRefresh: OpenTraceRefresh;

  constructor(private readonly options: PanelShellOptions) {
    const document = (this.document = options.document);
    this.state = options.state;
    this.requests = new HostRequests(options.postMessage);
    this.openTraceRefresh = new OpenTraceRefresh(() => {
      if (this.state.openTraceId !== undefined) this.openTraceQuietly(this.state.openTraceId, false);
    }, options.refreshTimers);

    const tablist = createElement(document, 'div', 'tabs');
    tablist.setAttribute('role', 'tablist');
    tablist.setAttribute('aria-label', 'Bounded views');
    tablist.addEventListener('keydown', (event) => this.moveTab(event));
    const panels: HTMLElement[] = [];
    for (const view of panelViewNames) {
      const tab = createElement(document, 'button', 'tab', tabLabels[view]);
      tab.type = 'button';
      tab.id = `tab-${view}`;
      tab.dataset.view = view;
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-controls', `panel-${view}`);
      tab.addEventListener('click', () => this.selectView(view));
      const panel = createElement(document, 'section', `tab-panel panel-${view}`);
      panel.id = `panel-${view}`;
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', tab.id);
      this.tabs.set(view, { tab, panel });
      tablist.append(tab);
      panels.push(panel);
    }
    options.root.replaceChildren(tablist, ...panels);

    this.findingsView = new FindingsView({
      document,
      root: this.panelOf('findings'),
      filter: this.state.findings,
      saveFilter: (filter) => this.save({ findings: filter }),
      postMessage: options.postMessage,
    });
    this.tracesList = createElement(document, 'div', 'traces-pane');
    this.waterfallPane = createElement(document, 'div', 'waterfall-pane');
    this.waterfallPane.hidden = true;
    this.panelOf('traces').append(this.tracesList, this.waterfallPane);
    this.tracesView = new TracesView({
      document,
      root: this.tracesList,
      filter: this.state.traces,
      changeFilter: (filter) => {
        this.save({ traces: filter });
        options.postMessage(SetTracesFilterCommand.message(filter));
      },
      openTrace: (traceId) => this.openTraceQuietly(traceId),
      copyEndpoint: () => void this.requests.send(CopyEndpointRequest, undefined).catch(() => undefined),
      startReceiver: (freePort) => options.postMessage(StartReceiverCommand.message({ freePort })),
      exportTraces: () => options.postMessage(RunCommandCommand.message({ command: 'bounded.exportLiveTraces' })),
      importTraces: () => options.postMessage(RunCommandCommand.message({ command: 'bounded.importLiveTraces' })),
    });
    this.waterfallView = new WaterfallView({
      document,
      root: this.waterfallPane,
      back: () => this.closeTrace(),
      revealSource: async (spanId) => {
        const traceId = this.state.openTraceId;
        if (traceId === undefined) return '';
        const result = await this.requests.send(RevealSourceRequest, { traceId, spanId }).catch((error: unknown) => ({ opened: false, message: String(error) }));
        return result.opened ? `Opened ${result.message}` : result.message;
      },
    });
    this.streamsView = new StreamsView({
      document,
      root: this.panelOf('streams'),
      attachRedis: () => options.postMessage(RunCommandCommand.message({ command: 'bounded.attachRedis' })),
      openStreamSite: async ({ uri, line, character }) => {
        const result = await this.requests.send(OpenStreamSiteRequest, { uri, line, character }).catch((error: unknown) => ({ opened: false, message: String(error) }));
        return result.opened ? `Opened ${result.message}` : result.message;
      },
    });
    this.handlesView = new HandlesView({
      document,
      root: this.panelOf('handles'),
      attachNode: () => options.postMessage(RunCommandCommand.message({ command: 'bounded.attachNodeProcess' })),
      detachNode: () => options.postMessage(RunCommandCommand.message({ command: 'bounded.detachNodeProcess' })),
      setLeakSites: async (target, enabled) => (await this.requests.send(SetLeakSitesRequest, { target, enabled }).catch((error: unknown) => ({ ok: false, message: String(error) }))).message,
      revealSite: async (target, site) => {
        const result = await this.requests.send(RevealLeakSiteRequest, { target, site }).catch((error: unknown) => ({ opened: false, message: String(error) }));
        return result.opened ? `Opened ${result.message}` : result.message;
      },
    });
    this.liveFindingsView = new LiveFindingsView({
      document,
      root: this.panelOf('liveFindings'),
      openTrace: (traceId) => this.openTraceQuietly(traceId),
      revealLocation: async (location) => {
        const result = await this.requests.send(RevealFindingLocationRequest, location).catch((error: unknown) => ({ opened: false, message: String(error) }));
        return result.opened ? `Opened ${result.message}` : result.message;
      },
      showStreamGroup: (ref) => this.showStreamGroup(ref),
      showHandles: () => {
        this.selectView('handles');
        this.tabs.get('handles')?.tab.focus();
      },
    });
    this.selectView(this.state.view);
    options.postMessage(SetTracesFilterCommand.message(this.state.traces));
    if (this.state.openTraceId !== undefined) this.openTraceQuietly(this.state.openTraceId);
  }

  /** A message from the host; anything no guard accepts is ignored. */
  handleMessage(message: unknown): void {
    if (SnapshotNotification.is(message)) this.findingsView.showSnapshot(message.params);
    else if (LiveSnapshotNotification.is(message)) this.showLiveSnapshot(message.params);
    else if (ShowViewNotification.is(message)) this.selectView(message.params.view);
    else if (RenderedQueryRequest.is(message)) this.options.postMessage(RenderedQueryRequest.response(message.id, queryRendered(this.options.root, message.params.selector)));
    else if (ClickRequest.is(message)) this.options.postMessage(ClickRequest.response(message.id, { clicked: clickElement(this.options.root, message.params.selector, message.params.index) }));
    else this.requests.settle(message);
  }

  private showLiveSnapshot(snapshot: LiveSnapshotParams): void {
    this.tracesView.showSnapshot(snapshot);
    const groupFocused = this.streamGroupElement()?.contains(this.document.activeElement) === true;
    this.streamsView.showSnapshot(snapshot);
    this.markStreamGroup(groupFocused);
    this.liveFindingsView.showSnapshot(snapshot);
    this.handlesView.showSnapshot(snapshot);
    this.latestSnapshot = snapshot;
    const version = this.snapshotVersion(this.state.openTraceId);
    if (version !== undefined) this.openTraceRefresh.seen(version);
  }

  /** The open trace as the latest snapshot lists it (undefined when filtered out or not listed). */
  private snapshotVersion(traceId: string | undefined): string | undefined {
    const trace = traceId === undefined ? undefined : this.latestSnapshot?.traces.find((candidate) => candidate.traceId === traceId);
    return trace === undefined ? undefined : traceVersion(trace);
  }

  /** From a stream finding: the Streams view, its group marked, scrolled to and focused. */
  private showStreamGroup(ref: StreamGroupRef): void {
    this.streamGroup = ref;
    this.selectView('streams');
    this.markStreamGroup(true);
  }

  /** The Streams view re-renders on every snapshot: the marked group is found again by its target's, stream's and group's names. */
  private markStreamGroup(focus: boolean): void {
    const streams = this.panelOf('streams');
    for (const marked of Array.from(streams.querySelectorAll('.stream-group.focused-group'))) marked.classList.remove('focused-group');
    const element = this.streamGroupElement();
    if (!element) return;
    element.classList.add('focused-group');
    element.tabIndex = -1;
    if (!focus) return;
    element.focus();
    element.scrollIntoView?.({ block: 'nearest' });
  }

  private streamGroupElement(): HTMLElement | undefined {
    const ref = this.streamGroup;
    if (!ref) return undefined;
    const target = Array.from(this.panelOf('streams').querySelectorAll<HTMLElement>('.redis-target')).find((section) => section.dataset.target === ref.target);
    const stream = Array.from(target?.querySelectorAll<HTMLElement>('.redis-stream') ?? []).find((block) => block.querySelector('.stream-name')?.textContent === ref.stream);
    return Array.from(stream?.querySelectorAll<HTMLElement>('.stream-group') ?? []).find((block) => block.dataset.group === ref.group);
  }

  /** A host that does not answer (the panel closing) leaves the view as it was. */
  private openTraceQuietly(traceId: string, focus = true): void {
    this.openTrace(traceId, focus).catch(() => undefined);
  }

  private async openTrace(traceId: string, focus = true): Promise<void> {
    if (this.state.openTraceId !== traceId) this.openTraceRefresh.reset();
    this.save({ openTraceId: traceId });
    if (focus) this.selectView('traces');
    const version = this.snapshotVersion(traceId);
    this.openTraceRefresh.started();
    const result = await this.requests.send(OpenTraceRequest, { traceId }).catch((error: unknown) => {
      if (this.state.openTraceId === traceId) this.openTraceRefresh.failed();
      throw error;
    });
    if (this.state.openTraceId !== traceId) return;
    this.openTraceRefresh.answered(result.spans.length, version);
    // Shown before it renders: the waterfall sizes its window of rows by the viewport's height,
    // which a hidden pane does not have (it would fall back to 480 px and leave a taller one blank).
    this.tracesList.hidden = true;
    this.waterfallPane.hidden = false;
    this.waterfallView.show(result);
    if (focus) this.waterfallView.focus();
  }

  /** Back to the list, the focus on the trace that was open (or the first, when it is no longer listed). */
  private closeTrace(): void {
    const closed = this.state.openTraceId;
    this.save({ openTraceId: undefined });
    this.openTraceRefresh.reset();
    this.waterfallPane.hidden = true;
    this.tracesList.hidden = false;
    const rows = Array.from(this.tracesList.querySelectorAll<HTMLElement>('button.trace-row'));
    (rows.find((row) => row.dataset.traceId === closed) ?? rows[0])?.focus();
  }

  private selectView(view: PanelViewName): void {
    this.save({ view });
    for (const [name, { tab, panel }] of this.tabs) {
      const selected = name === view;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      panel.hidden = !selected;
    }
  }

  /** The WAI-ARIA tabs pattern: Left and Right move between tabs (wrapping), Home and End to the first and last; the tab moved to is selected. */
  private moveTab(event: KeyboardEvent): void {
    const index = panelViewNames.indexOf(this.state.view);
    const count = panelViewNames.length;
    const moves: Partial<Record<string, number>> = { ArrowRight: (index + 1) % count, ArrowLeft: (index + count - 1) % count, Home: 0, End: count - 1 };
    const move = moves[event.key];
    if (move === undefined) return;
    const next = panelViewNames[move];
    event.preventDefault();
    this.selectView(next);
    this.tabs.get(next)?.tab.focus();
  }

  private panelOf(view: PanelViewName): HTMLElement {
    return (this.tabs.get(view) as { panel: HTMLElement }).panel;
  }

  private save(change: Partial<PanelState>): void {
    this.state = { ...this.state, ...change };
    this.options.saveState(this.state);
  }
}
