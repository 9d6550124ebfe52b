// unawaited-promise-variable's non-preferred fixes: each one, applied alone, must keep the fixture
// compiling, and the path fix must await before the exit it names.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFixesToText } from '../../src/analyzer/applyFixes';
import { AnalysisWorkspace } from '../../src/analyzer/workspace';

const dir = path.resolve(__dirname, '../../src/analyzer/rules/fixtures/unawaited-promise-variable');

function findingsOf(workspace: AnalysisWorkspace, file: string) {
  return workspace.analyseFile(file).findings.filter((f) => f.rule === 'unawaited-promise-variable');
}

describe('unawaited-promise-variable fixes', () => {
  for (const name of ['positives.ts', 'fixes.ts', 'plain.js']) {
    it(`${name}: every fix compiles on its own`, () => {
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      const workspace = new AnalysisWorkspace({ roots: [dir], settings: {} });
      const errorsBefore = workspace.compileErrorCount(file);
      const findings = findingsOf(workspace, file);
      assert.ok(findings.length > 0);
      for (const finding of findings) {
        for (const fix of finding.fixes) {
          workspace.setOverlay(file, applyFixesToText(text, fix.edits));
          assert.ok(workspace.compileErrorCount(file) <= errorsBefore, `${name}:${finding.range.start.line + 1} "${fix.title}" compiles`);
          workspace.removeOverlay(file);
        }
      }
    });
  }

  it('awaits before the early return it reports', () => {
    const file = path.join(dir, 'fixes.ts');
    const text = fs.readFileSync(file, 'utf8');
    const workspace = new AnalysisWorkspace({ roots: [dir], settings: {} });
    const early = findingsOf(workspace, file).find((f) => f.message.includes('returns at line 14'));
    assert.ok(early, 'the early return is named');
    const fix = early.fixes.find((f) => f.title.startsWith('Await `sent` before leaving'));
    assert.ok(fix && !fix.preferred);
    assert.match(applyFixesToText(text, fix.edits), /if \(flag\) \{ await sent; return; \}\n {2}await sent;/);
  });
});
