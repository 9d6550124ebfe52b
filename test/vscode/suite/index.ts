// Entry point that the extension host loads through extensionTestsPath (code-server or desktop VS
// Code): runs every *.test.js compiled beside this file with mocha and rejects if any test fails.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export async function run(): Promise<void> {
  // No colours: the output is relayed through the workbench's log, and runTests.mjs reads the
  // "N passing" / "N failing" lines.
  const mocha = new Mocha({ ui: 'tdd', reporter: 'spec', color: false, timeout: 60_000 });
  for (const file of readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort()) {
    mocha.addFile(join(__dirname, file));
  }
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} vscode test(s) failed`);
}
