// "Bounded: Export Live Traces…" and "Bounded: Import Live Traces…": the live session's spans to an
// OTLP/JSON file (to share a trace or compare runs) and back. Import refuses a file larger than
// bounded.live.otlp.maxDecompressedBytes (what the receiver would take in one request) and a file
// that is not OTLP/JSON, saying why; either way the spans held are untouched.
import * as vscode from 'vscode';
import { OtlpDecodeError } from '../live/otlpDecode';
import { exportTraceStoreAsOtlpJson, importOtlpJsonIntoTraceStore } from '../live/traceStoreOtlpJson';
import { normaliseLive } from '../shared/settings';
import type { LiveSessionHost } from './liveSessionHost';

export const exportLiveTracesCommand = 'bounded.exportLiveTraces';
export const importLiveTracesCommand = 'bounded.importLiveTraces';

const fileFilters = { 'OTLP/JSON traces': ['json'] };

/** `uri` skips the dialog (the vscode tests pass one); the result says what was done. */
export function registerLiveTraceFileCommands(live: LiveSessionHost, showTraces: () => void): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(exportLiveTracesCommand, (uri?: vscode.Uri) => exportLiveTraces(live, uri)),
    vscode.commands.registerCommand(importLiveTracesCommand, (uri?: vscode.Uri) => importLiveTraces(live, showTraces, uri)),
  );
}

async function exportLiveTraces(live: LiveSessionHost, target?: vscode.Uri): Promise<{ spans: number; traces: number } | undefined> {
  const exported = exportTraceStoreAsOtlpJson(live.current.store);
  if (exported.spans === 0) {
    void vscode.window.showInformationMessage('Bounded: no live traces to export yet: the live session holds no spans.');
    return undefined;
  }
  const uri = target ?? (await vscode.window.showSaveDialog({ defaultUri: defaultExportUri(), filters: fileFilters, saveLabel: 'Export Traces', title: 'Bounded: Export Live Traces' }));
  if (!uri) return undefined;
  try {
    await vscode.workspace.fs.writeFile(uri, Buffer.from(exported.text, 'utf8'));
  } catch (error) {
    void vscode.window.showErrorMessage(`Bounded: could not write ${displayPath(uri)}: ${messageOf(error)}`);
    return undefined;
  }
  void vscode.window.showInformationMessage(`Bounded: exported ${plural(exported.spans, 'span')} of ${plural(exported.traces, 'trace')} to ${displayPath(uri)} (OTLP/JSON).`);
  return { spans: exported.spans, traces: exported.traces };
}

async function importLiveTraces(live: LiveSessionHost, showTraces: () => void, source?: vscode.Uri): Promise<{ added: number } | { error: string } | undefined> {
  const uri = source ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: fileFilters, openLabel: 'Import Traces', title: 'Bounded: Import Live Traces' }))?.[0];
  if (!uri) return undefined;
  const refuse = (reason: string) => {
    const error = `Bounded: ${displayPath(uri)} was not imported: ${reason}. The live traces held are unchanged.`;
    void vscode.window.showErrorMessage(error);
    return { error };
  };
  const { maxDecompressedBytes } = normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')).otlp;
  let bytes: Uint8Array;
  try {
    const { size } = await vscode.workspace.fs.stat(uri);
    if (size > maxDecompressedBytes) return refuse(`it is ${size} bytes, more than bounded.live.otlp.maxDecompressedBytes (${maxDecompressedBytes})`);
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    return refuse(`it could not be read (${messageOf(error)})`);
  }
  const session = live.current;
  const evictedBefore = session.store.stats().evictedSpans;
  let imported;
  try {
    imported = importOtlpJsonIntoTraceStore(session.store, Buffer.from(bytes).toString('utf8'), Date.now());
  } catch (error) {
    if (error instanceof OtlpDecodeError) return refuse(`it is not an OTLP/JSON ExportTraceServiceRequest (${error.message})`);
    throw error;
  }
  const notes = [
    imported.alreadyHeld > 0 ? `${plural(imported.alreadyHeld, 'span')} already held` : undefined,
    imported.rejected > 0 ? imported.rejectedReason : undefined,
    evictedAfterImport(session.store.stats().evictedSpans - evictedBefore),
  ].filter((note) => note !== undefined);
  const summary = `Bounded: imported ${plural(imported.added, 'span')} of ${plural(imported.traces, 'trace')} from ${displayPath(uri)}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}.`;
  if (imported.rejected > 0) void vscode.window.showWarningMessage(summary);
  else void vscode.window.showInformationMessage(summary);
  showTraces();
  return { added: imported.added };
}

function evictedAfterImport(evicted: number): string | undefined {
  return evicted > 0 ? `${plural(evicted, 'older span')} went to stay within bounded.live.traces.maxSpans, maxMegabytes and maxAgeMs` : undefined;
}

function defaultExportUri(): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.find((candidate) => candidate.uri.scheme === 'file');
  const name = `bounded-traces-${new Date().toISOString().replace(/[:.]/g, '-')}.otlp.json`;
  return folder ? vscode.Uri.joinPath(folder.uri, name) : undefined;
}

function displayPath(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
