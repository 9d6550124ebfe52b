// The plane boundaries of .dependency-cruiser.cjs hold for src and webview, and the check really
// fails: the same config over a small tree with one forbidden import per rule reports each of them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

const root = join(__dirname, '..', '..');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'bounded-architecture-'));

after(() => rmSync(scratch, { recursive: true, force: true }));

interface Dependency {
  module: string;
  resolved: string;
  couldNotResolve: boolean;
}

interface CruiseResult {
  modules: Array<{ source: string; dependencies: Dependency[] }>;
  summary: {
    totalCruised: number;
    violations: Array<{ rule: { name: string }; from: string; to: string }>;
  };
}

/** Runs the depcruise CLI in `cwd` with the config found there and returns its JSON report. */
function cruise(cwd: string, targets: string[]): CruiseResult {
  const report = join(mkdtempSync(join(scratch, 'report-')), 'cruise.json');
  const run = spawnSync(process.execPath, [depcruise, ...targets, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', '--output-to', report], {
    cwd,
    encoding: 'utf8',
  });
  assert.equal(run.error, undefined);
  assert.equal(run.stderr, '', 'depcruise writes no warnings');
  return JSON.parse(readFileSync(report, 'utf8')) as CruiseResult;
}

function dependency(result: CruiseResult, from: string, module: string): Dependency | undefined {
  return result.modules.find((m) => m.source === from)?.dependencies.find((d) => d.module === module);
}

function describeViolations(result: CruiseResult): string[] {
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

describe('architecture (dependency-cruiser)', () => {
  it('src and webview respect the plane boundaries', () => {
    const result = cruise(root, ['src', 'webview']);
    assert.ok(result.summary.totalCruised > 0);
    assert.deepEqual(describeViolations(result), []);
    // The edges the rules look for are really seen: `vscode` (types only in node_modules) and the
    // language server package behind its `node` export condition.
    assert.equal(dependency(result, 'src/extension/main.ts', 'vscode')?.resolved, 'node_modules/@types/vscode/index.d.ts');
    assert.equal(dependency(result, 'src/server/main.ts', 'vscode-languageserver/node')?.couldNotResolve, false);
  });

  // One forbidden import per rule, plus allowed edges that must stay quiet.
  const tree: Record<string, string> = {
    'src/analyzer/usesVscode.ts': "import * as vscode from 'vscode';\nexport const window = vscode.window;\n",
    'src/live/typeOnly.ts': "import type { Disposable } from 'vscode';\nexport type Handle = Disposable;\n",
    'src/analyzer/usesLsp.ts': "import { createConnection } from 'vscode-languageserver/node';\nexport const connect = createConnection;\n",
    'src/cli/usesClient.ts': "import { LanguageClient } from 'vscode-languageclient/node';\nexport const Client = LanguageClient;\n",
    'src/cli/main.ts': 'export function main(): void {}\n',
    'src/server/usesCli.ts': "import { main } from '../cli/main';\nexport const run = main;\n",
    'src/extension/outputLog.ts': 'export const format = (s: string): string => s;\n',
    'src/live/usesExtension.ts': "import { format } from '../extension/outputLog';\nexport const log = format;\n",
    'src/shared/usesServer.ts': "import { run } from '../server/usesCli';\nexport const start = run;\n",
    'webview/usesAnalyzer.ts': "import { window } from '../src/analyzer/usesVscode';\nexport const w = window;\n",
    'src/shared/settings.ts': 'export const defaults = {};\n',
    'src/extension/main.ts': "import * as vscode from 'vscode';\nimport { format } from './outputLog';\nimport { defaults } from '../shared/settings';\nexport const parts = [vscode, format, defaults];\n",
    'src/server/main.ts': "import { createConnection } from 'vscode-languageserver/node';\nimport { defaults } from '../shared/settings';\nexport const parts = [createConnection, defaults];\n",
    'webview/main.ts': "import { defaults } from '../src/shared/settings';\nexport const parts = [defaults];\n",
    'src/analyzer/rules/fixtures/sample.ts': "import * as vscode from 'vscode';\nexport const ignored = vscode;\n",
  };

  const expected = [
    'cli-without-editor: src/cli/usesClient.ts -> vscode-languageclient',
    'engine-without-vscode: src/analyzer/usesLsp.ts -> vscode-languageserver',
    'engine-without-vscode: src/analyzer/usesVscode.ts -> vscode',
    'engine-without-vscode: src/live/typeOnly.ts -> vscode',
    'extension-is-a-leaf: src/live/usesExtension.ts -> src/extension/outputLog.ts',
    'server-not-upward: src/server/usesCli.ts -> src/cli/main.ts',
    'shared-is-self-contained: src/shared/usesServer.ts -> src/server/usesCli.ts',
    'webview-only-shared: webview/usesAnalyzer.ts -> src/analyzer/usesVscode.ts',
  ];

  function plant(withNodeModules: boolean): string {
    const dir = mkdtempSync(join(scratch, withNodeModules ? 'resolved-' : 'unresolved-'));
    copyFileSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    copyFileSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    if (withNodeModules) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    for (const [file, text] of Object.entries(tree)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return dir;
  }

  /** The reported violations, a package target shortened to its name (resolved or not). */
  function found(result: CruiseResult): string[] {
    const target = (to: string) => (/^(src|webview)\//.test(to) ? to : (/vscode[\w-]*/.exec(to)?.[0] ?? to));
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${target(v.to)}`).sort();
  }

  it('reports each forbidden import, with packages resolved through node_modules', () => {
    const result = cruise(plant(true), ['src', 'webview']);
    assert.deepEqual(found(result), expected, describeViolations(result).join('\n'));
    assert.match(result.summary.violations.find((v) => v.from === 'src/analyzer/usesVscode.ts')?.to ?? '', /node_modules\/@types\/vscode\//);
  });

  it('reports each forbidden import when vscode and the LSP packages do not resolve at all', () => {
    const result = cruise(plant(false), ['src', 'webview']);
    assert.deepEqual(found(result), expected, describeViolations(result).join('\n'));
    assert.equal(result.summary.violations.find((v) => v.from === 'src/analyzer/usesVscode.ts')?.to, 'vscode');
  });
});
