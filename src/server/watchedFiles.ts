// workspace/didChangeWatchedFiles: files changed on disk (sources, tsconfig/jsconfig, package.json).
// Every workspace hears of every change, since any of them may have loaded the file through an
// import; a source file open in the editor is skipped, its text there wins over the disk.
import * as fs from 'node:fs';
import { type DidChangeWatchedFilesParams, FileChangeType } from 'vscode-languageserver/node';
import type { ConfigDiagnostics } from './configDiagnostics';
import { filePathOf, isConfigFile } from './documentFiles';
import type { DocumentSync } from './documentSync';
import type { FolderAnalyses } from './folderAnalyses';

const changeKinds = {
  [FileChangeType.Created]: 'created',
  [FileChangeType.Changed]: 'changed',
  [FileChangeType.Deleted]: 'deleted',
} as const;

export interface WatchedFilesOptions {
  folders: FolderAnalyses;
  sync: DocumentSync;
  configDiagnostics: ConfigDiagnostics;
  /** Called once after the changes of one notification were applied. */
  onChanged: () => void;
}

export function applyWatchedFileChanges(params: DidChangeWatchedFilesParams, options: WatchedFilesOptions): void {
  const { folders, sync, configDiagnostics } = options;
  const configs = new Set<string>();
  let changed = false;
  for (const change of params.changes) {
    const file = filePathOf(change.uri);
    const kind = changeKinds[change.type as keyof typeof changeKinds];
    if (!file || !kind) continue;
    const isConfig = isConfigFile(file);
    if (!isConfig && kind === 'changed' && sync.isOpen(file)) continue;
    for (const folder of folders.all()) folder.workspace.fileChanged(file, kind);
    if (isConfig) configs.add(file);
    changed = true;
  }
  if (!changed) return;
  if (configs.size > 0) {
    // Reloading dropped every parsed config; read again the ones whose problems are on screen and
    // the ones that changed, so a problem stays until it is fixed even with no file of it open.
    for (const file of configDiagnostics.filesWithProblems()) configs.add(file);
    for (const file of configs) {
      if (fs.existsSync(file)) folders.folderOf(file).workspace.readConfig(file);
    }
  }
  for (const folder of folders.all()) folder.changed();
  options.onChanged();
}
