// Bounded's own LSP messages, declared once for the language server and the extension (the way
// vscode-eslint does). Only the browser-safe part of vscode-jsonrpc is used, so the webview may
// import this file too.
import { NotificationType, type ProgressToken, RequestType } from 'vscode-jsonrpc';

/** The `source` of every diagnostic the server sends; the extension picks Bounded's out by it. */
export const diagnosticSource = 'bounded';

export interface AnalyzeWorkspaceParams {
  /** A progress token created by the client; without it the server creates its own progress. */
  workDoneToken?: ProgressToken;
}

export interface AnalyzeWorkspaceResult {
  files: number;
  findings: number;
  durationMs: number;
}

/**
 * Analyses every discovered file of every workspace folder, with progress and cancellation. The
 * findings of the files not open in the editor are pushed (textDocument/publishDiagnostics) as
 * each file is analysed, and kept up to date until the next run.
 */
export namespace AnalyzeWorkspaceRequest {
  export const method = 'bounded/analyzeWorkspace';
  export const type = new RequestType<AnalyzeWorkspaceParams, AnalyzeWorkspaceResult, void>(method);
}

export type AnalysisState = 'analyzing' | 'idle';

export interface StatusParams {
  state: AnalysisState;
  /** Findings in the open documents and on config files, as last analysed. */
  findings: number;
  /** Duration of the last analysis (one file, or a workspace run), undefined before the first. */
  lastAnalysisMs: number | undefined;
  /** When the last analysis finished, in milliseconds since the epoch. */
  lastAnalysisAt: number | undefined;
}

/** Sent by the server whenever it starts or stops analysing, and when the finding count changes. */
export namespace StatusNotification {
  export const method = 'bounded/status';
  export const type = new NotificationType<StatusParams>(method);
}
