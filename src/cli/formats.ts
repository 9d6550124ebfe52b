// Output formats of `bounded check`: text for people, JSON (version 1) for tools, SARIF 2.1.0 for
// code scanning. Lines and columns are 1-based; columns count UTF-16 code units.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, Range } from '../analyzer/findings';
import { rules } from '../analyzer/registry';
import { packageVersion, ruleDocsUri } from '../shared/packageInfo';

export interface ReportInput {
  findings: Finding[];
  files: number;
  durationMs: number;
  /** How a file is named in the output: as given, or relative to the working directory. */
  display: (file: string) => string;
  cwd: string;
  fixed: Array<{ file: string; count: number }>;
}

function oneBased(range: Range): { line: number; column: number; endLine: number; endColumn: number } {
  return { line: range.start.line + 1, column: range.start.character + 1, endLine: range.end.line + 1, endColumn: range.end.character + 1 };
}

export function formatJson(report: ReportInput): string {
  const document = {
    version: 1,
    findings: report.findings.map((finding) => ({
      rule: finding.rule,
      severity: finding.severity,
      file: report.display(finding.file),
      ...oneBased(finding.range),
      message: finding.message,
      fixes: finding.fixes.map((fix) => ({
        title: fix.title,
        preferred: fix.preferred,
        edits: fix.edits.map((edit) => ({ file: report.display(edit.file), ...oneBased(edit.range), newText: edit.newText })),
      })),
    })),
    stats: { files: report.files, durationMs: report.durationMs },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function formatText(report: ReportInput): string {
  const lines: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const list = byFile.get(finding.file) ?? [];
    list.push(finding);
    byFile.set(finding.file, list);
  }
  for (const [file, findings] of byFile) {
    lines.push(report.display(file));
    for (const finding of findings.sort((a, b) => a.start - b.start || a.range.start.line - b.range.start.line)) {
      const at = oneBased(finding.range);
      lines.push(`  ${at.line}:${at.column}  ${finding.severity.padEnd(7)}  ${finding.message}  ${finding.rule}`);
    }
    lines.push('');
  }
  const count = (severity: string): number => report.findings.filter((f) => f.severity === severity).length;
  const total = report.findings.length;
  const fixable = report.findings.filter((f) => f.fixes.some((x) => x.preferred)).length;
  if (total === 0) lines.push(`No problems found in ${report.files} file${report.files === 1 ? '' : 's'} (${report.durationMs} ms).`);
  else {
    lines.push(`${total} problem${total === 1 ? '' : 's'} (${count('error')} errors, ${count('warning')} warnings, ${count('info')} info) in ${report.files} files (${report.durationMs} ms).`);
    if (fixable > 0) lines.push(`${fixable} can be fixed with --fix.`);
  }
  return `${lines.join('\n')}\n`;
}

const sarifLevel = { error: 'error', warning: 'warning', info: 'note' } as const;

export function formatSarif(report: ReportInput): string {
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const artifact = (file: string): { uri: string; uriBaseId?: string } => {
    const relative = path.relative(report.cwd, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return { uri: pathToFileURL(file).href };
    return { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  };
  const region = (range: Range): Record<string, number> => {
    const at = oneBased(range);
    return { startLine: at.line, startColumn: at.column, endLine: at.endLine, endColumn: at.endColumn };
  };
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Bounded',
            semanticVersion: packageVersion(),
            informationUri: ruleDocsUri('README'),
            rules: rules.map((rule) => ({
              id: rule.id,
              name: rule.id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: rule.meta.description },
              helpUri: ruleDocsUri(rule.id),
              help: { text: `${rule.meta.description} See ${ruleDocsUri(rule.id)}` },
              defaultConfiguration: { level: sarifLevel[rule.meta.defaultSeverity] },
              properties: { family: rule.family, fixable: rule.meta.fixable },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(report.cwd + path.sep).href } },
        columnKind: 'utf16CodeUnits',
        results: report.findings.map((finding) => ({
          ruleId: finding.rule,
          ruleIndex: ruleIndex.get(finding.rule) ?? -1,
          level: sarifLevel[finding.severity],
          message: { text: finding.message },
          locations: [{ physicalLocation: { artifactLocation: artifact(finding.file), region: region(finding.range) } }],
          ...(finding.fixes.length > 0
            ? {
                fixes: finding.fixes.map((fix) => ({
                  description: { text: fix.title },
                  artifactChanges: groupByFile(fix.edits).map(([file, edits]) => ({
                    artifactLocation: artifact(file),
                    replacements: edits.map((edit) => ({ deletedRegion: region(edit.range), insertedContent: { text: edit.newText } })),
                  })),
                })),
              }
            : {}),
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function groupByFile<T extends { file: string }>(edits: T[]): Array<[string, T[]]> {
  const map = new Map<string, T[]>();
  for (const edit of edits) map.set(edit.file, [...(map.get(edit.file) ?? []), edit]);
  return [...map];
}
