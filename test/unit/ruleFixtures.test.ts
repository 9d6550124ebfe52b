// Runs every rule fixture under src/analyzer/rules/fixtures/<rule-id>/ and compares the findings with
// the expectations written inline in the fixture:
//   code();
// //^^^^^^ rule-id        a finding of rule-id on the line above, exactly at the carets' columns
// //@ rule-id             a finding of rule-id starting on the line above (at its first non-space)
// A first line `// @settings {...}` gives rule settings, `// @deployment {...}` (first three lines)
// the deployment settings (loadBalancer, pools...). A sibling `<name>.fixed` holds the text
// after applying the preferred fixes (as --fix does), which must also still compile as before.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyFixesToText, preferredEdits } from '../../src/analyzer/applyFixes';
import type { Finding } from '../../src/analyzer/findings';
import { AnalysisWorkspace } from '../../src/analyzer/workspace';
import { normaliseDeployment, type DeploymentSettings, type RulesSettings } from '../../src/shared/settings';

const fixturesRoot = path.resolve(__dirname, '../../src/analyzer/rules/fixtures');

interface Expectation {
  rule: string;
  line: number;
  startColumn: number;
  endColumn: number | undefined;
}

function parseExpectations(text: string): Expectation[] {
  const lines = text.split('\n');
  const out: Expectation[] = [];
  lines.forEach((line, index) => {
    const carets = /^(\s*\/\/)(\s*)(\^+)\s+([\w-]+)\s*$/.exec(line);
    if (carets) {
      const start = carets[1].length + carets[2].length;
      out.push({ rule: carets[4], line: index - 1, startColumn: start, endColumn: start + carets[3].length });
      return;
    }
    const at = /^\s*\/\/@\s+([\w-]+)\s*$/.exec(line);
    if (at) {
      const previous = lines[index - 1];
      out.push({ rule: at[1], line: index - 1, startColumn: previous.length - previous.trimStart().length, endColumn: undefined });
    }
  });
  return out;
}

function parseSettings(text: string): RulesSettings {
  const header = /^\/\/ @settings (.*)$/m.exec(text.split('\n')[0] ?? '');
  return header ? (JSON.parse(header[1]) as RulesSettings) : {};
}

/** `// @deployment {...}` on one of the first three lines: the `bounded` deployment settings (loadBalancer, pools...). */
function parseDeployment(text: string): DeploymentSettings {
  const header = /^\/\/ @deployment (.*)$/m.exec(text.split('\n').slice(0, 3).join('\n'));
  return normaliseDeployment(header ? (JSON.parse(header[1]) as Record<string, unknown>) : {});
}

function describeFinding(f: Finding): string {
  return `${f.rule} at ${f.range.start.line + 1}:${f.range.start.character}-${f.range.end.line === f.range.start.line ? f.range.end.character : `${f.range.end.line + 1}:${f.range.end.character}`}`;
}

function describeExpectation(e: Expectation): string {
  return `${e.rule} at ${e.line + 1}:${e.startColumn}${e.endColumn === undefined ? '' : `-${e.endColumn}`}`;
}

for (const ruleId of fs.readdirSync(fixturesRoot).sort()) {
  const dir = path.join(fixturesRoot, ruleId);
  const fixtures = fs.readdirSync(dir).filter((f) => /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/.test(f)).sort();
  describe(`rule fixtures: ${ruleId}`, () => {
    for (const name of fixtures) {
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      const settings = parseSettings(text);
      const deployment = parseDeployment(text);

      it(`${name}: findings match the inline expectations`, () => {
        const workspace = new AnalysisWorkspace({ roots: [dir], settings, deployment });
        const { findings } = workspace.analyseFile(file);
        const expected = parseExpectations(text);
        const unmatched = [...findings];
        const missing: Expectation[] = [];
        for (const expectation of expected) {
          const index = unmatched.findIndex(
            (f) => f.rule === expectation.rule && f.range.start.line === expectation.line && f.range.start.character === expectation.startColumn && (expectation.endColumn === undefined || (f.range.end.line === expectation.line && f.range.end.character === expectation.endColumn)),
          );
          if (index >= 0) unmatched.splice(index, 1);
          else missing.push(expectation);
        }
        assert.deepEqual(
          { missing: missing.map(describeExpectation), unexpected: unmatched.map(describeFinding) },
          { missing: [], unexpected: [] },
          `found: ${findings.map(describeFinding).join(', ') || 'nothing'}`,
        );
        for (const finding of findings) assert.ok(finding.message.length > 20, `${describeFinding(finding)} has a real message`);
      });

      const fixedFile = `${file}.fixed`;
      if (fs.existsSync(fixedFile)) {
        it(`${name}: preferred fixes give ${name}.fixed and compile as before`, () => {
          const workspace = new AnalysisWorkspace({ roots: [dir], settings, deployment });
          const errorsBefore = workspace.compileErrorCount(file);
          let current = text;
          for (let pass = 0; pass < 5; pass++) {
            const { edits, applied } = preferredEdits(workspace.analyseFile(file).findings);
            if (applied === 0) break;
            current = applyFixesToText(current, edits);
            workspace.setOverlay(file, current);
          }
          assert.equal(current, fs.readFileSync(fixedFile, 'utf8'));
          assert.ok(workspace.compileErrorCount(file) <= errorsBefore, 'the fixed file has no new compile errors');
        });
      }
    }
  });
}
