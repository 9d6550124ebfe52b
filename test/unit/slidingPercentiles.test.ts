import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlidingPercentiles, type OperationSample, type SlidingPercentilesOptions } from '../../src/live/slidingPercentiles';

const options: SlidingPercentilesOptions = { bucketMs: 1_000, windowMs: 10_000, baselineMs: 60_000, maxKeys: 100, examplesPerBucket: 3 };
const checkout = { serviceName: 'checkout', spanName: 'GET /cart' };

let nextId = 0;
function sample(at: number, durationMs: number, isError = false): OperationSample {
  nextId++;
  return { traceId: nextId.toString(16).padStart(32, '0'), spanId: nextId.toString(16).padStart(16, '0'), durationMs, isError, at };
}

function assertClose(actual: number | undefined, expected: number, relative = 0.011): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= expected * relative, `${actual} is not within ${relative * 100}% of ${expected}`);
}

describe('SlidingPercentiles', () => {
  it('gives count, errors and p50/p95/p99 of the current window within 1%', () => {
    const percentiles = new SlidingPercentiles(options);
    // 1..1000 ms, spread over the 10 s window; every 10th fails.
    for (let i = 1; i <= 1000; i++) percentiles.record(checkout, sample(100_000 + (i % 10) * 1000, i, i % 10 === 0));
    const figures = percentiles.figures(checkout, 109_999)!;
    assert.equal(figures.current.count, 1000);
    assert.equal(figures.current.errorCount, 100);
    assert.equal(figures.current.errorRate, 0.1);
    assertClose(figures.current.p50, 500);
    assertClose(figures.current.p95, 950);
    assertClose(figures.current.p99, 990);
    assert.deepEqual(
      figures.current.slowest.map((example) => example.durationMs),
      [1000, 999, 998],
    );
    assert.equal(figures.current.errors.length, 3);
    assert.equal(figures.baseline.count, 0);
    assert.equal(figures.baseline.p99, undefined);
  });

  it('keeps the window sliding: what was current becomes the baseline, then goes', () => {
    const percentiles = new SlidingPercentiles(options);
    for (let i = 0; i < 100; i++) percentiles.record(checkout, sample(52_000 + i * 10, 20));
    for (let i = 0; i < 100; i++) percentiles.record(checkout, sample(60_000 + i * 10, 200));
    const atSixty = percentiles.figures(checkout, 60_999)!;
    assert.equal(atSixty.current.count, 200);
    const later = percentiles.figures(checkout, 65_000)!;
    // The current window is (55 s, 65 s]: only the slow ones; the baseline the minute before it.
    assert.equal(later.current.count, 100);
    assertClose(later.current.p99, 200);
    assert.equal(later.baseline.count, 100);
    assertClose(later.baseline.p99, 20);
    assert.equal(percentiles.figures(checkout, 60_000 + 10_000 + 60_000 + 1_000), undefined, 'gone after both windows');
  });

  it('holds bounded memory per operation: one slot per bucket, reused as time goes on', () => {
    const percentiles = new SlidingPercentiles(options);
    for (let t = 0; t < 600_000; t += 50) percentiles.record(checkout, sample(t, 10 + (t % 7)));
    const figures = percentiles.figures(checkout, 599_999)!;
    assert.equal(figures.current.count, 200);
    assert.equal(figures.baseline.count, 1200);
    // A sample older than the oldest slot kept does not count.
    percentiles.record(checkout, sample(1_000, 10));
    assert.equal(percentiles.stats().lateSamples, 1);
    assert.equal(percentiles.figures(checkout, 599_999)!.baseline.count, 1200);
  });

  it('bounds the number of operations, dropping the least recently recorded', () => {
    const percentiles = new SlidingPercentiles({ ...options, maxKeys: 3 });
    for (const spanName of ['a', 'b', 'c']) percentiles.record({ serviceName: 's', spanName }, sample(1000, 1));
    percentiles.record({ serviceName: 's', spanName: 'a' }, sample(1000, 1));
    percentiles.record({ serviceName: 's', spanName: 'd' }, sample(1000, 1));
    assert.deepEqual(
      percentiles
        .all(1000)
        .map((figures) => figures.spanName)
        .sort(),
      ['a', 'c', 'd'],
    );
    assert.deepEqual(percentiles.stats(), { keys: 3, evictedKeys: 1, lateSamples: 0 });
    percentiles.prune(1000 + 70_000 + 1_000);
    assert.equal(percentiles.stats().keys, 0);
  });

  it('handles zero and huge durations', () => {
    const percentiles = new SlidingPercentiles(options);
    percentiles.record(checkout, sample(0, 0));
    percentiles.record(checkout, sample(0, 1e12));
    const figures = percentiles.figures(checkout, 0)!;
    assert.ok(figures.current.p50! <= 0.001);
    assert.ok(figures.current.p99! > 9e7);
  });
});
