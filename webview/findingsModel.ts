// What the Findings view shows of a snapshot: the user's filter (kept across reloads through the
// webview state), the findings it lets through, grouped by rule and then by file, and the counts.
import { type FindingSeverity, findingSeverities, type PanelFinding } from '../src/shared/panelProtocol';

export interface FindingsFilter {
  /** Matched case-insensitively against each finding's file, message and rule. */
  text: string;
  hiddenSeverities: FindingSeverity[];
}

export interface FileGroup {
  file: string;
  findings: PanelFinding[];
}

export interface RuleGroup {
  rule: string;
  docsUri: string | undefined;
  count: number;
  files: FileGroup[];
}

export type SeverityCounts = Record<FindingSeverity, number>;

export const emptyFilter: FindingsFilter = { text: '', hiddenSeverities: [] };

/** The filter saved by an earlier load of the view, or the empty filter if there is none (or it is not one). */
export function restoreFilter(saved: unknown): FindingsFilter {
  if (typeof saved !== 'object' || saved === null) return emptyFilter;
  const { text, hiddenSeverities } = saved as Partial<Record<keyof FindingsFilter, unknown>>;
  return {
    text: typeof text === 'string' ? text : '',
    hiddenSeverities: Array.isArray(hiddenSeverities)
      ? findingSeverities.filter((severity) => hiddenSeverities.includes(severity))
      : [],
  };
}

export function matchesFilter(finding: PanelFinding, filter: FindingsFilter): boolean {
  if (filter.hiddenSeverities.includes(finding.severity)) return false;
  const needle = filter.text.trim().toLowerCase();
  if (needle === '') return true;
  return [finding.file, finding.message, finding.rule].some((field) => field.toLowerCase().includes(needle));
}

/** Rules with the most findings first (then by id); files by path; findings by position. */
export function groupFindings(findings: readonly PanelFinding[]): RuleGroup[] {
  const byRule = new Map<string, Map<string, PanelFinding[]>>();
  for (const finding of findings) {
    let byFile = byRule.get(finding.rule);
    if (!byFile) byRule.set(finding.rule, (byFile = new Map()));
    let inFile = byFile.get(finding.file);
    if (!inFile) byFile.set(finding.file, (inFile = []));
    inFile.push(finding);
  }
  const groups = [...byRule].map(([rule, byFile]): RuleGroup => {
    const files = [...byFile]
      .map(([file, inFile]) => ({ file, findings: inFile.sort((a, b) => a.line - b.line || a.character - b.character) }))
      .sort((a, b) => a.file.localeCompare(b.file));
    const all = files.flatMap((group) => group.findings);
    return { rule, docsUri: all.find((finding) => finding.docsUri)?.docsUri, count: all.length, files };
  });
  return groups.sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule));
}

export function countBySeverity(findings: readonly PanelFinding[]): SeverityCounts {
  const counts: SeverityCounts = { error: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}
