// What a vscode-tier run hands to VS Code: the mocha suites of test/vscode/suite/, compiled to
// CommonJS bundles that an extension host loads through extensionTestsPath (suite/index.ts becomes
// <outDir>/index.js and each *.test.ts a *.test.js beside it), and a copy of the fixture workspace.
import { build } from 'esbuild';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './codeServer';

const suiteDir = join(repoRoot, 'test', 'vscode', 'suite');
const fixtureWorkspace = join(repoRoot, 'test', 'vscode', 'workspace');

/** Copies test/vscode/workspace/ into `parentDir` and returns the copy's path: tests edit files in it. */
export function copyFixtureWorkspace(parentDir: string): string {
  const copy = join(parentDir, 'workspace');
  cpSync(fixtureWorkspace, copy, { recursive: true });
  return copy;
}

/**
 * A new folder under out/vscode-tests/ for one run's compiled suites, so that runs going on at the
 * same time in one checkout do not rebuild each other's. The caller removes it.
 */
export function createRunOutputDir(): string {
  const root = join(repoRoot, 'out', 'vscode-tests');
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, 'run-'));
}

/** Suite names, e.g. "activation" for activation.test.ts. */
/**
 * The suites to run: all of them, or those whose name contains BOUNDED_VSCODE_ONLY (a development
 * aid for running one suite; the packaged phase is skipped then).
 */
export const onlySuites = process.env.BOUNDED_VSCODE_ONLY || undefined;

function listSuites(): string[] {
  return readdirSync(suiteDir)
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => name.slice(0, -'.test.ts'.length))
    .filter((name) => onlySuites === undefined || name.includes(onlySuites))
    .sort();
}

/** Builds index.js and the given suites (all by default) into a freshly emptied `outDir`. */
export async function buildSuites(outDir: string, suites: readonly string[] = listSuites()): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  const entryPoints = ['index', ...suites.map((suite) => `${suite}.test`)].map((name) => join(suiteDir, `${name}.ts`));
  await build({
    entryPoints,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
    // Mocha's CommonJS build is loaded from node_modules at run time: its package entry is ESM,
    // which the Node of an older VS Code cannot require, and bundling it drags in its worker pool.
    alias: { mocha: 'mocha/lib/mocha.cjs' },
    external: ['vscode', 'mocha/lib/mocha.cjs'],
  });
}
