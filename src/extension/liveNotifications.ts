// Notifications of new live findings: the window's live session's finding changes (following the
// host's onChange and `current`, as a settings change can replace the session) go through
// LiveFindingAlerts (liveFindingAlerts.ts: bounded.live.notifications, muted kinds, rate limits);
// those it lets through show as one notification naming the kind, subject and message, with
// "Show in Panel" (the Live findings tab) and "Don't Show Again for This Kind" (remembered in the
// workspace state). In Test mode the decisions are kept for the test-only query (liveStatusBar.ts):
// the extension host cannot read VS Code's notifications.
import * as vscode from 'vscode';
import { type LiveFindingKind, liveFindingKinds } from '../live/liveFinding';
import type { LiveFindingChange } from '../live/liveFindingSet';
import { type LiveNotificationLevel, normaliseLive } from '../shared/settings';
import { showLiveFindingsCommand } from './findingsPanel';
import { type LiveAlertDecision, LiveFindingAlerts } from './liveFindingAlerts';
import type { LiveSession } from './liveSession';
import type { LiveSessionHost } from './liveSessionHost';

/** The workspace-state key of the kinds muted by "Don't Show Again for This Kind". */
const mutedKindsKey = 'liveNotifications.mutedKinds';
const showInPanel = 'Show in Panel';
const dontShowAgain = "Don't Show Again for This Kind";
/** Decisions kept in Test mode. */
const keptDecisions = 100;

/** A decision as the test-only query reports it. */
export interface LiveNotificationRecord {
  kind: LiveFindingKind;
  subject: string;
  severity: string;
  notified: boolean;
  /** The notification's text when notified, else why not. */
  detail: string;
}

export class LiveNotifications implements vscode.Disposable {
  private readonly alerts: LiveFindingAlerts;
  private readonly subscriptions: vscode.Disposable[];
  private sessionSubscription: { dispose(): void } | undefined;
  private session: LiveSession | undefined;
  private level: LiveNotificationLevel;
  /** The decisions taken, newest last (kept only when `keepDecisions`). */
  readonly decisions: LiveNotificationRecord[] = [];

  constructor(
    private readonly host: LiveSessionHost,
    private readonly workspaceState: vscode.Memento,
    private readonly keepDecisions: boolean,
  ) {
    this.level = readLevel();
    this.alerts = new LiveFindingAlerts({ level: () => this.level, mutedKinds: () => this.mutedKinds() });
    this.subscriptions = [
      host.onChange(() => this.follow(host.current)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('bounded.live.notifications')) this.level = readLevel();
      }),
    ];
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.sessionSubscription?.dispose();
  }

  /** The session changed (created, or replaced after a settings change): listen to the new one, judging what it already holds as new. */
  private follow(session: LiveSession): void {
    if (session === this.session) return;
    this.sessionSubscription?.dispose();
    this.session = session;
    this.sessionSubscription = session.findings.onChange((change) => this.consider(change));
    for (const finding of session.findings.list().reverse()) this.consider({ type: 'raised', finding });
  }

  private consider(change: LiveFindingChange): void {
    const decision = this.alerts.consider(change);
    if (this.keepDecisions && (change.type === 'raised' || decision.notify)) this.record(decision);
    if (decision.notify) void this.show(decision.finding.kind, decision.finding.severity === 'error', decision.message);
  }

  private async show(kind: LiveFindingKind, isError: boolean, message: string): Promise<void> {
    const choice = isError ? await vscode.window.showErrorMessage(message, showInPanel, dontShowAgain) : await vscode.window.showWarningMessage(message, showInPanel, dontShowAgain);
    if (choice === showInPanel) await vscode.commands.executeCommand(showLiveFindingsCommand);
    else if (choice === dontShowAgain) await this.workspaceState.update(mutedKindsKey, [...new Set([...this.mutedKinds(), kind])]);
  }

  private mutedKinds(): ReadonlySet<LiveFindingKind> {
    const stored = this.workspaceState.get<unknown>(mutedKindsKey);
    return new Set(Array.isArray(stored) ? liveFindingKinds.filter((kind) => stored.includes(kind)) : []);
  }

  private record(decision: LiveAlertDecision): void {
    const { kind, subject, severity } = decision.finding;
    this.decisions.push({ kind, subject, severity, notified: decision.notify, detail: decision.notify ? decision.message : decision.reason });
    if (this.decisions.length > keptDecisions) this.decisions.shift();
  }
}

function readLevel(): LiveNotificationLevel {
  return normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')).notifications;
}
