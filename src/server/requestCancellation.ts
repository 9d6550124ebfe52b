// Analysis is synchronous, so a request notices a $/cancelRequest (or a newer document version)
// only when it lets the event loop run: handlers yield before analysing and between files.
import { type DiagnosticServerCancellationData, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The client cancelled the request. */
export function requestCancelledError(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'The request was cancelled.');
}

/** The server gave up on a pull because the document changed meanwhile; the client pulls again. */
export function documentChangedError(): ResponseError<DiagnosticServerCancellationData> {
  return new ResponseError(LSPErrorCodes.ServerCancelled, 'The document changed while it was being analysed.', { retriggerRequest: true });
}
