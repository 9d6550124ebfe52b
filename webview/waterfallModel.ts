// The waterfall of one trace as rows: spans in tree order (each after its parent, siblings by
// start), with their depth; the critical path; and which rows a scrolled viewport shows.
//
// Critical path: the chain of spans that determines when the root ends. It starts at the root; from
// each span it goes on to the child that ends last among those that end before (or when) the span
// itself ends, and stops at a span without such a child. A child that outlives its parent (work left
// running, fire-and-forget) did not hold the parent up, so it is not on the path.
import type { PanelSpan } from '../src/shared/livePanelProtocol';

export interface WaterfallRow {
  span: PanelSpan;
  depth: number;
  /** Whether its parent is missing from the trace (broken propagation, or not yet arrived). */
  orphan: boolean;
}

export interface Waterfall {
  rows: WaterfallRow[];
  /** The trace's extent: from 0 (its earliest start) to the latest end, in ms. */
  totalMs: number;
  criticalPath: Set<string>;
}

/** Lets through spans whose end is up to this much after their parent's (clock rounding). */
const endToleranceMs = 1e-3;

export function buildWaterfall(spans: readonly PanelSpan[]): Waterfall {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const children = childrenBySpan(spans, byId);
  const tops = spans.filter((span) => span.parentSpanId === undefined || !byId.has(span.parentSpanId)).sort(byStart);
  const rows: WaterfallRow[] = [];
  const placed = new Set<string>();
  // Iterative depth-first walk: a 10,000-deep chain must not overflow the stack.
  const stack: Array<{ span: PanelSpan; depth: number }> = tops.map((span) => ({ span, depth: 0 })).reverse();
  while (stack.length > 0) {
    const { span, depth } = stack.pop() as { span: PanelSpan; depth: number };
    if (placed.has(span.spanId)) continue;
    placed.add(span.spanId);
    rows.push({ span, depth, orphan: span.parentSpanId !== undefined && !byId.has(span.parentSpanId) });
    const kids = children.get(span.spanId) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: depth + 1 });
  }
  // Spans on a parent cycle (malformed input) are reached by no top: list them last, flat.
  for (const span of [...spans].sort(byStart)) if (!placed.has(span.spanId)) rows.push({ span, depth: 0, orphan: true });
  const totalMs = spans.reduce((latest, span) => Math.max(latest, span.startMs + span.durationMs), 0);
  return { rows, totalMs, criticalPath: new Set(criticalPath(spans).map((span) => span.spanId)) };
}

/** The critical path (see the header), root first. The root is the earliest span without a parent held. */
export function criticalPath(spans: readonly PanelSpan[]): PanelSpan[] {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const children = childrenBySpan(spans, byId);
  const root = spans.filter((span) => span.parentSpanId === undefined || !byId.has(span.parentSpanId)).sort(byStart)[0];
  const path: PanelSpan[] = [];
  const seen = new Set<string>();
  for (let span: PanelSpan | undefined = root; span !== undefined && !seen.has(span.spanId); ) {
    seen.add(span.spanId);
    path.push(span);
    const end = endOf(span);
    let next: PanelSpan | undefined;
    for (const child of children.get(span.spanId) ?? []) {
      if (endOf(child) > end + endToleranceMs) continue;
      if (next === undefined || endOf(child) > endOf(next) || (endOf(child) === endOf(next) && child.startMs > next.startMs)) next = child;
    }
    span = next;
  }
  return path;
}

export interface RowWindow {
  /** First row index rendered (inclusive). */
  first: number;
  /** Last row index rendered (exclusive). */
  end: number;
}

/** The rows a viewport of `viewportHeight` px scrolled to `scrollTop` shows, with `overscan` rows either side. */
export function visibleRows(rowCount: number, rowHeight: number, scrollTop: number, viewportHeight: number, overscan = 8): RowWindow {
  const first = Math.min(rowCount, Math.max(0, Math.floor(scrollTop / rowHeight) - overscan));
  const end = Math.min(rowCount, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { first, end: Math.max(first, end) };
}

function childrenBySpan(spans: readonly PanelSpan[], byId: ReadonlyMap<string, PanelSpan>): Map<string, PanelSpan[]> {
  const children = new Map<string, PanelSpan[]>();
  for (const span of spans) {
    if (span.parentSpanId === undefined || !byId.has(span.parentSpanId) || span.parentSpanId === span.spanId) continue;
    let list = children.get(span.parentSpanId);
    if (!list) children.set(span.parentSpanId, (list = []));
    list.push(span);
  }
  for (const list of children.values()) list.sort(byStart);
  return children;
}

function endOf(span: PanelSpan): number {
  return span.startMs + span.durationMs;
}

function byStart(a: PanelSpan, b: PanelSpan): number {
  return a.startMs - b.startMs || a.spanId.localeCompare(b.spanId);
}
