// The Live findings view: what the detectors raise now (propagation breaks, slow operations, error
// rates; backlogs and leaks later), newest first, each with its evidence and, when the evidence
// names a trace the store holds, a button that opens it.
import type { LiveSnapshotParams, PanelLiveFinding } from '../src/shared/livePanelProtocol';
import { isHexId } from '../src/shared/livePanelProtocol';
import { createButton, createElement } from './domText';
import { formatStartTime } from './tracesModel';

export interface LiveFindingsViewOptions {
  document: Document;
  root: HTMLElement;
  openTrace(traceId: string): void;
}

export const noLiveFindingsText = 'No live findings. Detectors watch the traces as they arrive.';

export class LiveFindingsView {
  private readonly list: HTMLElement;
  private readonly summary: HTMLElement;

  constructor(private readonly options: LiveFindingsViewOptions) {
    this.summary = createElement(options.document, 'p', 'summary', 'No live findings yet.');
    this.summary.setAttribute('aria-live', 'polite');
    this.list = createElement(options.document, 'ul', 'live-findings');
    options.root.replaceChildren(this.summary, this.list);
  }

  showSnapshot(snapshot: LiveSnapshotParams): void {
    const count = snapshot.findings.length;
    this.summary.textContent = count === 0 ? noLiveFindingsText : `${count} live ${count === 1 ? 'finding' : 'findings'}`;
    this.list.replaceChildren(...snapshot.findings.map((finding) => this.findingItem(finding, new Set(snapshot.traces.map((trace) => trace.traceId)))));
  }

  private findingItem(finding: PanelLiveFinding, heldTraces: ReadonlySet<string>): HTMLElement {
    const document = this.options.document;
    const item = createElement(document, 'li', `live-finding severity-${finding.severity}`);
    const heading = createElement(document, 'div', 'live-finding-heading');
    heading.append(
      createElement(document, 'span', 'severity-icon'),
      createElement(document, 'span', 'visually-hidden', `${finding.severity}: `),
      createElement(document, 'span', 'rule-id', finding.kind),
      createElement(document, 'span', 'live-finding-subject', finding.subject),
      createElement(document, 'span', 'live-finding-time', formatStartTime(finding.updatedAt)),
    );
    item.append(heading, createElement(document, 'p', 'live-finding-message', finding.message));
    if (finding.location) item.append(createElement(document, 'p', 'live-finding-location', `${finding.location.file}:${finding.location.line}`));
    const traceIds = evidenceTraceIds(finding.evidence).filter((traceId) => heldTraces.has(traceId));
    if (traceIds.length > 0) {
      const actions = createElement(document, 'div', 'details-actions');
      actions.append(...traceIds.slice(0, 5).map((traceId) => createButton(document, 'link-button', `Open trace ${traceId.slice(0, 8)}…`, () => this.options.openTrace(traceId))));
      item.append(actions);
    }
    const evidence = createElement(document, 'details', 'live-finding-evidence');
    evidence.append(createElement(document, 'summary', undefined, 'Evidence'), createElement(document, 'pre', undefined, JSON.stringify(finding.evidence, null, 2)));
    item.append(evidence);
    return item;
  }
}

/** Trace ids anywhere in a finding's evidence (keys named traceId or traceIds), in order, once each. */
export function evidenceTraceIds(evidence: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, key: string | undefined, depth: number): void => {
    if (depth > 6) return;
    if ((key === 'traceId' || key === 'traceIds') && isHexId(value) && value.length === 32) found.add(value);
    if (Array.isArray(value)) for (const item of value) visit(item, key === 'traceIds' ? 'traceId' : undefined, depth + 1);
    else if (typeof value === 'object' && value !== null) for (const [childKey, child] of Object.entries(value)) visit(child, childKey, depth + 1);
  };
  visit(evidence, undefined, 0);
  return [...found];
}
