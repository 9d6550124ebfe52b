// Live findings in the editor, linked to the static ones on the same line.
//
// LiveDiagnostics is a DiagnosticCollection of its own ("Bounded (live)"), fed from the window's
// live session (liveSessionHost.ts; a settings change replaces the session, so it follows the host's
// onChange and `current`): where liveDiagnosticModel.ts puts them (a leak's workspace line, a stream
// backlog's xreadgroup calls from bounded/streamSites), while the finding lasts and its process is
// still attached, refreshed at most once a second as counts change, cleared when the finding
// clears or the session stops.
//
// Linking both ways. The live diagnostic's relatedInformation points at each static finding of
// uncleared-interval, listener-leak, client-per-request or unbounded-fan-out on its line; the static
// diagnostic gets relatedInformation pointing back while the live one lasts. The server stays free
// of live data: StaticDiagnosticLinks is the language client's DiagnosticCollectionProvider, so both
// of the client's collections (pushed diagnostics of closed files and pulled ones of open files) are
// wrapped; the wrapper remembers what the server last gave per uri, hands VS Code copies with the
// links added, and re-sets a uri when its live marks change. (handleDiagnostics middleware would
// see only the pushed half; open documents are pulled.)
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { DiagnosticCollectionProvider } from 'vscode-languageclient/node';
import type { LiveFinding, LiveSeverity } from '../live/liveFinding';
import { diagnosticSource } from '../shared/lspProtocol';
import { type LineRange, linkedStaticRules, liveDiagnosticSpecs, workspaceFileIn } from './liveDiagnosticModel';
import type { LiveSession } from './liveSession';
import type { LiveSessionHost } from './liveSessionHost';
import type { StreamSiteIndex } from './streamSiteIndex';

export const liveDiagnosticSource = 'Bounded (live)';
const updateIntervalMs = 1000;

const severities: Readonly<Record<LiveSeverity, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** A live diagnostic as a static one links to it. */
interface LiveMark {
  range: vscode.Range;
  message: string;
}

function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  return code === undefined ? undefined : String(code);
}

function isLinkedStatic(diagnostic: vscode.Diagnostic): boolean {
  const code = codeOf(diagnostic);
  return diagnostic.source === diagnosticSource && code !== undefined && linkedStaticRules.includes(code);
}

/** A copy of the server's diagnostic (same class, so the client's own fields stay) with more related information. */
function withRelated(diagnostic: vscode.Diagnostic, related: vscode.DiagnosticRelatedInformation[]): vscode.Diagnostic {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(diagnostic) as object) as vscode.Diagnostic, diagnostic);
  copy.relatedInformation = [...(diagnostic.relatedInformation ?? []), ...related];
  return copy;
}

/** The language client's diagnostic collections, wrapped: see the header. */
export class StaticDiagnosticLinks implements DiagnosticCollectionProvider {
  private readonly collections = new Set<LinkedDiagnosticCollection>();
  private marks = new Map<string, LiveMark[]>();
  private readonly serverChanged = new vscode.EventEmitter<void>();
  /** The server set diagnostics somewhere: live diagnostics re-link to them. */
  readonly onServerChange = this.serverChanged.event;

  create(name: string | undefined): vscode.DiagnosticCollection {
    const collection = new LinkedDiagnosticCollection(name === undefined ? vscode.languages.createDiagnosticCollection() : vscode.languages.createDiagnosticCollection(name), this);
    this.collections.add(collection);
    return collection;
  }

  dispose(collection: vscode.DiagnosticCollection): void {
    if (collection instanceof LinkedDiagnosticCollection) this.collections.delete(collection);
    collection.dispose();
  }

  /** The server's diagnostics of the linked rules on `uri`, as it sent them. */
  staticDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
    return [...this.collections].flatMap((collection) => collection.serverDiagnostics(uri)).filter(isLinkedStatic);
  }

  /** New live marks by uri: the uris whose marks changed are set again with their links. */
  setLiveMarks(marks: Map<string, LiveMark[]>): void {
    const key = (list: LiveMark[] | undefined) => JSON.stringify((list ?? []).map((mark) => [mark.range.start.line, mark.range.start.character, mark.message]));
    const changed = [...new Set([...this.marks.keys(), ...marks.keys()])].filter((uri) => key(this.marks.get(uri)) !== key(marks.get(uri)));
    this.marks = marks;
    for (const uri of changed) for (const collection of this.collections) collection.relink(uri);
  }

  /** What VS Code is given for the server's diagnostics of `uri`. */
  linked(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]): readonly vscode.Diagnostic[] {
    const marks = this.marks.get(uri.toString());
    if (!marks || marks.length === 0) return diagnostics;
    return diagnostics.map((diagnostic) => {
      if (!isLinkedStatic(diagnostic)) return diagnostic;
      const here = marks.filter((mark) => mark.range.start.line === diagnostic.range.start.line);
      return here.length === 0 ? diagnostic : withRelated(diagnostic, here.map((mark) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, mark.range), mark.message)));
    });
  }

  serverSet(): void {
    this.serverChanged.fire();
  }
}

class LinkedDiagnosticCollection implements vscode.DiagnosticCollection {
  /** What the server last gave, by uri. */
  private readonly server = new Map<string, { uri: vscode.Uri; diagnostics: readonly vscode.Diagnostic[] }>();

  constructor(
    private readonly inner: vscode.DiagnosticCollection,
    private readonly links: StaticDiagnosticLinks,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  set(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[] | undefined): void;
  set(entries: ReadonlyArray<[vscode.Uri, readonly vscode.Diagnostic[] | undefined]>): void;
  set(first: vscode.Uri | ReadonlyArray<[vscode.Uri, readonly vscode.Diagnostic[] | undefined]>, diagnostics?: readonly vscode.Diagnostic[] | undefined): void {
    if (first instanceof vscode.Uri) {
      this.setOne(first, diagnostics);
    } else {
      // As DiagnosticCollection does: entries of one uri add up; undefined resets what came before.
      const merged = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] | undefined }>();
      for (const [uri, list] of first) {
        const entry = merged.get(uri.toString()) ?? { uri, diagnostics: undefined };
        entry.diagnostics = list === undefined ? undefined : [...(entry.diagnostics ?? []), ...list];
        merged.set(uri.toString(), entry);
      }
      for (const entry of merged.values()) this.setOne(entry.uri, entry.diagnostics);
    }
    this.links.serverSet();
  }

  delete(uri: vscode.Uri): void {
    this.server.delete(uri.toString());
    this.inner.delete(uri);
    this.links.serverSet();
  }

  clear(): void {
    this.server.clear();
    this.inner.clear();
    this.links.serverSet();
  }

  forEach(callback: (uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[], collection: vscode.DiagnosticCollection) => unknown, thisArg?: unknown): void {
    this.inner.forEach((uri, diagnostics) => callback.call(thisArg, uri, diagnostics, this));
  }

  get(uri: vscode.Uri): readonly vscode.Diagnostic[] | undefined {
    return this.inner.get(uri);
  }

  has(uri: vscode.Uri): boolean {
    return this.inner.has(uri);
  }

  dispose(): void {
    this.server.clear();
    this.inner.dispose();
  }

  [Symbol.iterator](): Iterator<[uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]]> {
    return this.inner[Symbol.iterator]();
  }

  serverDiagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.server.get(uri.toString())?.diagnostics ?? [];
  }

  /** Sets `uri` again from what the server gave, with the current links. */
  relink(uri: string): void {
    const entry = this.server.get(uri);
    if (entry) this.inner.set(entry.uri, this.links.linked(entry.uri, entry.diagnostics));
  }

  private setOne(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[] | undefined): void {
    if (diagnostics === undefined) {
      this.server.delete(uri.toString());
      this.inner.set(uri, undefined);
      return;
    }
    this.server.set(uri.toString(), { uri, diagnostics });
    this.inner.set(uri, this.links.linked(uri, diagnostics));
  }
}

/** The live diagnostics collection: see the header. */
export class LiveDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('bounded-live');
  private session: LiveSession | undefined;
  private sessionSubscriptions: Array<{ dispose(): void }> = [];
  private readonly subscriptions: Array<{ dispose(): void }>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastUpdateAt = 0;
  /** What the collection holds, per uri, to set only what changed. */
  private shown = new Map<string, string>();
  private disposed = false;

  constructor(
    private readonly host: LiveSessionHost,
    private readonly links: StaticDiagnosticLinks,
    private readonly streamSites: StreamSiteIndex,
  ) {
    this.subscriptions = [
      host.onChange(() => {
        this.follow(host.current);
        this.schedule();
      }),
      links.onServerChange(() => this.schedule()),
      streamSites.onChange(() => this.schedule()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule()),
    ];
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const subscription of [...this.subscriptions, ...this.sessionSubscriptions]) subscription.dispose();
    this.links.setLiveMarks(new Map());
    this.collection.dispose();
  }

  /** Recomputes the diagnostics and the static links from the current findings (the throttled path). */
  private update(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.disposed) return;
    this.lastUpdateAt = Date.now();
    const session = this.session;
    const findings = session?.findings.list() ?? [];
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
    const wantsSites = findings.some((finding) => finding.kind === 'stream-backlog' || finding.kind === 'stream-dead-consumer');
    const sites = wantsSites
      ? this.streamSites.current().flatMap((site) => {
          const uri = vscode.Uri.parse(site.uri);
          return uri.scheme === 'file' ? [{ stream: site.stream, role: site.role, file: uri.fsPath, range: site.range }] : [];
        })
      : [];
    const specs = liveDiagnosticSpecs(findings, {
      workspaceFile: workspaceFileIn(folders),
      streamSites: sites,
      holds: (finding) => this.holds(session, finding),
    });

    const byUri = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
    const marks = new Map<string, LiveMark[]>();
    const lines = new LineTexts();
    for (const spec of specs) {
      const uri = vscode.Uri.file(spec.file);
      const statics = this.links.staticDiagnostics(uri).filter((diagnostic) => diagnostic.range.start.line === spec.line);
      const range = spec.range ? toRange(spec.range) : (statics[0]?.range ?? lines.rangeOf(uri, spec.line));
      const diagnostic = new vscode.Diagnostic(range, spec.message, severities[spec.severity]);
      diagnostic.source = liveDiagnosticSource;
      diagnostic.code = spec.kind;
      if (statics.length > 0) diagnostic.relatedInformation = statics.map((found) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, found.range), `${codeOf(found)}: ${found.message}`));
      const entry = byUri.get(uri.toString()) ?? { uri, diagnostics: [] };
      entry.diagnostics.push(diagnostic);
      byUri.set(uri.toString(), entry);
      marks.set(uri.toString(), [...(marks.get(uri.toString()) ?? []), { range, message: spec.message }]);
    }

    const shown = new Map<string, string>();
    for (const [key, { uri, diagnostics }] of byUri) {
      const text = JSON.stringify(diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.message, d.relatedInformation?.map((r) => [r.location.range.start.line, r.location.range.start.character, r.message])]));
      shown.set(key, text);
      if (this.shown.get(key) !== text) this.collection.set(uri, diagnostics);
    }
    for (const key of this.shown.keys()) if (!shown.has(key)) this.collection.delete(vscode.Uri.parse(key));
    this.shown = shown;
    this.links.setLiveMarks(marks);
  }

  /** The session changed (created, or replaced after a settings change): listen to the new one. */
  private follow(session: LiveSession): void {
    if (session === this.session) return;
    for (const subscription of this.sessionSubscriptions) subscription.dispose();
    this.session = session;
    this.sessionSubscriptions = [session.findings.onChange(() => this.schedule()), session.nodeTargets.onStateChange(() => this.schedule())];
  }

  /** A leak of an attached process lasts only while the process is attached: one that exited or was detached is gone. */
  private holds(session: LiveSession | undefined, finding: LiveFinding): boolean {
    const series = finding.evidence.series;
    if (session === undefined || typeof series !== 'string') return true;
    const source = session.nodeTargets.list().find((target) => series.startsWith(`${target.name}:`));
    return source === undefined || (source.state !== 'process gone' && source.state !== 'detached');
  }

  /** At most one update a second; the first change after a quiet second shows at once. */
  private schedule(): void {
    if (this.disposed || this.timer) return;
    this.timer = setTimeout(() => this.update(), Math.max(0, this.lastUpdateAt + updateIntervalMs - Date.now()));
  }
}

function toRange(range: LineRange): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

/** A line's text range (first non-blank character to its end), from the open document or the file on disk. */
class LineTexts {
  private readonly texts = new Map<string, string[] | undefined>();

  rangeOf(uri: vscode.Uri, line: number): vscode.Range {
    const text = this.linesOf(uri)?.[line];
    if (text === undefined) return new vscode.Range(line, 0, line, 0);
    const start = text.length - text.trimStart().length;
    return new vscode.Range(line, start, line, Math.max(start, text.trimEnd().length));
  }

  private linesOf(uri: vscode.Uri): string[] | undefined {
    const key = uri.toString();
    if (!this.texts.has(key)) {
      const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === key);
      let text: string | undefined = open?.getText();
      if (text === undefined) {
        try {
          text = fs.readFileSync(uri.fsPath, 'utf8');
        } catch {
          text = undefined;
        }
      }
      this.texts.set(key, text?.split(/\r?\n/));
    }
    return this.texts.get(key);
  }
}
