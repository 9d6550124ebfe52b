// The stream detectors on constructed snapshots and series: each finding raised with its stream,
// group and evidence, and cleared when its condition ends; a noisy but flat backlog is not one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveFindingSet } from '../../src/live/liveFindingSet';
import { createStreamDetectors, risingTrend, type StreamDetectorOptions } from '../../src/live/streamDetectors';
import type { GroupSnapshot, StreamPollResult, StreamSnapshot } from '../../src/live/streamPoller';
import { TimeSeriesStore } from '../../src/live/timeSeries';

const subject = 'orders:workers@local';

function group(fields: Partial<GroupSnapshot> = {}): GroupSnapshot {
  return {
    name: 'workers',
    consumerCount: 1,
    consumers: [{ name: 'alice', pending: 0, idleMs: 100 }],
    pending: 0,
    lastDeliveredId: '10-0',
    entriesRead: 10,
    lag: 0,
    pendingByConsumer: [],
    stuckEntries: [],
    ...fields,
  };
}

function stream(groups: GroupSnapshot[], polledAt = 1_000_000, fields: Partial<StreamSnapshot> = {}): StreamSnapshot {
  return { target: 'local', stream: 'orders', polledAt, length: 10, firstEntryId: '1-0', lastEntryId: '10-0', groups, groupsNotRead: 0, ...fields };
}

function poll(streams: StreamSnapshot[], target = 'local'): StreamPollResult {
  return { target, polledAt: streams[0]?.polledAt ?? 0, streams, unreadable: [], streamsNotRead: 0, scanCapReached: false, commands: 0, durationMs: 0, notes: [] };
}

function setUp(options: Partial<StreamDetectorOptions> = {}) {
  const findings = new LiveFindingSet();
  const series = new TimeSeriesStore({ maxKeys: 100, maxPointsPerKey: 1000, maxAgeMs: 1e12 }, () => 2_000_000);
  const detectors = createStreamDetectors({ findings, series, options: { windowMs: 10_000, backlogMinPoints: 5, backlogMinIncrease: 10, deadConsumerIdleMs: 60_000, ...options } });
  return { findings, series, detectors };
}

describe('stream detectors', () => {
  it('raises stream-backlog when lag rises steadily through noise, and clears it when lag falls back', () => {
    const { findings, series, detectors } = setUp();
    // Lag rising by about 5 a second with ±3 of noise.
    const noise = [0, 3, -2, 1, -3, 2, 0, -1, 3, -2, 1];
    let t = 1_000_000;
    for (let i = 0; i <= 10; i++, t += 1000) {
      const lag = 10 + 5 * i + noise[i];
      series.append('redis:local:orders:workers:lag', t, lag);
      series.append('redis:local:orders:workers:pending', t, 2);
      detectors.judge(poll([stream([group({ lag })], t)]));
    }
    const backlog = findings.get('stream-backlog', subject);
    assert.ok(backlog, 'raised');
    assert.equal(backlog.evidence.stream, 'orders');
    assert.equal(backlog.evidence.group, 'workers');
    assert.equal(backlog.evidence.figure, 'lag');
    assert.ok((backlog.evidence.increase as number) >= 40 && (backlog.evidence.increase as number) <= 60, String(backlog.evidence.increase));
    assert.match(backlog.message, /backlog of group workers on stream orders is growing: lag \d+/);
    // The consumers catch up: lag back to 0 and flat.
    for (let i = 0; i <= 10; i++, t += 1000) {
      series.append('redis:local:orders:workers:lag', t, 0);
      detectors.judge(poll([stream([group({ lag: 0 })], t)]));
    }
    assert.equal(findings.get('stream-backlog', subject), undefined);
  });

  it('does not call a noisy but flat backlog, or a rise too small, a growing one', () => {
    const { findings, series, detectors } = setUp();
    const flat = [50, 80, 20, 90, 10, 70, 30, 60, 40, 55, 45];
    let t = 1_000_000;
    for (const lag of flat) {
      series.append('redis:local:orders:workers:lag', t, lag);
      detectors.judge(poll([stream([group({ lag })], t)]));
      t += 1000;
    }
    for (let i = 0; i < 10; i++, t += 1000) {
      series.append('redis:local:orders:workers:pending', t, i % 3 === 0 ? 5 : 4);
      detectors.judge(poll([stream([group({ lag: 45 })], t)]));
    }
    assert.equal(findings.size, 0, JSON.stringify(findings.list()));
    assert.ok(risingTrend([1, 2, 3, 4].map((value, i) => ({ t: i, value }))).kendall === 1);
  });

  it('judges pending when lag is unknown', () => {
    const { findings, series, detectors } = setUp();
    let t = 1_000_000;
    for (let i = 0; i < 8; i++, t += 1000) {
      series.append('redis:local:orders:workers:pending', t, 10 * i);
      detectors.judge(poll([stream([group({ lag: null, pending: 10 * i })], t)]));
    }
    assert.equal(findings.get('stream-backlog', subject)?.evidence.figure, 'pending');
  });

  it('raises stream-no-consumer for a group without consumers while lag waits, or when all are idle, even with lag unknown', () => {
    const { findings, detectors } = setUp();
    detectors.judge(poll([stream([group({ consumers: [], consumerCount: 0, lag: 7 })])]));
    const noConsumer = findings.get('stream-no-consumer', subject);
    assert.match(noConsumer?.message ?? '', /Group workers on stream orders has no consumers while work waits \(lag 7\)/);
    // Lag unknown, but entries past last-delivered-id, and the only consumer gone quiet (inactive, 7.2).
    detectors.judge(poll([stream([group({ lag: null, lastDeliveredId: '8-0', consumers: [{ name: 'alice', pending: 0, idleMs: 10, inactiveMs: 120_000 }] })])]));
    assert.match(findings.get('stream-no-consumer', subject)?.message ?? '', /No consumer of group workers .* active for 1 min while work waits \(entries not yet delivered \(lag unknown\)\)/);
    // Caught up: nothing waits.
    detectors.judge(poll([stream([group({ lag: null, lastDeliveredId: '10-0', consumers: [] })])]));
    assert.equal(findings.get('stream-no-consumer', subject), undefined);
  });

  it('raises stream-dead-letter for entries delivered at least N times, naming them, and clears when they are acknowledged', () => {
    const { findings, detectors } = setUp({ deadLetterDeliveries: 5 });
    const stuckEntries = [
      { id: '3-0', consumer: 'alice', idleMs: 5000, deliveryCount: 7 },
      { id: '4-0', consumer: 'alice', idleMs: 5000, deliveryCount: 4 },
      { id: '5-0', consumer: 'bob', idleMs: 2000, deliveryCount: 5 },
    ];
    detectors.judge(poll([stream([group({ pending: 3, stuckEntries })])]));
    const deadLetter = findings.get('stream-dead-letter', subject);
    assert.deepEqual((deadLetter?.evidence.entries as { id: string }[]).map((entry) => entry.id), ['3-0', '5-0']);
    assert.match(deadLetter?.message ?? '', /2 pending entries of group workers on stream orders delivered at least 5 times \(3-0: 7 times, last to alice\)/);
    detectors.judge(poll([stream([group({ pending: 1, stuckEntries: [stuckEntries[1]] })])]));
    assert.equal(findings.get('stream-dead-letter', subject), undefined);
  });

  it('raises stream-dead-consumer for consumers idle past the threshold with pending entries: their work needs XAUTOCLAIM', () => {
    const { findings, detectors } = setUp({ deadConsumerIdleMs: 30_000 });
    const consumers = [
      { name: 'alice', pending: 0, idleMs: 100 },
      { name: 'bob', pending: 2, idleMs: 45_000 },
    ];
    const stuckEntries = [
      { id: '3-0', consumer: 'bob', idleMs: 45_000, deliveryCount: 1 },
      { id: '4-0', consumer: 'bob', idleMs: 45_000, deliveryCount: 1 },
    ];
    detectors.judge(poll([stream([group({ pending: 2, consumers, stuckEntries })])]));
    const dead = findings.get('stream-dead-consumer', subject);
    assert.match(dead?.message ?? '', /Consumer bob of group workers on stream orders has been idle over 30 s holding 2 pending entries: that work needs XAUTOCLAIM/);
    assert.deepEqual(dead?.evidence.entries, stuckEntries.map(({ id, consumer, idleMs, deliveryCount }) => ({ id, consumer, idleMs, deliveryCount })));
    assert.equal(findings.get('stream-no-consumer', subject), undefined, 'alice is active');
    // Reclaimed by alice.
    detectors.judge(poll([stream([group({ pending: 2, consumers: [{ name: 'alice', pending: 2, idleMs: 10 }, { name: 'bob', pending: 0, idleMs: 50_000 }] })])]));
    assert.equal(findings.get('stream-dead-consumer', subject), undefined);
  });

  it('clears the findings of a stream or group that is gone, and only those of the polled target', () => {
    const { findings, detectors } = setUp();
    detectors.judge(poll([stream([group({ consumers: [], lag: 3 })])]));
    detectors.judge(poll([{ ...stream([group({ consumers: [], lag: 3 })]), target: 'other' }], 'other'));
    assert.equal(findings.size, 2);
    detectors.judge(poll([stream([])]));
    assert.deepEqual(findings.list().map((finding) => finding.subject), ['orders:workers@other']);
    detectors.forget('other');
    assert.equal(findings.size, 0);
  });
});
