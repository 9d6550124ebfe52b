// bounded/analyzeWorkspace: analyses every discovered file of every workspace folder, one file
// per turn of the event loop so pulls, edits and cancellation are served in between, reporting
// work-done progress, and answers with the counts. Each file's findings are handed to
// WorkspaceFindings as soon as it is analysed, which pushes those of the files not open.
import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import { AnalysisCancelled } from '../analyzer/engine';
import type { Finding } from '../analyzer/findings';
import type { AnalyzeWorkspaceParams, AnalyzeWorkspaceResult } from '../shared/lspProtocol';
import type { FolderAnalyses, FolderAnalysis } from './folderAnalyses';
import { openProgress } from './progress';
import { requestCancelledError, yieldToEventLoop } from './requestCancellation';
import type { ResourceSettings } from './resourceSettings';
import { describeError, type ServerLog } from './serverLog';
import type { StatusReporter } from './statusReporter';
import type { WorkspaceFindings } from './workspaceFindings';

const reportEveryMs = 100;

export interface WorkspaceAnalysisOptions {
  connection: Connection;
  folders: FolderAnalyses;
  settings: ResourceSettings;
  status: StatusReporter;
  workspaceFindings: WorkspaceFindings;
  log: ServerLog;
  afterAnalysis: () => void;
}

export class WorkspaceAnalysis {
  constructor(private readonly options: WorkspaceAnalysisOptions) {}

  async run(params: AnalyzeWorkspaceParams, token: CancellationToken): Promise<AnalyzeWorkspaceResult> {
    const { connection, folders, settings, status, workspaceFindings, log, afterAnalysis } = this.options;
    const started = performance.now();
    let completedMs: number | undefined;
    status.analysisStarted();
    const progress = await openProgress(connection, log, params.workDoneToken);
    const cancelled = (): boolean => token.isCancellationRequested || progress.token.isCancellationRequested;
    try {
      progress.reporter.begin('Bounded: analysing workspace', 0, 'Finding files…', true);
      const work: Array<{ folder: FolderAnalysis; files: string[] }> = [];
      for (const folder of folders.workspaceFolders()) {
        folder.applySettings(await settings.current(folder.folderUri));
        // A nested folder's files are analysed once, by the folder that owns them (its settings).
        work.push({ folder, files: folder.workspace.discoverFiles().filter((file) => folders.folderOf(file) === folder) });
      }
      const total = work.reduce((sum, entry) => sum + entry.files.length, 0);
      const analysed = new Set<string>();
      let findings = 0;
      let reportedAt = 0;
      for (const { folder, files } of work) {
        for (const file of files) {
          await yieldToEventLoop();
          if (cancelled()) throw requestCancelledError();
          let fileFindings: Finding[] = [];
          try {
            fileFindings = folder.workspace.analyseFile(file, token).findings;
          } catch (error) {
            if (error instanceof AnalysisCancelled) throw requestCancelledError();
            log.error(`Analysing ${file} failed: ${describeError(error)}`);
          }
          findings += fileFindings.length;
          workspaceFindings.fileAnalysed(file, fileFindings);
          analysed.add(file);
          if (performance.now() - reportedAt >= reportEveryMs) {
            reportedAt = performance.now();
            progress.reporter.report(Math.floor((analysed.size / total) * 100), `${analysed.size} of ${total} files`);
          }
        }
      }
      workspaceFindings.runCompleted(analysed);
      completedMs = performance.now() - started;
      log.info(`Analysed the workspace in ${Math.round(completedMs)} ms: ${findings} findings in ${analysed.size} files`);
      return { files: analysed.size, findings, durationMs: Math.round(completedMs) };
    } finally {
      progress.reporter.done();
      afterAnalysis();
      status.analysisEnded(completedMs);
    }
  }
}
