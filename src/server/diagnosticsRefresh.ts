// Asks the client to pull diagnostics again (workspace/diagnostic/refresh) after a change, so the
// open files that depend on what changed get fresh findings. Debounced: a burst of changes (typing,
// a branch switch) is one refresh, sent once the burst pauses, or after `maxWaitMs` at the latest.
import type { Connection } from 'vscode-languageserver/node';
import { describeError, type ServerLog } from './serverLog';

const quietMs = 100;
const maxWaitMs = 1000;

export class DiagnosticsRefresh {
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt = 0;

  constructor(
    private readonly connection: Connection,
    private readonly supported: boolean,
    private readonly log: ServerLog,
  ) {}

  schedule(): void {
    if (!this.supported) return;
    const now = Date.now();
    if (this.timer) clearTimeout(this.timer);
    else this.firstPendingAt = now;
    const delay = Math.max(0, Math.min(quietMs, this.firstPendingAt + maxWaitMs - now));
    this.timer = setTimeout(() => this.send(), delay);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    this.timer = undefined;
    this.connection.languages.diagnostics.refresh().catch((error: unknown) => this.log.warn(`Diagnostic refresh failed: ${describeError(error)}`));
  }
}
