// What the live panel gives screen readers, in jsdom through the real panel shell: the traces list
// is a list of buttons whose names start with their visible text, live regions are written only
// when their words change (not on every snapshot), the span details are announced when the user
// asks for them and not when a growing trace is fetched again, and leaving a waterfall puts the
// focus back on the trace that was open. (axe-core and the keys in a real browser:
// test/integration/livePanelAccessibility.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveSnapshotNotification, type LiveSnapshotParams, OpenTraceRequest, type PanelTraceSummary } from '../../src/shared/livePanelProtocol';
import { liveSnapshot } from '../support/liveSnapshot';
import { panelSpan } from '../support/panelSpans';
import { mountPanel } from '../support/webviewDom';

const traceA = 'a'.repeat(32);
const traceB = 'b'.repeat(32);

function summary(traceId: string, spanCount: number, errorCount = 0): PanelTraceSummary {
  return { traceId, rootServiceName: 'gateway', rootName: 'POST /orders', startTimeMs: Date.UTC(2026, 0, 1, 10, 0, 0), durationMs: 42, spanCount, errorCount, services: ['gateway'] };
}

function snapshot(traces: PanelTraceSummary[]): LiveSnapshotParams {
  return liveSnapshot({
    receiver: { state: 'running', host: '127.0.0.1', port: 4318, endpoint: 'http://127.0.0.1:4318' },
    traces,
    tracesMatching: traces.length,
    tracesHeld: traces.length,
    services: ['gateway'],
    spansHeld: traces.reduce((sum, trace) => sum + trace.spanCount, 0),
  });
}

function mount() {
  return mountPanel();
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function answerOpen(mounted: ReturnType<typeof mount>, traceId: string, spans: number): Promise<void> {
  const request = [...mounted.posted].reverse().find((message) => OpenTraceRequest.is(message));
  assert.ok(request && OpenTraceRequest.is(request));
  const list = Array.from({ length: spans }, (_, i) => ({ ...panelSpan(i.toString(16).padStart(16, '0'), i === 0 ? undefined : '0'.repeat(16), i, 10, `op ${i}`), serviceName: 'gateway' }));
  list[1] = { ...list[1], status: { code: 'error' } };
  mounted.shell.handleMessage(OpenTraceRequest.response(request.id, { traceId, startTimeMs: 0, spans: list }));
  await flush();
}

describe('the live panel for screen readers', () => {
  it('lists traces as buttons inside listitems, each named by its visible text then its errors', () => {
    const mounted = mount();
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, 3, 1), summary(traceB, 1)])));
    const list = mounted.root.querySelector('.trace-list') as HTMLElement;
    assert.equal(list.getAttribute('role'), 'list');
    const items = Array.from(list.children) as HTMLElement[];
    assert.deepEqual(
      items.map((item) => [item.getAttribute('role'), item.firstElementChild?.tagName]),
      [
        ['listitem', 'BUTTON'],
        ['listitem', 'BUTTON'],
      ],
    );
    const [failing, fine] = items.map((item) => item.firstElementChild as HTMLElement);
    assert.match(failing.textContent ?? '', /^gateway POST \/orders \d\d:00:00\.000 42\.0 ms 3 spans$/, 'the cells read as words');
    assert.match(failing.getAttribute('aria-label') ?? '', /^gateway POST \/orders \d\d:00:00\.000 42\.0 ms 3 spans, 1 error$/);
    assert.match(fine.getAttribute('aria-label') ?? '', /1 span$/);
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([])));
    assert.equal(list.getAttribute('role'), null, 'the empty state is a paragraph, not an empty list');
  });

  it('writes the live regions only when their words change, and the traces summary is no live region', async () => {
    const mounted = mount();
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, 3)])));
    const status = mounted.root.querySelector('.receiver-status') as HTMLElement;
    const liveSummary = mounted.root.querySelector('#panel-liveFindings .summary') as HTMLElement;
    assert.equal(status.getAttribute('aria-live'), 'polite');
    assert.equal(liveSummary.getAttribute('aria-live'), 'polite');
    assert.equal(mounted.root.querySelector('.traces-summary')?.getAttribute('aria-live'), null);
    const mutations: string[] = [];
    const observer = new mounted.dom.window.MutationObserver((records) => mutations.push(...records.map((record) => (record.target as HTMLElement).className ?? 'text')));
    observer.observe(status, { childList: true, characterData: true, subtree: true });
    observer.observe(liveSummary, { childList: true, characterData: true, subtree: true });
    for (let tick = 0; tick < 3; tick++) mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, 3 + tick)])));
    await flush();
    assert.deepEqual(mutations, [], 'three snapshots, the same receiver state and finding count: nothing re-announced');
    mounted.shell.handleMessage(LiveSnapshotNotification.message({ ...snapshot([]), receiver: { state: 'failed', host: '127.0.0.1', port: 4318, message: 'port 4318 is taken' } }));
    await flush();
    assert.ok(mutations.length > 0, 'a new receiver state is written');
    assert.match(status.textContent ?? '', /port 4318 is taken/);
    observer.disconnect();
  });

  it('announces span details when asked, not when the trace is fetched again; Escape goes back to the trace that was open', async () => {
    const mounted = mount();
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, 3), summary(traceB, 3)])));
    (mounted.root.querySelector(`button.trace-row[data-trace-id="${traceB}"]`) as HTMLButtonElement).click();
    await answerOpen(mounted, traceB, 3);
    const viewport = mounted.root.querySelector('.waterfall-viewport') as HTMLElement;
    assert.equal(mounted.document.activeElement, viewport, 'opening a trace focuses its spans');
    assert.equal(viewport.getAttribute('role'), 'listbox');
    const key = (name: string) => viewport.dispatchEvent(new mounted.dom.window.KeyboardEvent('keydown', { key: name, bubbles: true }));
    key('ArrowDown');
    const active = mounted.document.getElementById(viewport.getAttribute('aria-activedescendant') ?? '') as HTMLElement;
    assert.equal(active.getAttribute('role'), 'option');
    assert.equal(active.getAttribute('aria-selected'), 'true');
    assert.match(active.getAttribute('aria-label') ?? '', /^op 1 gateway 10\.0 ms, error, starts at 1\.00 ms, depth 2$/);
    const announcement = mounted.root.querySelector('.details-announcement') as HTMLElement;
    assert.equal(announcement.getAttribute('aria-live'), 'polite');
    assert.equal(announcement.textContent, '');
    key('Enter');
    assert.equal(announcement.textContent, 'Details of op 1 (gateway) shown below the spans.');
    assert.equal(mounted.root.querySelector('.span-details')?.getAttribute('aria-live'), null, 'the details themselves are no live region');

    announcement.textContent = '';
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, 3), summary(traceB, 4)])));
    await answerOpen(mounted, traceB, 4);
    assert.equal(mounted.root.querySelector('.span-details .details-name')?.textContent, 'op 1', 'the details stay');
    assert.equal(announcement.textContent, '', 'a refresh announces nothing');

    key('Escape');
    assert.equal((mounted.document.activeElement as HTMLElement).dataset.traceId, traceB, 'back on the row of the trace that was open, not the first');
  });
});
