// bounded/status for the extension's status bar: 'analyzing' when the first analysis starts,
// 'idle' with the finding count when the last one ends, and 'idle' again when the count changes.
import type { Connection } from 'vscode-languageserver/node';
import { type StatusParams, StatusNotification } from '../shared/lspProtocol';

export class StatusReporter {
  private running = 0;
  private lastAnalysisMs: number | undefined;
  private lastAnalysisAt: number | undefined;
  private lastSent = '';

  constructor(
    private readonly connection: Connection,
    private readonly countFindings: () => number,
  ) {}

  analysisStarted(): void {
    if (this.running++ === 0) this.send('analyzing');
  }

  /** `durationMs` is undefined when the analysis did not complete (cancelled, failed). */
  analysisEnded(durationMs: number | undefined): void {
    if (durationMs !== undefined) {
      this.lastAnalysisMs = Math.round(durationMs);
      this.lastAnalysisAt = Date.now();
    }
    if (--this.running === 0) this.send('idle');
  }

  /** The finding count may have changed outside an analysis (a document closed, a config fixed). */
  findingsChanged(): void {
    if (this.running === 0) this.send('idle');
  }

  private send(state: StatusParams['state']): void {
    const params: StatusParams = { state, findings: this.countFindings(), lastAnalysisMs: this.lastAnalysisMs, lastAnalysisAt: this.lastAnalysisAt };
    const json = JSON.stringify(params);
    if (json === this.lastSent) return;
    this.lastSent = json;
    // Fails only when the connection is already closing; nothing is left to tell.
    void this.connection.sendNotification(StatusNotification.type, params).catch(() => undefined);
  }
}
