// Work-done progress: on the client's token when the request brought one, else progress the
// server creates itself (window/workDoneProgress/create), which the library turns into a silent
// reporter when the client does not support it.
import { CancellationToken, type Connection, type ProgressToken, type WorkDoneProgressReporter } from 'vscode-languageserver/node';
import { describeError, type ServerLog } from './serverLog';

export interface OpenedProgress {
  reporter: WorkDoneProgressReporter;
  /** Cancelled when the user cancels progress the server created (a client token cancels the request instead). */
  token: CancellationToken;
}

export async function openProgress(connection: Connection, log: ServerLog, workDoneToken?: ProgressToken): Promise<OpenedProgress> {
  if (workDoneToken !== undefined) return { reporter: connection.window.attachWorkDoneProgress(workDoneToken), token: CancellationToken.None };
  try {
    const reporter = await connection.window.createWorkDoneProgress();
    return { reporter, token: reporter.token };
  } catch (error) {
    log.warn(`Creating work-done progress failed: ${describeError(error)}`);
    return { reporter: connection.window.attachWorkDoneProgress(undefined), token: CancellationToken.None };
  }
}
