// Every registered rule has its page, and the page says what a user needs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { rules } from '../../src/analyzer/registry';

const root = path.resolve(__dirname, '../..');

describe('rule docs', () => {
  for (const rule of rules) {
    it(`${rule.id} has docs/rules/${rule.id}.md with what it catches, why, the fix and options`, () => {
      assert.equal(rule.meta.docs, `docs/rules/${rule.id}.md`);
      const page = fs.readFileSync(path.join(root, rule.meta.docs), 'utf8');
      assert.match(page, new RegExp(`^# ${rule.id}\\n`));
      for (const heading of ['## What it catches', '## Why it matters', '## The fix', '## Options']) assert.ok(page.includes(heading), `${rule.id}: ${heading}`);
      assert.ok(page.includes(`bounded.rules.${rule.id}.severity`), `${rule.id}: names its severity setting`);
      for (const option of Object.keys(rule.meta.options ?? {})) assert.ok(page.includes(`bounded.rules.${rule.id}.${option}`), `${rule.id}: documents ${option}`);
    });
  }

  it('every page under docs/rules belongs to a registered rule', () => {
    const pages = fs.readdirSync(path.join(root, 'docs/rules')).filter((f) => f.endsWith('.md'));
    assert.deepEqual(pages.map((p) => p.replace(/\.md$/, '')).sort(), rules.map((r) => r.id).sort());
  });
});
