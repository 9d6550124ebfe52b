// Numeric series per key, kept by count and age, with a bounded number of keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeSeriesStore } from '../../src/live/timeSeries';

function manualClock(start: number): { now: () => number; set(ms: number): void } {
  let time = start;
  return { now: () => time, set: (ms) => (time = ms) };
}

describe('TimeSeriesStore', () => {
  it('keeps points per key, oldest first, and filters by time', () => {
    const clock = manualClock(10_000);
    const series = new TimeSeriesStore({ maxKeys: 10, maxPointsPerKey: 10, maxAgeMs: 60_000 }, clock.now);
    series.append('redis:orders:workers:lag', 1_000, 5);
    series.append('redis:orders:workers:lag', 2_000, 8);
    series.append('handles:1234:Timeout', 2_000, 3);
    assert.deepEqual(series.points('redis:orders:workers:lag'), [
      { t: 1_000, value: 5 },
      { t: 2_000, value: 8 },
    ]);
    assert.deepEqual(series.points('redis:orders:workers:lag', 1_500), [{ t: 2_000, value: 8 }]);
    assert.deepEqual(series.latest('handles:1234:Timeout'), { t: 2_000, value: 3 });
    assert.deepEqual(series.points('absent'), []);
    assert.deepEqual(series.keys('redis:'), ['redis:orders:workers:lag']);
    assert.equal(series.delete('handles:1234:Timeout'), true, 'a source drops the series of a process that is gone');
    assert.deepEqual(series.keys(), ['redis:orders:workers:lag']);
  });

  it('keeps at most maxPointsPerKey per key', () => {
    const series = new TimeSeriesStore({ maxKeys: 10, maxPointsPerKey: 3, maxAgeMs: 60_000 }, () => 10_000);
    for (let t = 1; t <= 10; t += 1) series.append('k', t, t * 10);
    assert.deepEqual(
      series.points('k').map((point) => point.t),
      [8, 9, 10],
    );
    assert.deepEqual(series.stats(), { keys: 1, points: 3, evictedKeys: 0 });
  });

  it('drops points older than maxAgeMs, and a key left with none', () => {
    const clock = manualClock(1_000);
    const series = new TimeSeriesStore({ maxKeys: 10, maxPointsPerKey: 100, maxAgeMs: 1_000 }, clock.now);
    series.append('a', 1_000, 1);
    series.append('b', 1_000, 1);
    clock.set(1_600);
    series.append('a', 1_600, 2);
    clock.set(2_200);
    assert.deepEqual(series.points('a'), [{ t: 1_600, value: 2 }], 'read at 2,200: the point at 1,000 is past its age');
    series.prune();
    assert.deepEqual(series.keys(), ['a']);
    assert.equal(series.latest('b'), undefined);
  });

  it('past maxKeys, a new key pushes out the key appended to least recently', () => {
    const series = new TimeSeriesStore({ maxKeys: 3, maxPointsPerKey: 10, maxAgeMs: 60_000 }, () => 100);
    series.append('a', 1, 1);
    series.append('b', 1, 1);
    series.append('c', 1, 1);
    series.append('a', 2, 2); // a is now the most recent
    series.append('d', 2, 1); // b goes
    assert.deepEqual(series.keys().sort(), ['a', 'c', 'd']);
    for (let key = 0; key < 1_000; key += 1) series.append(`pid:${key}`, 3, key);
    assert.deepEqual(series.stats(), { keys: 3, points: 3, evictedKeys: 1_001 });
    assert.deepEqual(series.keys(), ['pid:997', 'pid:998', 'pid:999']);
  });

  it('keeps each series in time order: a point older than the newest is dropped', () => {
    const series = new TimeSeriesStore({ maxKeys: 3, maxPointsPerKey: 10, maxAgeMs: 60_000 }, () => 100);
    series.append('k', 5, 1);
    series.append('k', 4, 2);
    series.append('k', 5, 3);
    series.append('k', 6, Number.NaN);
    assert.deepEqual(series.points('k'), [
      { t: 5, value: 1 },
      { t: 5, value: 3 },
      { t: 6, value: Number.NaN },
    ]);
  });
});
