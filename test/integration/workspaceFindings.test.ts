// The built language server over stdio: after bounded/analyzeWorkspace the findings of the files
// that are not open are pushed (publishDiagnostics) for the Problems panel, and kept right as the
// files open, close, change on disk, and as the settings change; open files stay pulled.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Diagnostic, DiagnosticSeverity, FileChangeType } from 'vscode-languageserver-protocol';
import { AnalyzeWorkspaceRequest } from '../../src/shared/lspProtocol';
import { LspTestClient, type OpenDocument, uriOf } from './lspTestClient';

const floatingInAsync = `async function load(): Promise<number> {
  return 1;
}

export async function main(): Promise<void> {
  load();
}
`;

const fixture: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true },
    include: ['*.ts'],
  }),
  'open.ts': floatingInAsync,
  'closed.ts': floatingInAsync,
  'fixed.ts': floatingInAsync,
};

let root: string;
let client: LspTestClient;
let settings: Record<string, unknown> = {};
let openDocument: OpenDocument;

function file(name: string): string {
  return path.join(root, name);
}

function floatingPromises(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.code === 'floating-promise');
}

/** Waits until the diagnostics last pushed for the file are `count` floating promises; returns them. */
function pushed(name: string, count: number): Promise<Diagnostic[]> {
  return client.waitFor(`${count} pushed floating-promise diagnostic(s) on ${name}`, () => {
    const diagnostics = client.published.get(uriOf(file(name)));
    return diagnostics !== undefined && diagnostics.length === count && floatingPromises(diagnostics).length === count && diagnostics;
  });
}

async function changeSettings(next: Record<string, unknown>): Promise<void> {
  settings = next;
  await client.changeSettings();
}

describe('pushed findings of the workspace analysis', () => {
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded-pushed-'));
    for (const [name, text] of Object.entries(fixture)) fs.writeFileSync(file(name), text);
    client = await LspTestClient.start({ workspaceFolders: [root], settings: () => settings });
    openDocument = await client.open(file('open.ts'), floatingInAsync);
  });

  after(async () => {
    await client?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('pushes the findings of the closed files only; the open file is still pulled', async () => {
    const result = await client.connection.sendRequest(AnalyzeWorkspaceRequest.type, {});
    assert.equal(result.files, 3);
    assert.equal(result.findings, 3);
    const [closed] = await pushed('closed.ts', 1);
    await pushed('fixed.ts', 1);
    assert.equal(closed.source, 'bounded');
    assert.equal(closed.severity, DiagnosticSeverity.Warning);
    assert.match(closed.codeDescription?.href ?? '', /\/docs\/rules\/floating-promise\.md$/);

    const pulled = await client.pullItems(openDocument);
    assert.deepEqual(pulled, [closed], 'the same text gives the same diagnostic by pull and by push');
    assert.equal(client.published.has(openDocument.uri), false, 'nothing is pushed for the open file');
  });

  it('clears the push of a file that opens and pushes it again when it closes', async () => {
    const document = await client.open(file('closed.ts'), floatingInAsync);
    await pushed('closed.ts', 0);
    assert.equal(floatingPromises(await client.pullItems(document)).length, 1, 'the open file is pulled');
    await client.close(document);
    await pushed('closed.ts', 1);
  });

  it('analyses a closed file again when it changes on disk', async () => {
    fs.writeFileSync(file('fixed.ts'), floatingInAsync.replace('  load();', '  await load();'));
    await client.filesChanged([{ file: file('fixed.ts'), type: FileChangeType.Changed }]);
    await pushed('fixed.ts', 0);
    assert.equal(client.published.get(uriOf(file('closed.ts')))?.length, 1, 'the other file keeps its push');
  });

  it('pushes again when the settings change: rule off, rule back on, file excluded', async () => {
    await changeSettings({ rules: { 'floating-promise': { severity: 'off' } } });
    await pushed('closed.ts', 0);
    await changeSettings({});
    await pushed('closed.ts', 1);
    await changeSettings({ exclude: ['closed.ts'] });
    await pushed('closed.ts', 0);
    await changeSettings({});
    await pushed('closed.ts', 1);
    assert.equal(client.published.has(openDocument.uri), false, 'still nothing pushed for the open file');
  });

  it('clears the push of a file deleted from disk', async () => {
    fs.rmSync(file('closed.ts'));
    await client.filesChanged([{ file: file('closed.ts'), type: FileChangeType.Deleted }]);
    await pushed('closed.ts', 0);
  });

  it('logged no errors along the way', () => {
    const errors = client.logs.filter((line) => line.startsWith('[log 1]') || line.startsWith('[stderr]'));
    assert.deepEqual(errors, [], client.transcript());
  });
});
