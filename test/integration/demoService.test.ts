// The demo service's README lists where each rule reports; for the rules that exist, `bounded
// check` must report exactly those lines (so the README stays true as the demo and rules change).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ruleIds } from '../../src/analyzer/registry';

const root = path.resolve(__dirname, '../..');
const demo = path.join(root, 'examples', 'demo-service');

describe('demo service', () => {
  it('bounded check reports what examples/demo-service/README.md says, for every implemented rule', () => {
    const readme = fs.readFileSync(path.join(demo, 'README.md'), 'utf8');
    const listed = [...readme.matchAll(/^\| `([\w-]+)`( \(later\))? \| `([^`]+)` \|/gm)];
    assert.ok(listed.length > 5, 'the README has its table');
    const expected = listed
      .filter(([, rule, later]) => !later && ruleIds.has(rule))
      .map(([, rule, , where]) => `${rule} ${where}`)
      .sort();
    for (const [, rule, later] of listed) {
      if (!later) assert.ok(ruleIds.has(rule), `${rule} is listed as implemented, so it must be registered`);
      else assert.ok(!ruleIds.has(rule), `${rule} is registered now: drop "(later)" in the demo README`);
    }
    const result = spawnSync(process.execPath, [path.join(root, 'bin', 'bounded.js'), 'check', '--format', 'json'], { cwd: demo, encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { findings: Array<{ rule: string; file: string; line: number }> };
    const found = report.findings.map((f) => `${f.rule} ${f.file}:${f.line}`).sort();
    assert.deepEqual(found, expected);
  });
});
