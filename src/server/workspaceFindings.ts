// The findings of the files a workspace analysis covered, pushed with textDocument/publishDiagnostics
// so the Problems panel lists them while the files are closed. Open documents are pulled
// (diagnosticsProvider), so a file's push is cleared when it opens and sent again when it closes.
// Between workspace runs a covered file is analysed again, from disk, when it closes, changes on
// disk, or its folder's settings or the workspace folders change: one file per turn of the event
// loop, so pulls and edits are served in between. Only differences are sent.
//
// A cancelled run keeps what it pushed: the files it analysed show its findings, the files it did
// not reach keep the pushes of an earlier run (if any). Only a completed run forgets the covered
// files it no longer found (deleted, excluded).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection, Diagnostic, DidChangeWatchedFilesParams, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding } from '../analyzer/findings';
import { NodeTargetResolver } from '../analyzer/nodeTarget';
import { filePathOf, fileUriOf } from './documentFiles';
import { toDiagnostic } from './findingDiagnostics';
import type { FolderAnalyses, FolderAnalysis } from './folderAnalyses';
import { yieldToEventLoop } from './requestCancellation';
import { describeError, type ServerLog } from './serverLog';

const nothingPublished = '[]';

export interface WorkspaceFindingsOptions {
  connection: Connection;
  folders: FolderAnalyses;
  /** Whether the editor holds the file open (its diagnostics are pulled then, never pushed). */
  isOpen: (file: string) => boolean;
  log: ServerLog;
}

export class WorkspaceFindings {
  /** Covered file -> the diagnostics currently published for it, as JSON. */
  private readonly covered = new Map<string, string>();
  /** Covered files waiting to be analysed again, in the order they were asked for. */
  private readonly pending = new Set<string>();
  private draining = false;

  constructor(private readonly options: WorkspaceFindingsOptions) {}

  /** Clears a file's push when its document opens, and pushes its disk findings when it closes. */
  listen(documents: TextDocuments<TextDocument>): void {
    documents.onDidOpen(({ document }) => {
      const file = filePathOf(document.uri);
      if (file !== undefined && this.covered.has(file)) this.publish(file, []);
    });
    documents.onDidClose(({ document }) => {
      const file = filePathOf(document.uri);
      if (file !== undefined) this.reanalyse([file]);
    });
  }

  /** The workspace analysis analysed a file: it is covered from now on, and pushed unless open. */
  fileAnalysed(file: string, findings: readonly Finding[]): void {
    if (!this.covered.has(file)) this.covered.set(file, nothingPublished);
    if (!this.options.isOpen(file)) this.publish(file, findings.map(toDiagnostic));
  }

  /** A workspace analysis completed having analysed `files`: the covered files it did not find are dropped. */
  runCompleted(files: ReadonlySet<string>): void {
    for (const file of [...this.covered.keys()]) {
      if (!files.has(file)) this.forget(file);
    }
  }

  /**
   * workspace/didChangeWatchedFiles, after the workspaces heard of the changes. A package.json,
   * .nvmrc or .node-version says which Node the files under its folder target: those are analysed again too.
   */
  filesChanged(params: DidChangeWatchedFilesParams): void {
    const files = params.changes.flatMap((change) => filePathOf(change.uri) ?? []);
    const targetFolders = files.filter((file) => NodeTargetResolver.isSourceFile(file)).map((file) => path.dirname(file));
    const underTargets = targetFolders.length === 0 ? [] : [...this.covered.keys()].filter((file) => targetFolders.some((folder) => isInside(file, folder)));
    this.reanalyse([...files, ...underTargets]);
  }

  /** These folders have new settings (rules, exclude). */
  settingsChanged(folders: readonly FolderAnalysis[]): void {
    this.reanalyse([...this.covered.keys()].filter((file) => folders.includes(this.options.folders.folderOf(file))));
  }

  /** Workspace folders were added or removed: files may have moved to another folder, or out of all. */
  foldersChanged(): void {
    this.reanalyse([...this.covered.keys()]);
  }

  private reanalyse(files: readonly string[]): void {
    for (const file of files) {
      if (this.covered.has(file)) this.pending.add(file);
    }
    if (this.pending.size > 0 && !this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.size > 0) {
        await yieldToEventLoop();
        const [file] = this.pending;
        this.pending.delete(file);
        try {
          this.refresh(file);
        } catch (error) {
          this.options.log.error(`Updating the pushed findings of ${file} failed: ${describeError(error)}`);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Pushes what the file's analysis says now; synchronous, so nothing changes in between. */
  private refresh(file: string): void {
    if (!this.covered.has(file) || this.options.isOpen(file)) return;
    const folder = this.options.folders.folderOf(file);
    // Outside every workspace folder, or in a new one no run has analysed yet.
    if (folder.folderUri === undefined || !folder.hasSettings() || !fs.existsSync(file)) {
      this.forget(file);
    } else if (folder.workspace.isExcluded(file)) {
      // Still covered: the push comes back if the exclusion is lifted.
      this.publish(file, []);
    } else {
      this.publish(file, this.findingsOf(folder, file).map(toDiagnostic));
    }
  }

  /** The file's findings; an analyzer failure is logged and leaves the file without findings. */
  private findingsOf(folder: FolderAnalysis, file: string): Finding[] {
    try {
      return folder.workspace.analyseFile(file).findings;
    } catch (error) {
      this.options.log.error(`Analysing ${file} failed: ${describeError(error)}`);
      return [];
    }
  }

  private forget(file: string): void {
    this.publish(file, []);
    this.covered.delete(file);
  }

  private publish(file: string, diagnostics: Diagnostic[]): void {
    const json = JSON.stringify(diagnostics);
    if (this.covered.get(file) === json) return;
    this.covered.set(file, json);
    // Fails only when the connection is already closing; nothing is left to tell.
    void this.options.connection.sendDiagnostics({ uri: fileUriOf(file), diagnostics }).catch(() => undefined);
  }
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
