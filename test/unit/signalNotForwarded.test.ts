// signal-not-forwarded resolves the callee through the checker: an edit of the callee in one file
// changes the findings at its call sites in another.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFixesToText } from '../../src/analyzer/applyFixes';
import { AnalysisWorkspace } from '../../src/analyzer/workspace';
import { scratchFolder } from '../support/scratchFolder';

const scratch = scratchFolder('signal-not-forwarded');
const config = JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: [], lib: ['ES2022', 'DOM'] }, include: ['src'] });
const withoutSignal = `export async function fetchUser(id: string): Promise<string> {\n  return id;\n}\n`;
const withSignal = `export async function fetchUser(id: string, signal?: AbortSignal): Promise<string> {\n  return signal?.aborted ? '' : id;\n}\n`;
const caller = `import { fetchUser } from './a';\nexport async function handle(id: string, signal: AbortSignal): Promise<string> {\n  return fetchUser(id);\n}\n`;

function findingsOf(workspace: AnalysisWorkspace, file: string): string[] {
  return workspace.analyseFile(file).findings.filter((f) => f.rule === 'signal-not-forwarded').map((f) => `${f.rule}@${f.range.start.line + 1}:${f.range.start.character}`);
}

describe('signal-not-forwarded across files', () => {
  it('reports a call site once the callee in another file takes a signal, and stops when it no longer does', () => {
    scratch.write('crossfile/tsconfig.json', config);
    const a = scratch.write('crossfile/src/a.ts', withoutSignal);
    const b = scratch.write('crossfile/src/b.ts', caller);
    const workspace = new AnalysisWorkspace({ roots: [path.join(scratch.root, 'crossfile')] });
    assert.deepEqual(findingsOf(workspace, b), [], 'the callee takes no signal: nothing to forward');
    workspace.setOverlay(a, withSignal);
    assert.deepEqual(findingsOf(workspace, b), ['signal-not-forwarded@3:9']);
    const fix = workspace.analyseFile(b).findings.find((f) => f.rule === 'signal-not-forwarded')?.fixes?.[0];
    assert.ok(fix, 'the finding offers a fix');
    workspace.removeOverlay(a);
    assert.deepEqual(findingsOf(workspace, b), []);
  });

  it('names the chain when the signal is dropped deeper down, and follows an edit of the last callee', () => {
    scratch.write('chain/tsconfig.json', config);
    const client = scratch.write('chain/src/client.ts', withoutSignal);
    scratch.write('chain/src/service.ts', `import { fetchUser } from './client';\nexport async function loadUser(id: string): Promise<string> {\n  return fetchUser(id);\n}\n`);
    scratch.write('chain/src/index.ts', `export { loadUser as loadAccount } from './service';\n`);
    const handler = scratch.write('chain/src/handler.ts', `import { loadAccount } from './index';\nexport async function handle(id: string, signal: AbortSignal): Promise<string> {\n  return loadAccount(id);\n}\n`);
    const workspace = new AnalysisWorkspace({ roots: [path.join(scratch.root, 'chain')] });
    assert.deepEqual(findingsOf(workspace, handler), [], 'nothing down the chain takes a signal');
    workspace.setOverlay(client, withSignal);
    assert.deepEqual(findingsOf(workspace, handler), ['signal-not-forwarded@3:9']);
    const finding = workspace.analyseFile(handler).findings.find((f) => f.rule === 'signal-not-forwarded');
    assert.match(finding?.message ?? '', /`loadAccount` → `fetchUser` could be cancelled but `loadAccount` takes no signal/);
    assert.deepEqual(finding?.fixes, [], 'the callee needs a new parameter: no automatic fix');
    workspace.removeOverlay(client);
    assert.deepEqual(findingsOf(workspace, handler), []);
  });
});

describe('signal-not-forwarded: composing with the call\'s own deadline', () => {
  it('offers AbortSignal.any([signal, AbortSignal.timeout(ms)]) beside the plain fix when the options have a timeout, and it compiles', () => {
    scratch.write('compose/tsconfig.json', JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, noEmit: true, types: ['node'], typeRoots: [path.resolve(__dirname, '../../node_modules/@types')] }, include: ['src'] }));
    const text = `import * as https from 'node:https';\nexport function ping(url: string, signal: AbortSignal): void {\n  https.get(url, { timeout: 5000 }, (res) => res.resume());\n}\n`;
    const file = scratch.write('compose/src/ping.ts', text);
    const workspace = new AnalysisWorkspace({ roots: [path.join(scratch.root, 'compose')] });
    const errorsBefore = workspace.compileErrorCount(file);
    const finding = workspace.analyseFile(file).findings.find((f) => f.rule === 'signal-not-forwarded');
    assert.ok(finding, 'the dropped signal is reported');
    assert.deepEqual(finding.fixes.map((f) => [f.title, f.preferred === true]), [
      ['Pass the signal: signal', true],
      ["Pass the signal, keeping the call's deadline: signal: AbortSignal.any([signal, AbortSignal.timeout(5000)])", false],
    ]);
    const composed = applyFixesToText(text, finding.fixes[1].edits);
    assert.match(composed, /\{ timeout: 5000, signal: AbortSignal\.any\(\[signal, AbortSignal\.timeout\(5000\)\]\) \}/);
    workspace.setOverlay(file, composed);
    assert.ok(workspace.compileErrorCount(file) <= errorsBefore, 'the composed fix compiles');
    assert.deepEqual(workspace.analyseFile(file).findings.filter((f) => f.rule === 'signal-not-forwarded'), []);
  });
});
