// textDocument/diagnostic (pull). Each answer carries a result id made of the document version and
// its folder's generation; when neither moved since the client's previous pull, the answer is
// `unchanged` and nothing is analysed. The first analysis of a folder, which loads its project,
// runs under work-done progress.
import * as path from 'node:path';
import {
  type CancellationToken,
  type Connection,
  type DocumentDiagnosticParams,
  type DocumentDiagnosticReport,
  DocumentDiagnosticReportKind,
  type TextDocuments,
  type WorkDoneProgressReporter,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisCancelled } from '../analyzer/engine';
import type { Finding } from '../analyzer/findings';
import { analysableFileOf } from './documentFiles';
import { DocumentResult, type DocumentResults } from './documentResults';
import type { FolderAnalyses, FolderAnalysis } from './folderAnalyses';
import { openProgress } from './progress';
import { documentChangedError, requestCancelledError, yieldToEventLoop } from './requestCancellation';
import type { ResourceSettings } from './resourceSettings';
import { describeError, type ServerLog } from './serverLog';
import type { StatusReporter } from './statusReporter';

/** Distinguishes this server process's result ids from those of a server that ran before it. */
const session = Date.now().toString(36);

export interface DiagnosticsProviderOptions {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  folders: FolderAnalyses;
  results: DocumentResults;
  settings: ResourceSettings;
  status: StatusReporter;
  log: ServerLog;
  /** Runs after every analysis, e.g. to publish the config problems it found. */
  afterAnalysis: () => void;
}

export class DiagnosticsProvider {
  constructor(private readonly options: DiagnosticsProviderOptions) {}

  async provide(params: DocumentDiagnosticParams, token: CancellationToken): Promise<DocumentDiagnosticReport> {
    const { documents, folders, results, settings, status } = this.options;
    const uri = params.textDocument.uri;
    const document = documents.get(uri);
    const file = document && analysableFileOf(uri, document.languageId);
    if (!document || !file) return emptyReport();
    const version = document.version;
    const folder = folders.folderOf(file);
    folder.applySettings(await settings.current(folder.folderUri));
    await yieldToEventLoop();
    this.throwIfOutdated(uri, version, token);

    if (folder.workspace.isExcluded(file)) {
      if (results.delete(uri)) status.findingsChanged();
      return emptyReport();
    }
    const resultId = resultIdOf(version, folder);
    const known = results.forVersion(uri, version);
    if (known?.resultId === resultId) {
      return params.previousResultId === resultId
        ? { kind: DocumentDiagnosticReportKind.Unchanged, resultId }
        : { kind: DocumentDiagnosticReportKind.Full, resultId, items: known.diagnostics };
    }
    return this.analyse(uri, version, file, folder, token);
  }

  private async analyse(uri: string, version: number, file: string, folder: FolderAnalysis, token: CancellationToken): Promise<DocumentDiagnosticReport> {
    const { status, results, connection, log, afterAnalysis } = this.options;
    let progress: WorkDoneProgressReporter | undefined;
    let finishFirstAnalysis: (() => void) | undefined;
    let durationMs: number | undefined;
    status.analysisStarted();
    try {
      if (folder.firstAnalysis) {
        await folder.firstAnalysis;
      } else {
        folder.firstAnalysis = new Promise((resolve) => (finishFirstAnalysis = resolve));
        progress = (await openProgress(connection, log)).reporter;
        progress.begin('Bounded', undefined, `Analysing ${folder.root ? path.basename(folder.root) : path.basename(file)}…`);
      }
      // Lets the 'analyzing' status and the progress out, and a cancellation or a newer version in.
      await yieldToEventLoop();
      this.throwIfOutdated(uri, version, token);

      // From here on synchronous: the id describes exactly the state that is analysed.
      const resultId = resultIdOf(version, folder);
      const started = performance.now();
      const findings = this.findingsOf(folder, file, token);
      durationMs = performance.now() - started;
      log.trace(`Analysed ${file} (version ${version}) in ${Math.round(durationMs)} ms: ${findings.length} findings`);
      const result = new DocumentResult(version, resultId, findings);
      results.set(uri, result);
      return { kind: DocumentDiagnosticReportKind.Full, resultId, items: result.diagnostics };
    } finally {
      progress?.done();
      finishFirstAnalysis?.();
      afterAnalysis();
      status.analysisEnded(durationMs);
    }
  }

  /** The file's findings; an analyzer failure is logged and leaves the file without findings. */
  private findingsOf(folder: FolderAnalysis, file: string, token: CancellationToken): Finding[] {
    try {
      return folder.workspace.analyseFile(file, token).findings;
    } catch (error) {
      if (error instanceof AnalysisCancelled) throw requestCancelledError();
      this.options.log.error(`Analysing ${file} failed: ${describeError(error)}`);
      return [];
    }
  }

  private throwIfOutdated(uri: string, version: number, token: CancellationToken): void {
    if (token.isCancellationRequested) throw requestCancelledError();
    if (this.options.documents.get(uri)?.version !== version) throw documentChangedError();
  }
}

function resultIdOf(version: number, folder: FolderAnalysis): string {
  return `${session}.${folder.generation}.${version}`;
}

function emptyReport(): DocumentDiagnosticReport {
  return { kind: DocumentDiagnosticReportKind.Full, items: [] };
}
