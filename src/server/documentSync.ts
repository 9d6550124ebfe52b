// Keeps each workspace's overlays equal to the editor's open documents (incremental sync is done
// by TextDocuments) and renews the folder's generation when an edit can change other files'
// findings.
import * as fs from 'node:fs';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analysableFileOf } from './documentFiles';
import type { DocumentResults } from './documentResults';
import type { FolderAnalyses, FolderAnalysis } from './folderAnalyses';
import { describeError, type ServerLog } from './serverLog';

interface OpenDocument {
  file: string;
  folder: FolderAnalysis;
}

export class DocumentSync {
  private readonly open = new Map<string, OpenDocument>();
  private readonly openFiles = new Set<string>();

  constructor(
    private readonly documents: TextDocuments<TextDocument>,
    private readonly folders: FolderAnalyses,
    private readonly results: DocumentResults,
    /** Called after a change that can alter findings, with the folder it happened in. */
    private readonly onChange: (folder: FolderAnalysis) => void,
    /** Called when a document's findings stop counting (it closed). */
    private readonly onClosed: () => void,
    private readonly log: ServerLog,
  ) {}

  listen(): void {
    this.documents.onDidChangeContent(({ document }) => this.guarded('Updating', document, () => this.update(document)));
    this.documents.onDidClose(({ document }) => this.guarded('Closing', document, () => this.close(document)));
  }

  /** Whether the editor holds the file open (its text, not the disk's, is analysed). */
  isOpen(file: string): boolean {
    return this.openFiles.has(file);
  }

  /** After workspace folders changed: moves overlays to the analysis that now owns each file. */
  reassign(): void {
    for (const [uri, entry] of this.open) {
      const folder = this.folders.folderOf(entry.file);
      if (folder === entry.folder) continue;
      const document = this.documents.get(uri);
      entry.folder.workspace.removeOverlay(entry.file);
      this.results.delete(uri);
      entry.folder = folder;
      if (document) folder.workspace.setOverlay(entry.file, document.getText());
    }
  }

  private guarded(action: string, document: TextDocument, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.log.error(`${action} ${document.uri} failed: ${describeError(error)}`);
    }
  }

  private update(document: TextDocument): void {
    const file = analysableFileOf(document.uri, document.languageId);
    if (!file) return;
    const known = this.open.get(document.uri);
    const folder = this.folders.folderOf(file);
    const text = document.getText();
    folder.workspace.setOverlay(file, text);
    this.open.set(document.uri, { file, folder });
    this.openFiles.add(file);
    // Opening a file whose text is the disk's changes nothing for the other files.
    if (known || !matchesDisk(file, text)) this.onChange(folder);
  }

  private close(document: TextDocument): void {
    const entry = this.open.get(document.uri);
    if (!entry) return;
    this.open.delete(document.uri);
    this.openFiles.delete(entry.file);
    entry.folder.workspace.removeOverlay(entry.file);
    if (this.results.delete(document.uri)) this.onClosed();
    // Closing an unsaved editor puts the disk's text back under the other files.
    if (!matchesDisk(entry.file, document.getText())) this.onChange(entry.folder);
  }
}

function matchesDisk(file: string, text: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8') === text;
  } catch {
    return false;
  }
}
