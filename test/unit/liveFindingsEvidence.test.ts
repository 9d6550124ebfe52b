// The Live findings view's links to evidence for findings without a trace id, in jsdom through the
// real panel shell: "Reveal source" for a finding with a location (asked of the host), a stream
// finding's group marked, focused and kept marked in the Streams view across snapshots, and handle
// leaks to the Handles view. And the open trace's refresh: fetched again
// only when the snapshot shows it changed, at most once a second when it is large.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LiveSnapshotNotification,
  type LiveSnapshotParams,
  OpenTraceRequest,
  type PanelLiveFinding,
  type PanelRedisTarget,
  type PanelTraceSummary,
  RevealFindingLocationRequest,
} from '../../src/shared/livePanelProtocol';
import { LiveFindingsView, streamGroupOf } from '../../webview/liveFindingsView';
import { largeTraceIntervalMs, largeTraceSpans, OpenTraceRefresh, type RefreshTimers } from '../../webview/openTraceRefresh';
import { liveSnapshot } from '../support/liveSnapshot';
import { panelSpan } from '../support/panelSpans';
import { mountPanel, panelDocument } from '../support/webviewDom';

const traceA = 'a'.repeat(32);

function finding(kind: string, evidence: Record<string, unknown>, extra: Partial<PanelLiveFinding> = {}): PanelLiveFinding {
  return { kind, severity: 'warning', subject: `${kind} subject`, message: `${kind} message`, evidence, raisedAt: 1, updatedAt: 2, ...extra };
}

function group(name: string) {
  return { group: name, lag: 3, pending: 1, consumers: [], stuck: [], deadLetterCandidates: 0 };
}

const redis: PanelRedisTarget = {
  name: 'local',
  url: 'redis://127.0.0.1:6379',
  state: 'connected',
  notes: [],
  unreadable: [],
  streams: [
    { stream: 'orders', length: 10, groups: [group('workers'), group('audit')], groupsNotRead: 0 },
    { stream: 'payments', length: 4, groups: [group('workers')], groupsNotRead: 0 },
  ],
};

function snapshot(findings: PanelLiveFinding[], traces: PanelTraceSummary[] = []): LiveSnapshotParams {
  return liveSnapshot({
    receiver: { state: 'running', host: '127.0.0.1', port: 4318, endpoint: 'http://127.0.0.1:4318' },
    traces,
    tracesMatching: traces.length,
    tracesHeld: traces.length,
    findings,
    streams: [redis],
    generatedAt: 3,
  });
}

/** A fake clock and timers: `advance` runs what came due. */
function fakeTimers() {
  let now = 0;
  const due: { at: number; run: () => void }[] = [];
  const timers: RefreshTimers = {
    now: () => now,
    setTimeout: (run, ms) => {
      const entry = { at: now + ms, run };
      due.push(entry);
      return entry;
    },
    clearTimeout: (handle) => {
      const index = due.indexOf(handle as (typeof due)[number]);
      if (index >= 0) due.splice(index, 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const entry of due.filter((candidate) => candidate.at <= now)) {
      due.splice(due.indexOf(entry), 1);
      entry.run();
    }
  };
  return { timers, advance, pending: () => due.length };
}

function mount(timers?: RefreshTimers) {
  return mountPanel({ refreshTimers: timers });
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('live findings: evidence links', () => {
  it('a finding with a location reveals it through the host, and shows what the host said', async () => {
    const mounted = mount();
    const location = { file: '/work/app/src/server.ts', line: 42 };
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([finding('handle-leak', { type: 'Timeout' }, { location }), finding('slow-operation', { service: 'checkout' })])));
    const [withLocation, without] = Array.from(mounted.root.querySelectorAll<HTMLElement>('.live-finding'));
    assert.equal(without.querySelector('button.reveal-location'), null, 'no location, no Reveal source');
    const reveal = withLocation.querySelector('button.reveal-location') as HTMLButtonElement;
    assert.equal(reveal.getAttribute('aria-label'), 'Reveal source: /work/app/src/server.ts:42');
    reveal.click();
    const request = mounted.posted.find((message) => RevealFindingLocationRequest.is(message));
    assert.ok(request && RevealFindingLocationRequest.is(request));
    assert.deepEqual(request.params, location);
    mounted.shell.handleMessage(RevealFindingLocationRequest.response(request.id, { opened: false, message: '/work/app/src/server.ts is not inside the workspace' }));
    await flush();
    assert.equal(withLocation.querySelector('.reveal-result')?.textContent, '/work/app/src/server.ts is not inside the workspace');
  });

  it('the reveal request is refused by its guard without a file or with a negative line', () => {
    assert.equal(RevealFindingLocationRequest.is(RevealFindingLocationRequest.message({ file: '', line: 3 }, 1)), false);
    assert.equal(RevealFindingLocationRequest.is(RevealFindingLocationRequest.message({ file: 'a.ts', line: -1 }, 1)), false);
    assert.equal(RevealFindingLocationRequest.is(RevealFindingLocationRequest.message({ file: 'a.ts', line: 3 }, 1)), true);
  });

  it('a stream finding switches to Streams and marks, focuses and keeps marking the group its evidence names', () => {
    const mounted = mount();
    const kinds = ['stream-backlog', 'stream-dead-letter', 'stream-dead-consumer', 'stream-no-consumer'];
    mounted.shell.handleMessage(
      LiveSnapshotNotification.message(snapshot(kinds.map((kind) => finding(kind, { target: 'local', stream: 'payments', group: 'workers', lag: 3 })).concat(finding('stream-backlog', { stream: 'orders' })))),
    );
    const buttons = Array.from(mounted.root.querySelectorAll<HTMLButtonElement>('button.show-stream-group'));
    assert.equal(buttons.length, 4, 'one per stream finding whose evidence names target, stream and group');
    assert.equal(buttons[0].textContent, 'Show group workers in Streams');
    buttons[2].click();
    assert.equal((mounted.root.querySelector('#panel-streams') as HTMLElement).hidden, false);
    assert.equal(mounted.root.querySelector('#tab-streams')?.getAttribute('aria-selected'), 'true');
    const marked = () => Array.from(mounted.root.querySelectorAll<HTMLElement>('.stream-group.focused-group'));
    assert.equal(marked().length, 1);
    const streamOf = (element: HTMLElement) => element.closest('.redis-stream')?.querySelector('.stream-name')?.textContent;
    assert.equal(streamOf(marked()[0]), 'payments', 'the group of the named stream, not the same-named group of another');
    assert.equal(marked()[0].dataset.group, 'workers');
    assert.equal(mounted.document.activeElement, marked()[0]);

    // The Streams view renders every snapshot anew: the mark and the focus follow.
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([])));
    assert.equal(marked().length, 1);
    assert.equal(streamOf(marked()[0]), 'payments');
    assert.equal(mounted.document.activeElement, marked()[0]);
  });

  it('handle, goroutine and fd leaks link to the Handles view', () => {
    const { document, root } = panelDocument();
    const shown: string[] = [];
    const withHandles = new LiveFindingsView({
      document,
      root,
      openTrace: () => undefined,
      revealLocation: async () => '',
      showStreamGroup: () => undefined,
      showHandles: () => shown.push('handles'),
    });
    withHandles.showSnapshot(snapshot(['handle-leak', 'goroutine-leak', 'fd-leak', 'slow-operation'].map((kind) => finding(kind, { target: 'node:9229' }))));
    const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('button.show-handles'));
    assert.equal(buttons.length, 3);
    for (const button of buttons) button.click();
    assert.deepEqual(shown, ['handles', 'handles', 'handles']);

    const mounted = mount();
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([finding('handle-leak', { target: 'node:9229', type: 'Timeout' })])));
    const button = mounted.root.querySelector<HTMLButtonElement>('button.show-handles');
    assert.ok(button);
    button.click();
    assert.equal(mounted.root.querySelector('#tab-handles')?.getAttribute('aria-selected'), 'true');
    assert.equal(mounted.document.activeElement?.id, 'tab-handles');
    assert.equal((mounted.root.querySelector('#panel-handles') as HTMLElement).hidden, false);
  });

  it('keeps a finding\'s open evidence, Reveal source answer and focus across snapshots, and its element while it is unchanged', async () => {
    const { document, root } = panelDocument();
    const view = new LiveFindingsView({
      document,
      root,
      openTrace: () => undefined,
      revealLocation: async () => 'src/a.ts is not inside the workspace',
      showStreamGroup: () => undefined,
      showHandles: () => undefined,
    });
    const leak = finding('handle-leak', { target: 'node:9229' }, { location: { file: 'src/a.ts', line: 3 } });
    view.showSnapshot(snapshot([leak]));
    const first = root.querySelector('li.live-finding');
    (root.querySelector('details.live-finding-evidence') as HTMLDetailsElement).open = true;
    const reveal = root.querySelector<HTMLButtonElement>('button.reveal-location');
    assert.ok(reveal);
    reveal.focus();
    reveal.click();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(root.querySelector('.reveal-result')?.textContent, 'src/a.ts is not inside the workspace');

    view.showSnapshot(snapshot([leak]));
    assert.equal(root.querySelector('li.live-finding'), first, 'an unchanged finding keeps its element');
    assert.equal(document.activeElement, reveal);

    view.showSnapshot(snapshot([{ ...leak, message: 'now more handles', updatedAt: 5 }]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.notEqual(root.querySelector('li.live-finding'), first);
    assert.equal(root.querySelector('.live-finding-message')?.textContent, 'now more handles');
    assert.equal((root.querySelector('details.live-finding-evidence') as HTMLDetailsElement).open, true);
    assert.equal(root.querySelector('.reveal-result')?.textContent, 'src/a.ts is not inside the workspace');
    assert.equal(document.activeElement, root.querySelector('button.reveal-location'));
  });

  it('streamGroupOf takes only string target, stream and group', () => {
    assert.deepEqual(streamGroupOf({ target: 't', stream: 's', group: 'g', lag: 1 }), { target: 't', stream: 's', group: 'g' });
    assert.equal(streamGroupOf({ target: 't', stream: 's' }), undefined);
    assert.equal(streamGroupOf({ target: 't', stream: 's', group: 3 }), undefined);
  });
});

describe('the open trace refresh', () => {
  it('fetches a small trace again at once when it changed, never when it did not, never while a fetch is in flight', () => {
    const clock = fakeTimers();
    let fetches = 0;
    const refresh = new OpenTraceRefresh(() => fetches++, clock.timers);
    refresh.started();
    refresh.answered(10, '10/0/5');
    refresh.seen('10/0/5');
    assert.equal(fetches, 0, 'unchanged');
    refresh.seen('11/0/5');
    assert.equal(fetches, 1);
    refresh.started();
    refresh.seen('12/0/5');
    assert.equal(fetches, 1, 'in flight: waits for the answer');
    refresh.answered(11, '11/0/5');
    assert.equal(fetches, 2, 'the change seen meanwhile is fetched when the answer comes');
  });

  it(`a trace of ${largeTraceSpans}+ spans is fetched at most once per ${largeTraceIntervalMs} ms, the latest change at the interval's end`, () => {
    const clock = fakeTimers();
    let fetches = 0;
    const refresh = new OpenTraceRefresh(() => {
      fetches++;
      refresh.started();
    }, clock.timers);
    refresh.started();
    refresh.answered(largeTraceSpans, 'v0');
    // Snapshots 4 a second for 3 s, each with more spans; every fetch answered 20 ms later.
    for (let tick = 1; tick <= 12; tick++) {
      clock.advance(250);
      refresh.seen(`v${tick}`);
      if (fetches > 0 && clock.pending() === 0) {
        clock.advance(20);
        refresh.answered(largeTraceSpans + tick, `v${tick}`);
      }
    }
    assert.ok(fetches >= 2 && fetches <= 3, `${fetches} fetches in 3 s (12 snapshots)`);
    refresh.seen('v12');
    clock.advance(2000);
    const settled = fetches;
    clock.advance(2000);
    assert.equal(fetches, settled, 'nothing more once fetched up to date');
    refresh.reset();
    assert.equal(clock.pending(), 0, 'reset cancels the timer');
  });

  it('through the shell: a large open trace that grows 4 times a second is fetched about once a second', async () => {
    const clock = fakeTimers();
    const mounted = mount(clock.timers);
    const summary = (spanCount: number): PanelTraceSummary => ({ traceId: traceA, rootServiceName: 'gateway', rootName: 'GET /', startTimeMs: 0, durationMs: 10, spanCount, errorCount: 0, services: ['gateway'] });
    const opens = () => mounted.posted.filter((message) => OpenTraceRequest.is(message));
    const answerLatest = async (spanCount: number) => {
      const request = opens().at(-1);
      assert.ok(request && OpenTraceRequest.is(request));
      mounted.shell.handleMessage(OpenTraceRequest.response(request.id, { traceId: traceA, startTimeMs: 0, spans: Array.from({ length: spanCount }, (_, i) => panelSpan(i.toString(16).padStart(16, '0'), undefined, i, 1)) }));
      await flush();
    };
    let count = 5000;
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([], [summary(count)])));
    (mounted.root.querySelector('button.trace-row') as HTMLButtonElement).click();
    await answerLatest(count);
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([], [summary(count)])));
    assert.equal(opens().length, 1, 'the same trace again: not fetched');
    let answered = 1;
    for (let tick = 0; tick < 8; tick++) {
      clock.advance(250);
      count += 100;
      mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([], [summary(count)])));
      if (opens().length > answered) {
        answered = opens().length;
        await answerLatest(count);
      }
    }
    assert.equal(opens().length, 3, `2 s of snapshots at 4/s: one fetch a second (${opens().length - 1})`);
  });
});
