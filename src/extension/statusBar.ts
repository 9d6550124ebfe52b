// The "Bounded" status bar item, driven by bounded/status: a spinner while the server analyses
// (shown only when the analysis takes a moment, so typing does not make it flicker), the finding
// count when idle, the last analysis in the tooltip. Clicking it shows the output.
import * as vscode from 'vscode';
import type { StatusParams } from '../shared/lspProtocol';

/** An analysis shorter than this never shows the spinner. */
const spinnerDelayMs = 300;

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private spinnerTimer: NodeJS.Timeout | undefined;

  constructor(showOutputCommand: string) {
    this.item = vscode.window.createStatusBarItem('bounded.status', vscode.StatusBarAlignment.Left, 0);
    this.item.name = 'Bounded';
    this.item.command = showOutputCommand;
    this.showStarting();
    this.item.show();
  }

  update(status: StatusParams): void {
    this.clearSpinnerTimer();
    if (status.state === 'analyzing') {
      this.spinnerTimer = setTimeout(() => {
        this.spinnerTimer = undefined;
        this.item.text = '$(sync~spin) Bounded: analysing…';
      }, spinnerDelayMs);
      return;
    }
    const count = status.findings;
    this.item.text = count === 0 ? '$(check) Bounded' : `$(warning) Bounded: ${count} finding${count === 1 ? '' : 's'}`;
    this.item.tooltip = [
      `${count === 0 ? 'No' : count} finding${count === 1 ? '' : 's'} in open files and project configs`,
      status.lastAnalysisAt !== undefined && status.lastAnalysisMs !== undefined ? `Last analysis ${clockTime(new Date(status.lastAnalysisAt))}, ${status.lastAnalysisMs} ms` : 'No analysis yet',
      'Click to show the output',
    ].join('\n');
  }

  showStarting(): void {
    this.clearSpinnerTimer();
    this.item.text = '$(sync~spin) Bounded';
    this.item.tooltip = 'The Bounded language server is starting';
  }

  showStopped(): void {
    this.clearSpinnerTimer();
    this.item.text = '$(error) Bounded';
    this.item.tooltip = 'The Bounded language server is not running. Click to show the output; run "Bounded: Restart Language Server" to start it.';
  }

  dispose(): void {
    this.clearSpinnerTimer();
    this.item.dispose();
  }

  private clearSpinnerTimer(): void {
    clearTimeout(this.spinnerTimer);
    this.spinnerTimer = undefined;
  }
}

function clockTime(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}
