// A real LSP client for the integration tests: spawns the built server (`node dist/server.js
// --stdio`), speaks vscode-languageserver-protocol over its stdio, answers the server's requests
// (workspace/configuration, progress creation, diagnostic refresh) and records what it sends.
// Waits are event-driven: a condition is checked again whenever a message arrives, until a deadline.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type CancellationToken,
  CodeAction,
  CodeActionRequest,
  type ClientCapabilities,
  ConfigurationRequest,
  type Diagnostic,
  DiagnosticRefreshRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentDiagnosticRequest,
  type DocumentDiagnosticReport,
  ExitNotification,
  type FileChangeType,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  LogTraceNotification,
  type ProgressToken,
  PublishDiagnosticsNotification,
  type Range,
  RegistrationRequest,
  SetTraceNotification,
  ShutdownRequest,
  type TextEdit,
  type TraceValue,
  type WorkDoneProgressBegin,
  WorkDoneProgressCreateRequest,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
  type WorkspaceEdit,
  WorkDoneProgress,
} from 'vscode-languageserver-protocol';
import { createProtocolConnection, type ProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { type StatusParams, StatusNotification } from '../../src/shared/lspProtocol';

const serverModule = path.join(__dirname, '..', '..', 'dist', 'server.js');
const defaultTimeoutMs = 30_000;

export interface OpenDocument {
  uri: string;
  languageId: string;
  version: number;
  text: string;
}

export interface ProgressEvent {
  token: ProgressToken;
  value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;
}

export interface TestClientOptions {
  workspaceFolders: string[];
  /** The `bounded` section for a folder URI (undefined: outside every folder). */
  settings: (scopeUri: string | undefined) => unknown;
}

export function uriOf(file: string): string {
  return pathToFileURL(file).href;
}

export class LspTestClient {
  readonly published = new Map<string, Diagnostic[]>();
  readonly progress: ProgressEvent[] = [];
  readonly createdProgressTokens: ProgressToken[] = [];
  readonly statuses: StatusParams[] = [];
  readonly logs: string[] = [];
  /** $/logTrace messages, sent only while the trace is on ($/setTrace). */
  readonly traces: string[] = [];
  refreshRequests = 0;
  configurationRequests = 0;
  private readonly documents = new Map<string, OpenDocument>();
  private readonly listeners = new Set<() => void>();
  private exited = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly connection: ProtocolConnection,
    private readonly options: TestClientOptions,
  ) {}

  static async start(options: TestClientOptions): Promise<LspTestClient> {
    const child = spawn(process.execPath, [serverModule, '--stdio'], { stdio: 'pipe' });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new LspTestClient(child, connection, options);
    client.wire();
    connection.listen();
    const folders = options.workspaceFolders.map((folder) => ({ uri: uriOf(folder), name: path.basename(folder) }));
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: folders[0]?.uri ?? null,
      workspaceFolders: folders,
      capabilities: clientCapabilities,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** Text of the server's stderr and log messages, for failure messages. */
  transcript(): string {
    return this.logs.join('\n');
  }

  open(file: string, text: string, languageId = 'typescript'): Promise<OpenDocument> {
    return this.openUri(uriOf(file), text, languageId);
  }

  /** Opens a document by URI, e.g. an `untitled:` one. */
  async openUri(uri: string, text: string, languageId = 'typescript'): Promise<OpenDocument> {
    const document: OpenDocument = { uri, languageId, version: 1, text };
    this.documents.set(document.uri, document);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: document.uri, languageId, version: 1, text } });
    return document;
  }

  async close(document: OpenDocument): Promise<void> {
    this.documents.delete(document.uri);
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: document.uri } });
  }

  /** Sends the edits as incremental changes, last position first, and applies them to `document.text`. */
  async edit(document: OpenDocument, edits: readonly TextEdit[]): Promise<void> {
    const ordered = [...edits].sort((a, b) => offsetAt(document.text, b.range.start) - offsetAt(document.text, a.range.start));
    for (const edit of ordered) {
      const start = offsetAt(document.text, edit.range.start);
      const end = offsetAt(document.text, edit.range.end);
      document.text = document.text.slice(0, start) + edit.newText + document.text.slice(end);
    }
    document.version++;
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: document.uri, version: document.version },
      contentChanges: ordered.map((edit) => ({ range: edit.range, text: edit.newText })),
    });
  }

  /** Replaces the whole text, still as one incremental change over the old text's range. */
  async replaceText(document: OpenDocument, text: string): Promise<void> {
    await this.edit(document, [{ range: { start: { line: 0, character: 0 }, end: positionAt(document.text, document.text.length) }, newText: text }]);
  }

  /** Applies the edits a code action carries for this document. */
  async applyWorkspaceEdit(document: OpenDocument, edit: WorkspaceEdit | undefined): Promise<void> {
    const edits: TextEdit[] = [];
    for (const change of edit?.documentChanges ?? []) {
      if (!('textDocument' in change) || change.textDocument.uri !== document.uri) continue;
      if (change.textDocument.version !== null && change.textDocument.version !== document.version) throw new Error(`edit for version ${change.textDocument.version}, document is at ${document.version}`);
      for (const textEdit of change.edits) if ('newText' in textEdit) edits.push(textEdit);
    }
    edits.push(...(edit?.changes?.[document.uri] ?? []));
    if (edits.length === 0) throw new Error(`the edit changes nothing in ${document.uri}`);
    await this.edit(document, edits);
  }

  pull(document: OpenDocument, previousResultId?: string, token?: CancellationToken): Promise<DocumentDiagnosticReport> {
    return this.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: document.uri }, previousResultId }, token);
  }

  /** Pulls and returns the diagnostics of a full report (fails on `unchanged`). */
  async pullItems(document: OpenDocument): Promise<Diagnostic[]> {
    const report = await this.pull(document);
    if (report.kind !== 'full') throw new Error(`expected a full report, got ${report.kind}`);
    return report.items;
  }

  async codeActions(document: OpenDocument, range: Range, diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    const actions = await this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri: document.uri }, range, context: { diagnostics, only } });
    return (actions ?? []).filter((action) => CodeAction.is(action));
  }

  /** Records the $/progress values sent for a token (the client's own, or one the server created). */
  trackProgress(token: ProgressToken): void {
    this.connection.onProgress(WorkDoneProgress.type, token, (value) => {
      this.progress.push({ token, value });
      this.changed();
    });
  }

  async setTrace(value: TraceValue): Promise<void> {
    await this.connection.sendNotification(SetTraceNotification.type, { value });
  }

  async changeSettings(): Promise<void> {
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  async filesChanged(changes: Array<{ file: string; type: FileChangeType }>): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: changes.map(({ file, type }) => ({ uri: uriOf(file), type })) });
  }

  /** Resolves with the probe's first defined, non-false value; checked on every server message. */
  waitFor<T>(description: string, probe: () => T | undefined | false, timeoutMs = defaultTimeoutMs): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = probe();
        if (value === undefined || value === false) return false;
        finish();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${description}\n--- server log ---\n${this.transcript()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = (): void => void check();
      if (check()) return;
      this.listeners.add(listener);
    });
  }

  /** Whether the server process is still alive. */
  isRunning(): boolean {
    return !this.exited;
  }

  /** shutdown + exit, then kills the process if it has not gone within the deadline. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => {
      if (this.exited) resolve();
      else this.child.once('exit', () => resolve());
    });
    try {
      await withDeadline(this.connection.sendRequest(ShutdownRequest.type), timeoutMs, 'shutdown');
      await this.connection.sendNotification(ExitNotification.type);
      await withDeadline(exited, timeoutMs, 'exit');
    } catch {
      this.child.kill('SIGKILL');
      await exited;
    } finally {
      this.connection.dispose();
    }
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private wire(): void {
    const { connection, child } = this;
    const changed = (): void => this.changed();
    child.stderr.on('data', (chunk: Buffer) => this.logs.push(`[stderr] ${chunk.toString().trimEnd()}`));
    child.on('exit', (code, signal) => {
      this.exited = true;
      this.logs.push(`[exit] code ${code} signal ${signal}`);
      changed();
    });
    connection.onRequest(ConfigurationRequest.type, (params) => {
      this.configurationRequests++;
      const answer = params.items.map((item) => (item.section === 'bounded' ? this.options.settings(item.scopeUri) : null));
      changed();
      return answer;
    });
    connection.onRequest(WorkDoneProgressCreateRequest.type, (params) => {
      this.createdProgressTokens.push(params.token);
      this.trackProgress(params.token);
      changed();
    });
    connection.onRequest(DiagnosticRefreshRequest.type, () => {
      this.refreshRequests++;
      changed();
    });
    connection.onRequest(RegistrationRequest.type, () => undefined);
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.published.set(params.uri, params.diagnostics);
      changed();
    });
    connection.onNotification(StatusNotification.type, (params) => {
      this.statuses.push(params);
      changed();
    });
    connection.onNotification(LogTraceNotification.type, (params) => {
      this.traces.push(params.message);
      changed();
    });
    connection.onNotification(LogMessageNotification.type, (params) => {
      this.logs.push(`[log ${params.type}] ${params.message}`);
      changed();
    });
  }
}

const clientCapabilities: ClientCapabilities = {
  workspace: {
    configuration: true,
    workspaceFolders: true,
    didChangeConfiguration: { dynamicRegistration: false },
    didChangeWatchedFiles: { dynamicRegistration: false },
    diagnostics: { refreshSupport: true },
    workspaceEdit: { documentChanges: true },
  },
  textDocument: {
    synchronization: { dynamicRegistration: false, didSave: false },
    diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
    publishDiagnostics: { codeDescriptionSupport: true },
    codeAction: {
      dynamicRegistration: false,
      isPreferredSupport: true,
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } },
    },
  },
  window: { workDoneProgress: true },
};

function offsetAt(text: string, position: { line: number; character: number }): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(offset + position.character, text.length);
}

function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
