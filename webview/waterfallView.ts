// The waterfall of one trace: a bar per span placed by start and duration, indented under its
// parent, the critical path marked; virtualized (only the rows in view, and a few either side, are
// in the DOM, so a 10,000-span trace stays a few dozen elements). Arrow keys, Page Up/Down, Home and
// End move the selection; Enter (or a click) shows the span's details: status, attributes, events,
// links, resource, scope, and "Reveal source" when the host can name the span's code.
import type { OpenTraceResult, PanelAttributes, PanelSpan } from '../src/shared/livePanelProtocol';
import { createButton, createElement, spaced } from './domText';
import { formatDuration, formatStartTime } from './tracesModel';
import { buildWaterfall, visibleRows, type Waterfall } from './waterfallModel';

export interface WaterfallViewOptions {
  document: Document;
  root: HTMLElement;
  back(): void;
  revealSource(spanId: string): Promise<string>;
}

export const waterfallRowHeight = 22;
/** When the viewport has no layout (jsdom, or not shown yet). */
const fallbackViewportHeight = 480;
const maxIndentDepth = 32;

export class WaterfallView {
  private readonly document: Document;
  private readonly title: HTMLElement;
  private readonly facts: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly details: HTMLElement;
  private readonly announcement: HTMLElement;
  private waterfall: Waterfall | undefined;
  private trace: OpenTraceResult | undefined;
  private selected = -1;
  private detailsSpanId: string | undefined;

  constructor(private readonly options: WaterfallViewOptions) {
    const document = (this.document = options.document);
    const back = createButton(document, 'link-button back-button', '← All traces', () => options.back());
    this.title = createElement(document, 'h2', 'waterfall-title');
    this.facts = createElement(document, 'p', 'waterfall-facts');
    const legend = createElement(document, 'p', 'waterfall-legend');
    const swatch = createElement(document, 'span', 'legend-swatch critical');
    swatch.setAttribute('aria-hidden', 'true');
    legend.append(swatch, document.createTextNode(' critical path (the spans the root waited for): this colour, and a bar at the row’s left edge'));
    const header = createElement(document, 'header', 'waterfall-header');
    header.append(back, this.title, this.facts, legend);

    this.viewport = createElement(document, 'div', 'waterfall-viewport');
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute('role', 'listbox');
    this.viewport.setAttribute('aria-label', 'Spans of the trace; arrow keys move, Enter shows details');
    this.spacer = createElement(document, 'div', 'waterfall-spacer');
    this.viewport.append(this.spacer);
    this.viewport.addEventListener('scroll', () => this.renderRows());
    this.viewport.addEventListener('keydown', (event) => this.onKey(event));

    this.details = createElement(document, 'section', 'span-details');
    this.details.setAttribute('aria-label', 'Span details');
    // Says which span's details were shown when the user asks (Enter, a click); not the details
    // themselves, and not when a refresh of a growing trace renders them again.
    this.announcement = createElement(document, 'p', 'visually-hidden details-announcement');
    this.announcement.setAttribute('aria-live', 'polite');
    options.root.replaceChildren(header, this.viewport, this.announcement, this.details);
  }

  get traceId(): string | undefined {
    return this.trace?.traceId;
  }

  show(trace: OpenTraceResult): void {
    const sameTrace = this.trace?.traceId === trace.traceId;
    const selectedId = sameTrace ? this.waterfall?.rows[this.selected]?.span.spanId : undefined;
    this.trace = trace;
    this.waterfall = buildWaterfall(trace.spans);
    const root = this.waterfall.rows[0]?.span;
    this.title.textContent = root ? `${root.serviceName}: ${root.name}` : `Trace ${trace.traceId}`;
    const errors = trace.spans.filter((span) => span.status.code === 'error').length;
    this.facts.textContent =
      trace.spans.length === 0
        ? 'The trace is no longer held.'
        : `${trace.spans.length} spans, ${formatDuration(this.waterfall.totalMs)}, started ${formatStartTime(trace.startTimeMs)}${errors > 0 ? `, ${errors} ${errors === 1 ? 'error' : 'errors'}` : ''} · trace ${trace.traceId}`;
    this.selected = selectedId === undefined ? (this.waterfall.rows.length > 0 ? 0 : -1) : this.waterfall.rows.findIndex((row) => row.span.spanId === selectedId);
    this.spacer.style.height = `${this.waterfall.rows.length * waterfallRowHeight}px`;
    if (!sameTrace) {
      this.viewport.scrollTop = 0;
      this.detailsSpanId = undefined;
      this.details.replaceChildren();
    } else if (this.detailsSpanId !== undefined) {
      const span = trace.spans.find((candidate) => candidate.spanId === this.detailsSpanId);
      if (span) this.showDetails(span);
    }
    this.renderRows();
  }

  focus(): void {
    this.viewport.focus();
  }

  private renderRows(): void {
    const waterfall = this.waterfall;
    if (!waterfall) return;
    const height = this.viewport.clientHeight || fallbackViewportHeight;
    const { first, end } = visibleRows(waterfall.rows.length, waterfallRowHeight, this.viewport.scrollTop, height);
    const total = waterfall.totalMs || 1;
    const rows: HTMLElement[] = [];
    for (let index = first; index < end; index++) {
      const { span, depth, orphan } = waterfall.rows[index];
      const critical = waterfall.criticalPath.has(span.spanId);
      const error = span.status.code === 'error';
      const row = createElement(this.document, 'div', `span-row${critical ? ' critical' : ''}${error ? ' has-error' : ''}${index === this.selected ? ' selected' : ''}`);
      row.id = `span-row-${index}`;
      row.setAttribute('role', 'option');
      row.setAttribute('aria-selected', String(index === this.selected));
      // The visible text first, in its order (name, service, duration), then what the bar and the marks show.
      row.setAttribute(
        'aria-label',
        `${span.name} ${span.serviceName} ${formatDuration(span.durationMs)}${error ? ', error' : ''}${critical ? ', on the critical path' : ''}${orphan ? ', parent missing' : ''}, starts at ${formatDuration(span.startMs)}, depth ${depth + 1}`,
      );
      row.dataset.spanId = span.spanId;
      row.dataset.index = String(index);
      row.style.top = `${index * waterfallRowHeight}px`;
      row.style.height = `${waterfallRowHeight}px`;

      const label = createElement(this.document, 'span', 'span-label');
      label.style.paddingLeft = `${Math.min(depth, maxIndentDepth) * 12 + 4}px`;
      const glyph = createElement(this.document, 'span', `span-glyph${error ? ' codicon codicon-error' : orphan ? ' codicon codicon-debug-disconnect' : ''}`);
      glyph.setAttribute('aria-hidden', 'true');
      label.append(glyph, ...spaced(this.document, [createElement(this.document, 'span', 'span-name', span.name), createElement(this.document, 'span', 'span-service', span.serviceName)]));
      const track = createElement(this.document, 'span', 'span-track');
      const bar = createElement(this.document, 'span', 'span-bar');
      bar.style.left = `${(span.startMs / total) * 100}%`;
      bar.style.width = `max(1px, ${(span.durationMs / total) * 100}%)`;
      track.append(bar);
      row.append(...spaced(this.document, [label, track, createElement(this.document, 'span', 'span-duration', formatDuration(span.durationMs))]));
      row.addEventListener('click', () => {
        this.select(index);
        this.showDetails(span, true);
      });
      rows.push(row);
    }
    this.spacer.replaceChildren(...rows);
    if (this.selected >= 0) this.viewport.setAttribute('aria-activedescendant', `span-row-${this.selected}`);
    else this.viewport.removeAttribute('aria-activedescendant');
  }

  private onKey(event: KeyboardEvent): void {
    const waterfall = this.waterfall;
    if (!waterfall || waterfall.rows.length === 0) return;
    const page = Math.max(1, Math.floor((this.viewport.clientHeight || fallbackViewportHeight) / waterfallRowHeight) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (event.key in moves) this.select(Math.min(waterfall.rows.length - 1, Math.max(0, this.selected + moves[event.key])));
    else if (event.key === 'Home') this.select(0);
    else if (event.key === 'End') this.select(waterfall.rows.length - 1);
    else if (event.key === 'Enter' && this.selected >= 0) this.showDetails(waterfall.rows[this.selected].span, true);
    else if (event.key === 'Escape' || event.key === 'Backspace') this.options.back();
    else return;
    event.preventDefault();
  }

  private select(index: number): void {
    this.selected = index;
    const top = index * waterfallRowHeight;
    const height = this.viewport.clientHeight || fallbackViewportHeight;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + waterfallRowHeight > this.viewport.scrollTop + height) this.viewport.scrollTop = top + waterfallRowHeight - height;
    this.renderRows();
  }

  private showDetails(span: PanelSpan, announce = false): void {
    if (announce) this.announcement.textContent = `Details of ${span.name} (${span.serviceName}) shown below the spans${span.hasSource ? ', with Reveal source' : ''}.`;
    this.detailsSpanId = span.spanId;
    const document = this.document;
    const heading = createElement(document, 'h3', 'details-name', span.name);
    const facts = createElement(document, 'dl', 'details-facts');
    const status = span.status.message ? `${span.status.code}: ${span.status.message}` : span.status.code;
    for (const [term, value] of [
      ['Service', span.serviceName],
      ['Kind', span.kind],
      ['Status', status],
      ['Starts at', formatDuration(span.startMs)],
      ['Duration', formatDuration(span.durationMs)],
      ['Span id', span.spanId],
      ['Parent', span.parentSpanId ?? '(root)'],
      ['Scope', span.scope.version ? `${span.scope.name} ${span.scope.version}` : span.scope.name],
    ] as const) {
      facts.append(createElement(document, 'dt', undefined, term), createElement(document, 'dd', term === 'Status' ? `status-${span.status.code}` : undefined, value));
    }
    const parts: HTMLElement[] = [heading, facts];
    if (span.hasSource) {
      const result = createElement(document, 'span', 'reveal-result');
      result.setAttribute('aria-live', 'polite');
      const reveal = createButton(document, 'secondary-button reveal-source', 'Reveal source', () => {
        void this.options.revealSource(span.spanId).then((message) => {
          result.textContent = message;
        });
      });
      const actions = createElement(document, 'div', 'details-actions');
      actions.append(reveal, result);
      parts.push(actions);
    }
    parts.push(attributeTable(document, 'Attributes', span.attributes));
    parts.push(
      listSection(
        document,
        'Events',
        span.events.map((event) => {
          const item = createElement(document, 'li');
          item.append(createElement(document, 'span', 'event-time', formatDuration(event.offsetMs)), createElement(document, 'span', 'event-name', event.name), attributeTable(document, undefined, event.attributes));
          return item;
        }),
      ),
    );
    parts.push(
      listSection(
        document,
        'Links',
        span.links.map((link) => {
          const item = createElement(document, 'li');
          item.append(createElement(document, 'span', 'link-target', `trace ${link.traceId} span ${link.spanId}`), attributeTable(document, undefined, link.attributes));
          return item;
        }),
      ),
    );
    parts.push(attributeTable(document, 'Resource', span.resource));
    this.details.replaceChildren(...parts);
  }
}

function attributeTable(document: Document, title: string | undefined, attributes: PanelAttributes): HTMLElement {
  const section = createElement(document, 'section', 'attribute-section');
  if (title !== undefined) section.append(createElement(document, 'h4', undefined, title));
  const entries = Object.entries(attributes);
  if (entries.length === 0) {
    if (title !== undefined) section.append(createElement(document, 'p', 'empty-state', 'None'));
    return section;
  }
  const table = createElement(document, 'table', 'attribute-table');
  const body = createElement(document, 'tbody');
  for (const [key, value] of entries) {
    const row = createElement(document, 'tr');
    row.append(createElement(document, 'th', 'attribute-key', key), createElement(document, 'td', 'attribute-value', typeof value === 'string' ? value : JSON.stringify(value)));
    body.append(row);
  }
  table.append(body);
  section.append(table);
  return section;
}

function listSection(document: Document, title: string, items: HTMLElement[]): HTMLElement {
  const section = createElement(document, 'section', 'attribute-section');
  section.append(createElement(document, 'h4', undefined, title));
  if (items.length === 0) section.append(createElement(document, 'p', 'empty-state', 'None'));
  else {
    const list = createElement(document, 'ul', 'detail-list');
    list.append(...items);
    section.append(list);
  }
  return section;
}
