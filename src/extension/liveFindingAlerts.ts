// What the status bar and the notifications make of the live findings, without VS Code (the thin
// wrappers are liveStatusBar.ts and liveNotifications.ts):
// - liveStatusModel: the live status item's text, colour, tooltip (plain text: the top findings by
//   severity, newest first, with their subject and message) and whether it shows at all (only while
//   the session has findings or runs a source).
// - LiveFindingAlerts: which finding changes raise a notification. A finding newly raised (or updated
//   into a notified severity) at the level of bounded.live.notifications, of a kind not muted, at most
//   once per kind+subject per `perSubjectMs` (so one that clears and comes back soon stays quiet),
//   and at most `perMinute` notifications across all findings in any minute.
import type { LiveFinding, LiveFindingKind, LiveSeverity } from '../live/liveFinding';
import type { LiveFindingChange } from '../live/liveFindingSet';
import type { LiveNotificationLevel } from '../shared/settings';

const severityRank: Readonly<Record<LiveSeverity, number>> = { error: 2, warning: 1, info: 0 };
const severityIcon: Readonly<Record<LiveSeverity, string>> = { error: '$(error)', warning: '$(warning)', info: '$(pulse)' };

/** Findings listed in the status item's tooltip; the rest are counted. */
export const tooltipFindings = 5;
/** A notification's message is cut here (the panel has the whole finding). */
const maxNotificationChars = 400;

export interface LiveStatusModel {
  /** With codicons, e.g. `$(error) 2 live`. */
  text: string;
  /** The most severe finding's severity (the item's colour), none without findings. */
  severity: LiveSeverity | undefined;
  tooltip: string;
  /** For screen readers: the text without codicons. */
  ariaLabel: string;
}

/** Most severe first, then newest first. */
export function bySeverity(findings: readonly LiveFinding[]): LiveFinding[] {
  return [...findings].sort((a, b) => severityRank[b.severity] - severityRank[a.severity] || b.raisedAt - a.raisedAt);
}

/** The live status item, or undefined (hidden) when there are no findings and no source runs. `sources` names what runs, e.g. "OTLP receiver at http://127.0.0.1:4318". */
export function liveStatusModel(findings: readonly LiveFinding[], sources: readonly string[]): LiveStatusModel | undefined {
  if (findings.length === 0 && sources.length === 0) return undefined;
  const sorted = bySeverity(findings);
  const severity = sorted[0]?.severity;
  const counts = (['error', 'warning', 'info'] as const).map((level) => [level, findings.filter((finding) => finding.severity === level).length] as const).filter(([, count]) => count > 0);
  const summary =
    findings.length === 0
      ? 'No live findings'
      : `${findings.length} live finding${findings.length === 1 ? '' : 's'} (${counts.map(([level, count]) => `${count} ${level}${count === 1 ? '' : level === 'info' ? '' : 's'}`).join(', ')})`;
  const listed = sorted.slice(0, tooltipFindings).map((finding) => `${finding.severity} · ${finding.kind} · ${singleLine(finding.subject)}: ${singleLine(finding.message)}`);
  const more = sorted.length > tooltipFindings ? [`… and ${sorted.length - tooltipFindings} more`] : [];
  const tooltip = [summary, ...listed, ...more, sources.length > 0 ? `Live sources: ${sources.join('; ')}` : 'No live source runs', 'Click to show the Live findings tab'].join('\n');
  return {
    text: `${severity === undefined ? '$(pulse)' : severityIcon[severity]} ${findings.length} live`,
    severity,
    tooltip,
    ariaLabel: `Bounded: ${summary}`,
  };
}

export interface LiveFindingAlertsOptions {
  now?: () => number;
  /** bounded.live.notifications, read at each decision. */
  level: () => LiveNotificationLevel;
  /** The kinds "Don't Show Again for This Kind" muted. */
  mutedKinds: () => ReadonlySet<LiveFindingKind>;
  /** One notification per kind+subject within this. Default 10 min. */
  perSubjectMs?: number;
  /** Notifications across all findings in any 60 s. Default 3. */
  perMinute?: number;
}

export type LiveAlertDecision =
  | { notify: true; finding: LiveFinding; message: string }
  | { notify: false; finding: LiveFinding; reason: 'not new' | 'off' | 'severity' | 'muted' | 'recently notified' | 'rate limited' };

export class LiveFindingAlerts {
  private readonly now: () => number;
  private readonly perSubjectMs: number;
  private readonly perMinute: number;
  /** kind+subject → when last notified (entries older than perSubjectMs are dropped as new ones come). */
  private readonly notifiedAt = new Map<string, number>();
  /** When the notifications of the last minute were shown, oldest first. */
  private readonly recent: number[] = [];
  /** The severity each current finding had at its last change: an update that raises it into a notified level is news. */
  private readonly severities = new Map<string, LiveSeverity>();

  constructor(private readonly options: LiveFindingAlertsOptions) {
    this.now = options.now ?? Date.now;
    this.perSubjectMs = options.perSubjectMs ?? 10 * 60_000;
    this.perMinute = options.perMinute ?? 3;
    if (!(this.perSubjectMs >= 0) || !Number.isInteger(this.perMinute) || this.perMinute < 1) throw new RangeError(`perSubjectMs must be ≥ 0 and perMinute a positive integer, got ${this.perSubjectMs} and ${this.perMinute}`);
  }

  /** Whether this change of the finding set raises a notification (and if so, its text). */
  consider(change: LiveFindingChange): LiveAlertDecision {
    const { finding } = change;
    const key = `${finding.kind}\u0000${finding.subject}`;
    const previous = this.severities.get(key);
    if (change.type === 'cleared') {
      this.severities.delete(key);
      return { notify: false, finding, reason: 'not new' };
    }
    this.severities.set(key, finding.severity);
    const level = this.options.level();
    if (level === 'off') return { notify: false, finding, reason: 'off' };
    if (!notifiedSeverity(level, finding.severity)) return { notify: false, finding, reason: 'severity' };
    if (change.type === 'updated' && previous !== undefined && notifiedSeverity(level, previous)) return { notify: false, finding, reason: 'not new' };
    if (this.options.mutedKinds().has(finding.kind)) return { notify: false, finding, reason: 'muted' };
    const now = this.now();
    this.forgetBefore(now);
    const last = this.notifiedAt.get(key);
    if (last !== undefined && now - last < this.perSubjectMs) return { notify: false, finding, reason: 'recently notified' };
    if (this.recent.length >= this.perMinute) return { notify: false, finding, reason: 'rate limited' };
    this.notifiedAt.delete(key);
    this.notifiedAt.set(key, now);
    this.recent.push(now);
    return { notify: true, finding, message: notificationText(finding) };
  }

  private forgetBefore(now: number): void {
    while (this.recent.length > 0 && now - this.recent[0] >= 60_000) this.recent.shift();
    // notifiedAt is in the order notified: the first entries are the oldest.
    for (const [key, at] of this.notifiedAt) {
      if (now - at < this.perSubjectMs) break;
      this.notifiedAt.delete(key);
    }
  }
}

function notifiedSeverity(level: LiveNotificationLevel, severity: LiveSeverity): boolean {
  return severity === 'error' ? level !== 'off' : severity === 'warning' ? level === 'warningsAndErrors' : false;
}

/**
 * `Bounded: handle-leak — subject: message`, as plain text: on one line, cut to a length, and with
 * `](` broken by a zero-width space so that a service's string cannot make a link (VS Code renders
 * `[text](target)` in notification messages as a link, `command:` ones included).
 */
export function notificationText(finding: LiveFinding): string {
  const text = `Bounded: ${finding.kind} — ${singleLine(finding.subject)}: ${singleLine(finding.message)}`.replace(/\]\s*\(/g, ']\u200b(');
  return text.length > maxNotificationChars ? `${text.slice(0, maxNotificationChars - 1)}…` : text;
}

function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
