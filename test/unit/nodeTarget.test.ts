// The target Node major: parsing engines ranges and version files, where the workspace reads them,
// and that a change of those files (through fileChanged, as the file watcher reports it) is seen.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { majorOfVersionFile, minimumMajorOfRange } from '../../src/analyzer/nodeTarget';
import { AnalysisWorkspace } from '../../src/analyzer/workspace';
import { scratchFolder } from '../support/scratchFolder';

const scratch = scratchFolder('node-target');
const write = scratch.write;

const config = JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: [] }, include: ['src'] });
const server = `import * as http from 'node:http';\nexport const server = http.createServer((_req: unknown, res: { end(): void }) => res.end());\n`;

describe('engines.node ranges', () => {
  const cases: Array<[string, number | undefined]> = [
    ['>=20', 20],
    ['^22.3', 22],
    ['~18.17.0', 18],
    ['20', 20],
    ['20.x', 20],
    ['v24.1.0', 24],
    ['>=18.0.0 <21', 18],
    ['>20', 21],
    ['>20.1', 20],
    ['18 || >=20', 18],
    ['^20.9 || ^22', 20],
    ['20 - 22', 20],
    ['>=26.0.0-rc.1', 26],
    ['*', undefined],
    ['', undefined],
    ['<22', undefined],
    ['<=18 || >=20', undefined],
    ['lts', undefined],
  ];
  for (const [range, major] of cases) {
    it(`"${range}" -> ${String(major)}`, () => assert.equal(minimumMajorOfRange(range), major));
  }
});

describe('.nvmrc / .node-version', () => {
  const cases: Array<[string, number | undefined]> = [
    ['v26.1.0\n', 26],
    ['20', 20],
    ['22.11.0\r\n', 22],
    ['lts/iron', 20],
    ['lts/*', undefined],
    ['node', undefined],
    ['# pinned\n24\n', 24],
    ['', undefined],
  ];
  for (const [text, major] of cases) {
    it(`${JSON.stringify(text)} -> ${String(major)}`, () => assert.equal(majorOfVersionFile(text), major));
  }
});

describe('the workspace reads the target per project', () => {
  it('prefers engines.node, then .nvmrc/.node-version, then @types/node', () => {
    write('order/tsconfig.json', config);
    const file = write('order/src/server.ts', server);
    write('order/node_modules/@types/node/package.json', JSON.stringify({ name: '@types/node', version: '22.15.3' }));
    const read = (): string => {
      const target = new AnalysisWorkspace({ roots: [path.join(scratch.root, 'order')] }).nodeTargetOf(file);
      return `${String(target.major)} (${target.source})`;
    };
    assert.equal(read(), '22 (@types/node 22.15.3)');
    write('order/.node-version', 'v24.4.0\n');
    assert.equal(read(), '24 (.node-version "v24.4.0")');
    write('order/package.json', JSON.stringify({ name: 'order', engines: { node: '>=20.11' } }));
    assert.equal(read(), '20 (engines.node ">=20.11")');
  });

  it('walks up from the tsconfig to the package that declares engines (a monorepo root)', () => {
    write('mono/package.json', JSON.stringify({ private: true, engines: { node: '^26.1' } }));
    write('mono/packages/api/package.json', JSON.stringify({ name: 'api' }));
    write('mono/packages/api/tsconfig.json', config);
    const file = write('mono/packages/api/src/server.ts', server);
    const target = new AnalysisWorkspace({ roots: [path.join(scratch.root, 'mono')] }).nodeTargetOf(file);
    assert.deepEqual(target, { major: 26, source: 'engines.node "^26.1"' });
  });

  it('is unknown when nothing says, and lts/* says nothing', () => {
    write('unknown/tsconfig.json', config);
    write('unknown/.nvmrc', 'lts/*\n');
    const file = write('unknown/src/server.ts', server);
    const target = new AnalysisWorkspace({ roots: [path.join(scratch.root, 'unknown')] }).nodeTargetOf(file);
    assert.equal(target.major, undefined);
    const findings = new AnalysisWorkspace({ roots: [path.join(scratch.root, 'unknown')] }).analyseFile(file).findings.filter((f) => f.rule === 'server-keep-alive');
    assert.equal(findings.length, 1, 'the older 5 s default is assumed');
    assert.match(findings[0].message, /target Node version is unknown/);
  });

  it('forgets the target when package.json, .nvmrc or .node-version change (fileChanged)', () => {
    write('watched/tsconfig.json', config);
    const manifest = write('watched/package.json', JSON.stringify({ name: 'watched', engines: { node: '>=20' } }));
    const file = write('watched/src/server.ts', server);
    const workspace = new AnalysisWorkspace({ roots: [path.join(scratch.root, 'watched')] });
    const keepAliveFindings = (): number => workspace.analyseFile(file).findings.filter((f) => f.rule === 'server-keep-alive').length;
    assert.equal(workspace.nodeTargetOf(file).major, 20);
    assert.equal(keepAliveFindings(), 1, "Node 20's 5 s is below the ALB's 60 s");

    write('watched/package.json', JSON.stringify({ name: 'watched', engines: { node: '>=26' } }));
    assert.equal(workspace.nodeTargetOf(file).major, 20, 'read once per project, not on every analysis');
    workspace.fileChanged(manifest, 'changed');
    assert.equal(workspace.nodeTargetOf(file).major, 26);
    assert.equal(keepAliveFindings(), 0, "Node 26's 65 s is above the ALB's 60 s");

    write('watched/package.json', JSON.stringify({ name: 'watched' }));
    const nvmrc = write('watched/.nvmrc', 'v22\n');
    workspace.fileChanged(nvmrc, 'created');
    assert.deepEqual(workspace.nodeTargetOf(file), { major: 22, source: '.nvmrc "v22"' });
    assert.equal(keepAliveFindings(), 1);
  });
});
