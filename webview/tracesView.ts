// The Traces view: the receiver's state and the endpoint to export to (with a copy button), the
// filters (sent to the host, which applies them over every trace it holds), and the list of traces (root service and name, start, duration, span count, error
// marker). Choosing a trace opens its waterfall in place of the list. Every string from a service is
// set as text.
import { emptyTracesFilter, type LiveSnapshotParams, type PanelTraceSummary, type ReceiverState, type TracesFilter } from '../src/shared/livePanelProtocol';
import { createButton, createElement, setTextIfChanged, spaced } from './domText';
import { formatDuration, formatStartTime } from './tracesModel';

export interface TracesViewOptions {
  document: Document;
  root: HTMLElement;
  filter: TracesFilter;
  /** Keeps the filter across reloads and sends it to the host. */
  changeFilter(filter: TracesFilter): void;
  openTrace(traceId: string): void;
  copyEndpoint(): void;
  startReceiver(freePort: boolean): void;
  /** Runs "Bounded: Export Live Traces…" / "Import Live Traces…" (the host shows the file dialogs). */
  exportTraces(): void;
  importTraces(): void;
}

const noTracesText = 'No traces yet. Export spans to the endpoint above (OTEL_EXPORTER_OTLP_ENDPOINT).';
const noMatchText = 'No traces match the filter.';

export class TracesView {
  private readonly document: Document;
  private readonly status: HTMLElement;
  private readonly endpoint: HTMLElement;
  private readonly copyButton: HTMLButtonElement;
  private readonly startButton: HTMLButtonElement;
  private readonly freePortButton: HTMLButtonElement;
  private readonly serviceSelect: HTMLSelectElement;
  private readonly errorsOnly: HTMLInputElement;
  private readonly minDuration: HTMLInputElement;
  private readonly textInput: HTMLInputElement;
  private readonly summary: HTMLElement;
  private readonly list: HTMLElement;
  private filter: TracesFilter;
  private snapshot: LiveSnapshotParams | undefined;

  constructor(private readonly options: TracesViewOptions) {
    const document = (this.document = options.document);
    this.filter = options.filter;

    this.status = createElement(document, 'p', 'receiver-status', 'Starting the OTLP receiver…');
    this.status.setAttribute('aria-live', 'polite');
    this.endpoint = createElement(document, 'code', 'endpoint');
    this.copyButton = createButton(document, 'secondary-button copy-endpoint', 'Copy endpoint', () => options.copyEndpoint());
    this.copyButton.setAttribute('aria-label', 'Copy endpoint (the OTEL_EXPORTER_OTLP_ENDPOINT value)');
    this.startButton = createButton(document, 'secondary-button start-receiver', 'Start receiver', () => options.startReceiver(false));
    this.freePortButton = createButton(document, 'secondary-button start-on-free-port', 'Use another port', () => options.startReceiver(true));
    this.freePortButton.setAttribute('aria-label', 'Use another port: start the receiver on a free port instead of the configured one');
    const receiver = createElement(document, 'header', 'receiver');
    receiver.append(this.status, this.endpoint, this.copyButton, this.startButton, this.freePortButton);

    this.serviceSelect = createElement(document, 'select', 'service-filter');
    this.serviceSelect.setAttribute('aria-label', 'Service');
    this.serviceSelect.addEventListener('change', () => this.changeFilter({ ...this.filter, service: this.serviceSelect.value }));
    this.errorsOnly = createElement(document, 'input', 'errors-only');
    this.errorsOnly.type = 'checkbox';
    this.errorsOnly.addEventListener('change', () => this.changeFilter({ ...this.filter, errorsOnly: this.errorsOnly.checked }));
    const errorsLabel = createElement(document, 'label', 'checkbox-label');
    errorsLabel.append(this.errorsOnly, document.createTextNode(' Errors only'));
    this.minDuration = createElement(document, 'input', 'min-duration');
    this.minDuration.type = 'number';
    this.minDuration.min = '0';
    this.minDuration.placeholder = 'Min ms';
    this.minDuration.setAttribute('aria-label', 'Minimum duration in milliseconds');
    this.minDuration.addEventListener('input', () => {
      const value = Number(this.minDuration.value);
      this.changeFilter({ ...this.filter, minDurationMs: Number.isFinite(value) && value > 0 ? value : 0 });
    });
    this.textInput = createElement(document, 'input', 'filter-input');
    this.textInput.type = 'search';
    this.textInput.placeholder = 'Filter by span name or attribute';
    this.textInput.setAttribute('aria-label', 'Filter traces by span name or attribute');
    this.textInput.addEventListener('input', () => this.changeFilter({ ...this.filter, text: this.textInput.value }));
    const clear = createButton(document, 'link-button', 'Clear filters', () => this.changeFilter(emptyTracesFilter));
    const exportButton = createButton(document, 'secondary-button export-traces', 'Export…', () => options.exportTraces());
    exportButton.setAttribute('aria-label', 'Export… the live traces to an OTLP/JSON file');
    const importButton = createButton(document, 'secondary-button import-traces', 'Import…', () => options.importTraces());
    importButton.setAttribute('aria-label', 'Import… traces from an OTLP/JSON file');
    const toolbar = createElement(document, 'div', 'toolbar');
    toolbar.append(this.textInput, this.serviceSelect, errorsLabel, this.minDuration, clear, exportButton, importButton);

    // Not a live region: it changes with every snapshot while spans arrive.
    this.summary = createElement(document, 'p', 'traces-summary');
    this.list = createElement(document, 'div', 'trace-list');
    this.list.setAttribute('aria-label', 'Recent traces; arrow keys move, Enter opens the waterfall');
    this.list.addEventListener('keydown', (event) => this.moveFocus(event));

    options.root.replaceChildren(receiver, toolbar, this.summary, this.list);
    this.showFilter();
    this.showReceiver({ state: 'starting', host: '', port: 0 });
  }

  showSnapshot(snapshot: LiveSnapshotParams): void {
    this.snapshot = snapshot;
    this.showReceiver(snapshot.receiver);
    this.renderServices(snapshot.services);
    this.renderTraces();
  }

  private showReceiver(receiver: ReceiverState): void {
    const running = receiver.state === 'running' && receiver.endpoint !== undefined;
    this.status.className = `receiver-status receiver-${receiver.state}`;
    // A live region: written only when the state says something new, not on every snapshot.
    setTextIfChanged(this.status, receiverText(receiver));
    this.endpoint.textContent = running ? `OTEL_EXPORTER_OTLP_ENDPOINT=${receiver.endpoint}` : '';
    this.endpoint.hidden = !running;
    this.copyButton.hidden = !running;
    this.startButton.hidden = receiver.state !== 'failed' && receiver.state !== 'stopped';
    this.freePortButton.hidden = receiver.state !== 'failed';
  }

  private renderServices(seen: readonly string[]): void {
    const services = [...seen];
    if (this.filter.service !== '' && !services.includes(this.filter.service)) services.push(this.filter.service);
    const all = createElement(this.document, 'option', undefined, 'All services');
    all.value = '';
    this.serviceSelect.replaceChildren(
      all,
      ...services.map((service) => {
        const option = createElement(this.document, 'option', undefined, service);
        option.value = service;
        return option;
      }),
    );
    this.serviceSelect.value = this.filter.service;
  }

  private changeFilter(filter: TracesFilter): void {
    this.filter = filter;
    this.options.changeFilter(filter);
    this.showFilter();
  }

  private showFilter(): void {
    if (this.textInput.value !== this.filter.text) this.textInput.value = this.filter.text;
    this.errorsOnly.checked = this.filter.errorsOnly;
    const minText = this.filter.minDurationMs > 0 ? String(this.filter.minDurationMs) : '';
    if (Number(this.minDuration.value || 0) !== this.filter.minDurationMs) this.minDuration.value = minText;
    this.serviceSelect.value = this.filter.service;
  }

  private renderTraces(): void {
    const { snapshot } = this;
    if (!snapshot) return;
    const focused = this.rows().find((row) => row === this.document.activeElement)?.dataset.traceId;
    const shown = snapshot.traces;
    const held = `${snapshot.tracesHeld} ${snapshot.tracesHeld === 1 ? 'trace' : 'traces'}, ${snapshot.spansHeld} spans held`;
    const matching = snapshot.tracesMatching === snapshot.tracesHeld ? held : `${snapshot.tracesMatching} of ${held} match the filter`;
    this.summary.textContent = shown.length < snapshot.tracesMatching ? `${matching}; showing the newest ${shown.length}` : matching;
    // A list of buttons (each in a listitem) while there are traces; the empty state is a paragraph, not a list.
    if (shown.length === 0) {
      this.list.removeAttribute('role');
      this.list.replaceChildren(createElement(this.document, 'p', 'empty-state', snapshot.tracesHeld === 0 ? noTracesText : noMatchText));
    } else {
      this.list.setAttribute('role', 'list');
      this.list.replaceChildren(
        ...shown.map((trace) => {
          const item = createElement(this.document, 'div', 'trace-item');
          item.setAttribute('role', 'listitem');
          item.append(this.traceRow(trace));
          return item;
        }),
      );
    }
    if (focused !== undefined) this.rows().find((row) => row.dataset.traceId === focused)?.focus();
  }

  private traceRow(trace: PanelTraceSummary): HTMLElement {
    const error = trace.errorCount > 0;
    const row = createButton(this.document, `trace-row${error ? ' has-error' : ''}`, '', () => this.options.openTrace(trace.traceId));
    row.dataset.traceId = trace.traceId;
    const service = trace.rootServiceName ?? '(no root span)';
    const name = trace.rootName ?? trace.traceId;
    const spans = `${trace.spanCount} ${trace.spanCount === 1 ? 'span' : 'spans'}`;
    const errors = error ? `, ${trace.errorCount} ${trace.errorCount === 1 ? 'error' : 'errors'}` : '';
    // The visible text first, in its order (what a voice-control user says), then what only the marker shows.
    row.setAttribute('aria-label', `${service} ${name} ${formatStartTime(trace.startTimeMs)} ${formatDuration(trace.durationMs)} ${spans}${errors}`);
    const marker = createElement(this.document, 'span', error ? 'error-marker codicon codicon-error' : 'ok-marker');
    marker.setAttribute('aria-hidden', 'true');
    // Spaces between the cells (a grid does not render them): the text reads as words, not `gatewayPOST /orders`.
    row.append(
      marker,
      ...spaced(this.document, [
        createElement(this.document, 'span', 'trace-service', service),
        createElement(this.document, 'span', 'trace-name', name),
        createElement(this.document, 'span', 'trace-start', formatStartTime(trace.startTimeMs)),
        createElement(this.document, 'span', 'trace-duration', formatDuration(trace.durationMs)),
        createElement(this.document, 'span', 'trace-spans', spans),
      ]),
    );
    return row;
  }

  private moveFocus(event: KeyboardEvent): void {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const rows = this.rows();
    const index = rows.findIndex((row) => row === this.document.activeElement);
    const next = rows[index === -1 ? 0 : event.key === 'ArrowDown' ? index + 1 : index - 1];
    if (!next) return;
    event.preventDefault();
    next.focus();
  }

  private rows(): HTMLButtonElement[] {
    return Array.from(this.list.querySelectorAll<HTMLButtonElement>('button.trace-row'));
  }
}

function receiverText(receiver: ReceiverState): string {
  switch (receiver.state) {
    case 'running':
      return `Receiving OTLP/HTTP traces at ${receiver.endpoint ?? `${receiver.host}:${receiver.port}`}/v1/traces`;
    case 'starting':
      return 'Starting the OTLP receiver…';
    case 'failed':
      return `The OTLP receiver is not running: ${receiver.message ?? 'it failed to start'}`;
    case 'untrusted':
      return receiver.message ?? 'Restricted Mode: trust the workspace to receive traces.';
    case 'stopped':
      return receiver.message ?? 'The OTLP receiver is stopped.';
  }
}
