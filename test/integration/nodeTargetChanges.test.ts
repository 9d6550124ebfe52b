// The built language server over stdio: which Node a project targets (engines.node, .nvmrc) decides
// server-keep-alive's default, and a change of those files, as the file watcher reports it, is
// seen by the next pull of an open file and by the pushed findings of the closed ones.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Diagnostic, FileChangeType } from 'vscode-languageserver-protocol';
import { AnalyzeWorkspaceRequest } from '../../src/shared/lspProtocol';
import { LspTestClient, type OpenDocument, uriOf } from './lspTestClient';

const server = `import * as http from 'node:http';

declare function handle(request: unknown, response: unknown): void;

export const server = http.createServer(handle);
server.listen(8080);
`;

let root: string;
let client: LspTestClient;
let openDocument: OpenDocument;

function file(name: string): string {
  return path.join(root, name);
}

function keepAlive(diagnostics: readonly Diagnostic[] | undefined): Diagnostic[] {
  return (diagnostics ?? []).filter((diagnostic) => diagnostic.code === 'server-keep-alive');
}

/** Waits until the closed file's push and the open file's pull both hold `count` server-keep-alive findings. */
async function findings(count: number): Promise<Diagnostic[]> {
  await client.waitFor(`${count} pushed server-keep-alive diagnostic(s) on closed.ts`, () => keepAlive(client.published.get(uriOf(file('closed.ts')))).length === count || undefined);
  for (let attempt = 0; ; attempt++) {
    const pulled = keepAlive(await client.pullItems(openDocument));
    if (pulled.length === count) return pulled;
    if (attempt > 100) assert.fail(`the open file pulls ${pulled.length} server-keep-alive finding(s), not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function messageOf(diagnostic: Diagnostic): string {
  return typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
}

async function writeAndTell(name: string, text: string, type: FileChangeType): Promise<void> {
  fs.writeFileSync(file(name), text);
  await client.filesChanged([{ file: file(name), type }]);
}

describe('the target Node version in the language server', () => {
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded-node-target-'));
    fs.writeFileSync(file('tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, noEmit: true, types: [] }, include: ['*.ts'] }));
    fs.writeFileSync(file('package.json'), JSON.stringify({ name: 'api', private: true, engines: { node: '>=20' } }));
    fs.writeFileSync(file('open.ts'), server);
    fs.writeFileSync(file('closed.ts'), server);
    client = await LspTestClient.start({ workspaceFolders: [root], settings: () => ({}) });
    openDocument = await client.open(file('open.ts'), server);
  });

  after(async () => {
    await client?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("reports Node 20's 5 s default behind the ALB, in open and closed files", async () => {
    await client.connection.sendRequest(AnalyzeWorkspaceRequest.type, {});
    const [finding] = await findings(1);
    assert.match(messageOf(finding), /5 s \(Node 20's default, Node version from engines\.node ">=20"\)/);
  });

  it("drops the findings when package.json moves to Node 26 (65 s default), and they come back with .nvmrc's 22", async () => {
    await writeAndTell('package.json', JSON.stringify({ name: 'api', private: true, engines: { node: '>=26' } }), FileChangeType.Changed);
    await findings(0);
    // engines.node still wins over .nvmrc; without it, .nvmrc decides.
    await writeAndTell('.nvmrc', 'v22.11.0\n', FileChangeType.Created);
    await findings(0);
    await writeAndTell('package.json', JSON.stringify({ name: 'api', private: true }), FileChangeType.Changed);
    const [finding] = await findings(1);
    assert.match(messageOf(finding), /Node 22's default, Node version from \.nvmrc "v22\.11\.0"/);
  });

  it('logged no errors along the way', () => {
    const errors = client.logs.filter((line) => line.startsWith('[log 1]') || line.startsWith('[stderr]'));
    assert.deepEqual(errors, [], client.transcript());
  });
});
