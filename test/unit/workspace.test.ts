// Config loading, project ownership, overlays and broken inputs of the analysis workspace.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { AnalysisWorkspace } from '../../src/analyzer/workspace';
import { scratchFolder } from '../support/scratchFolder';

const scratch = scratchFolder('workspace');
const temp = scratch.root;
const write = scratch.write;

const floating = `async function load(): Promise<number> { return 1; }\nexport async function run(): Promise<void> {\n  load();\n}\n`;
const strictConfig = JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true }, include: ['src'] });

function rulesFound(workspace: AnalysisWorkspace, file: string): string[] {
  return workspace.analyseFile(file).findings.map((f) => `${f.rule}@${f.range.start.line + 1}`);
}

describe('analysis workspace', () => {
  it('assigns a file to the nearest config that includes it', () => {
    write('owned/tsconfig.json', strictConfig);
    const file = write('owned/src/a.ts', floating);
    const loose = write('owned/scripts/loose.ts', floating);
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'owned')] });
    assert.equal(workspace.configOf(file), path.join(temp, 'owned/tsconfig.json'));
    assert.equal(workspace.configOf(loose), undefined, 'a file outside include goes to the inferred project');
    assert.deepEqual(rulesFound(workspace, file), ['floating-promise@3']);
    assert.deepEqual(rulesFound(workspace, loose), ['floating-promise@3']);
    assert.deepEqual(workspace.configFindings(), []);
  });

  it('follows project references from a solution-style config', () => {
    write('solution/tsconfig.json', JSON.stringify({ files: [], references: [{ path: './api' }, { path: './worker/tsconfig.json' }] }));
    write('solution/api/tsconfig.json', JSON.stringify({ compilerOptions: { composite: true, strict: true }, include: ['**/*.ts'] }));
    write('solution/worker/tsconfig.json', JSON.stringify({ compilerOptions: { composite: true, allowJs: true, checkJs: false }, include: ['**/*.js'] }));
    const api = write('solution/api/server.ts', floating);
    const worker = write('solution/worker/job.js', `async function step() { return 1; }\nexport function tick() {\n  step();\n}\n`);
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'solution')] });
    assert.equal(workspace.configOf(api), path.join(temp, 'solution/api/tsconfig.json'));
    assert.equal(workspace.configOf(worker), path.join(temp, 'solution/worker/tsconfig.json'));
    assert.deepEqual(rulesFound(workspace, worker), ['floating-promise@3'], 'allowJs files are analysed with types');
    assert.deepEqual(workspace.configFindings(), []);
  });

  it('reports a tsconfig that is not valid JSON once, on the config, and analyses its files with inferred settings', () => {
    const config = write('brokenjson/tsconfig.json', '{ "compilerOptions": { "strict": true,, }');
    const file = write('brokenjson/src/a.ts', floating);
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'brokenjson')] });
    assert.deepEqual(rulesFound(workspace, file), ['floating-promise@3']);
    const problems = workspace.configFindings();
    assert.equal(problems.length, 1);
    assert.equal(problems[0].file, config);
    assert.equal(problems[0].rule, 'config-error');
    assert.equal(problems[0].severity, 'error');
    assert.match(problems[0].message, /tsconfig\.json/);
    assert.match(problems[0].message, /inferred settings/);
    assert.equal(problems[0].range.start.line, 0);
  });

  it('reports a missing extends and a missing reference, naming them, with their lines', () => {
    write('missing/tsconfig.json', `{\n  "extends": "./base/tsconfig.base.json",\n  "compilerOptions": { "strict": true },\n  "include": ["src"],\n  "references": [{ "path": "./packages/gone" }]\n}\n`);
    const file = write('missing/src/a.ts', floating);
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'missing')] });
    assert.deepEqual(rulesFound(workspace, file), ['floating-promise@3']);
    const problems = workspace.configFindings();
    assert.equal(problems.length, 1, 'one diagnostic per config file');
    assert.match(problems[0].message, /tsconfig\.base\.json/);
    assert.match(problems[0].message, /packages\/gone/);
    assert.match(problems[0].message, /2 problems/);
  });

  it('lays the editor text over the disk and goes back to the disk on close', () => {
    write('overlay/tsconfig.json', strictConfig);
    const file = write('overlay/src/a.ts', floating);
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'overlay')] });
    assert.deepEqual(rulesFound(workspace, file), ['floating-promise@3']);
    workspace.setOverlay(file, floating.replace('  load();', '  await load();'));
    assert.deepEqual(rulesFound(workspace, file), []);
    workspace.removeOverlay(file);
    assert.deepEqual(rulesFound(workspace, file), ['floating-promise@3']);
  });

  it('updates findings in a file when a file it imports changes (no stale cross-file types)', () => {
    write('crossfile/tsconfig.json', strictConfig);
    const a = write('crossfile/src/a.ts', 'export function load(): number { return 1; }\n');
    const b = write('crossfile/src/b.ts', `import { load } from './a';\nexport function run(): void {\n  load();\n}\n`);
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'crossfile')] });
    assert.deepEqual(rulesFound(workspace, b), []);
    workspace.setOverlay(a, 'export async function load(): Promise<number> { return 1; }\n');
    assert.deepEqual(rulesFound(workspace, b), ['floating-promise@3']);
    fs.writeFileSync(a, 'export function load(): Promise<number> { return Promise.resolve(1); }\n');
    workspace.removeOverlay(a);
    workspace.fileChanged(a, 'changed');
    assert.deepEqual(rulesFound(workspace, b), ['floating-promise@3'], 'the disk version is read again after a change');
  });

  it('sees files created after the config was loaded', () => {
    write('created/tsconfig.json', strictConfig);
    write('created/src/a.ts', 'export const x = 1;\n');
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'created')] });
    assert.deepEqual(workspace.discoverFiles().map((f) => path.basename(f)), ['a.ts']);
    const fresh = write('created/src/fresh.ts', floating);
    workspace.fileChanged(fresh, 'created');
    assert.equal(workspace.configOf(fresh), path.join(temp, 'created/tsconfig.json'));
    assert.deepEqual(rulesFound(workspace, fresh), ['floating-promise@3']);
  });

  it('yields the findings it can in a file that does not parse, and survives binary junk', () => {
    write('junk/tsconfig.json', strictConfig);
    const broken = write('junk/src/broken.ts', `${floating}\nexport function oops( {\n  const = ;\n`);
    const binary = write('junk/src/binary.ts', '\u0000\u0001\u0002 \uFFFD\uD800 export const');
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'junk')] });
    assert.deepEqual(rulesFound(workspace, broken), ['floating-promise@3']);
    assert.deepEqual(rulesFound(workspace, binary), []);
  });

  it('skips excluded folders when discovering files', () => {
    write('discover/tsconfig.json', strictConfig);
    write('discover/src/a.ts', 'export const a = 1;\n');
    write('discover/src/types.d.ts', 'export type T = 1;\n');
    write('discover/node_modules/dep/index.js', 'module.exports = 1;\n');
    write('discover/dist/a.js', 'exports.a = 1;\n');
    write('discover/generated/g.ts', 'export const g = 1;\n');
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'discover')], exclude: ['**/dist/**', 'generated/**', '**/node_modules/**'] });
    assert.deepEqual(workspace.discoverFiles().map((f) => path.relative(path.join(temp, 'discover'), f)), ['src/a.ts']);
    assert.ok(workspace.isExcluded(path.join(temp, 'discover/generated/g.ts')));
  });

  it('honours severity settings, and off switches a rule off', () => {
    write('severity/tsconfig.json', strictConfig);
    const file = write('severity/src/a.ts', floating);
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'severity')], settings: { 'floating-promise': { severity: 'error' } } });
    assert.equal(workspace.analyseFile(file).findings[0].severity, 'error');
    workspace.setSettings({ 'floating-promise': { severity: 'off' } });
    assert.deepEqual(rulesFound(workspace, file), []);
  });

  it('stops when cancelled', () => {
    write('cancel/tsconfig.json', strictConfig);
    const file = write('cancel/src/a.ts', floating.repeat(1).concat(Array.from({ length: 400 }, (_, i) => `export const v${i} = ${i};`).join('\n')));
    const workspace = new AnalysisWorkspace({ roots: [path.join(temp, 'cancel')] });
    assert.throws(() => workspace.analyseFile(file, { isCancellationRequested: true }), /cancelled/);
    assert.deepEqual(rulesFound(workspace, file), ['floating-promise@3'], 'and works again afterwards');
  });
});
