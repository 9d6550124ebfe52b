// Which live findings become editor diagnostics, where, and what they say: a leak (handle-leak,
// goroutine-leak, fd-leak) whose location is a workspace file, on that line ("Live: 1,204 Timeout
// handles created here are still open, +37/min"); a stream-backlog or stream-dead-consumer at every
// xreadgroup call the code makes for that stream key (bounded/streamSites). Files outside the
// workspace never get one. Plain Node (no vscode import), so it is unit-tested; liveDiagnostics.ts
// puts the result into VS Code.
import * as fs from 'node:fs';
import type { LiveFinding, LiveFindingKind, LiveSeverity } from '../live/liveFinding';
import { formatRate } from '../live/leakDetector';
import type { StreamSite } from '../shared/streamSitesProtocol';
import { insideWorkspace } from './spanSource';

export const leakFindingKinds: readonly LiveFindingKind[] = ['handle-leak', 'goroutine-leak', 'fd-leak'];
export const consumerFindingKinds: readonly LiveFindingKind[] = ['stream-backlog', 'stream-dead-consumer'];

/** The static rules whose findings sit where a live leak is created: the two are linked both ways. */
export const linkedStaticRules: readonly string[] = ['uncleared-interval', 'listener-leak', 'client-per-request', 'unbounded-fan-out'];

export interface LineRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface LiveDiagnosticSpec {
  /** Absolute path inside the workspace. */
  file: string;
  /** 0-based. */
  line: number;
  /** The exact range when known (a consume site's `xreadgroup`); otherwise the line is underlined. */
  range?: LineRange;
  message: string;
  severity: LiveSeverity;
  kind: LiveFindingKind;
  subject: string;
}

export interface LiveDiagnosticContext {
  /** The absolute path of `file` when it is a file inside the workspace; undefined otherwise. */
  workspaceFile(file: string): string | undefined;
  /** The code's stream call sites (absolute paths), as the language server last answered. */
  streamSites: readonly { stream: string; role: StreamSite['role']; file: string; range: LineRange }[];
  /** False for a finding whose source is gone (its process exited): it no longer lasts. Default: all do. */
  holds?(finding: LiveFinding): boolean;
}

/** `workspaceFile` for these workspace folders: an existing file inside one of them (not under node_modules). */
export function workspaceFileIn(folders: readonly string[]): (file: string) => string | undefined {
  return (file) => {
    const inside = insideWorkspace(file, folders);
    return inside !== undefined && fs.existsSync(inside) ? inside : undefined;
  };
}

/** One diagnostic per finding and place, in the order of `findings`. */
export function liveDiagnosticSpecs(findings: readonly LiveFinding[], context: LiveDiagnosticContext): LiveDiagnosticSpec[] {
  const specs: LiveDiagnosticSpec[] = [];
  for (const finding of findings) {
    if (context.holds && !context.holds(finding)) continue;
    const { kind, subject, severity } = finding;
    if (leakFindingKinds.includes(kind) && finding.location) {
      const file = context.workspaceFile(finding.location.file);
      if (file === undefined || !(finding.location.line >= 1)) continue;
      specs.push({ file, line: finding.location.line - 1, message: liveDiagnosticMessage(finding), severity, kind, subject });
    } else if (consumerFindingKinds.includes(kind) && typeof finding.evidence.stream === 'string') {
      const stream = finding.evidence.stream;
      for (const site of context.streamSites) {
        if (site.stream !== stream || site.role !== 'consume') continue;
        const file = context.workspaceFile(site.file);
        if (file === undefined) continue;
        specs.push({ file, line: site.range.start.line, range: site.range, message: liveDiagnosticMessage(finding), severity, kind, subject });
      }
    }
  }
  return specs;
}

const leakWording: Readonly<Record<string, { created: string; still: string }>> = {
  'handle-leak': { created: 'created here', still: 'are still open' },
  'goroutine-leak': { created: 'started here', still: 'are still running' },
  'fd-leak': { created: 'opened here', still: 'are still open' },
};

/** `Live: 1,204 Timeout handles created here are still open, +37/min (node pid 12)`; a stream finding's own message after `Live: `. */
export function liveDiagnosticMessage(finding: LiveFinding): string {
  const wording = leakWording[finding.kind];
  const { last, ratePerMin, type, target } = finding.evidence;
  if (wording === undefined || typeof last !== 'number' || typeof ratePerMin !== 'number') return `Live: ${finding.message}`;
  const count = Math.round(last).toLocaleString('en-US');
  const what = finding.kind === 'handle-leak' ? `${typeof type === 'string' ? `${type} ` : ''}handles` : finding.kind === 'goroutine-leak' ? 'goroutines' : 'file descriptors';
  return `Live: ${count} ${what} ${wording.created} ${wording.still}, ${formatRate(ratePerMin)}/min${typeof target === 'string' ? ` (${target})` : ''}`;
}
