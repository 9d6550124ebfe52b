// One analysed project: a TypeScript language service over a config's files (or the inferred set),
// with the editor's unsaved texts laid over the disk. The language service gives incremental programs
// (unchanged files are reused between edits) and, unlike ts-morph's Project, creates source files
// with their module format (impliedNodeFormat), which node16/nodenext projects depend on.
// All projects of a workspace share one document registry, so lib and node_modules declarations are
// parsed once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getLibFiles } from '@ts-morph/common';
import { ts } from 'ts-morph';

/**
 * TypeScript's lib declarations come from ts-morph's bundle (in memory), so the server and the CLI
 * carry no lib folder of their own and always use the libs of the compiler they run.
 */
const libFolder = path.resolve('/', '__bounded_typescript_lib__');
let libTexts: Map<string, string> | undefined;

function libText(file: string): string | undefined {
  if (!file.startsWith(libFolder)) return undefined;
  libTexts ??= new Map(getLibFiles().map((lib) => [path.join(libFolder, lib.fileName), lib.text]));
  return libTexts.get(file);
}

/** Texts and versions of files, shared by every project of a workspace. */
export class FileStore {
  private readonly overlays = new Map<string, { text: string; version: number }>();
  private readonly diskVersions = new Map<string, number>();
  private readonly diskTexts = new Map<string, { version: number; text: string | undefined }>();
  private generation = 0;

  /** Bumped on every change, so projects can tell the language service nothing changed. */
  get version(): number {
    return this.generation;
  }

  setOverlay(file: string, text: string): void {
    const previous = this.overlays.get(file);
    this.overlays.set(file, { text, version: (previous?.version ?? 0) + 1 });
    this.generation++;
  }

  removeOverlay(file: string): boolean {
    const had = this.overlays.delete(file);
    if (had) {
      this.bumpDisk(file);
    }
    return had;
  }

  hasOverlay(file: string): boolean {
    return this.overlays.has(file);
  }

  overlayFiles(): string[] {
    return [...this.overlays.keys()];
  }

  /** The file changed on disk (or was created or deleted). */
  bumpDisk(file: string): void {
    this.diskVersions.set(file, (this.diskVersions.get(file) ?? 0) + 1);
    this.diskTexts.delete(file);
    this.generation++;
  }

  scriptVersion(file: string): string {
    const overlay = this.overlays.get(file);
    if (overlay) return `o${overlay.version}`;
    return `d${this.diskVersions.get(file) ?? 0}`;
  }

  text(file: string): string | undefined {
    const lib = libText(file);
    if (lib !== undefined) return lib;
    const overlay = this.overlays.get(file);
    if (overlay) return overlay.text;
    const version = this.diskVersions.get(file) ?? 0;
    const cached = this.diskTexts.get(file);
    if (cached && cached.version === version) return cached.text;
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      text = undefined;
    }
    // The string is the one the parsed source file keeps, so caching it costs no extra copy.
    this.diskTexts.set(file, { version, text });
    return text;
  }

  exists(file: string): boolean {
    return this.overlays.has(file) || libText(file) !== undefined || fs.existsSync(file);
  }
}

export class AnalysedProject {
  private readonly service: ts.LanguageService;
  private readonly roots: Set<string>;
  private rootList: string[] | undefined;
  private projectVersion = 0;
  private seenStoreVersion = -1;

  constructor(
    /** The config file, or undefined for the inferred project. */
    readonly configFile: string | undefined,
    readonly options: ts.CompilerOptions,
    rootFiles: readonly string[],
    private readonly store: FileStore,
    registry: ts.DocumentRegistry,
  ) {
    this.roots = new Set(rootFiles);
    const currentDirectory = configFile ? path.dirname(configFile) : process.cwd();
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getProjectVersion: () => {
        if (this.seenStoreVersion !== this.store.version) {
          this.seenStoreVersion = this.store.version;
          this.projectVersion++;
        }
        return String(this.projectVersion);
      },
      getScriptFileNames: () => (this.rootList ??= [...this.roots]),
      getScriptVersion: (file) => this.store.scriptVersion(path.resolve(file)),
      getScriptSnapshot: (file) => {
        const text = this.store.text(path.resolve(file));
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => currentDirectory,
      getDefaultLibFileName: (o) => path.join(libFolder, ts.getDefaultLibFileName(o)),
      fileExists: (file) => this.store.exists(path.resolve(file)),
      readFile: (file) => this.store.text(path.resolve(file)),
      readDirectory: ts.sys.readDirectory,
      directoryExists: (dir) => path.resolve(dir) === libFolder || ts.sys.directoryExists(dir),
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      // JSDoc is parsed where it carries types (JavaScript files), not for documentation.
      jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo,
    };
    this.service = ts.createLanguageService(host, registry);
  }

  includes(file: string): boolean {
    return this.roots.has(file);
  }

  /** Adds a file to the inferred project (config projects take their files from the config). */
  addRoot(file: string): void {
    if (this.roots.has(file)) return;
    this.roots.add(file);
    this.rootList = undefined;
    this.projectVersion++;
  }

  /** Replaces the root files (a config's include globs matched other files). */
  setRoots(files: readonly string[]): void {
    const next = new Set(files);
    if (next.size === this.roots.size && files.every((f) => this.roots.has(f))) return;
    this.roots.clear();
    for (const file of next) this.roots.add(file);
    this.rootList = undefined;
    this.projectVersion++;
  }

  rootFiles(): string[] {
    return [...this.roots];
  }

  removeRoot(file: string): void {
    if (!this.roots.delete(file)) return;
    this.rootList = undefined;
    this.projectVersion++;
  }

  program(): ts.Program {
    const program = this.service.getProgram();
    if (!program) throw new Error(`TypeScript could not create a program for ${this.configFile ?? 'the inferred project'}`);
    return program;
  }

  dispose(): void {
    this.service.dispose();
  }
}
