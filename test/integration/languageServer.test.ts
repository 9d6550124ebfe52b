// The built language server (dist/server.js) over stdio, driven by a real LSP client: pull
// diagnostics, code actions, cross-file refresh, pushed config problems, per-folder settings,
// exclusion, cancellation, work-done progress and bounded/analyzeWorkspace.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource, type Diagnostic, DiagnosticSeverity, FileChangeType, LSPErrorCodes, ResponseError } from 'vscode-languageserver-protocol';
import { AnalyzeWorkspaceRequest } from '../../src/shared/lspProtocol';
import { LspTestClient, type OpenDocument, uriOf } from './lspTestClient';

const tsconfig = JSON.stringify({
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true },
  include: ['*.ts'],
});

const floatingInAsync = `async function load(): Promise<number> {
  return 1;
}

export async function main(): Promise<void> {
  load();
}
`;

const fixture: Record<string, string> = {
  'main/basic/tsconfig.json': tsconfig,
  'main/basic/service.ts': floatingInAsync,
  'main/basic/jobs.ts': `async function step(name: string): Promise<string> {
  return name;
}

export async function runAll(): Promise<void> {
  step('a');
  step('b');
}
`,
  'main/basic/stale.ts': floatingInAsync,
  'main/basic/cancel.ts': floatingInAsync,
  'main/basic/syntax.ts': 'function (\n',
  'main/basic/settings.ts': floatingInAsync,
  'main/cross/tsconfig.json': tsconfig,
  'main/cross/a.ts': 'export function load(): number {\n  return 1;\n}\n',
  'main/cross/b.ts': "import * as a from './a';\n\nexport function run(): void {\n  a.load();\n}\n",
  'main/cross/disk.ts': 'export function save(): number {\n  return 1;\n}\n',
  'main/cross/user.ts': "import { save } from './disk';\n\nexport function persist(): void {\n  save();\n}\n",
  'main/broken/tsconfig.json': '{ "compilerOptions": { "strict": true ',
  'main/broken/job.ts': floatingInAsync,
  'main/generated/tsconfig.json': tsconfig,
  'main/generated/out.ts': floatingInAsync,
  'quiet/tsconfig.json': tsconfig,
  'quiet/service.ts': floatingInAsync,
};

let root: string;
let client: LspTestClient;
let mainSettings: Record<string, unknown> = { exclude: ['**/generated/**'] };

function file(relative: string): string {
  return path.join(root, ...relative.split('/'));
}

async function open(relative: string): Promise<OpenDocument> {
  return client.open(file(relative), fs.readFileSync(file(relative), 'utf8'));
}

function floatingPromises(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.code === 'floating-promise');
}

describe('language server over stdio', () => {
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded-lsp-'));
    for (const [relative, text] of Object.entries(fixture)) {
      fs.mkdirSync(path.dirname(file(relative)), { recursive: true });
      fs.writeFileSync(file(relative), text);
    }
    client = await LspTestClient.start({
      workspaceFolders: [file('main'), file('quiet')],
      settings: (scopeUri) => (scopeUri === uriOf(file('quiet')) ? { rules: { 'floating-promise': 'off' } } : mainSettings),
    });
  });

  after(async () => {
    await client?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('reports floating-promise by pull, fixes it with the preferred quick fix, and clears it', async (t) => {
    const document = await open('main/basic/service.ts');
    const [diagnostic] = floatingPromises(await client.pullItems(document));
    assert.ok(diagnostic, `a floating-promise diagnostic\n${client.transcript()}`);
    assert.equal(diagnostic.source, 'bounded');
    assert.equal(diagnostic.severity, DiagnosticSeverity.Warning);
    assert.deepEqual(diagnostic.range, { start: { line: 5, character: 2 }, end: { line: 5, character: 8 } });
    assert.match(diagnostic.codeDescription?.href ?? '', /^file:\/\/.*\/docs\/rules\/floating-promise\.md$/);
    assert.equal(typeof diagnostic.message, 'string');
    assert.match(diagnostic.message as string, /neither awaited nor handled/);

    const actions = await client.codeActions(document, diagnostic.range, [diagnostic]);
    const preferred = actions.filter((action) => action.isPreferred);
    assert.equal(preferred.length, 1, `one preferred fix among ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.equal(preferred[0].kind, 'quickfix');
    assert.match(preferred[0].title, /^Await/);
    assert.deepEqual(preferred[0].diagnostics, [diagnostic]);
    assert.ok(actions.some((action) => !action.isPreferred && /detached/.test(action.title)), 'the detach fix is offered too');

    const started = performance.now();
    await client.applyWorkspaceEdit(document, preferred[0].edit);
    assert.match(document.text, /^ {2}await load\(\);$/m);
    assert.deepEqual(floatingPromises(await client.pullItems(document)), []);
    t.diagnostic(`edit -> fresh diagnostics of the same file: ${Math.round(performance.now() - started)} ms`);

    // The first analysis of the folder ran under server-created work-done progress.
    const [token] = client.createdProgressTokens;
    assert.ok(token !== undefined, 'the server created work-done progress for the first analysis');
    const kinds = client.progress.filter((event) => event.token === token).map((event) => event.value.kind);
    assert.deepEqual([kinds[0], kinds.at(-1)], ['begin', 'end']);
  });

  it('answers unchanged when neither the document nor its folder changed', async () => {
    const document = await open('main/basic/jobs.ts');
    const first = await client.pull(document);
    assert.equal(first.kind, 'full');
    const second = await client.pull(document, first.resultId);
    assert.deepEqual(second, { kind: 'unchanged', resultId: first.resultId });
    await client.close(document);
  });

  it('re-analyses a dependent file when the file it imports changes unsaved, and asks for a refresh', async (t) => {
    const a = await open('main/cross/a.ts');
    const b = await open('main/cross/b.ts');
    const before = await client.pull(b);
    assert.equal(before.kind, 'full');
    assert.deepEqual(floatingPromises(before.items), []);

    const refreshes = client.refreshRequests;
    const started = performance.now();
    await client.replaceText(a, 'export async function load(): Promise<number> {\n  return 1;\n}\n');
    await client.waitFor('a diagnostic refresh request', () => client.refreshRequests > refreshes);
    const refreshedAfter = performance.now() - started;
    const after = await client.pull(b, before.resultId);
    assert.equal(after.kind, 'full', 'the result id moved with the change in a.ts');
    const [diagnostic] = floatingPromises(after.items);
    assert.ok(diagnostic, 'b.ts now has a floating promise');
    assert.deepEqual(diagnostic.range, { start: { line: 3, character: 2 }, end: { line: 3, character: 10 } });
    t.diagnostic(`didChange in a.ts -> refresh request ${Math.round(refreshedAfter)} ms, -> fresh diagnostics of b.ts ${Math.round(performance.now() - started)} ms`);
  });

  it('re-analyses open files when a file they import changes on disk', async () => {
    const user = await open('main/cross/user.ts');
    const before = await client.pull(user);
    assert.equal(before.kind, 'full');
    assert.deepEqual(floatingPromises(before.items), []);
    const refreshes = client.refreshRequests;
    fs.writeFileSync(file('main/cross/disk.ts'), 'export async function save(): Promise<number> {\n  return 1;\n}\n');
    await client.filesChanged([{ file: file('main/cross/disk.ts'), type: FileChangeType.Changed }]);
    await client.waitFor('a refresh after the watched file changed', () => client.refreshRequests > refreshes);
    const after = await client.pull(user, before.resultId);
    assert.equal(after.kind, 'full');
    assert.equal(floatingPromises(after.items).length, 1);
  });

  it('publishes a broken tsconfig as config-error, still analyses its files, and clears it once fixed', async () => {
    const configUri = uriOf(file('main/broken/tsconfig.json'));
    const document = await open('main/broken/job.ts');
    assert.equal(floatingPromises(await client.pullItems(document)).length, 1, 'the file is analysed with inferred settings');
    const [problem] = await client.waitFor('config-error published on the tsconfig', () => {
      const published = client.published.get(configUri);
      return published !== undefined && published.length > 0 ? published : undefined;
    });
    assert.equal(problem.code, 'config-error');
    assert.equal(problem.source, 'bounded');
    assert.equal(problem.severity, DiagnosticSeverity.Error);
    assert.match(problem.codeDescription?.href ?? '', /config-error\.md$/);

    fs.writeFileSync(file('main/broken/tsconfig.json'), tsconfig);
    await client.filesChanged([{ file: file('main/broken/tsconfig.json'), type: FileChangeType.Changed }]);
    await client.waitFor('the config problem to be cleared', () => client.published.get(configUri)?.length === 0);
    assert.equal(floatingPromises(await client.pullItems(document)).length, 1);
  });

  it('survives a file that does not parse and keeps answering', async () => {
    const broken = await open('main/basic/syntax.ts');
    const report = await client.pull(broken);
    assert.equal(report.kind, 'full');
    const service = await open('main/basic/stale.ts');
    assert.equal(floatingPromises(await client.pullItems(service)).length, 1);
    assert.ok(client.isRunning());
    await client.close(broken);
    await client.close(service);
  });

  it('offers source.fixAll.bounded applying every preferred fix', async () => {
    const document = await open('main/basic/jobs.ts');
    const diagnostics = floatingPromises(await client.pullItems(document));
    assert.equal(diagnostics.length, 2);
    const everything = { start: { line: 0, character: 0 }, end: { line: 8, character: 0 } };
    const actions = await client.codeActions(document, everything, [], ['source.fixAll.bounded']);
    assert.deepEqual(actions.map((action) => action.kind), ['source.fixAll.bounded']);
    await client.applyWorkspaceEdit(document, actions[0].edit);
    assert.match(document.text, /await step\('a'\);\n {2}await step\('b'\);/);
    assert.deepEqual(floatingPromises(await client.pullItems(document)), []);
    assert.deepEqual(await client.codeActions(document, everything, [], ['quickfix']), [], 'no source action unless asked for');
  });

  it('gives no code actions for a document version it has not analysed', async () => {
    const document = await open('main/basic/stale.ts');
    const [diagnostic] = floatingPromises(await client.pullItems(document));
    assert.ok(diagnostic);
    await client.edit(document, [{ range: { start: { line: 7, character: 0 }, end: { line: 7, character: 0 } }, newText: '// edited\n' }]);
    assert.deepEqual(await client.codeActions(document, diagnostic.range, [diagnostic]), []);
    const [fresh] = floatingPromises(await client.pullItems(document));
    assert.ok((await client.codeActions(document, fresh.range, [fresh])).length > 0, 'the analysed version has its fixes again');
  });

  it('applies settings per workspace folder and excludes files', async () => {
    const quiet = await open('quiet/service.ts');
    assert.deepEqual(floatingPromises(await client.pullItems(quiet)), [], 'floating-promise is off in the quiet folder');
    const generated = await open('main/generated/out.ts');
    assert.deepEqual(await client.pullItems(generated), [], 'excluded files get no diagnostics');
  });

  it('analyses untitled documents with inferred settings', async () => {
    const document = await client.openUri('untitled:Untitled-1', floatingInAsync);
    assert.equal(floatingPromises(await client.pullItems(document)).length, 1);
    await client.close(document);
  });

  it('turns a rule off after didChangeConfiguration', async () => {
    const document = await open('main/basic/settings.ts');
    assert.equal(floatingPromises(await client.pullItems(document)).length, 1);
    const refreshes = client.refreshRequests;
    mainSettings = { ...mainSettings, rules: { 'floating-promise': { severity: 'off' } } };
    await client.changeSettings();
    await client.waitFor('a refresh after the settings change', () => client.refreshRequests > refreshes);
    assert.deepEqual(floatingPromises(await client.pullItems(document)), []);

    const restored = client.refreshRequests;
    mainSettings = { exclude: ['**/generated/**'] };
    await client.changeSettings();
    await client.waitFor('a refresh after restoring the settings', () => client.refreshRequests > restored);
    assert.equal(floatingPromises(await client.pullItems(document)).length, 1);
  });

  it('traces each analysis only while the client has the trace on', async () => {
    const document = await open('main/basic/cancel.ts');
    await client.pullItems(document);
    assert.deepEqual(client.traces, [], 'no trace before $/setTrace');
    await client.setTrace('verbose');
    await client.edit(document, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: '\n' }]);
    await client.pullItems(document);
    await client.waitFor('a trace of the analysis', () => client.traces.find((message) => message.startsWith('Analysed ') && message.includes('cancel.ts')));
    await client.setTrace('off');
    await client.close(document);
  });

  it('honours cancellation and keeps serving afterwards', async () => {
    const document = await open('main/basic/cancel.ts');
    const source = new CancellationTokenSource();
    const pulled = client.pull(document, undefined, source.token);
    source.cancel();
    await pulled.then(
      (report) => assert.equal(report.kind, 'full'),
      (error: unknown) => {
        assert.ok(error instanceof ResponseError, String(error));
        assert.equal(error.code, LSPErrorCodes.RequestCancelled);
      },
    );

    const workspaceSource = new CancellationTokenSource();
    const analysed = client.connection.sendRequest(AnalyzeWorkspaceRequest.type, {}, workspaceSource.token);
    workspaceSource.cancel();
    await assert.rejects(analysed, (error: unknown) => error instanceof ResponseError && error.code === LSPErrorCodes.RequestCancelled);

    assert.equal(floatingPromises(await client.pullItems(document)).length, 1);
  });

  it('analyses the whole workspace with progress on the client token', async () => {
    const workDoneToken = 'analyse-workspace-test';
    client.trackProgress(workDoneToken);
    const result = await client.connection.sendRequest(AnalyzeWorkspaceRequest.type, { workDoneToken });
    // main: basic (6 files) + cross (4) + broken (1); generated/ is excluded. quiet: 1 file (rule off there).
    assert.equal(result.files, 12);
    assert.ok(result.findings >= 4, `findings: ${result.findings}`);
    assert.ok(result.durationMs >= 0);
    const kinds = client.progress.filter((event) => event.token === workDoneToken).map((event) => event.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds.at(-1), 'end');
    const idle = await client.waitFor('an idle status after the run', () => client.statuses.at(-1)?.state === 'idle' && client.statuses.at(-1));
    assert.equal(typeof idle.findings, 'number');
    assert.ok(idle.lastAnalysisAt !== undefined && idle.lastAnalysisMs !== undefined);
    assert.ok(client.statuses.some((status) => status.state === 'analyzing'));
  });

  it('logged no errors along the way', () => {
    const errors = client.logs.filter((line) => line.startsWith('[log 1]') || line.startsWith('[stderr]'));
    assert.deepEqual(errors, [], client.transcript());
  });
});
