// The Findings view: a header with counts and the "Analyse workspace" button, a text filter and
// severity toggles, then the findings grouped by rule and file, each a button that opens its location.
// It builds its DOM through the `document` it is given (a test passes jsdom's) and sets every string
// that comes from a snapshot as text, never as markup.
import {
  type FindingSeverity,
  findingSeverities,
  type IpcMessage,
  OpenDocsCommand,
  OpenLocationCommand,
  type PanelFinding,
  RunCommandCommand,
  type SnapshotParams,
} from '../src/shared/panelProtocol';
import { countBySeverity, type FindingsFilter, groupFindings, matchesFilter, type RuleGroup } from './findingsModel';

export interface FindingsViewOptions {
  document: Document;
  /** The element the view fills; its previous content is replaced. */
  root: HTMLElement;
  filter: FindingsFilter;
  /** Called with the filter whenever the user changes it, to keep it across reloads. */
  saveFilter(filter: FindingsFilter): void;
  postMessage(message: IpcMessage<unknown>): void;
}

export const emptyStateText = 'No findings. Run Bounded: Analyse Workspace to check every file.';
const noMatchText = 'No findings match the filter.';
const loadingText = 'Loading findings…';
const restrictedModeText =
  'Restricted Mode: Bounded analyses the code but will not attach to running processes until the workspace is trusted.';

const severityLabels: Readonly<Record<FindingSeverity, { plural: string; singular: string }>> = {
  error: { plural: 'Errors', singular: 'Error' },
  warning: { plural: 'Warnings', singular: 'Warning' },
  info: { plural: 'Info', singular: 'Info' },
};

export class FindingsView {
  private readonly document: Document;
  private readonly summary: HTMLElement;
  private readonly restrictedNote: HTMLElement;
  private readonly filterInput: HTMLInputElement;
  private readonly severityToggles: Map<FindingSeverity, { button: HTMLButtonElement; count: HTMLElement }>;
  private readonly list: HTMLElement;
  private readonly generatedAt: HTMLElement;
  private filter: FindingsFilter;
  private snapshot: SnapshotParams | undefined;

  constructor(private readonly options: FindingsViewOptions) {
    this.document = options.document;
    this.filter = options.filter;

    const analyseButton = this.element('button', 'primary-button', 'Analyse workspace');
    analyseButton.type = 'button';
    analyseButton.addEventListener('click', () =>
      options.postMessage(RunCommandCommand.message({ command: 'bounded.analyzeWorkspace' })),
    );
    this.summary = this.element('p', 'summary', loadingText);
    this.summary.setAttribute('aria-live', 'polite');
    const header = this.element('header', 'findings-header');
    header.append(this.summary, analyseButton);

    this.restrictedNote = this.element('p', 'restricted-note', restrictedModeText);
    this.restrictedNote.hidden = true;

    this.filterInput = this.element('input', 'filter-input');
    this.filterInput.type = 'search';
    this.filterInput.placeholder = 'Filter by file, message or rule';
    this.filterInput.setAttribute('aria-label', 'Filter findings');
    this.filterInput.value = this.filter.text;
    this.filterInput.addEventListener('input', () => this.changeFilter({ ...this.filter, text: this.filterInput.value }));

    const toggles = this.element('div', 'severity-toggles');
    toggles.setAttribute('role', 'group');
    toggles.setAttribute('aria-label', 'Show severities');
    this.severityToggles = new Map(findingSeverities.map((severity) => [severity, this.severityToggle(severity)]));
    toggles.append(...[...this.severityToggles.values()].map(({ button }) => button));

    const toolbar = this.element('div', 'toolbar');
    toolbar.append(this.filterInput, toggles);

    this.list = this.element('div', 'findings-list');
    this.list.addEventListener('keydown', (event) => this.moveFocus(event));
    this.generatedAt = this.element('footer', 'generated-at');

    options.root.replaceChildren(header, this.restrictedNote, toolbar, this.list, this.generatedAt);
    this.updateToggles();
  }

  showSnapshot(snapshot: SnapshotParams): void {
    this.snapshot = snapshot;
    this.restrictedNote.hidden = snapshot.trusted;
    this.generatedAt.textContent = `Updated ${new Date(snapshot.generatedAt).toLocaleTimeString()}`;
    this.updateToggles();
    this.renderFindings();
  }

  private changeFilter(filter: FindingsFilter): void {
    this.filter = filter;
    this.options.saveFilter(filter);
    this.updateToggles();
    this.renderFindings();
  }

  private severityToggle(severity: FindingSeverity): { button: HTMLButtonElement; count: HTMLElement } {
    const button = this.element('button', `severity-toggle severity-${severity}`);
    button.type = 'button';
    button.dataset.severity = severity;
    const count = this.element('span', 'badge', '0');
    button.append(this.element('span', 'severity-icon'), this.element('span', 'severity-label', severityLabels[severity].plural), count);
    button.addEventListener('click', () => {
      const hidden = this.filter.hiddenSeverities;
      const hiddenSeverities = hidden.includes(severity) ? hidden.filter((s) => s !== severity) : [...hidden, severity];
      this.changeFilter({ ...this.filter, hiddenSeverities });
    });
    return { button, count };
  }

  private updateToggles(): void {
    const counts = countBySeverity(this.snapshot?.findings ?? []);
    for (const [severity, { button, count }] of this.severityToggles) {
      button.setAttribute('aria-pressed', String(!this.filter.hiddenSeverities.includes(severity)));
      count.textContent = String(counts[severity]);
    }
  }

  private renderFindings(): void {
    const { snapshot } = this;
    if (!snapshot) return;
    const focusedKey = this.focusedRowKey();
    const shown = snapshot.findings.filter((finding) => matchesFilter(finding, this.filter));
    this.summary.textContent = summaryText(snapshot.findings, shown);
    if (snapshot.findings.length === 0) {
      this.list.replaceChildren(this.element('p', 'empty-state', emptyStateText));
    } else if (shown.length === 0) {
      this.list.replaceChildren(this.element('p', 'empty-state', noMatchText));
    } else {
      this.list.replaceChildren(...groupFindings(shown).map((group) => this.ruleSection(group)));
    }
    if (focusedKey !== undefined) this.rows().find((row) => row.dataset.key === focusedKey)?.focus();
  }

  private ruleSection(group: RuleGroup): HTMLElement {
    const heading = this.element('h2', 'rule-heading');
    heading.append(this.element('span', 'rule-id', group.rule), this.element('span', 'badge', String(group.count)));
    if (group.docsUri !== undefined) {
      const docsButton = this.element('button', 'link-button', 'Docs');
      docsButton.type = 'button';
      docsButton.setAttribute('aria-label', `Docs: the documentation of ${group.rule}`);
      docsButton.addEventListener('click', () => this.options.postMessage(OpenDocsCommand.message({ rule: group.rule })));
      heading.append(docsButton);
    }
    const section = this.element('section', 'rule-group');
    section.dataset.rule = group.rule;
    section.append(heading);
    for (const { file, findings } of group.files) {
      const fileHeading = this.element('h3', 'file-heading');
      fileHeading.append(this.element('span', 'file-path', file), this.element('span', 'badge', String(findings.length)));
      const rows = this.element('ul', 'finding-rows');
      rows.append(...findings.map((finding) => this.findingRow(finding)));
      const fileGroup = this.element('section', 'file-group');
      fileGroup.dataset.file = file;
      fileGroup.append(fileHeading, rows);
      section.append(fileGroup);
    }
    return section;
  }

  private findingRow(finding: PanelFinding): HTMLElement {
    const row = this.element('button', `finding-row severity-${finding.severity}`);
    row.type = 'button';
    row.dataset.key = rowKey(finding);
    const position = `${finding.line + 1}:${finding.character + 1}`;
    row.title = `${finding.file}:${position}`;
    row.append(
      this.element('span', 'severity-icon'),
      this.element('span', 'visually-hidden', `${severityLabels[finding.severity].singular}: `),
      this.element('span', 'finding-message', finding.message),
      this.element('span', 'finding-position', position),
    );
    row.addEventListener('click', () =>
      this.options.postMessage(
        OpenLocationCommand.message({ file: finding.uri, line: finding.line, character: finding.character }),
      ),
    );
    const item = this.element('li');
    item.append(row);
    return item;
  }

  /** Arrow keys move between finding rows; Tab still moves through everything. */
  private moveFocus(event: KeyboardEvent): void {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const rows = this.rows();
    const index = rows.findIndex((row) => row === this.document.activeElement);
    if (index === -1) return;
    const next = rows[event.key === 'ArrowDown' ? index + 1 : index - 1];
    if (!next) return;
    event.preventDefault();
    next.focus();
  }

  private rows(): HTMLButtonElement[] {
    return Array.from(this.list.querySelectorAll<HTMLButtonElement>('button.finding-row'));
  }

  private focusedRowKey(): string | undefined {
    return this.rows().find((row) => row === this.document.activeElement)?.dataset.key;
  }

  /** An element with a class and, optionally, text content (always as text, never markup). */
  private element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
    const element = this.document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }
}

function summaryText(all: readonly PanelFinding[], shown: readonly PanelFinding[]): string {
  const files = new Set(all.map((finding) => finding.uri)).size;
  const total = `${all.length} ${all.length === 1 ? 'finding' : 'findings'} in ${files} ${files === 1 ? 'file' : 'files'}`;
  return shown.length === all.length ? total : `Showing ${shown.length} of ${total}`;
}

function rowKey(finding: PanelFinding): string {
  return `${finding.uri}#${finding.line}:${finding.character}:${finding.rule}`;
}
