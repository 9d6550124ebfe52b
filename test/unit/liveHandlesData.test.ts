// The Handles view's data (src/extension/liveHandlesData.ts) from a real TimeSeriesStore holding
// series under the inspector source's keys: per target its state, pid, command and charts (handle
// counts by type, memory, event-loop delay) cut to the window; at most maxPoints a series (a bucket
// keeps its peak); a pause in sampling is a null, never a 0; sites sorted by live count with their
// growth a minute and location, only while tracking is on; the snapshot guard accepts it and refuses
// a malformed one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InspectorTargetFigures, LeakSiteOptions } from '../../src/live/inspectorSource';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { chartPoints, growthPerMinute, panelNodeHandleTargets, pprofFrameLocation, type NodeTargetsView } from '../../src/extension/liveHandlesData';
import { LiveSnapshotNotification, type PanelHandleTarget } from '../../src/shared/livePanelProtocol';
import { liveSnapshot } from '../support/liveSnapshot';

const now = Date.UTC(2026, 11, 3, 12, 0, 0);
const markup = '<img src=x onerror=alert(1)>';

function storeAt(): TimeSeriesStore {
  return new TimeSeriesStore({ maxKeys: 100, maxPointsPerKey: 2000, maxAgeMs: 30 * 60_000 }, () => now);
}

function targetsOf(store: TimeSeriesStore, figures: InspectorTargetFigures, leakSites?: LeakSiteOptions): NodeTargetsView {
  return {
    store,
    list: () => [{ label: figures.target, figures: () => figures }],
    leakSitesOf: (endpoint: string) => (endpoint === figures.endpoint ? leakSites : undefined),
  };
}

const figures: InspectorTargetFigures = {
  target: '9229',
  endpoint: '127.0.0.1:9229',
  state: 'sampling',
  pid: 4242,
  nodeVersion: 'v20.20.2',
  command: `/usr/bin/node ${'x'.repeat(400)}`,
  samples: 600,
  lastSampleAt: new Date(now).toISOString(),
  handles: { Timeout: 700 },
  attaches: 1,
  leakSites: {
    sampleRate: 0.1,
    top: [
      { site: '/app/small.js:3:1', type: 'Immediate', live: 1, created: 1, estimatedLive: 10 },
      { site: '/app/server.js:12:7', type: 'Timeout', live: 70, created: 90, estimatedLive: 700 },
    ],
  },
};

/** 20 minutes of samples every 2 s: Timeout climbing 1 a sample, TCPSocketWrap steady at 2 with one spike, memory. */
function filledStore(): TimeSeriesStore {
  const store = storeAt();
  for (let t = now - 20 * 60_000; t <= now; t += 2000) {
    const index = (t - (now - 20 * 60_000)) / 2000;
    store.append('inspector:9229:handles:Timeout', t, index);
    store.append(`inspector:9229:handles:${markup}`, t, index === 550 ? 40 : 2);
    store.append('inspector:9229:memory:rss', t, 50e6 + index * 1000);
    store.append('inspector:9229:memory:heapUsed', t, 20e6);
    store.append('inspector:9229:eventLoopDelay:p50', t, 0.5);
    store.append('inspector:9229:eventLoopDelay:p99', t, 3);
    store.append('inspector:9229:sites:Timeout:/app/server.js:12:7', t, index * 10);
  }
  return store;
}

describe('Handles view data', () => {
  it('builds a bounded target from the store: charts in the window, peaks kept, sites by live count with growth', () => {
    const store = filledStore();
    const [target] = panelNodeHandleTargets(targetsOf(store, figures, { sampleRate: 0.1 }), { now });
    assert.equal(target.kind, 'node');
    assert.equal(target.id, '127.0.0.1:9229');
    assert.equal(target.name, 'Node pid 4242');
    assert.equal(target.state, 'sampling');
    assert.equal(target.runtime, 'Node v20.20.2');
    assert.equal(target.command?.length, 300, 'the command is shortened');
    assert.deepEqual(target.leakSites, { enabled: true, sampleRate: 0.1 });
    assert.deepEqual(target.charts.map((chart) => [chart.id, chart.unit, chart.stackable, chart.series.map((series) => series.label)]), [
      ['handles', 'count', true, [markup, 'Timeout'].sort((a, b) => a.localeCompare(b))],
      ['memory', 'bytes', false, ['rss', 'heapUsed']],
      ['eventLoopDelay', 'ms', false, ['p50', 'p99']],
    ]);
    const handles = target.charts[0];
    const timeout = handles.series.find((series) => series.label === 'Timeout')!;
    assert.ok(timeout.points.length <= 300, `${timeout.points.length} points`);
    assert.ok(timeout.points[0][0] >= now - 10 * 60_000, 'only the 10 min window');
    assert.deepEqual(timeout.points.at(-1), [now, 600], 'the latest sample is the last point');
    const spiky = handles.series.find((series) => series.label === markup)!;
    assert.equal(Math.max(...spiky.points.map(([, value]) => value ?? 0)), 40, 'the spike survives the downsampling');
    assert.deepEqual(
      target.sites.map((site) => [site.type, site.site, site.live, site.estimated]),
      [
        ['Timeout', '/app/server.js:12:7', 700, true],
        ['Immediate', '/app/small.js:3:1', 10, true],
      ],
    );
    assert.deepEqual(target.sites[0].location, { file: '/app/server.js', line: 12 });
    // 10 a sample, a sample each 2 s: 300 a minute.
    assert.equal(target.sites[0].growthPerMin, 300);
    assert.equal(target.sites[1].growthPerMin, null, 'no series: not enough to say');

    const snapshot = liveSnapshot({ handles: [target], generatedAt: now });
    const message = JSON.parse(JSON.stringify(LiveSnapshotNotification.message(snapshot)));
    assert.ok(LiveSnapshotNotification.is(message), 'the guard accepts it');
    assert.ok(JSON.stringify(snapshot.handles).length < 60_000, `a small snapshot (${JSON.stringify(snapshot.handles).length} bytes)`);
    const broken = JSON.parse(JSON.stringify(message));
    (broken.params.handles[0] as PanelHandleTarget).charts[0].series[0].points[0] = ['now', 1] as unknown as [number, number];
    assert.equal(LiveSnapshotNotification.is(broken), false, 'a point that is not [ms, number|null] is refused');
    const badState = JSON.parse(JSON.stringify(message));
    badState.params.handles[0].state = 'exploded';
    assert.equal(LiveSnapshotNotification.is(badState), false);
  });

  it('leaves sites out while tracking is off, and says so', () => {
    const [target] = panelNodeHandleTargets(targetsOf(filledStore(), figures, undefined), { now });
    assert.deepEqual(target.sites, []);
    assert.deepEqual(target.leakSites, { enabled: false });
  });

  it('shows a target gone with its last error and no pid yet', () => {
    const gone: InspectorTargetFigures = { target: '9230', endpoint: '127.0.0.1:9230', state: 'process gone', samples: 0, handles: {}, attaches: 0, lastError: 'the WebSocket closed (1006)' };
    const [target] = panelNodeHandleTargets(targetsOf(storeAt(), gone), { now });
    assert.equal(target.name, 'Node 127.0.0.1:9230');
    assert.equal(target.state, 'process gone');
    assert.equal(target.lastError, 'the WebSocket closed (1006)');
    assert.deepEqual(target.charts[0].series, [], 'no handle types yet');
    assert.deepEqual(target.charts[1].series.map((series) => series.points), [[], []]);
  });
});

describe('chart points', () => {
  it('marks a pause in sampling with a null between the runs, never a 0', () => {
    const points = [0, 2000, 4000, 6000, 30_000, 32_000, 34_000].map((t, index) => ({ t, value: index + 1 }));
    assert.deepEqual(chartPoints(points, 300), [
      [0, 1],
      [2000, 2],
      [4000, 3],
      [6000, 4],
      [18_000, null],
      [30_000, 5],
      [32_000, 6],
      [34_000, 7],
    ]);
  });

  it('keeps at most maxPoints, each bucket its largest value at its last time', () => {
    const points = Array.from({ length: 1000 }, (_, index) => ({ t: index * 1000, value: index % 100 === 50 ? 999 : 1 }));
    const result = chartPoints(points, 100);
    assert.ok(result.length <= 100, `${result.length}`);
    assert.equal(result.filter(([, value]) => value === 999).length, 10, 'every peak kept');
    assert.deepEqual(result.at(-1), [999_000, 1]);
    assert.deepEqual(chartPoints([], 100), []);
  });

  it('growth per minute needs two points 10 s apart', () => {
    assert.equal(growthPerMinute([{ t: 0, value: 0 }, { t: 60_000, value: 37 }]), 37);
    assert.equal(growthPerMinute([{ t: 0, value: 0 }, { t: 5000, value: 37 }]), null);
    assert.equal(growthPerMinute([{ t: 0, value: 5 }]), null);
  });
});

describe('pprof frame locations', () => {
  it('reads the file and line of a stack frame as the pprof source names it, and nothing else', () => {
    assert.deepEqual(pprofFrameLocation('main.leakedWorker /srv/app/main.go:37'), { file: '/srv/app/main.go', line: 37 });
    assert.deepEqual(pprofFrameLocation('github.com/acme/svc/internal.(*Pool).run /home/me/svc/internal/pool with space.go:120'), {
      file: '/home/me/svc/internal/pool with space.go',
      line: 120,
    });
    assert.equal(pprofFrameLocation('main.leakedWorker'), undefined);
    assert.equal(pprofFrameLocation('main.leakedWorker /srv/app/main.go'), undefined);
    assert.equal(pprofFrameLocation('0x4a5b6c'), undefined);
  });
});
