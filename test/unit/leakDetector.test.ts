// The leak detector over TimeSeriesStore series: a steady leak, a sawtooth of normal load, a leak under
// that sawtooth, a step then flat, and clearing once the leak stops.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeRise, LeakDetector, resolveLeakDetectorOptions, formatRate, formatSpan, type LeakSeriesSpec } from '../../src/live/leakDetector';
import { LiveFindingSet, type LiveFindingChange } from '../../src/live/liveFindingSet';
import { TimeSeriesStore } from '../../src/live/timeSeries';

const sampleMs = 2_000;
const windowMs = 60_000;
const start = 1_700_000_000_000;

/** A store, a finding set and a detector on one manual clock, sampling `valueAt(elapsedMs)` every 2 s. */
function harness(options: Parameters<typeof resolveLeakDetectorOptions>[0] = { windowMs, minPoints: 10, minRatePerMin: 5 }) {
  let now = start;
  const clock = () => now;
  const store = new TimeSeriesStore({ maxKeys: 100, maxPointsPerKey: 1_000, maxAgeMs: 10 * windowMs }, clock);
  const findings = new LiveFindingSet(undefined, clock);
  const changes: LiveFindingChange[] = [];
  findings.onChange((change) => changes.push(change));
  const detector = new LeakDetector({ store, findings, options, now: clock });
  const spec: LeakSeriesSpec = { key: 'handles:1234:Timeout', kind: 'handle-leak', subject: 'pid 1234 Timeout', target: 'pid 1234', type: 'Timeout', unit: 'Timeout handles', location: { file: '/srv/poller.ts', line: 12 } };
  detector.track(spec);
  return {
    store,
    findings,
    changes,
    detector,
    /** Samples and ticks from the current time for `forMs`; returns the elapsed times at which a finding was held. */
    run(valueAt: (elapsedMs: number) => number, forMs: number): number[] {
      const held: number[] = [];
      for (const end = now + forMs; now < end; now += sampleMs) {
        store.append(spec.key, now, valueAt(now - start));
        detector.tick(now);
        if (findings.get('handle-leak', spec.subject)) held.push(now - start);
      }
      return held;
    },
  };
}

/** Requests open 0–30 handles and close them all every 10 s. */
const sawtooth = (elapsedMs: number) => 20 + Math.floor(((elapsedMs % 10_000) / 10_000) * 30);

describe('judgeRise', () => {
  const options = resolveLeakDetectorOptions({ windowMs, minPoints: 10, minRatePerMin: 5 });
  const points = (valueAt: (ms: number) => number) => Array.from({ length: 31 }, (_, i) => ({ t: start + i * sampleMs, value: valueAt(i * sampleMs) }));

  it('gives the Theil–Sen rate per minute and the rising lows of a steady leak', () => {
    const verdict = judgeRise(points((ms) => 100 + (37 * ms) / 60_000), options);
    assert.ok(verdict.judged);
    assert.equal(verdict.rising, true);
    assert.ok(Math.abs(verdict.ratePerMin - 37) < 0.01, String(verdict.ratePerMin));
    assert.equal(verdict.lows.length, 5);
    assert.deepEqual(verdict.first, { t: start, value: 100 });
  });

  it('does not judge too few points or too short a span, and leaves out NaN', () => {
    assert.deepEqual(judgeRise(points((ms) => ms).slice(0, 5), options), { judged: false, reason: '5 of 10 points' });
    const fast = Array.from({ length: 20 }, (_, i) => ({ t: start + i * 100, value: i }));
    assert.equal(judgeRise(fast, options).judged, false);
    const withNaN = points((ms) => (ms % 4_000 === 0 ? Number.NaN : 100 + ms / 1000));
    const verdict = judgeRise(withNaN, options);
    assert.ok(verdict.judged && verdict.rising && verdict.points === 15);
  });

  it('rejects bad options', () => {
    assert.throws(() => resolveLeakDetectorOptions({ windowMs: 0 }), /windowMs/);
    assert.throws(() => resolveLeakDetectorOptions({ subWindows: 1 }), /subWindows/);
    assert.throws(() => resolveLeakDetectorOptions({ minPoints: 3 }), /minPoints/);
    assert.throws(() => resolveLeakDetectorOptions({ minRatePerMin: 0 }), /minRatePerMin/);
  });
});

describe('LeakDetector', () => {
  it('raises a steady leak with its rate, evidence and creation site', () => {
    const run = harness();
    const held = run.run((ms) => 100 + Math.floor((37 * ms) / 60_000), 2 * windowMs);
    // Judged once the points span half the window.
    assert.ok(held.length > 0 && held[0] <= windowMs / 2 + sampleMs, String(held[0]));
    const finding = run.findings.get('handle-leak', 'pid 1234 Timeout');
    assert.ok(finding);
    assert.equal(finding.severity, 'warning');
    assert.match(finding.message, /^pid 1234: \+3[67] Timeout handles\/min over 1 min \(\d+ → \d+\)$/);
    assert.deepEqual(finding.location, { file: '/srv/poller.ts', line: 12 });
    assert.equal(finding.evidence.target, 'pid 1234');
    assert.equal(finding.evidence.type, 'Timeout');
    assert.equal(finding.evidence.site, '/srv/poller.ts:12');
    assert.ok(Math.abs((finding.evidence.ratePerMin as number) - 37) < 1.5);
    assert.ok((finding.evidence.last as number) > (finding.evidence.first as number));
    assert.equal(run.changes.filter((change) => change.type === 'raised').length, 1, 'raised once, then updated');
  });

  it('stays silent on a sawtooth of normal load that returns to its floor', () => {
    const run = harness();
    assert.deepEqual(run.run(sawtooth, 4 * windowMs), []);
    assert.equal(run.changes.length, 0);
  });

  it('raises a leak under the sawtooth', () => {
    const run = harness();
    const held = run.run((ms) => sawtooth(ms) + Math.floor((20 * ms) / 60_000), 3 * windowMs);
    assert.ok(held.length > 0);
    assert.ok(held.at(-1)! >= 3 * windowMs - sampleMs, 'held while it leaks');
    const rate = run.findings.get('handle-leak', 'pid 1234 Timeout')!.evidence.ratePerMin as number;
    assert.ok(rate > 10 && rate < 30, String(rate));
  });

  it('has no lasting finding for a step up then flat', () => {
    const run = harness();
    assert.deepEqual(run.run((ms) => (ms < windowMs ? 50 : 150), 4 * windowMs), []);
  });

  it('clears once the leak stops, flat or falling', () => {
    for (const after of ['flat', 'falling'] as const) {
      const run = harness();
      run.run((ms) => 100 + Math.floor((30 * ms) / 60_000), 2 * windowMs);
      assert.ok(run.findings.get('handle-leak', 'pid 1234 Timeout'), after);
      const stoppedAt = 2 * windowMs;
      const top = 100 + 60;
      const held = run.run((ms) => (after === 'flat' ? top : top - Math.floor((10 * (ms - stoppedAt)) / 60_000)), 2 * windowMs);
      assert.equal(run.findings.get('handle-leak', 'pid 1234 Timeout'), undefined, after);
      assert.ok(held.length === 0 || held.at(-1)! <= stoppedAt + windowMs, `${after}: cleared within a window, held until ${held.at(-1)}`);
      assert.deepEqual(run.changes.filter((change) => change.type !== 'updated').map((change) => change.type), ['raised', 'cleared']);
    }
  });

  it('judges every key under a prefix, and clears what is untracked or gone from the store', () => {
    const run = harness();
    run.detector.untrack('handles:1234:Timeout');
    run.detector.trackPrefix('metrics:svc:', (key) => ({ key, kind: 'fd-leak', subject: key, target: 'svc', type: 'fds', unit: 'open fds' }));
    let now = start;
    for (let i = 0; i < 40; i++, now += sampleMs) {
      run.store.append('metrics:svc:process_open_fds', now, 10 + i);
      run.store.append('metrics:svc:flat', now, 10);
      run.detector.tick(now);
    }
    assert.deepEqual(run.findings.list().map((finding) => finding.subject), ['metrics:svc:process_open_fds']);
    assert.equal(run.detector.stats().tracked, 2);
    run.store.delete('metrics:svc:process_open_fds');
    run.detector.tick(now);
    assert.equal(run.findings.size, 0);
  });

  it('formats rates and spans', () => {
    assert.equal(formatRate(37.2), '+37');
    assert.equal(formatRate(1204), '+1,204');
    assert.equal(formatRate(2.46), '+2.5');
    assert.equal(formatSpan(45_000), '45 s');
    assert.equal(formatSpan(600_000), '10 min');
    assert.equal(formatSpan(2 * 3_600_000), '2 h');
  });
});
