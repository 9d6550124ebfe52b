// The panel's Streams view in jsdom: per target its state, per stream and group lag (null shown as
// "unknown", never 0), pending, oldest pending age, consumers and stuck entries; dead consumers and
// dead-letter candidates marked; names from Redis (a stream called `<img src=x onerror=alert(1)>`)
// stay text; the snapshot guard checks the streams part; "Attach to Redis…" asks the host.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import { LiveSnapshotNotification, type LiveSnapshotParams, type PanelRedisTarget, ShowViewNotification, emptyTracesFilter } from '../../src/shared/livePanelProtocol';
import { type IpcMessage, RunCommandCommand } from '../../src/shared/panelProtocol';
import { PanelShell, restorePanelState } from '../../webview/panelShell';
import { noRedisTargetsText, untrustedStreamsText } from '../../webview/streamsView';

const markup = '<img src=x onerror=alert(1)>';

function snapshot(streams: PanelRedisTarget[] | undefined): LiveSnapshotParams {
  return {
    receiver: { state: 'running', host: '127.0.0.1', port: 4318, endpoint: 'http://127.0.0.1:4318' },
    traces: [],
    filter: emptyTracesFilter,
    tracesMatching: 0,
    tracesHeld: 0,
    services: [],
    spansHeld: 0,
    evictedSpans: 0,
    findings: [],
    ...(streams ? { streams } : {}),
    generatedAt: 1,
  };
}

const targets: PanelRedisTarget[] = [
  {
    name: 'jobs',
    url: 'redis://127.0.0.1:6379',
    state: 'connected',
    notes: [],
    unreadable: [],
    streams: [
      {
        stream: markup,
        length: 42,
        groupsNotRead: 0,
        groups: [
          {
            group: `${markup}-workers`,
            lag: null,
            lagNote: 'Redis reported lag as nil',
            pending: 7,
            oldestPendingAgeMs: 90_000,
            consumers: [
              { name: `${markup}-alive`, pending: 1, idleMs: 200, inactiveMs: 200, dead: false },
              { name: 'bob', pending: 6, idleMs: 120_000, inactiveMs: 120_000, dead: true },
            ],
            stuck: [
              { id: '1-0', consumer: 'bob', idleMs: 120_000, deliveryCount: 9, deadLetter: true },
              { id: '2-0', consumer: 'bob', idleMs: 110_000, deliveryCount: 1, deadLetter: false },
            ],
            deadLetterCandidates: 1,
          },
          { group: 'fast', lag: 0, pending: 0, consumers: [], stuck: [], deadLetterCandidates: 0 },
        ],
      },
    ],
  },
  { name: 'cache', url: 'redis://10.0.0.2:6379', state: 'auth-failed', lastError: 'WRONGPASS invalid username-password pair', notes: [], unreadable: [], streams: [] },
];

function mount() {
  const dom = new JSDOM('<!DOCTYPE html><main id="app"></main>');
  const document = dom.window.document;
  const root = document.getElementById('app') as HTMLElement;
  const posted: IpcMessage<unknown>[] = [];
  const shell = new PanelShell({ document, root, state: restorePanelState(undefined), saveState: () => undefined, postMessage: (message) => posted.push(message) });
  return { document, root, posted, shell };
}

function texts(root: HTMLElement, selector: string): string[] {
  return [...root.querySelectorAll(selector)].map((element) => element.textContent ?? '');
}

describe('Streams view', () => {
  it('has a tab the host can switch to, and says when there are no targets', () => {
    const { root, shell } = mount();
    assert.ok(texts(root, '[role=tab]').includes('Streams'));
    shell.handleMessage(LiveSnapshotNotification.message(snapshot(undefined)));
    shell.handleMessage(ShowViewNotification.message({ view: 'streams' }));
    assert.equal((root.querySelector('#panel-streams') as HTMLElement).hidden, false);
    assert.equal(root.querySelector('#panel-streams .summary')?.textContent, noRedisTargetsText);
    shell.handleMessage(LiveSnapshotNotification.message({ ...snapshot(undefined), receiver: { state: 'untrusted', host: '127.0.0.1', port: 4318 } }));
    assert.equal(root.querySelector('#panel-streams .summary')?.textContent, untrustedStreamsText);
  });

  it('shows states, groups, consumers and stuck entries, names as text, lag null as "unknown"', () => {
    const { root, shell } = mount();
    shell.handleMessage(LiveSnapshotNotification.message(snapshot(targets)));
    const panel = root.querySelector('#panel-streams') as HTMLElement;
    assert.equal(panel.querySelectorAll('img').length, 0, 'markup from Redis never becomes an element');
    assert.deepEqual(texts(panel, '.redis-state'), ['connected', 'auth failed']);
    assert.deepEqual(texts(panel, '.redis-target-error'), ['WRONGPASS invalid username-password pair']);
    assert.deepEqual(texts(panel, '.stream-name'), [markup]);
    assert.deepEqual(texts(panel, '.stream-figures'), ['length 42, 2 groups']);
    assert.deepEqual(texts(panel, '.group-name'), [`${markup}-workers`, 'fast']);
    assert.deepEqual(texts(panel, '.group-lag'), ['unknown', '0']);
    assert.equal((panel.querySelector('.group-lag') as HTMLElement).title, 'Redis reported lag as nil');
    assert.deepEqual(texts(panel, '.group-pending'), ['7', '0']);
    assert.deepEqual(texts(panel, '.group-oldest-pending'), ['90.0 s', '—']);
    assert.deepEqual(texts(panel, '.group-dead-letters'), ['1']);
    const consumers = [...panel.querySelectorAll('tr.consumer')].map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent));
    assert.deepEqual(consumers, [
      [`${markup}-alive`, '1', '200 ms', '200 ms', ''],
      ['bob', '6', '120.0 s', '120.0 s', 'dead consumer: its pending work needs XAUTOCLAIM'],
    ]);
    assert.equal(panel.querySelectorAll('tr.dead-consumer').length, 1);
    const stuck = [...panel.querySelectorAll('tr.stuck-entry')].map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent));
    assert.deepEqual(stuck, [
      ['1-0', 'bob', '120.0 s', '9', 'dead-letter candidate'],
      ['2-0', 'bob', '110.0 s', '1', ''],
    ]);
    assert.equal(panel.querySelectorAll('tr.dead-letter').length, 1);
    assert.deepEqual(texts(panel, '.group-no-consumers'), ['No consumers.']);
    assert.equal(panel.querySelector('.summary')?.textContent, '2 Redis targets, 1 stream');
  });

  it('asks the host to run "Attach to Redis…"', () => {
    const { root, posted } = mount();
    (root.querySelector('#panel-streams button.attach-redis') as HTMLButtonElement).click();
    assert.ok(posted.some((message) => RunCommandCommand.is(message) && message.params.command === 'bounded.attachRedis'));
  });

  it('the snapshot guard checks the streams part', () => {
    assert.equal(LiveSnapshotNotification.is(LiveSnapshotNotification.message(snapshot(targets))), true);
    const [jobs] = targets;
    const withLag = (lag: unknown) => ({ ...jobs, streams: [{ ...jobs.streams[0], groups: [{ ...jobs.streams[0].groups[0], lag }] }] });
    assert.equal(LiveSnapshotNotification.is({ ...LiveSnapshotNotification.message(snapshot(targets)), params: { ...snapshot(undefined), streams: [withLag('unknown')] } }), false);
    assert.equal(LiveSnapshotNotification.is({ ...LiveSnapshotNotification.message(snapshot(targets)), params: { ...snapshot(undefined), streams: [withLag(-1)] } }), false);
    assert.equal(LiveSnapshotNotification.is({ ...LiveSnapshotNotification.message(snapshot(targets)), params: { ...snapshot(undefined), streams: [{ ...jobs, state: 'weird' }] } }), false);
  });
});
