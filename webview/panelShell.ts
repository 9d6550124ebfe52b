// The panel's webview as a whole: four tabs (Findings, Traces, Streams, Live findings) over their views,
// the routing of the host's messages to them (each checked by its guard), the trace a user opened,
// and the state kept across reloads (filters, tab, open trace). The test probe answers the vscode
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
import { HostRequests } from './hostRequests';
import { LiveFindingsView } from './liveFindingsView';
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
}

const tabLabels: Readonly<Record<PanelViewName, string>> = { findings: 'Findings', traces: 'Traces', streams: 'Streams', liveFindings: 'Live findings' };

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
  private state: PanelState;
  /** Span count of the open trace in the latest snapshot: when it grows the trace is fetched again. */
  private openTraceSpanCount = -1;

  constructor(private readonly options: PanelShellOptions) {
    const document = (this.document = options.document);
    this.state = options.state;
    this.requests = new HostRequests(options.postMessage);

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
    });
    this.liveFindingsView = new LiveFindingsView({ document, root: this.panelOf('liveFindings'), openTrace: (traceId) => this.openTraceQuietly(traceId) });
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
    this.streamsView.showSnapshot(snapshot);
    this.liveFindingsView.showSnapshot(snapshot);
    const open = this.state.openTraceId;
    if (open === undefined) return;
    const count = snapshot.traces.find((trace) => trace.traceId === open)?.spanCount;
    if (count !== undefined && count !== this.openTraceSpanCount) this.openTraceQuietly(open, false);
  }

  /** A host that does not answer (the panel closing) leaves the view as it was. */
  private openTraceQuietly(traceId: string, focus = true): void {
    this.openTrace(traceId, focus).catch(() => undefined);
  }

  private async openTrace(traceId: string, focus = true): Promise<void> {
    this.save({ openTraceId: traceId });
    if (focus) this.selectView('traces');
    const result = await this.requests.send(OpenTraceRequest, { traceId });
    if (this.state.openTraceId !== traceId) return;
    this.openTraceSpanCount = result.spans.length;
    // Shown before it renders: the waterfall sizes its window of rows by the viewport's height,
    // which a hidden pane does not have (it would fall back to 480 px and leave a taller one blank).
    this.tracesList.hidden = true;
    this.waterfallPane.hidden = false;
    this.waterfallView.show(result);
    if (focus) this.waterfallView.focus();
  }

  private closeTrace(): void {
    this.save({ openTraceId: undefined });
    this.openTraceSpanCount = -1;
    this.waterfallPane.hidden = true;
    this.tracesList.hidden = false;
    this.tracesList.querySelector<HTMLElement>('button.trace-row')?.focus();
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

  /** Left and Right move between tabs, as in VS Code's own tab lists. */
  private moveTab(event: KeyboardEvent): void {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const index = panelViewNames.indexOf(this.state.view);
    const next = panelViewNames[(index + (event.key === 'ArrowRight' ? 1 : panelViewNames.length - 1)) % panelViewNames.length];
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
