// The Traces list's filter applied on the host, over every trace the store holds (so the text
// search sees all span names and attributes, and the webview gets only what it shows).
// Pure (no vscode import), so it is unit-tested.
import type { AttributeValue, LiveSpan } from '../live/spans';
import type { TraceSummary } from '../live/traceStore';
import type { TracesFilter } from '../shared/livePanelProtocol';

/**
 * Remembers, for one search text, whether each trace matched, while its span count stays the same:
 * snapshots come a few times a second and most traces have not changed in between.
 */
export class TextMatchCache {
  private needle = '';
  private readonly matched = new Map<string, { spanCount: number; matches: boolean }>();

  lookup(needle: string, summary: TraceSummary, compute: () => boolean): boolean {
    if (needle !== this.needle) {
      this.needle = needle;
      this.matched.clear();
    }
    const known = this.matched.get(summary.traceId);
    if (known !== undefined && known.spanCount === summary.spanCount) return known.matches;
    const matches = compute();
    this.matched.set(summary.traceId, { spanCount: summary.spanCount, matches });
    return matches;
  }

  /** Forgets the traces not in `held` (evicted), so the cache is bounded by the store. */
  retain(held: ReadonlySet<string>): void {
    for (const traceId of this.matched.keys()) if (!held.has(traceId)) this.matched.delete(traceId);
  }
}

/** Whether a trace passes the filter; `spansOf` is asked only when the text filter needs the spans. */
export function matchesTracesFilter(summary: TraceSummary, filter: TracesFilter, spansOf: (traceId: string) => readonly LiveSpan[], cache?: TextMatchCache): boolean {
  if (filter.service !== '' && summary.rootServiceName !== filter.service && !summary.services.includes(filter.service)) return false;
  if (filter.errorsOnly && summary.errorCount === 0) return false;
  if (summary.durationMs < filter.minDurationMs) return false;
  const needle = filter.text.trim().toLowerCase();
  if (needle === '') return true;
  const compute = () => spansOf(summary.traceId).some((span) => spanMatchesText(span, needle));
  return cache ? cache.lookup(needle, summary, compute) : compute();
}

function spanMatchesText(span: LiveSpan, needle: string): boolean {
  if (span.name.toLowerCase().includes(needle) || span.serviceName.toLowerCase().includes(needle)) return true;
  for (const [key, value] of Object.entries(span.attributes)) {
    if (key.toLowerCase().includes(needle) || attributeText(value).toLowerCase().includes(needle)) return true;
  }
  return false;
}

function attributeText(value: AttributeValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
