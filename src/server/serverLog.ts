// The server's log: problems and project loading go to the client's output (window/logMessage);
// per-request detail goes to the trace ($/logTrace), which the client sends only while
// `bounded.trace.server` is on.
import type { Connection } from 'vscode-languageserver/node';

export interface ServerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Traced only when the client turned tracing on; `detail` only when it is verbose. */
  trace(message: string, detail?: string): void;
}

export function createServerLog(connection: Connection): ServerLog {
  return {
    info: (message) => connection.console.info(message),
    warn: (message) => connection.console.warn(message),
    error: (message) => connection.console.error(message),
    trace: (message, detail) => connection.tracer.log(message, detail),
  };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
