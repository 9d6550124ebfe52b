// The workspace's Redis stream call sites as the language server last answered bounded/streamSites:
// asked for lazily: the first time something wants them, and again when it next wants them after a
// TypeScript/JavaScript file was saved, created, deleted or renamed (not on every keystroke: the
// answer walks every file), at most every `refreshIntervalMs`. A window with no Redis target never
// asks. Consumers (the live diagnostics, the Streams tab) read `current()` and listen to onChange.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { type StreamSite, StreamSitesRequest } from '../shared/streamSitesProtocol';

const refreshIntervalMs = 2000;
const codeFile = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

export class StreamSiteIndex implements vscode.Disposable {
  private sites: StreamSite[] = [];
  private stale = true;
  private asking: Promise<void> | undefined;
  private lastAskedAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[];
  readonly onChange = this.emitter.event;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly log: (line: string) => void,
  ) {
    const changed = (uri: vscode.Uri) => {
      if (codeFile.test(uri.path)) this.invalidate();
    };
    this.subscriptions = [
      vscode.workspace.onDidSaveTextDocument((document) => changed(document.uri)),
      vscode.workspace.onDidCreateFiles((event) => event.files.forEach(changed)),
      vscode.workspace.onDidDeleteFiles((event) => event.files.forEach(changed)),
      vscode.workspace.onDidRenameFiles((event) => event.files.forEach(({ newUri }) => changed(newUri))),
      this.emitter,
    ];
  }

  /** The sites known now; asks the server again (in the background) when they may be out of date. */
  current(): readonly StreamSite[] {
    if (this.stale) this.refresh();
    return this.sites;
  }

  dispose(): void {
    clearTimeout(this.retryTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private invalidate(): void {
    this.stale = true;
  }

  private refresh(): void {
    if (this.asking || this.retryTimer) return;
    const wait = this.lastAskedAt + refreshIntervalMs - Date.now();
    if (wait > 0) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (this.stale) this.ask();
      }, wait);
      return;
    }
    this.ask();
  }

  private ask(): void {
    const client = this.client();
    if (!client?.isRunning()) return;
    this.stale = false;
    this.lastAskedAt = Date.now();
    this.asking = (async () => {
      let answered = false;
      try {
        const result = await client.sendRequest(StreamSitesRequest.type);
        answered = true;
        if (JSON.stringify(result.sites) !== JSON.stringify(this.sites)) {
          this.sites = result.sites;
          this.emitter.fire();
        }
      } catch (error) {
        // Asked again on the next current(), not on a timer: a stopped server is not polled.
        this.stale = true;
        this.log(`stream sites: the language server did not answer: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.asking = undefined;
      }
      // A file changed while the server was answering: that answer may miss it.
      if (answered && this.stale) this.refresh();
    })();
  }
}
