// The messages between the Bounded panel's webview and the extension host, declared once for both
// (the way GitLens does). The webview says `ready` whenever its script has loaded (first open,
// restore, shown again after being hidden); the host answers with a complete `snapshot` and sends
// another complete one whenever the data changes while the panel is visible. There are no deltas:
// a hidden panel's webview is discarded, so whatever it is sent must stand on its own.
// Plain TypeScript, no vscode or Node imports: the webview bundle imports this file.

export interface IpcMessage<P> {
  readonly method: string;
  readonly params: P;
}

/** A message type: its method name and a guard that checks both the method and the params. */
abstract class IpcMessageType<P> {
  constructor(
    readonly method: string,
    private readonly isParams: (params: unknown) => params is P,
  ) {}

  is(message: unknown): message is IpcMessage<P> {
    return isRecord(message) && message.method === this.method && this.isParams(message.params);
  }

  message(params: P): IpcMessage<P> {
    return { method: this.method, params };
  }
}

/** A message from the webview to the extension host. */
export class IpcCommand<P> extends IpcMessageType<P> {
  readonly direction = 'webviewToHost';
}

/** A message from the extension host to the webview. */
export class IpcNotification<P> extends IpcMessageType<P> {
  readonly direction = 'hostToWebview';
}

/** A request carries an id; its answer is `{ method: '<method>/response', id, params: R }`. */
export interface IpcRequestMessage<P> extends IpcMessage<P> {
  readonly id: number;
}

/**
 * A request with a response (GitLens' IpcRequest): `is`/`message` for the request, `isResponse`/
 * `response` for its answer. Both ends check what they receive with these guards.
 */
export class IpcRequest<P, R> {
  readonly responseMethod: string;

  constructor(
    readonly method: string,
    private readonly isParams: (params: unknown) => params is P,
    private readonly isResult: (result: unknown) => result is R,
  ) {
    this.responseMethod = `${method}/response`;
  }

  is(message: unknown): message is IpcRequestMessage<P> {
    return isRecord(message) && message.method === this.method && isRequestId(message.id) && this.isParams(message.params);
  }

  message(params: P, id: number): IpcRequestMessage<P> {
    return { method: this.method, id, params };
  }

  isResponse(message: unknown): message is IpcRequestMessage<R> {
    return isRecord(message) && message.method === this.responseMethod && isRequestId(message.id) && this.isResult(message.params);
  }

  response(id: number, result: R): IpcRequestMessage<R> {
    return { method: this.responseMethod, id, params: result };
  }
}

function isRequestId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export type FindingSeverity = 'error' | 'warning' | 'info';

export const findingSeverities: readonly FindingSeverity[] = ['error', 'warning', 'info'];

/** One Bounded diagnostic as the panel shows it. Lines and characters are zero-based, as in VS Code. */
export interface PanelFinding {
  /** The document's URI, as `vscode.Uri.toString()` gives it. */
  uri: string;
  /** Workspace-relative path for display. */
  file: string;
  line: number;
  character: number;
  rule: string;
  severity: FindingSeverity;
  message: string;
  /** The rule's documentation page. */
  docsUri?: string;
}

export interface SnapshotParams {
  findings: PanelFinding[];
  /** When the host collected the findings, in milliseconds since the epoch. */
  generatedAt: number;
  /** Whether the workspace is trusted; live attach stays off until it is. */
  trusted: boolean;
}

export interface OpenLocationParams {
  /** A finding's `uri`. The host opens it only if it is a document with current Bounded diagnostics. */
  file: string;
  line: number;
  character: number;
}

/** The only commands the webview may ask the host to run. */
export const webviewRunnableCommands = ['bounded.analyzeWorkspace', 'bounded.exportLiveTraces', 'bounded.importLiveTraces', 'bounded.attachRedis', 'bounded.attachNodeProcess', 'bounded.detachNodeProcess'] as const;

export type WebviewRunnableCommand = (typeof webviewRunnableCommands)[number];

export interface RunCommandParams {
  command: WebviewRunnableCommand;
}

export interface OpenDocsParams {
  /** A rule id. The host opens the documentation page that the current diagnostics give for it. */
  rule: string;
}

export const ReadyCommand = new IpcCommand<undefined>('ready', (params): params is undefined => params === undefined);

export const OpenLocationCommand = new IpcCommand<OpenLocationParams>(
  'openLocation',
  (params): params is OpenLocationParams =>
    isRecord(params) && isNonEmptyString(params.file) && isPositionNumber(params.line) && isPositionNumber(params.character),
);

export const RunCommandCommand = new IpcCommand<RunCommandParams>(
  'runCommand',
  (params): params is RunCommandParams =>
    isRecord(params) && (webviewRunnableCommands as readonly unknown[]).includes(params.command),
);

export const OpenDocsCommand = new IpcCommand<OpenDocsParams>(
  'openDocs',
  (params): params is OpenDocsParams => isRecord(params) && isNonEmptyString(params.rule),
);

export const SnapshotNotification = new IpcNotification<SnapshotParams>(
  'snapshot',
  (params): params is SnapshotParams =>
    isRecord(params) &&
    Array.isArray(params.findings) &&
    params.findings.every(isPanelFinding) &&
    typeof params.generatedAt === 'number' &&
    Number.isFinite(params.generatedAt) &&
    typeof params.trusted === 'boolean',
);

function isPanelFinding(value: unknown): value is PanelFinding {
  return (
    isRecord(value) &&
    isNonEmptyString(value.uri) &&
    typeof value.file === 'string' &&
    isPositionNumber(value.line) &&
    isPositionNumber(value.character) &&
    typeof value.rule === 'string' &&
    (findingSeverities as readonly unknown[]).includes(value.severity) &&
    typeof value.message === 'string' &&
    (value.docsUri === undefined || typeof value.docsUri === 'string')
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

export function isPositionNumber(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
