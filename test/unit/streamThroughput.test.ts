// Is a consumer group keeping up? Its entries-read rate against the stream's entries-added rate,
// from series sampled at the same polls: the verdicts (keeping up, falling behind, catching up,
// stalled), entries-read nil (from lag where Redis gives one; else unknown, never 0, the verdict
// from the ids), entries-added missing,
// counters going down after a Redis restart (that step is left out), and the text the view shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { counterIncreases, groupThroughput } from '../../src/extension/liveStreamsData';
import type { SeriesPoint } from '../../src/live/timeSeries';
import { formatRate, throughputText } from '../../webview/streamsView';

/** A counter sampled every second from t = 0: `values[i]` at i s. */
function counter(...values: number[]): SeriesPoint[] {
  return values.map((value, index) => ({ t: index * 1000, value }));
}

describe('group throughput', () => {
  it('a group reading slower than the stream grows: falling behind by the difference', () => {
    const throughput = groupThroughput({ added: counter(0, 150, 300, 450), read: counter(0, 120, 240, 360), lag: 90, undelivered: true });
    assert.deepEqual(throughput, { addingPerSecond: 150, readingPerSecond: 120, spanMs: 3000, verdict: 'falling-behind' });
    assert.equal(throughputText(throughput), 'reading 120/s, adding 150/s: falling behind 30/s');
  });

  it('reading as fast as adding is keeping up, and a small difference is noise', () => {
    const same = groupThroughput({ added: counter(0, 50, 100), read: counter(0, 50, 100), lag: 0, undelivered: false });
    assert.equal(same.verdict, 'keeping-up');
    assert.equal(throughputText(same), 'reading 50/s, adding 50/s: keeping up');
    // 2 entries behind over 200 added (1%): a batch in flight, not a backlog.
    assert.equal(groupThroughput({ added: counter(0, 100, 200), read: counter(0, 99, 198), lag: 2, undelivered: true }).verdict, 'keeping-up');
    // Behind by much, but lag is 0 now: it has caught up by the latest poll.
    assert.equal(groupThroughput({ added: counter(0, 100, 200), read: counter(0, 0, 200), lag: 0, undelivered: false }).verdict, 'keeping-up');
  });

  it('reading faster than adding with a backlog is catching up; no reads while entries wait is stalled', () => {
    const catching = groupThroughput({ added: counter(0, 10, 20), read: counter(0, 40, 80), lag: 500, undelivered: true });
    assert.equal(catching.verdict, 'catching-up');
    assert.equal(throughputText(catching), 'reading 40/s, adding 10/s: catching up 30/s');
    const stalled = groupThroughput({ added: counter(7, 7, 7), read: counter(3, 3, 3), lag: 4, undelivered: true });
    assert.equal(stalled.verdict, 'stalled');
    assert.equal(stalled.readingPerSecond, 0, 'a known counter that did not move is a real 0');
    assert.equal(throughputText(stalled), 'reading 0/s, adding 0/s: not reading while entries wait');
    assert.equal(groupThroughput({ added: counter(7, 7, 7), read: counter(7, 7, 7), lag: 0, undelivered: false }).verdict, 'keeping-up');
  });

  it('entries-read nil (a group created at $): reading unknown, never 0; the verdict from what waits undelivered', () => {
    const waiting = groupThroughput({ added: counter(0, 150, 300), read: [], lag: null, undelivered: true });
    assert.equal(waiting.readingPerSecond, null);
    assert.equal(waiting.addingPerSecond, 150);
    assert.equal(waiting.verdict, 'unknown');
    assert.match(waiting.note ?? '', /neither entries-read nor lag/);
    assert.equal(throughputText(waiting), 'reading unknown, adding 150/s');
    const delivered = groupThroughput({ added: counter(0, 150, 300), read: [], lag: null, undelivered: false });
    assert.equal(delivered.verdict, 'keeping-up');
    assert.equal(throughputText(delivered), 'reading unknown, adding 150/s: keeping up (every entry delivered)');
    assert.doesNotMatch(throughputText(waiting), /\b0\/s/);
  });

  it('entries-read nil but lag known (a group that has not read yet): entries-read is entries-added minus lag', () => {
    const throughput = groupThroughput({ added: counter(100, 200, 300), read: [], lagPoints: counter(10, 110, 210), lag: 210, undelivered: true });
    assert.deepEqual(throughput, { addingPerSecond: 100, readingPerSecond: 0, spanMs: 2000, verdict: 'falling-behind' });
    // A reported entries-read wins over the estimate.
    assert.equal(groupThroughput({ added: counter(100, 200), read: counter(90, 190), lagPoints: counter(10, 110), lag: 10, undelivered: true }).readingPerSecond, 100);
  });

  it('entries-read known at some polls only: the rates are over the polls where both are known', () => {
    // Known at 2 s and 3 s only: adding 100/s then, whatever it was before.
    const read: SeriesPoint[] = [
      { t: 2000, value: 500 },
      { t: 3000, value: 560 },
    ];
    const throughput = groupThroughput({ added: counter(0, 1000, 2000, 2100), read, lag: 40, undelivered: true });
    assert.deepEqual(throughput, { addingPerSecond: 100, readingPerSecond: 60, spanMs: 1000, verdict: 'falling-behind' });
  });

  it('no entries-added (Redis before 7.0) or a single poll: rates unknown, with why', () => {
    const old = groupThroughput({ added: [], read: [], lag: null, undelivered: true });
    assert.deepEqual([old.addingPerSecond, old.readingPerSecond, old.verdict], [null, null, 'unknown']);
    assert.match(throughputText(old), /^rates unknown: this Redis reports no entries-added/);
    const first = groupThroughput({ added: counter(10), read: counter(4), lag: 6, undelivered: true });
    assert.deepEqual([first.addingPerSecond, first.readingPerSecond, first.verdict], [null, null, 'unknown']);
    assert.match(first.note ?? '', /too few polls/);
  });

  it('counters that go down (Redis restarted without persistence, the stream recreated) leave that step out', () => {
    // Before the restart: 100/s added, 50/s read. Restart between 2 s and 3 s: both start again from small values.
    const throughput = groupThroughput({ added: counter(1000, 1100, 1200, 30, 130), read: counter(900, 950, 1000, 10, 60), lag: 70, undelivered: true });
    assert.deepEqual(throughput, { addingPerSecond: 100, readingPerSecond: 50, spanMs: 3000, verdict: 'falling-behind' });
    // Only one of the two went down (XGROUP SETID moved entries-read back): that step is left out too.
    assert.deepEqual(counterIncreases([
      { t: 0, values: [0, 0] },
      { t: 1000, values: [10, 10] },
      { t: 2000, values: [20, 0] },
      { t: 3000, values: [30, 10] },
    ]), { increases: [20, 20], spanMs: 2000 });
    assert.equal(counterIncreases([{ t: 0, values: [5] }, { t: 1000, values: [1] }]), undefined, 'no step without a reset: no rate');
  });

  it('rates are written per second, and per minute under one a second', () => {
    assert.deepEqual([formatRate(0), formatRate(150.4), formatRate(12.34), formatRate(2.5), formatRate(0.2), formatRate(0.0001)], ['0/s', '150/s', '12.3/s', '2.5/s', '12/min', '<0.1/min']);
  });
});
