// The webview's Findings view, rendered into jsdom: snapshot strings stay text, grouping and counts,
// the text filter and severity toggles (kept through saveFilter), and the messages rows and buttons post.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import {
  type IpcMessage,
  OpenDocsCommand,
  OpenLocationCommand,
  type PanelFinding,
  RunCommandCommand,
  type SnapshotParams,
} from '../../src/shared/panelProtocol';
import { emptyFilter, type FindingsFilter, restoreFilter } from '../../webview/findingsModel';
import { emptyStateText, FindingsView } from '../../webview/findingsView';

const markup = '<img src=x onerror=alert(1)>';
const base = 'file:///work/service/';

function finding(file: string, line: number, rule: string, severity: PanelFinding['severity'], message: string): PanelFinding {
  return {
    uri: `${base}${file}`,
    file,
    line,
    character: 4,
    rule,
    severity,
    message,
    docsUri: `file:///ext/docs/rules/${rule}.md`,
  };
}

const findings: PanelFinding[] = [
  finding('src/b.ts', 7, 'floating-promise', 'error', 'The promise returned by save() floats.'),
  finding('src/a.ts', 12, 'floating-promise', 'warning', 'The promise returned by load() floats.'),
  finding('src/a.ts', 2, 'floating-promise', 'warning', markup),
  finding('src/b.ts', 0, 'unused-suppression', 'info', 'This bounded-disable comment suppresses nothing.'),
  finding('tsconfig.json', 0, 'config-error', 'error', 'tsconfig.json: unexpected token.'),
];

const snapshot: SnapshotParams = { findings, generatedAt: Date.UTC(2025, 0, 1, 12), trusted: true };

interface Harness {
  window: JSDOM['window'];
  document: Document;
  view: FindingsView;
  posted: Array<IpcMessage<unknown>>;
  saved: FindingsFilter[];
}

function mount(filter: FindingsFilter = emptyFilter): Harness {
  const { window } = new JSDOM('<!DOCTYPE html><main id="app"></main>');
  const { document } = window;
  const root = document.getElementById('app');
  assert.ok(root);
  const posted: Array<IpcMessage<unknown>> = [];
  const saved: FindingsFilter[] = [];
  const view = new FindingsView({
    document,
    root,
    filter,
    saveFilter: (next) => saved.push(next),
    postMessage: (message) => posted.push(message),
  });
  return { window, document, view, posted, saved };
}

function texts(within: ParentNode, selector: string): string[] {
  return Array.from(within.querySelectorAll(selector), (element) => element.textContent ?? '');
}

function rows(document: Document): HTMLButtonElement[] {
  return Array.from(document.querySelectorAll<HTMLButtonElement>('button.finding-row'));
}

function rowOf(document: Document, message: string): HTMLButtonElement {
  const row = rows(document).find((candidate) => candidate.querySelector('.finding-message')?.textContent === message);
  assert.ok(row, `a row for "${message}"`);
  return row;
}

function toggle(document: Document, severity: string): HTMLButtonElement {
  const button = document.querySelector<HTMLButtonElement>(`button.severity-toggle[data-severity="${severity}"]`);
  assert.ok(button, `the ${severity} toggle`);
  return button;
}

function typeFilter(harness: Harness, text: string): void {
  const input = harness.document.querySelector<HTMLInputElement>('input.filter-input');
  assert.ok(input);
  input.value = text;
  input.dispatchEvent(new harness.window.Event('input', { bubbles: true }));
}

function summary(document: Document): string {
  return document.querySelector('.summary')?.textContent ?? '';
}

describe('findings view', () => {
  let harness: Harness;
  beforeEach(() => {
    harness = mount();
    harness.view.showSnapshot(snapshot);
  });

  it('shows a finding message that looks like markup as text and creates no element from it', () => {
    const row = rowOf(harness.document, markup);
    const message = row.querySelector('.finding-message');
    assert.equal(message?.childElementCount, 0);
    assert.equal(harness.document.querySelectorAll('img').length, 0);
    assert.ok(harness.document.body.innerHTML.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });

  it('shows rule ids and file paths that look like markup as text too', () => {
    const hostile = finding('<b>x</b>.ts', 0, '<script>alert(1)</script>', 'error', 'm');
    harness.view.showSnapshot({ ...snapshot, findings: [hostile] });
    assert.deepEqual(texts(harness.document, '.rule-id'), ['<script>alert(1)</script>']);
    assert.deepEqual(texts(harness.document, '.file-path'), ['<b>x</b>.ts']);
    assert.equal(harness.document.querySelectorAll('script, b').length, 0);
  });

  it('shows "Loading" until the first snapshot arrives', () => {
    const fresh = mount();
    assert.match(summary(fresh.document), /^Loading/);
    assert.equal(rows(fresh.document).length, 0);
    assert.equal(fresh.document.querySelector('.empty-state'), null);
  });

  it('groups by rule (most findings first), then by file, rows in position order', () => {
    const { document } = harness;
    const groups = Array.from(document.querySelectorAll<HTMLElement>('section.rule-group'), (section) => ({
      rule: section.dataset.rule,
      count: section.querySelector('.rule-heading .badge')?.textContent,
      files: Array.from(section.querySelectorAll<HTMLElement>('section.file-group'), (group) => ({
        file: group.dataset.file,
        count: group.querySelector('.file-heading .badge')?.textContent,
        positions: texts(group, '.finding-position'),
      })),
    }));
    assert.deepEqual(groups, [
      {
        rule: 'floating-promise',
        count: '3',
        files: [
          { file: 'src/a.ts', count: '2', positions: ['3:5', '13:5'] },
          { file: 'src/b.ts', count: '1', positions: ['8:5'] },
        ],
      },
      { rule: 'config-error', count: '1', files: [{ file: 'tsconfig.json', count: '1', positions: ['1:5'] }] },
      { rule: 'unused-suppression', count: '1', files: [{ file: 'src/b.ts', count: '1', positions: ['1:5'] }] },
    ]);
  });

  it('counts the findings by severity and in all', () => {
    const { document } = harness;
    assert.deepEqual(
      ['error', 'warning', 'info'].map((severity) => toggle(document, severity).querySelector('.badge')?.textContent),
      ['2', '2', '1'],
    );
    assert.equal(summary(document), '5 findings in 3 files');
  });

  it('filters by text over file, message and rule, case-insensitively', () => {
    const { document } = harness;
    typeFilter(harness, 'B.TS');
    assert.deepEqual(rows(document).map((row) => row.title), ['src/b.ts:8:5', 'src/b.ts:1:5']);
    assert.equal(summary(document), 'Showing 2 of 5 findings in 3 files');
    typeFilter(harness, 'load()');
    assert.deepEqual(texts(document, '.finding-message'), ['The promise returned by load() floats.']);
    typeFilter(harness, 'unused-supp');
    assert.deepEqual(texts(document, '.rule-id'), ['unused-suppression']);
    typeFilter(harness, 'nothing like this');
    assert.deepEqual(texts(document, '.empty-state'), ['No findings match the filter.']);
    typeFilter(harness, '');
    assert.equal(rows(document).length, 5);
    assert.deepEqual(
      harness.saved.map((filter) => filter.text),
      ['B.TS', 'load()', 'unused-supp', 'nothing like this', ''],
    );
  });

  it('hides and shows a severity with its toggle', () => {
    const { document } = harness;
    const warnings = toggle(document, 'warning');
    assert.equal(warnings.getAttribute('aria-pressed'), 'true');
    warnings.click();
    assert.equal(warnings.getAttribute('aria-pressed'), 'false');
    assert.equal(rows(document).length, 3);
    assert.ok(rows(document).every((row) => !row.classList.contains('severity-warning')));
    assert.deepEqual(harness.saved.at(-1), { text: '', hiddenSeverities: ['warning'] });
    toggle(document, 'error').click();
    assert.deepEqual(texts(document, '.rule-id'), ['unused-suppression']);
    warnings.click();
    assert.equal(rows(document).length, 3);
    assert.deepEqual(harness.saved.at(-1), { text: '', hiddenSeverities: ['error'] });
  });

  it('starts from a restored filter', () => {
    const restored = mount(restoreFilter({ text: 'a.ts', hiddenSeverities: ['info', 'bogus'] }));
    restored.view.showSnapshot(snapshot);
    assert.equal(restored.document.querySelector<HTMLInputElement>('input.filter-input')?.value, 'a.ts');
    assert.equal(toggle(restored.document, 'info').getAttribute('aria-pressed'), 'false');
    assert.equal(rows(restored.document).length, 2);
  });

  it('posts openLocation with the finding\'s uri and position when a row is clicked', () => {
    rowOf(harness.document, 'The promise returned by save() floats.').click();
    const [message] = harness.posted;
    assert.ok(OpenLocationCommand.is(message));
    assert.deepEqual(message.params, { file: `${base}src/b.ts`, line: 7, character: 4 });
  });

  it('posts runCommand for "Analyse workspace" and openDocs for a rule\'s docs', () => {
    const analyse = Array.from(harness.document.querySelectorAll('button')).find((b) => b.textContent === 'Analyse workspace');
    assert.ok(analyse);
    analyse.click();
    harness.document.querySelector<HTMLElement>('section.rule-group[data-rule="config-error"] .link-button')?.click();
    assert.ok(RunCommandCommand.is(harness.posted[0]));
    assert.deepEqual(harness.posted[0].params, { command: 'bounded.analyzeWorkspace' });
    assert.ok(OpenDocsCommand.is(harness.posted[1]));
    assert.deepEqual(harness.posted[1].params, { rule: 'config-error' });
  });

  it('makes rows keyboard reachable buttons, with arrow keys moving between them', () => {
    const { document, window } = harness;
    const all = rows(document);
    assert.ok(all.every((row) => row.type === 'button'));
    all[0]?.focus();
    all[0]?.dispatchEvent(new window.KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    assert.equal(document.activeElement, all[1]);
    all[1]?.dispatchEvent(new window.KeyboardEvent('keydown', { key: 'ArrowUp', bubbles: true }));
    assert.equal(document.activeElement, all[0]);
  });

  it('keeps the focused row focused when a new snapshot replaces the list', () => {
    const { document } = harness;
    rowOf(document, 'The promise returned by load() floats.').focus();
    harness.view.showSnapshot({ ...snapshot, generatedAt: snapshot.generatedAt + 1000 });
    assert.equal(document.activeElement?.querySelector('.finding-message')?.textContent, 'The promise returned by load() floats.');
  });

  it('shows the empty state for a snapshot without findings', () => {
    harness.view.showSnapshot({ ...snapshot, findings: [] });
    assert.deepEqual(texts(harness.document, '.empty-state'), [emptyStateText]);
    assert.equal(emptyStateText, 'No findings. Run Bounded: Analyse Workspace to check every file.');
    assert.equal(summary(harness.document), '0 findings in 0 files');
  });

  it('shows the Restricted Mode note only in an untrusted workspace', () => {
    const note = harness.document.querySelector<HTMLElement>('.restricted-note');
    assert.equal(note?.hidden, true);
    harness.view.showSnapshot({ ...snapshot, trusted: false });
    assert.equal(note?.hidden, false);
  });
});

describe('restoreFilter', () => {
  it('falls back to the empty filter for state that is not a filter', () => {
    for (const saved of [undefined, null, 'text', 3]) assert.deepEqual(restoreFilter(saved), emptyFilter);
    assert.deepEqual(restoreFilter({ text: 5, hiddenSeverities: 'error' }), emptyFilter);
  });
});
