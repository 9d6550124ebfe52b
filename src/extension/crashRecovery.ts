// What the language client does when the server dies: restart it, saying so, up to
// `maxRestarts` times within `windowMs`; beyond that leave it stopped and offer a manual restart.
import * as vscode from 'vscode';
import { CloseAction, type CloseHandlerResult, ErrorAction, type ErrorHandler, type ErrorHandlerResult, type Message } from 'vscode-languageclient/node';
import type { BoundedLog } from './logChannel';

const maxRestarts = 5;
const windowMs = 3 * 60 * 1000;
/** Write errors tolerated on a connection before it is shut down (the client's own default). */
const maxConnectionErrors = 3;

export class CrashRecovery implements ErrorHandler {
  private restarts: number[] = [];

  constructor(
    private readonly log: BoundedLog,
    private readonly restartCommand: string,
  ) {}

  error(error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    this.log.error(`Connection to the Bounded language server failed: ${error.message}`);
    return { action: (count ?? 0) <= maxConnectionErrors ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < windowMs);
    if (this.restarts.length < maxRestarts) {
      this.restarts.push(now);
      this.log.warn(`The Bounded language server stopped unexpectedly; restarting it (${this.restarts.length} of ${maxRestarts} within ${windowMs / 60_000} minutes).`);
      void vscode.window.showWarningMessage('Bounded language server crashed; restarted.', 'Show Output').then((choice) => {
        if (choice) this.log.show(true);
      });
      return { action: CloseAction.Restart, handled: true };
    }
    this.log.error(`The Bounded language server crashed ${maxRestarts} times within ${windowMs / 60_000} minutes; it is not restarted again.`);
    void vscode.window.showErrorMessage(`Bounded language server crashed ${maxRestarts} times in ${windowMs / 60_000} minutes and was stopped.`, 'Restart', 'Show Output').then((choice) => {
      if (choice === 'Restart') void vscode.commands.executeCommand(this.restartCommand);
      else if (choice === 'Show Output') this.log.show(true);
    });
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  /** A restart the user asked for starts a new count. */
  reset(): void {
    this.restarts = [];
  }
}
