// The language server's edit-to-diagnostics latency and memory on a project of ~2,000 files, side
// by side with tsserver on the same project and the same edits.
//   npx tsx bench/server-latency.ts [--edits 40] [--project bench/.corpus/tsconfig.json] [--file <path>]
// Bounded: time from didChange to the pulled textDocument/diagnostic result for the edited file.
// tsserver: time from `change` to the `semanticDiag` event of `geterr` for that file (it checks the
// whole file, Bounded asks the checker only what its rules need).
// Memory: the server process's resident set after the edits (VmRSS) and its peak (VmHWM).
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  DiagnosticRefreshRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentDiagnosticRequest,
  InitializedNotification,
  InitializeRequest,
  RegistrationRequest,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgressCreateRequest,
  ConfigurationRequest,
  type DocumentDiagnosticReport,
} from 'vscode-languageserver-protocol/node';

const root = path.resolve(__dirname, '..');

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const edits = Number(argument('--edits', '40'));
const project = path.resolve(argument('--project', path.join(root, 'bench/.corpus/tsconfig.json')));
const projectDir = path.dirname(project);
const target = path.resolve(argument('--file', path.join(projectDir, 'viem/actions/public/call.ts')));

function memoryOf(child: ChildProcess): { rssMb: number; peakMb: number } {
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The edit number i: a new declaration at the end of the file, as typing adds code. */
function editedText(original: string, i: number): string {
  return `${original}\nexport const benchEdit${i} = Promise.resolve(${i});\n`;
}

interface Figures {
  firstMs: number;
  latencies: number[];
  rssMb: number;
  peakMb: number;
}

async function measureBounded(original: string): Promise<Figures> {
  const child = spawn(process.execPath, [path.join(root, 'dist/server.js'), '--stdio'], { cwd: projectDir, stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => ({})));
  connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
  connection.onRequest(RegistrationRequest.type, () => undefined);
  connection.onRequest(DiagnosticRefreshRequest.type, () => undefined);
  connection.listen();
  const uri = pathToFileURL(target).href;
  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(projectDir).href,
    workspaceFolders: [{ uri: pathToFileURL(projectDir).href, name: 'corpus' }],
    capabilities: { workspace: { configuration: true }, textDocument: { diagnostic: { dynamicRegistration: false } }, window: { workDoneProgress: false } },
  });
  await connection.sendNotification(InitializedNotification.type, {});
  const started = performance.now();
  await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text: original } });
  let report: DocumentDiagnosticReport = await connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
  const firstMs = performance.now() - started;
  const latencies: number[] = [];
  let text = original;
  for (let i = 1; i <= edits; i++) {
    const next = editedText(original, i);
    const lines = text.split('\n');
    const t0 = performance.now();
    await connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: i + 1 },
      contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines[lines.length - 1].length } }, text: next }],
    });
    report = await connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri }, previousResultId: report.kind === 'full' ? report.resultId : undefined });
    latencies.push(performance.now() - t0);
    text = next;
  }
  const memory = memoryOf(child);
  connection.dispose();
  child.kill();
  return { firstMs, latencies, ...memory };
}

/** A minimal tsserver client: newline-delimited requests, Content-Length framed responses and events. */
async function measureTsserver(original: string): Promise<Figures> {
  const tsserver = require.resolve('typescript/lib/tsserver.js', { paths: [path.join(root, 'bench')] });
  const child = spawn(process.execPath, [tsserver, '--disableAutomaticTypingAcquisition'], { cwd: projectDir, stdio: ['pipe', 'pipe', 'inherit'] });
  let buffer = Buffer.alloc(0);
  const waiters: Array<{ match: (message: Record<string, unknown>) => boolean; resolve: () => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const header = buffer.indexOf('\r\n\r\n');
      if (header < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(buffer.subarray(0, header).toString())?.[1]);
      if (buffer.length < header + 4 + length) return;
      const message = JSON.parse(buffer.subarray(header + 4, header + 4 + length).toString()) as Record<string, unknown>;
      buffer = buffer.subarray(header + 4 + length);
      for (const waiter of [...waiters]) {
        if (waiter.match(message)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
  });
  let seq = 0;
  const send = (command: string, args: unknown): number => {
    seq++;
    child.stdin!.write(`${JSON.stringify({ seq, type: 'request', command, arguments: args })}\n`);
    return seq;
  };
  const until = (match: (message: Record<string, unknown>) => boolean): Promise<void> => new Promise((resolve) => waiters.push({ match, resolve }));
  const semanticDiag = (): Promise<void> => until((m) => m.type === 'event' && m.event === 'semanticDiag');
  const started = performance.now();
  send('open', { file: target, fileContent: original, projectRootPath: projectDir, scriptKindName: 'TS' });
  let done = semanticDiag();
  send('geterr', { files: [target], delay: 0 });
  await done;
  const firstMs = performance.now() - started;
  const latencies: number[] = [];
  let text = original;
  for (let i = 1; i <= edits; i++) {
    const next = editedText(original, i);
    const lines = text.split('\n');
    const t0 = performance.now();
    send('change', { file: target, line: 1, offset: 1, endLine: lines.length, endOffset: lines[lines.length - 1].length + 1, insertString: next });
    done = semanticDiag();
    send('geterr', { files: [target], delay: 0 });
    await done;
    latencies.push(performance.now() - t0);
    text = next;
  }
  const memory = memoryOf(child);
  child.kill();
  return { firstMs, latencies, ...memory };
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(root, 'dist/server.js'))) throw new Error('build first: npm run build');
  if (!fs.existsSync(target)) throw new Error(`no such file: ${target} (run bench/setup.sh to build the corpus)`);
  const original = fs.readFileSync(target, 'utf8');
  const files = (JSON.parse(fs.readFileSync(project, 'utf8')) as { include?: string[] }).include?.join(', ');
  process.stdout.write(`project ${path.relative(root, project)} (${files}), edited file ${path.relative(projectDir, target)}, ${edits} edits\n`);
  const row = (name: string, f: Figures): string =>
    `${name.padEnd(10)} first ${Math.round(f.firstMs).toString().padStart(6)} ms   p50 ${percentile(f.latencies, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(f.latencies, 95).toFixed(1).padStart(7)} ms   rss ${String(f.rssMb).padStart(5)} MB   peak ${String(f.peakMb).padStart(5)} MB`;
  const bounded = await measureBounded(original);
  process.stdout.write(`${row('bounded', bounded)}\n`);
  const tsserver = await measureTsserver(original);
  process.stdout.write(`${row('tsserver', tsserver)}\n`);
  process.stdout.write(
    `ratios bounded/tsserver: p50 ${(percentile(bounded.latencies, 50) / percentile(tsserver.latencies, 50)).toFixed(2)}x, p95 ${(percentile(bounded.latencies, 95) / percentile(tsserver.latencies, 95)).toFixed(2)}x, rss ${(bounded.rssMb / tsserver.rssMb).toFixed(2)}x, peak ${(bounded.peakMb / tsserver.peakMb).toFixed(2)}x\n`,
  );
  process.stdout.write(`goal: p95 < 100 ms after the first analysis, memory within 1.2x of tsserver\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
