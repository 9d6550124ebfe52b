// One AnalysisWorkspace per workspace folder, because settings (rules, exclude) are per folder
// and a workspace holds one set; plus one for files outside every folder (untitled editors,
// files opened from elsewhere), which gets the window-wide settings.
import * as path from 'node:path';
import type { WorkspaceFolder } from 'vscode-languageserver/node';
import { AnalysisWorkspace } from '../analyzer/workspace';
import type { BoundedSettings } from '../shared/settings';
import { filePathOf } from './documentFiles';
import type { ServerLog } from './serverLog';

let lastGeneration = 0;

export class FolderAnalysis {
  readonly workspace: AnalysisWorkspace;
  /**
   * Renewed by every change that can alter the findings of a file in this folder (an edit in
   * another file, a file changed on disk, new settings); part of every diagnostic result id.
   * Drawn from one counter, so two folders never share a value.
   */
  generation = ++lastGeneration;
  /** Settles when the folder's first analysis (the one that loads its project) is over. */
  firstAnalysis: Promise<void> | undefined;
  private applied: string | undefined;

  constructor(
    /** The workspace folder URI; undefined for files outside every folder. */
    readonly folderUri: string | undefined,
    readonly root: string | undefined,
    log: ServerLog,
  ) {
    this.workspace = new AnalysisWorkspace({
      roots: root ? [root] : [],
      log: (level, message) => log[level](message),
    });
  }

  contains(file: string): boolean {
    if (!this.root) return false;
    const relative = path.relative(this.root, file);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  }

  /** Gives the workspace these settings; true when they differ from the ones it had. */
  applySettings(settings: BoundedSettings): boolean {
    const key = JSON.stringify({ rules: settings.rules, exclude: settings.exclude, deployment: settings.deployment });
    if (key === this.applied) return false;
    this.applied = key;
    this.workspace.setSettings(settings.rules, settings.exclude, settings.deployment);
    this.changed();
    return true;
  }

  /** Whether settings were applied yet (a folder nobody asked about has none). */
  hasSettings(): boolean {
    return this.applied !== undefined;
  }

  changed(): void {
    this.generation = ++lastGeneration;
  }
}

export class FolderAnalyses {
  private folders: FolderAnalysis[] = [];
  private readonly outside: FolderAnalysis;

  constructor(private readonly log: ServerLog) {
    this.outside = new FolderAnalysis(undefined, undefined, log);
  }

  /** Adds and removes folders; returns the folders added. Files only move between analyses. */
  update(added: readonly WorkspaceFolder[], removed: readonly WorkspaceFolder[]): FolderAnalysis[] {
    const gone = new Set(removed.map((folder) => folder.uri));
    this.folders = this.folders.filter((folder) => !gone.has(folder.folderUri ?? ''));
    const created: FolderAnalysis[] = [];
    for (const folder of added) {
      const root = filePathOf(folder.uri);
      if (!root || this.folders.some((known) => known.folderUri === folder.uri)) continue;
      const analysis = new FolderAnalysis(folder.uri, root, this.log);
      this.folders.push(analysis);
      created.push(analysis);
    }
    // The innermost folder wins for nested folders.
    this.folders.sort((a, b) => (b.root?.length ?? 0) - (a.root?.length ?? 0));
    return created;
  }

  /** The analysis that owns a file: its innermost workspace folder, else the one for loose files. */
  folderOf(file: string): FolderAnalysis {
    return this.folders.find((folder) => folder.contains(file)) ?? this.outside;
  }

  workspaceFolders(): readonly FolderAnalysis[] {
    return this.folders;
  }

  all(): FolderAnalysis[] {
    return [...this.folders, this.outside];
  }
}
