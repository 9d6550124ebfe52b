// The Live findings view: what the detectors raise now (propagation breaks, slow operations, error
// rates, stream backlogs, handle leaks), newest first, each with its evidence and links to it: the
// traces the evidence names (when the store holds them), "Reveal source" for a finding with a
// location, the stream group of a stream finding (in the Streams view), and the Handles view for a
// handle, goroutine or fd leak.
import type { LiveSnapshotParams, PanelLiveFinding } from '../src/shared/livePanelProtocol';
import { isHexId } from '../src/shared/livePanelProtocol';
import { createButton, createElement, setTextIfChanged } from './domText';
import { formatStartTime } from './tracesModel';

export interface StreamGroupRef {
  target: string;
  stream: string;
  group: string;
}

export interface LiveFindingsViewOptions {
  document: Document;
  root: HTMLElement;
  openTrace(traceId: string): void;
  /** Asks the host to open the finding's location; resolves to what it says (opened, or why not). */
  revealLocation(location: { file: string; line: number }): Promise<string>;
  /** Shows the group in the Streams view. */
  showStreamGroup(ref: StreamGroupRef): void;
  /** Shows the Handles view. */
  showHandles(): void;
}

const streamFindingKinds: ReadonlySet<string> = new Set(['stream-backlog', 'stream-dead-letter', 'stream-dead-consumer', 'stream-no-consumer']);
const handleFindingKinds: ReadonlySet<string> = new Set(['handle-leak', 'goroutine-leak', 'fd-leak']);

export const noLiveFindingsText = 'No live findings. Detectors watch the traces as they arrive.';

export class LiveFindingsView {
  private readonly list: HTMLElement;
  private readonly summary: HTMLElement;
  /** The rendered findings by kind and subject, with what they were rendered from. */
  private items = new Map<string, RenderedFinding>();

  constructor(private readonly options: LiveFindingsViewOptions) {
    this.summary = createElement(options.document, 'p', 'summary', 'No live findings yet.');
    this.summary.setAttribute('aria-live', 'polite');
    this.list = createElement(options.document, 'ul', 'live-findings');
    this.list.setAttribute('aria-label', 'Live findings, newest first');
    options.root.replaceChildren(this.summary, this.list);
  }

  showSnapshot(snapshot: LiveSnapshotParams): void {
    const count = snapshot.findings.length;
    // A live region: announced when the count changes, not on every snapshot.
    setTextIfChanged(this.summary, count === 0 ? noLiveFindingsText : `${count} live ${count === 1 ? 'finding' : 'findings'}`);
    const heldTraces = new Set(snapshot.traces.map((trace) => trace.traceId));
    const items = new Map<string, RenderedFinding>();
    const elements = snapshot.findings.map((finding) => {
      const key = `${finding.kind}\u0000${finding.subject}`;
      const signature = JSON.stringify([finding, evidenceTraceIds(finding.evidence).filter((traceId) => heldTraces.has(traceId))]);
      const previous = this.items.get(key);
      let rendered = previous;
      if (previous === undefined || previous.signature !== signature) {
        rendered = { signature, element: this.findingItem(finding, heldTraces) };
        if (previous) carryOverState(previous.element, rendered.element);
      }
      items.set(key, rendered as RenderedFinding);
      return (rendered as RenderedFinding).element;
    });
    this.items = items;
    // Snapshots come up to 4 times a second: an unchanged finding keeps its element (its focus, open
    // evidence and the answer to Reveal source), and the list is only rebuilt when it changed.
    const current = Array.from(this.list.children);
    if (current.length !== elements.length || current.some((element, index) => element !== elements[index])) this.list.replaceChildren(...elements);
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
    const actions = createElement(document, 'div', 'details-actions');
    const traceIds = evidenceTraceIds(finding.evidence).filter((traceId) => heldTraces.has(traceId));
    actions.append(...traceIds.slice(0, 5).map((traceId) => createButton(document, 'link-button open-trace', `Open trace ${traceId.slice(0, 8)}…`, () => this.options.openTrace(traceId))));
    const { location } = finding;
    if (location) {
      const result = createElement(document, 'span', 'reveal-result');
      result.setAttribute('aria-live', 'polite');
      const reveal = createButton(document, 'link-button reveal-location', 'Reveal source', () => {
        void this.options.revealLocation(location).then((message) => {
          result.textContent = message;
        });
      });
      reveal.setAttribute('aria-label', `Reveal source: ${location.file}:${location.line}`);
      actions.append(reveal, result);
    }
    const group = streamFindingKinds.has(finding.kind) ? streamGroupOf(finding.evidence) : undefined;
    if (group) {
      const show = createButton(document, 'link-button show-stream-group', `Show group ${group.group} in Streams`, () => this.options.showStreamGroup(group));
      show.setAttribute('aria-label', `Show group ${group.group} in Streams (stream ${group.stream} on ${group.target})`);
      actions.append(show);
    }
    if (handleFindingKinds.has(finding.kind)) actions.append(createButton(document, 'link-button show-handles', 'Show in Handles', () => this.options.showHandles()));
    if (actions.childElementCount > 0) item.append(actions);
    const evidence = createElement(document, 'details', 'live-finding-evidence');
    evidence.append(createElement(document, 'summary', undefined, 'Evidence'), createElement(document, 'pre', undefined, JSON.stringify(finding.evidence, null, 2)));
    item.append(evidence);
    return item;
  }
}

interface RenderedFinding {
  signature: string;
  element: HTMLElement;
}

/** A finding rendered again (its figures changed) keeps what the user did with the old element: open evidence, the Reveal source answer, the focus. */
function carryOverState(previous: HTMLElement, next: HTMLElement): void {
  const wasOpen = previous.querySelector<HTMLDetailsElement>('details.live-finding-evidence')?.open === true;
  const evidence = next.querySelector<HTMLDetailsElement>('details.live-finding-evidence');
  if (evidence) evidence.open = wasOpen;
  const answer = previous.querySelector('.reveal-result')?.textContent ?? '';
  const result = next.querySelector('.reveal-result');
  if (result && answer !== '') result.textContent = answer;
  const focused = previous.ownerDocument.activeElement;
  if (focused !== null && previous.contains(focused)) {
    const index = Array.from(previous.querySelectorAll<Element>('button, summary')).indexOf(focused);
    const counterpart = index >= 0 ? next.querySelectorAll<HTMLElement>('button, summary')[index] : undefined;
    // Focused once the new element is in the list (showSnapshot puts it there next).
    if (counterpart) queueMicrotask(() => counterpart.focus());
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

/** The target, stream and group a stream finding's evidence names (all three strings), or undefined. */
export function streamGroupOf(evidence: Record<string, unknown>): StreamGroupRef | undefined {
  const { target, stream, group } = evidence;
  return typeof target === 'string' && typeof stream === 'string' && typeof group === 'string' ? { target, stream, group } : undefined;
}
