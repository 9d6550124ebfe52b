// The Streams view: per Redis target its connection state; per stream its length and groups; per
// group lag ("unknown" when Redis cannot say, never 0), pending, the oldest pending entry's age, the
// consumers (idle, inactive, pending; dead ones marked) and the oldest stuck entries (consumer, idle,
// delivery count; dead-letter candidates marked). Every name came from a Redis server: text only.
import type { LiveSnapshotParams, PanelRedisState, PanelRedisTarget, PanelStream, PanelStreamGroup } from '../src/shared/livePanelProtocol';
import { createButton, createElement } from './domText';
import { formatDuration } from './tracesModel';

export interface StreamsViewOptions {
  document: Document;
  root: HTMLElement;
  attachRedis(): void;
}

export const noRedisTargetsText = 'No Redis targets. Attach to one, or list them in the bounded.live.redis.targets setting.';

export const untrustedStreamsText = 'Restricted Mode: trust the workspace to poll Redis streams.';

const stateTexts: Readonly<Record<PanelRedisState, string>> = { connecting: 'connecting', connected: 'connected', 'auth-failed': 'auth failed', gone: 'gone' };

export class StreamsView {
  private readonly summary: HTMLElement;
  private readonly list: HTMLElement;

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
    this.list.replaceChildren(...targets.map((target) => this.targetSection(target)));
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
    section.append(...target.streams.map((stream) => this.streamBlock(stream)));
    return section;
  }

  private streamBlock(stream: PanelStream): HTMLElement {
    const { document } = this.options;
    const block = createElement(document, 'div', 'redis-stream');
    const heading = createElement(document, 'h4', 'redis-stream-heading');
    const groups = stream.groups.length + stream.groupsNotRead;
    heading.append(
      createElement(document, 'span', 'stream-name', stream.stream),
      createElement(document, 'span', 'stream-figures', `length ${stream.length}, ${groups} ${groups === 1 ? 'group' : 'groups'}${stream.groupsNotRead > 0 ? ` (${stream.groupsNotRead} not read)` : ''}`),
    );
    block.append(heading, ...stream.groups.map((group) => this.groupBlock(group)));
    if (stream.groups.length === 0) block.append(createElement(document, 'p', 'stream-no-groups', 'No consumer groups.'));
    return block;
  }

  private groupBlock(group: PanelStreamGroup): HTMLElement {
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
