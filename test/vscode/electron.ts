// Runs the vscode-tier suites in desktop VS Code 1.100.3 through @vscode/test-electron, which
// downloads VS Code into .vscode-test/ (so it needs access to VS Code's download servers; where
// there is none, runInCodeServer.ts runs the same suites in code-server). `npm run test:electron`.
import { runTests } from '@vscode/test-electron';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './codeServer';
import { buildSuites, copyFixtureWorkspace, createRunOutputDir } from './testInputs';

const vscodeVersion = '1.100.3';

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'bounded-electron-tests-'));
  const suites = createRunOutputDir();
  try {
    const workspace = copyFixtureWorkspace(scratch);
    await buildSuites(suites);
    const launchArgs = [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--user-data-dir', join(scratch, 'user-data'),
      '--extensions-dir', join(scratch, 'extensions'),
    ];
    // Chromium's sandbox refuses to start as root.
    if (process.getuid?.() === 0) launchArgs.push('--no-sandbox');
    return await runTests({ version: vscodeVersion, extensionDevelopmentPath: repoRoot, extensionTestsPath: suites, launchArgs });
  } catch (error) {
    process.stderr.write(`desktop VS Code tests failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(suites, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
