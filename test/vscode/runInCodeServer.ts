// The vscode test tier (run by scripts/runTests.mjs): runs the mocha suites of test/vscode/suite/
// inside a real VS Code extension host, code-server's, with its workbench open in headless Chromium.
//
// Phase 1, development: the extension is loaded from this checkout (extensionDevelopmentPath).
// Phase 2, packaged: the extension is packaged with vsce, installed with --install-extension, and
//   the activation suite runs against that installed copy.
// Both open a temporary copy of test/vscode/workspace/. Mocha's output is relayed to stdout, and the
// run closes with the combined "N passing" / "N failing" lines that runTests.mjs counts.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { buildSuites, copyFixtureWorkspace, createRunOutputDir, onlySuites } from './testInputs';
import {
  ensureCodeServer,
  installExtension,
  repoRoot,
  requireDebianPackages,
  startCodeServer,
  workbenchUrl,
  type CodeServer,
  type WorkbenchOptions,
} from './codeServer';

const execFileAsync = promisify(execFile);

const runTimeoutMs = 10 * 60_000;
const phaseTimeoutMs = 4 * 60_000;
const packagedSuites = ['activation'];

const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface PhaseResult {
  readonly name: string;
  readonly exitCode: number;
  readonly passing: number;
  readonly failing: number;
}

interface Phase extends WorkbenchOptions {
  readonly name: string;
  readonly server: CodeServer;
  readonly extensionTestsPath: string;
  /** The workbench runs extension tests only in extension development mode. */
  readonly extensionDevelopmentPath: string;
}

/** Everything to close or delete when the run ends, however it ends; the latest first. */
const cleanups: Array<() => Promise<void> | void> = [];

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`cleanup failed: ${String(error)}\n`);
    }
  }
}

function lastCount(output: string, word: 'passing' | 'failing'): number {
  const matches = [...output.matchAll(new RegExp(`^\\s*(\\d+) ${word}`, 'gm'))];
  return matches.length > 0 ? Number(matches[matches.length - 1][1]) : 0;
}

/** Settles as `work` does, or rejects with `message` once `timeoutMs` has passed. */
async function withDeadline<T>(work: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the workbench with the phase's extension tests and resolves when they settle. */
async function runPhase(browser: Browser, phase: Phase): Promise<PhaseResult> {
  process.stdout.write(`\n--- ${phase.name} ---\n`);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    let output = '';
    let settle: (exitCode: number) => void = () => {};
    const suitesExited = new Promise<number>((resolve) => {
      settle = resolve;
    });
    // Called by the workbench when the tests module's run() settles: 0 when it resolved.
    await page.exposeFunction('codeAutomationExit', (exitCode: number) => settle(exitCode));
    // Receives the workbench's log, which in extension test mode carries the extension host's console.
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const text = `${format(...args)}\n`;
      output += text;
      process.stdout.write(type === 'error' ? `[error] ${text}` : text);
    });
    const pageCrashed = new Promise<never>((_, reject) => {
      page.on('crash', () => reject(new Error('the workbench page crashed')));
    });
    const serverEnded = phase.server.exited.then((how): never => {
      throw new Error(`code-server ended during the suites (${how})`);
    });
    await page.goto(workbenchUrl(phase.server, phase));
    const exitCode = await withDeadline(
      Promise.race([suitesExited, pageCrashed, serverEnded]),
      phaseTimeoutMs,
      `the suites (${phase.name}) did not finish within ${phaseTimeoutMs / 1000} s`,
    );
    return { name: phase.name, exitCode, passing: lastCount(output, 'passing'), failing: lastCount(output, 'failing') };
  } finally {
    await context.close();
  }
}

/** Packages the current build the way `npm run package` does (same vsce flags), into `outDir`. */
async function packageExtension(outDir: string): Promise<string> {
  const vsix = join(outDir, 'bounded.vsix');
  const vsce = join(repoRoot, 'node_modules', '.bin', 'vsce');
  await execFileAsync(vsce, ['package', '--no-dependencies', '--no-rewrite-relative-links', '--out', vsix], { cwd: repoRoot });
  return vsix;
}

async function main(): Promise<number> {
  await requireDebianPackages(['chromium'], 'The vscode test tier');
  const scratch = mkdtempSync(join(tmpdir(), 'bounded-vscode-tests-'));
  cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
  const workspace = copyFixtureWorkspace(scratch);

  const runOutput = createRunOutputDir();
  cleanups.push(() => rmSync(runOutput, { recursive: true, force: true }));
  const developmentSuites = join(runOutput, 'development');
  const packagedSuitesDir = join(runOutput, 'packaged');
  await Promise.all([buildSuites(developmentSuites), buildSuites(packagedSuitesDir, packagedSuites), ensureCodeServer()]);

  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  cleanups.push(() => browser.close());

  const results: PhaseResult[] = [];
  const developmentServer = await startCodeServer();
  cleanups.push(() => developmentServer.stop());
  results.push(
    await runPhase(browser, {
      name: 'extension loaded from the checkout',
      server: developmentServer,
      folder: workspace,
      extensionTestsPath: developmentSuites,
      extensionDevelopmentPath: repoRoot,
    }),
  );
  await developmentServer.stop();
  if (onlySuites !== undefined) return report(results);

  const vsix = await packageExtension(scratch);
  const extensionsDir = join(scratch, 'extensions');
  const noExtensionDir = join(scratch, 'no-extension-in-development');
  mkdirSync(noExtensionDir);
  await installExtension(vsix, extensionsDir);
  const packagedServer = await startCodeServer({ extensionsDir });
  cleanups.push(() => packagedServer.stop());
  results.push(
    await runPhase(browser, {
      name: 'extension installed from the packaged .vsix',
      server: packagedServer,
      folder: workspace,
      extensionTestsPath: packagedSuitesDir,
      // Development mode with no extension in development: bounded.bounded can only be the installed copy.
      extensionDevelopmentPath: noExtensionDir,
    }),
  );

  return report(results);
}

function report(results: readonly PhaseResult[]): number {
  process.stdout.write('\n--- vscode tier, all phases ---\n');
  for (const result of results) {
    process.stdout.write(`${result.name}: ${result.passing} passing, ${result.failing} failing, exit code ${result.exitCode}\n`);
  }
  // A phase whose suites failed without a mocha summary (e.g. the tests module did not load) counts as one failure.
  const failing = results.reduce((sum, result) => sum + (result.exitCode !== 0 ? Math.max(result.failing, 1) : result.failing), 0);
  const passing = results.reduce((sum, result) => sum + result.passing, 0);
  process.stdout.write(`\n  ${passing} passing\n  ${failing} failing\n`);
  return results.every((result) => result.exitCode === 0) ? 0 : 1;
}

async function runWithDeadline(): Promise<number> {
  try {
    return await withDeadline(main(), runTimeoutMs, `the vscode tier did not finish within ${runTimeoutMs / 60_000} minutes`);
  } catch (error) {
    process.stdout.write(`\nvscode tier failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await cleanUp();
  }
}

// code-server runs in its own process group, so a Ctrl-C of this run does not reach it: stop it here.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stdout.write(`\nvscode tier interrupted (${signal})\n`);
    void cleanUp().then(() => process.exit(1));
  });
}

void runWithDeadline().then((code) => process.exit(code));
