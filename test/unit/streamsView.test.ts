// The panel's Streams view in jsdom: per target its state, per stream and group lag (null shown as
// "unknown", never 0), pending, oldest pending age, consumers and stuck entries; dead consumers and
// dead-letter candidates marked; names from Redis (a stream called `<img src=x onerror=alert(1)>`)
// stay text; the snapshot guard checks the streams part; "Attach to Redis…" asks the host. Per group
// whether it keeps up (rates as text, unknown never 0) and its lag and pending chart (the shared
// TimeSeriesChart, kept across snapshots, a null lag a gap; disposed when the group goes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveSnapshotNotification, type LiveSnapshotParams, type PanelRedisTarget, ShowViewNotification } from '../../src/shared/livePanelProtocol';
import { RunCommandCommand } from '../../src/shared/panelProtocol';
import { noRedisTargetsText, StreamsView, untrustedStreamsText } from '../../webview/streamsView';
import { liveSnapshot } from '../support/liveSnapshot';
import { mountPanel, panelDocument } from '../support/webviewDom';

const markup = '<img src=x onerror=alert(1)>';

function snapshot(streams: PanelRedisTarget[] | undefined): LiveSnapshotParams {
  return liveSnapshot({ receiver: { state: 'running', host: '127.0.0.1', port: 4318, endpoint: 'http://127.0.0.1:4318' }, ...(streams ? { streams } : {}) });
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
  const { document, root, posted, shell } = mountPanel();
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

  it('says whether each group keeps up, and charts its lag and pending with a null lag as a gap', () => {
    const { document, root } = panelDocument();
    const view = new StreamsView({ document, root, attachRedis: () => undefined });
    const [jobs] = targets;
    const [workers, fast] = jobs.streams[0].groups;
    const withGroups = (groups: PanelRedisTarget['streams'][0]['groups']): PanelRedisTarget[] => [{ ...jobs, streams: [{ ...jobs.streams[0], groups }] }];
    const behind = {
      ...workers,
      throughput: { addingPerSecond: 150, readingPerSecond: 120, spanMs: 60_000, verdict: 'falling-behind' as const },
      history: { t: [1000, 2000, 3000], lag: [2, null, 5], pending: [3, 4, 6] },
    };
    const unknown = { ...fast, throughput: { addingPerSecond: 150, readingPerSecond: null, spanMs: 60_000, verdict: 'unknown' as const, note: 'Redis reports no entries-read for this group' } };
    const first = withGroups([behind, unknown]);
    assert.equal(LiveSnapshotNotification.is(LiveSnapshotNotification.message(snapshot(first))), true, 'the guard takes throughput and history');
    view.showSnapshot(snapshot(first));
    assert.deepEqual(texts(root, '.group-throughput'), ['reading 120/s, adding 150/s: falling behind 30/s', 'reading unknown, adding 150/s']);
    assert.equal((root.querySelectorAll('.group-throughput')[1] as HTMLElement).title, 'Redis reports no entries-read for this group');
    assert.deepEqual(texts(root, '.group-history figcaption'), [`Lag and pending of ${markup}-workers`], 'one chart: the group without history has none');
    assert.equal(root.querySelectorAll('img').length, 0);
    const chart = view.historyChart('jobs', markup, behind.group);
    assert.deepEqual(chart?.series, [
      { label: 'lag', points: [[1000, 2], [2000, null], [3000, 5]] },
      { label: 'pending', points: [[1000, 3], [2000, 4], [3000, 6]] },
    ]);
    const plot = root.querySelector('.group-history .ts-chart-plot') as HTMLElement;
    assert.match(plot.getAttribute('aria-label') ?? '', /lag 5, min 2 → max 5; pending 6, min 3 → max 6/, 'the null lag is a gap, not a 0');
    const figure = root.querySelector('.group-history figure');

    view.showSnapshot(snapshot(withGroups([{ ...behind, history: { t: [1000, 2000, 3000, 4000], lag: [2, null, 5, 9], pending: [3, 4, 6, 8] } }, unknown])));
    assert.equal(view.historyChart('jobs', markup, behind.group), chart, 'the chart is kept across snapshots');
    assert.equal(root.querySelector('.group-history figure'), figure, 'and so is its element');
    assert.equal(chart?.series[0].points.length, 4);

    view.showSnapshot(snapshot(withGroups([unknown])));
    assert.equal(view.historyChart('jobs', markup, behind.group), undefined, 'a group gone takes its chart with it');
    assert.equal(root.querySelectorAll('.group-history').length, 0);
  });

  it('the snapshot guard checks the streams part', () => {
    assert.equal(LiveSnapshotNotification.is(LiveSnapshotNotification.message(snapshot(targets))), true);
    const [jobs] = targets;
    const withLag = (lag: unknown) => ({ ...jobs, streams: [{ ...jobs.streams[0], groups: [{ ...jobs.streams[0].groups[0], lag }] }] });
    assert.equal(LiveSnapshotNotification.is({ ...LiveSnapshotNotification.message(snapshot(targets)), params: { ...snapshot(undefined), streams: [withLag('unknown')] } }), false);
    assert.equal(LiveSnapshotNotification.is({ ...LiveSnapshotNotification.message(snapshot(targets)), params: { ...snapshot(undefined), streams: [withLag(-1)] } }), false);
    assert.equal(LiveSnapshotNotification.is({ ...LiveSnapshotNotification.message(snapshot(targets)), params: { ...snapshot(undefined), streams: [{ ...jobs, state: 'weird' }] } }), false);
    const withGroup = (extra: Record<string, unknown>) => ({ ...snapshot(undefined), streams: [{ ...jobs, streams: [{ ...jobs.streams[0], groups: [{ ...jobs.streams[0].groups[0], ...extra }] }] }] });
    const accepted = (extra: Record<string, unknown>) => LiveSnapshotNotification.is({ ...LiveSnapshotNotification.message(snapshot(targets)), params: withGroup(extra) });
    assert.equal(accepted({ throughput: { addingPerSecond: 1, readingPerSecond: null, spanMs: 1000, verdict: 'unknown' } }), true);
    assert.equal(accepted({ throughput: { addingPerSecond: -1, readingPerSecond: null, spanMs: 1000, verdict: 'unknown' } }), false, 'a negative rate');
    assert.equal(accepted({ throughput: { addingPerSecond: 1, readingPerSecond: 1, spanMs: 1000, verdict: 'fine' } }), false, 'an unknown verdict');
    assert.equal(accepted({ history: { t: [1, 2], lag: [null, 3], pending: [0, 1] } }), true);
    assert.equal(accepted({ history: { t: [1, 2], lag: [3], pending: [0, 1] } }), false, 'lag not aligned on t');
    assert.equal(accepted({ history: { t: [1], lag: ['3'], pending: [0] } }), false, 'a lag that is not a count');
  });
});
