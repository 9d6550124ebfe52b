// The Streams view: per Redis target its connection state; per stream its length and groups; per
// group lag ("unknown" when Redis cannot say, never 0), pending, the oldest pending entry's age, the
// consumers (idle, inactive, pending; dead ones marked) and the oldest stuck entries (consumer, idle,
// delivery count; dead-letter candidates marked); whether the group keeps up ("reading 120/s,
// adding 150/s: falling behind 30/s", a rate Redis cannot give is "unknown", never 0) and its lag
// and pending over time (the shared TimeSeriesChart, one kept per group across snapshots; a lag
// Redis could not give is a gap).
// Every name came from a Redis server: text only.
import type { LiveSnapshotParams, PanelRedisState, PanelRedisTarget, PanelStream, PanelStreamGroup, PanelStreamHistory, PanelStreamThroughput } from '../src/shared/livePanelProtocol';
import { createButton, createElement } from './domText';
import { TimeSeriesChart, type ChartSeries } from './timeSeriesChart';
import { formatDuration } from './tracesModel';
import type { PanelStreamSite } from '../src/shared/livePanelProtocol';

export interface StreamsViewOptions {
  document: Document;
  root: HTMLElement;
  attachRedis(): void;
  /** Opens a stream's call site in the editor; resolves with what to say (streamSitesRow). */
  openStreamSite?(site: PanelStreamSite): Promise<string>;
}

export const noRedisTargetsText = 'No Redis targets. Attach to one, or list them in the bounded.live.redis.targets setting.';

export const untrustedStreamsText = 'Restricted Mode: trust the workspace to poll Redis streams.';

const stateTexts: Readonly<Record<PanelRedisState, string>> = { connecting: 'connecting', connected: 'connected', 'auth-failed': 'auth failed', gone: 'gone' };

export class StreamsView {
  private readonly summary: HTMLElement;
  private readonly list: HTMLElement;
  /** Each group's lag and pending chart, by target, stream and group: kept across snapshots, updated in place. */
  private readonly charts = new Map<string, { container: HTMLElement; chart: TimeSeriesChart }>();
  /** The charts a snapshot being shown used (the others are disposed after it). */
  private chartsShown = new Set<string>();

  constructor(private readonly options: StreamsViewOptions) {
    const { document } = options;
    const toolbar = createElement(document, 'div', 'toolbar');
    this.summary = createElement(document, 'p', 'summary', noRedisTargetsText);
    this.summary.setAttribute('aria-live', 'polite');
    toolbar.append(this.summary, createButton(document, 'attach-redis', 'Attach to Redis…', () => options.attachRedis()));
    this.list = createElement(document, 'div', 'redis-targets');
    options.root.replaceChildren(toolbar, this.list);
  }

  showSnapshot(snapshot: LiveSnapshotParams): void {
    const targets = snapshot.streams ?? [];
    const streams = targets.reduce((sum, target) => sum + target.streams.length, 0);
    this.summary.textContent =
      targets.length > 0
        ? `${targets.length} Redis ${targets.length === 1 ? 'target' : 'targets'}, ${streams} ${streams === 1 ? 'stream' : 'streams'}`
        : snapshot.receiver.state === 'untrusted'
          ? untrustedStreamsText
          : noRedisTargetsText;
    this.chartsShown = new Set();
    this.list.replaceChildren(...targets.map((target) => this.targetSection(target)));
    for (const [key, { chart }] of this.charts) {
      if (this.chartsShown.has(key)) continue;
      chart.dispose();
      this.charts.delete(key);
    }
  }

  /** The chart of a group, for tests: its series as last given. */
  historyChart(target: string, stream: string, group: string): TimeSeriesChart | undefined {
    return this.charts.get(chartKey(target, stream, group))?.chart;
  }

  private targetSection(target: PanelRedisTarget): HTMLElement {
    const { document } = this.options;
    const section = createElement(document, 'section', 'redis-target');
    section.dataset.target = target.name;
    const heading = createElement(document, 'h3', 'redis-target-heading');
    heading.append(
      createElement(document, 'span', 'redis-target-name', target.name),
      createElement(document, 'span', `redis-state state-${target.state}`, stateTexts[target.state]),
      createElement(document, 'span', 'redis-target-url', target.url),
    );
    section.append(heading);
    if (target.lastError !== undefined && target.state !== 'connected') section.append(createElement(document, 'p', 'redis-target-error', target.lastError));
    for (const note of target.notes) section.append(createElement(document, 'p', 'redis-note', note));
    for (const { stream, reason } of target.unreadable) section.append(createElement(document, 'p', 'redis-unreadable', `${stream}: ${reason}`));
    if (target.streams.length === 0 && target.state === 'connected') section.append(createElement(document, 'p', 'redis-no-streams', 'No streams found yet.'));
    section.append(...target.streams.map((stream) => this.streamBlock(target, stream)));
    return section;
  }

  private streamBlock(target: PanelRedisTarget, stream: PanelStream): HTMLElement {
    const { document } = this.options;
    const block = createElement(document, 'div', 'redis-stream');
    const heading = createElement(document, 'h4', 'redis-stream-heading');
    const groups = stream.groups.length + stream.groupsNotRead;
    heading.append(
      createElement(document, 'span', 'stream-name', stream.stream),
      createElement(document, 'span', 'stream-figures', `length ${stream.length}, ${groups} ${groups === 1 ? 'group' : 'groups'}${stream.groupsNotRead > 0 ? ` (${stream.groupsNotRead} not read)` : ''}`),
    );
    block.append(heading, ...stream.groups.map((group) => this.groupBlock(group, chartKey(target.name, stream.stream, group.group))));
    const sites = streamSitesRow(document, stream, this.options.openStreamSite);
    if (sites !== undefined) heading.after(sites);
    if (stream.groups.length === 0) block.append(createElement(document, 'p', 'stream-no-groups', 'No consumer groups.'));
    return block;
  }

  /** `chart`: the key of the group's lag and pending chart. */
  private groupBlock(group: PanelStreamGroup, chart: string): HTMLElement {
    const { document } = this.options;
    const block = createElement(document, 'div', 'stream-group');
    block.dataset.group = group.group;
    const figures = createElement(document, 'dl', 'group-figures');
    const figure = (name: string, value: string, className: string, title?: string) => {
      const valueElement = createElement(document, 'dd', className, value);
      if (title !== undefined) valueElement.title = title;
      figures.append(createElement(document, 'dt', undefined, name), valueElement);
    };
    figure('lag', group.lag === null ? 'unknown' : String(group.lag), 'group-lag', group.lag === null ? group.lagNote : undefined);
    figure('pending', String(group.pending), 'group-pending');
    figure('oldest pending', group.oldestPendingAgeMs !== undefined ? formatDuration(group.oldestPendingAgeMs) : '—', 'group-oldest-pending');
    if (group.deadLetterCandidates > 0) figure('dead-letter candidates', String(group.deadLetterCandidates), 'group-dead-letters');
    block.append(createElement(document, 'h5', 'group-name', group.group), figures);
    if (group.throughput !== undefined) {
      const throughput = createElement(document, 'p', `group-throughput throughput-${group.throughput.verdict}`, throughputText(group.throughput));
      if (group.throughput.note !== undefined) throughput.title = group.throughput.note;
      block.append(throughput);
    }
    if (group.history !== undefined && group.history.t.length > 0) block.append(this.historyBlock(chart, group.group, group.history));

    if (group.consumers.length === 0) block.append(createElement(document, 'p', 'group-no-consumers', 'No consumers.'));
    else
      block.append(
        this.table(
          'group-consumers',
          ['consumer', 'pending', 'idle', 'inactive', ''],
          group.consumers.map((consumer) => ({
            className: consumer.dead ? 'consumer dead-consumer' : 'consumer',
            cells: [
              consumer.name,
              String(consumer.pending),
              formatDuration(consumer.idleMs),
              consumer.inactiveMs === undefined ? '—' : consumer.inactiveMs < 0 ? 'never active' : formatDuration(consumer.inactiveMs),
              consumer.dead ? 'dead consumer: its pending work needs XAUTOCLAIM' : '',
            ],
          })),
        ),
      );
    if (group.stuck.length > 0)
      block.append(
        createElement(document, 'h6', 'group-stuck-heading', 'Oldest stuck entries'),
        this.table(
          'group-stuck',
          ['entry', 'consumer', 'idle', 'deliveries', ''],
          group.stuck.map((entry) => ({
            className: entry.deadLetter ? 'stuck-entry dead-letter' : 'stuck-entry',
            cells: [entry.id, entry.consumer, formatDuration(entry.idleMs), String(entry.deliveryCount), entry.deadLetter ? 'dead-letter candidate' : ''],
          })),
        ),
      );
    return block;
  }

  /** The group's chart container, with its chart (made on its first snapshot, then updated). */
  private historyBlock(key: string, group: string, history: PanelStreamHistory): HTMLElement {
    const series = historySeries(history);
    this.chartsShown.add(key);
    const held = this.charts.get(key);
    if (held !== undefined) {
      held.chart.update(series);
      return held.container;
    }
    const container = createElement(this.options.document, 'div', 'group-history');
    const chart = new TimeSeriesChart({ container, title: `Lag and pending of ${group}`, format: 'count', layout: 'lines', height: 120, series });
    this.charts.set(key, { container, chart });
    return container;
  }

  private table(className: string, headings: string[], rows: { className: string; cells: string[] }[]): HTMLTableElement {
    const { document } = this.options;
    const table = createElement(document, 'table', className);
    const head = createElement(document, 'tr');
    head.append(...headings.map((heading) => createElement(document, 'th', undefined, heading)));
    const body = createElement(document, 'tbody');
    for (const row of rows) {
      const tr = createElement(document, 'tr', row.className);
      tr.append(...row.cells.map((cell) => createElement(document, 'td', undefined, cell)));
      body.append(tr);
    }
    table.append(createElement(document, 'thead'), body);
    (table.tHead as HTMLTableSectionElement).append(head);
    return table;
  }
}

/** "reading 120/s, adding 150/s: falling behind 30/s"; a rate Redis cannot give is "unknown". */
export function throughputText(throughput: PanelStreamThroughput): string {
  const { addingPerSecond: adding, readingPerSecond: reading, verdict } = throughput;
  if (adding === null && reading === null) return `rates unknown${throughput.note !== undefined ? `: ${throughput.note}` : ''}`;
  const rates = `reading ${reading === null ? 'unknown' : formatRate(reading)}, adding ${adding === null ? 'unknown' : formatRate(adding)}`;
  const gap = adding !== null && reading !== null ? formatRate(Math.abs(adding - reading)) : '';
  switch (verdict) {
    case 'falling-behind':
      return `${rates}: falling behind ${gap}`;
    case 'catching-up':
      return `${rates}: catching up ${gap}`;
    case 'stalled':
      return `${rates}: not reading while entries wait`;
    case 'keeping-up':
      return `${rates}: keeping up${reading === null ? ' (every entry delivered)' : ''}`;
    case 'unknown':
      return rates;
  }
}

/** Entries a second, as "150/s", "2.5/s" or, under one a second, "12/min". */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0/s';
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1) return `${Number(perSecond.toFixed(1))}/s`;
  const perMinute = perSecond * 60;
  return perMinute >= 0.1 ? `${Number(perMinute.toFixed(1))}/min` : '<0.1/min';
}

/** The chart's series: lag (null, a gap, where Redis could not say) and pending, a point per poll. */
export function historySeries(history: PanelStreamHistory): ChartSeries[] {
  return [
    { label: 'lag', points: history.t.map((t, index) => [t, history.lag[index]]) },
    { label: 'pending', points: history.t.map((t, index) => [t, history.pending[index]]) },
  ];
}

function chartKey(target: string, stream: string, group: string): string {
  return `${target}\u0000${stream}\u0000${group}`;
}

/**
 * Where the code produces and consumes the stream: "Produced at src/orders.ts:12 · Consumed at
 * src/worker.ts:48", each location a link (a link-styled button, keyboard-reachable) that opens the editor there.
 * Undefined when no code names the stream.
 */
export function streamSitesRow(document: Document, stream: PanelStream, open: ((site: PanelStreamSite) => Promise<string>) | undefined): HTMLElement | undefined {
  const sites = stream.sites ?? [];
  if (sites.length === 0) return undefined;
  const row = createElement(document, 'p', 'stream-sites');
  const status = createElement(document, 'span', 'stream-site-status');
  status.setAttribute('aria-live', 'polite');
  const parts: Array<[PanelStreamSite['role'], string]> = [
    ['produce', 'Produced at'],
    ['consume', 'Consumed at'],
  ];
  for (const [role, words] of parts) {
    const here = sites.filter((site) => site.role === role);
    if (here.length === 0) continue;
    if (row.childNodes.length > 0) row.append(' · ');
    row.append(`${words} `);
    here.forEach((site, index) => {
      if (index > 0) row.append(', ');
      const link = createButton(document, `link-button stream-site-link stream-site-${role}`, site.label, () => {
        if (open) void open(site).then((text) => (status.textContent = text));
      });
      link.setAttribute('aria-label', `${words} ${site.label}: open in the editor`);
      row.append(link);
    });
  }
  row.append(status);
  return row;
}
