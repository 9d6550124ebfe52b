// Analysis state for a set of workspace folders: one ts-morph project per tsconfig/jsconfig (found
// the way tsserver finds them: the nearest config that includes the file, or one it references), an
// inferred project for files outside any config, and the editor's unsaved texts laid over the disk.
// The language server and `bounded check` both drive this; nothing here reads settings or talks LSP.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { minimatch } from 'minimatch';
import { ts } from 'ts-morph';
import { defaultDeployment, defaultExclude, type DeploymentSettings, type RulesSettings } from '../shared/settings';
import { type ConfigProblem, inferredCompilerOptions, type ParsedConfig, parseConfig } from './configLoader';
import { analyseSourceFile, type CancellationToken, effectiveSeverity } from './engine';
import type { Finding } from './findings';
import { ModuleFormatResolver } from './moduleFormat';
import { type NodeTarget, NodeTargetResolver } from './nodeTarget';
import { AnalysedProject, FileStore } from './project';
import { configErrorRule } from './rules/configError';

export const sourceExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'] as const;

export function isAnalysableFile(file: string): boolean {
  if (/\.d\.[mc]?ts$/.test(file)) return false;
  return sourceExtensions.some((ext) => file.endsWith(ext));
}

export interface WorkspaceOptions {
  /** Workspace folders; paths outside them are still analysed when asked for. */
  roots: string[];
  settings?: RulesSettings;
  deployment?: DeploymentSettings;
  /** Glob patterns relative to a root; defaults to node_modules, dist, out, build, .git. */
  exclude?: readonly string[];
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface FileAnalysis {
  file: string;
  findings: Finding[];
  /** The config that owns the file, or undefined for the inferred project. */
  configFile: string | undefined;
  durationMs: number;
}

export class AnalysisWorkspace {
  private readonly roots: string[];
  private settings: RulesSettings;
  private deployment: DeploymentSettings;
  private exclude: readonly string[];
  private readonly log: NonNullable<WorkspaceOptions['log']>;
  /** Config file -> loaded project (undefined when its JSON is broken). */
  private readonly projects = new Map<string, AnalysedProject | undefined>();
  private readonly configs = new Map<string, ParsedConfig>();
  private inferred: AnalysedProject | undefined;
  /** Directory -> the config files it holds (tsconfig.json first), cached. */
  private readonly configsInDir = new Map<string, string[]>();
  private readonly files = new FileStore();
  private readonly registry = ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, undefined, ts.JSDocParsingMode.ParseForTypeInfo);
  /** Config that a file was last assigned to ('' for the inferred project). */
  private readonly owner = new Map<string, string>();
  private readonly moduleFormats = new ModuleFormatResolver();
  private readonly nodeTargets = new NodeTargetResolver();
  private fileListsStale = false;

  constructor(options: WorkspaceOptions) {
    this.roots = options.roots.map((r) => path.resolve(r));
    this.settings = options.settings ?? {};
    this.deployment = options.deployment ?? defaultDeployment;
    this.exclude = options.exclude ?? defaultExclude;
    this.log = options.log ?? (() => undefined);
  }

  setSettings(settings: RulesSettings, exclude?: readonly string[], deployment?: DeploymentSettings): void {
    this.settings = settings;
    if (exclude) this.exclude = exclude;
    if (deployment) this.deployment = deployment;
  }

  /** The editor's text for an open file. */
  setOverlay(file: string, text: string): void {
    const absolute = path.resolve(file);
    this.files.setOverlay(absolute, text);
    this.projectFor(absolute);
  }

  /** The editor closed the file: analysis goes back to what is on disk. */
  removeOverlay(file: string): void {
    const absolute = path.resolve(file);
    if (!this.files.removeOverlay(absolute)) return;
    if (!fs.existsSync(absolute)) this.inferred?.removeRoot(absolute);
  }

  /** A file changed on disk (file watcher). Config changes reload the projects that use them. */
  fileChanged(file: string, change: 'created' | 'changed' | 'deleted'): void {
    const absolute = path.resolve(file);
    const base = path.basename(absolute);
    if (NodeTargetResolver.isSourceFile(absolute)) this.nodeTargets.invalidate();
    if (/^(tsconfig|jsconfig).*\.json$/.test(base)) {
      this.reloadConfigs();
      return;
    }
    this.files.bumpDisk(absolute);
    if ((change === 'created' || change === 'deleted') && isAnalysableFile(absolute)) {
      // File lists come from include globs: parse the configs again before the next analysis (once,
      // however many files a branch switch creates), keeping the language services warm.
      this.fileListsStale = true;
    }
  }

  /** Parses the loaded configs again and updates their projects' root files in place. */
  private refreshFileLists(): void {
    this.fileListsStale = false;
    for (const configFile of [...this.configs.keys()]) {
      const fresh = parseConfig(configFile);
      this.configs.set(configFile, fresh);
      const project = this.projects.get(configFile);
      if (project) project.setRoots(fresh.fileNames);
    }
    this.owner.clear();
    if (this.inferred) {
      for (const file of this.inferred.rootFiles()) {
        if (this.findOwningConfig(file) !== undefined || !this.files.exists(file)) this.inferred.removeRoot(file);
      }
    }
  }

  /** Drops every project; they are loaded again on demand (the editor's texts are kept). */
  reloadConfigs(): void {
    for (const project of this.loadedProjects()) project.dispose();
    this.projects.clear();
    this.configs.clear();
    this.configsInDir.clear();
    this.owner.clear();
    this.inferred = undefined;
  }

  isExcluded(file: string): boolean {
    const absolute = path.resolve(file);
    for (const root of this.roots) {
      const relative = path.relative(root, absolute);
      if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
      if (this.exclude.some((pattern) => minimatch(relative, pattern, { dot: true }))) return true;
    }
    return /[\\/]node_modules[\\/]/.test(absolute);
  }

  analyseFile(file: string, token?: CancellationToken): FileAnalysis {
    const started = performance.now();
    const absolute = path.resolve(file);
    const project = this.projectFor(absolute);
    const program = project.program();
    const sourceFile = program.getSourceFile(absolute);
    const configFile = project.configFile;
    if (!sourceFile) return { file: absolute, findings: [], configFile, durationMs: performance.now() - started };
    const findings = analyseSourceFile({
      program,
      sourceFile,
      settings: this.settings,
      deployment: this.deployment,
      nodeTarget: this.nodeTargetOfProject(project, absolute),
      token,
      moduleFormat: this.moduleFormats.formatOf(sourceFile, program.getCompilerOptions()),
      onRuleError: (rule, error) => this.log('error', `rule ${rule} failed on ${absolute}: ${(error as Error)?.stack ?? String(error)}`),
    });
    return { file: absolute, findings, configFile, durationMs: performance.now() - started };
  }

  /** Syntax and type errors of a file, to check that fixes do not break compiling code. */
  compileErrorCount(file: string): number {
    const absolute = path.resolve(file);
    const program = this.projectFor(absolute).program();
    const sourceFile = program.getSourceFile(absolute);
    if (!sourceFile) return 0;
    return program.getSyntacticDiagnostics(sourceFile).length + program.getSemanticDiagnostics(sourceFile).length;
  }

  /** The program that analyses `file` (its project's, as analyseFile uses) and the file in it, for indexes over the code such as stream sites. */
  sourceOf(file: string): { program: ts.Program; sourceFile: ts.SourceFile } | undefined {
    const absolute = path.resolve(file);
    const program = this.projectFor(absolute).program();
    const sourceFile = program.getSourceFile(absolute);
    return sourceFile ? { program, sourceFile } : undefined;
  }

  /** Every analysable file of the configs found under the roots, plus loose files, minus exclusions. */
  discoverFiles(paths: readonly string[] = this.roots): string[] {
    if (this.fileListsStale) this.refreshFileLists();
    const files = new Set<string>();
    for (const start of paths) {
      const absolute = path.resolve(start);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(absolute);
      } catch {
        continue;
      }
      if (stat.isFile()) {
        if (isAnalysableFile(absolute)) files.add(absolute);
        continue;
      }
      for (const file of walk(absolute, (dir) => !this.isExcluded(dir) && !/[\\/](node_modules|\.git)$/.test(dir))) {
        if (isAnalysableFile(file) && !this.isExcluded(file)) files.add(file);
      }
    }
    return [...files].sort();
  }

  /** Files of a given config (`--project`), minus exclusions. */
  filesOfConfig(configFile: string): string[] {
    const config = this.loadConfig(path.resolve(configFile));
    return config.fileNames.filter((f) => isAnalysableFile(f) && !this.isExcluded(f));
  }

  /** Reads a config (again, after a reload) so its problems are known with no file of it open. */
  readConfig(configFile: string): void {
    this.loadConfig(path.resolve(configFile));
  }

  /** Uses `configFile` for every file it includes, whatever their nearest config is. */
  pinConfig(configFile: string): ParsedConfig {
    const config = this.loadConfig(path.resolve(configFile));
    for (const file of config.fileNames) this.owner.set(file, config.configFile);
    return config;
  }

  /** Problems of every config loaded so far, as findings on the config files. */
  configFindings(): Finding[] {
    const severity = effectiveSeverity(configErrorRule, this.settings);
    if (!severity) return [];
    const out: Finding[] = [];
    for (const config of this.configs.values()) {
      for (const problem of config.problems) out.push(problemToFinding(problem, severity));
    }
    return out;
  }

  /** The Node major the file's project targets (engines.node, .nvmrc/.node-version, @types/node). */
  nodeTargetOf(file: string): NodeTarget {
    const absolute = path.resolve(file);
    return this.nodeTargetOfProject(this.projectFor(absolute), absolute);
  }

  configOf(file: string): string | undefined {
    return this.projectFor(path.resolve(file)).configFile;
  }

  /** Read once per project: from the config's folder up, or the file's folder for the inferred project. */
  private nodeTargetOfProject(project: AnalysedProject, file: string): NodeTarget {
    return this.nodeTargets.targetFor(path.dirname(project.configFile ?? file));
  }

  private *loadedProjects(): Iterable<AnalysedProject> {
    for (const project of this.projects.values()) if (project) yield project;
    if (this.inferred) yield this.inferred;
  }

  private projectFor(file: string): AnalysedProject {
    if (this.fileListsStale) this.refreshFileLists();
    let configFile = this.owner.get(file);
    if (configFile === undefined) {
      configFile = this.findOwningConfig(file) ?? '';
      this.owner.set(file, configFile);
    }
    const project = configFile === '' ? undefined : this.loadProject(configFile);
    if (project) return project;
    const inferred = this.inferredProject();
    inferred.addRoot(file);
    return inferred;
  }

  /** The nearest config that includes the file, directly or through its references (like tsserver). */
  private findOwningConfig(file: string): string | undefined {
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      for (const configFile of this.configFilesIn(dir)) {
        const config = this.loadConfig(configFile);
        if (config.options === undefined) return undefined; // broken JSON: inferred settings for its files
        const owner = this.searchReferences(config, file, new Set());
        if (owner) return owner;
      }
      const parent = path.dirname(dir);
      if (parent === dir) return undefined;
    }
  }

  private searchReferences(config: ParsedConfig, file: string, seen: Set<string>): string | undefined {
    if (seen.has(config.configFile)) return undefined;
    seen.add(config.configFile);
    if (config.options !== undefined && config.fileNames.includes(file)) return config.configFile;
    for (const reference of config.references) {
      const found = this.searchReferences(this.loadConfig(reference), file, seen);
      if (found) return found;
    }
    return undefined;
  }

  private configFilesIn(dir: string): string[] {
    let found = this.configsInDir.get(dir);
    if (!found) {
      found = ['tsconfig.json', 'jsconfig.json'].map((name) => path.join(dir, name)).filter((f) => fs.existsSync(f));
      this.configsInDir.set(dir, found);
    }
    return found;
  }

  private loadConfig(configFile: string): ParsedConfig {
    let config = this.configs.get(configFile);
    if (!config) {
      config = parseConfig(configFile);
      this.configs.set(configFile, config);
      for (const problem of config.problems) this.log('warn', `${configFile}: ${problem.message}`);
    }
    return config;
  }

  private loadProject(configFile: string): AnalysedProject | undefined {
    if (this.projects.has(configFile)) return this.projects.get(configFile);
    const config = this.loadConfig(configFile);
    const project = config.options ? new AnalysedProject(configFile, config.options, config.fileNames, this.files, this.registry) : undefined;
    this.projects.set(configFile, project);
    if (project) this.log('info', `loaded ${configFile} (${config.fileNames.length} files)`);
    return project;
  }

  private inferredProject(): AnalysedProject {
    this.inferred ??= new AnalysedProject(undefined, inferredCompilerOptions(), [], this.files, this.registry);
    return this.inferred;
  }
}

function problemToFinding(problem: ConfigProblem, severity: Finding['severity']): Finding {
  return {
    rule: configErrorRule.id,
    severity,
    file: problem.configFile,
    start: 0,
    end: 0,
    range: problem.range,
    message: problem.message,
    fixes: [],
  };
}

function* walk(dir: string, enter: (dir: string) => boolean): Iterable<string> {
  if (!enter(dir)) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full, enter);
    else if (entry.isFile()) yield full;
  }
}
