// The live status item, beside the static "Bounded" one (statusBar.ts): while the window's live
// session has findings or runs a source, `$(error) 2 live` (the most severe finding's icon and
// colour; liveFindingAlerts.ts's liveStatusModel), the top findings in the tooltip as text; clicking
// it opens the panel on the Live findings tab. Hidden otherwise. It follows the host's onChange and
// `current` (a settings change can replace the session), refreshed at most every 250 ms.
// registerLiveStatus makes it and the notifications (liveNotifications.ts), and in Test mode the
// test-only query `bounded.test.liveStatus` (the item's text and tooltip, the notification decisions).
import * as vscode from 'vscode';
import { showLiveFindingsCommand } from './findingsPanel';
import { liveStatusModel } from './liveFindingAlerts';
import { type LiveNotificationRecord, LiveNotifications } from './liveNotifications';
import type { LiveSession } from './liveSession';
import type { LiveSessionHost } from './liveSessionHost';

/** Registered only when the extension runs its tests: what the live status item and the notifications show. */
export const liveStatusTestCommand = 'bounded.test.liveStatus';
const refreshMs = 250;

export interface LiveStatusTestReport {
  visible: boolean;
  text: string;
  tooltip: string;
  /** The item's background colour id, if any. */
  background: string | undefined;
  command: string | undefined;
  notifications: LiveNotificationRecord[];
}

export class LiveStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;
  private session: LiveSession | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private visible = false;

  constructor(private readonly host: LiveSessionHost) {
    this.item = vscode.window.createStatusBarItem('bounded.status.liveFindings', vscode.StatusBarAlignment.Left, 0);
    this.item.name = 'Bounded: live findings';
    this.item.command = showLiveFindingsCommand;
    this.subscription = host.onChange(() => {
      this.session = host.current;
      this.schedule();
    });
  }

  report(): Omit<LiveStatusTestReport, 'notifications'> {
    this.update();
    const background = this.item.backgroundColor instanceof vscode.ThemeColor ? this.item.backgroundColor.id : undefined;
    return { visible: this.visible, text: this.item.text, tooltip: typeof this.item.tooltip === 'string' ? this.item.tooltip : '', background, command: typeof this.item.command === 'string' ? this.item.command : undefined };
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.item.dispose();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.update(), refreshMs);
  }

  private update(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const model = this.session ? liveStatusModel(this.session.findings.list(), sourcesOf(this.session)) : undefined;
    if (!model) {
      this.visible = false;
      this.item.hide();
      return;
    }
    this.item.text = model.text;
    this.item.tooltip = model.tooltip;
    this.item.accessibilityInformation = { label: model.ariaLabel };
    this.item.backgroundColor = model.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : model.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.visible = true;
    this.item.show();
  }
}

/** What the session runs, for the tooltip; none hides the item when there are no findings either. */
function sourcesOf(session: LiveSession): string[] {
  const sources: string[] = [];
  if (session.running) sources.push(`OTLP receiver at ${session.state.endpoint ?? `${session.state.host}:${session.state.port}`}`);
  if (session.streamSource !== undefined) sources.push('Redis Streams');
  const nodes = session.nodeTargets.list().length;
  if (nodes > 0) sources.push(`${nodes} Node process${nodes === 1 ? '' : 'es'}`);
  const endpoints = session.scrapeTargets.list().length;
  if (endpoints > 0) sources.push(`${endpoints} metrics/pprof endpoint${endpoints === 1 ? '' : 's'}`);
  return sources;
}

export function registerLiveStatus(context: vscode.ExtensionContext, host: LiveSessionHost): vscode.Disposable {
  const testMode = context.extensionMode === vscode.ExtensionMode.Test;
  const statusBar = new LiveStatusBar(host);
  const notifications = new LiveNotifications(host, context.workspaceState, testMode);
  const testCommand = testMode ? [vscode.commands.registerCommand(liveStatusTestCommand, (): LiveStatusTestReport => ({ ...statusBar.report(), notifications: [...notifications.decisions] }))] : [];
  return vscode.Disposable.from(statusBar, notifications, ...testCommand);
}
