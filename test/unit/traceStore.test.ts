// The trace store: spans by trace id, evicted by count, by an estimated byte budget and by age with
// every index kept in step.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveSpan } from '../../src/live/spans';
import { estimatedSpanBytes, TraceStore } from '../../src/live/traceStore';
import { liveSpan } from '../support/liveSpans';

function traceIdOf(n: number): string {
  return n.toString(16).padStart(32, '0');
}

function spanIdOf(n: number): string {
  return n.toString(16).padStart(16, '0');
}

function span(trace: number, id: number, fields: Partial<LiveSpan> = {}): LiveSpan {
  const start = 1_000_000_000n * BigInt(id);
  return liveSpan(traceIdOf(trace), spanIdOf(id), { name: `op-${id}`, startTimeUnixNano: start, endTimeUnixNano: start + 5_000_000n, ...fields });
}

function manualClock(start = 1_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('TraceStore', () => {
  it('keeps the spans\' estimated size under maxBytes: a span with a large attribute pushes out as many older ones as it must, never itself', () => {
    const small = span(1, 1, { name: 'op' });
    const smallBytes = estimatedSpanBytes(small);
    const store = new TraceStore({ maxSpans: 1000, maxAgeMs: 60_000, maxBytes: 10 * smallBytes });
    store.add(Array.from({ length: 10 }, (_, index) => span(1, index + 1, { name: 'op' })));
    assert.deepEqual(store.stats(), { spans: 10, traces: 1, evictedSpans: 0 });
    assert.equal(store.estimatedBytes, 10 * smallBytes);

    const large = span(2, 100, { attributes: { 'http.request.body': 'x'.repeat(4 * smallBytes) } });
    assert.ok(estimatedSpanBytes(large) > 8 * smallBytes, 'two bytes a character');
    store.add([large]);
    assert.ok(store.estimatedBytes <= 10 * smallBytes, `${store.estimatedBytes} held`);
    assert.ok(store.span(traceIdOf(2), spanIdOf(100)), 'the new span stays');
    assert.equal(store.span(traceIdOf(1), spanIdOf(1)), undefined, 'the oldest went');
    const { spans, evictedSpans } = store.stats();
    assert.equal(spans + evictedSpans, 11);

    // Alone past the budget: it is kept (the receiver's body limits bound it), the rest go.
    const huge = span(3, 200, { attributes: { blob: 'y'.repeat(20 * smallBytes) } });
    store.add([huge]);
    assert.deepEqual(store.stats().spans, 1);
    assert.equal(store.estimatedBytes, estimatedSpanBytes(huge));
    assert.deepEqual(store.spansOf(traceIdOf(1)), []);
    assert.deepEqual(store.spansOf(traceIdOf(2)), []);
  });

  it('counts attributes of every kind and depth, events, links and the resource in a span\'s estimate', () => {
    const bare = estimatedSpanBytes(span(1, 1));
    const withNested = estimatedSpanBytes(span(1, 1, { attributes: { list: ['a'.repeat(100), { inner: 'b'.repeat(100) }] } }));
    assert.ok(withNested >= bare + 2 * 200, `${withNested} vs ${bare}`);
    const withEvent = estimatedSpanBytes(span(1, 1, { events: [{ name: 'exception', timeUnixNano: 1n, attributes: { 'exception.stacktrace': 's'.repeat(1000) } }] }));
    assert.ok(withEvent >= bare + 2000);
    const withResource = estimatedSpanBytes(span(1, 1, { resource: { 'service.name': 'svc', 'host.name': 'h'.repeat(500) } }));
    assert.ok(withResource >= bare + 1000);
  });

  it('refuses a budget that is not a positive number', () => {
    assert.throws(() => new TraceStore({ maxSpans: 10, maxAgeMs: 1000, maxBytes: 0 }), RangeError);
  });

  it('indexes spans by trace and span id', () => {
    const store = new TraceStore({ maxSpans: 10, maxAgeMs: 60_000 });
    store.add([span(1, 2, { parentSpanId: spanIdOf(1) }), span(1, 1), span(2, 3)]);
    assert.deepEqual(
      store.spansOf(traceIdOf(1)).map((held) => held.spanId),
      [spanIdOf(1), spanIdOf(2)],
      'by start time',
    );
    assert.equal(store.span(traceIdOf(2), spanIdOf(3))?.name, 'op-3');
    assert.equal(store.span(traceIdOf(2), spanIdOf(1)), undefined);
    assert.deepEqual(store.spansOf(traceIdOf(9)), []);
    assert.deepEqual(store.stats(), { spans: 3, traces: 2, evictedSpans: 0 });
  });

  it('summarises traces newest first: root, start, duration, counts and services', () => {
    const store = new TraceStore({ maxSpans: 10, maxAgeMs: 60_000 });
    store.add([
      span(1, 1, { name: 'GET /checkout', serviceName: 'web', startTimeUnixNano: 100n, endTimeUnixNano: 5_000_100n }),
      span(1, 2, { parentSpanId: spanIdOf(1), serviceName: 'payments', startTimeUnixNano: 200n, endTimeUnixNano: 7_000_100n, status: { code: 'error', message: 'declined' } }),
      span(2, 3, { name: 'later', startTimeUnixNano: 900n, endTimeUnixNano: 1_900n }),
      span(3, 4, { parentSpanId: spanIdOf(99), startTimeUnixNano: 500n, endTimeUnixNano: 600n }),
    ]);
    const traces = store.traces();
    assert.deepEqual(
      traces.map((trace) => trace.traceId),
      [traceIdOf(2), traceIdOf(3), traceIdOf(1)],
    );
    assert.deepEqual(traces[2], {
      traceId: traceIdOf(1),
      rootServiceName: 'web',
      rootName: 'GET /checkout',
      startTimeUnixNano: 100n,
      durationMs: 7,
      spanCount: 2,
      errorCount: 1,
      services: ['payments', 'web'],
    });
    assert.equal(traces[1].rootName, undefined, 'a trace whose root has not arrived has no root');
  });

  it('evicts the oldest spans past maxSpans, and forgets a trace whose spans are all gone', () => {
    const store = new TraceStore({ maxSpans: 3, maxAgeMs: 60_000 });
    store.add([span(1, 1), span(1, 2)]);
    store.add([span(2, 3), span(2, 4)]);
    assert.deepEqual(store.stats(), { spans: 3, traces: 2, evictedSpans: 1 });
    assert.equal(store.span(traceIdOf(1), spanIdOf(1)), undefined);
    assert.equal(store.spansOf(traceIdOf(1)).length, 1);
    assert.equal(store.traces().find((trace) => trace.traceId === traceIdOf(1))?.spanCount, 1, 'the summary follows the eviction');
    store.add([span(3, 5)]);
    assert.deepEqual(store.spansOf(traceIdOf(1)), []);
    assert.deepEqual(
      store.traces().map((trace) => trace.traceId),
      [traceIdOf(3), traceIdOf(2)],
    );
    assert.deepEqual(store.stats(), { spans: 3, traces: 2, evictedSpans: 2 });
  });

  it('holds at most maxSpans whatever is added, in one batch or many', () => {
    const store = new TraceStore({ maxSpans: 100, maxAgeMs: 60_000 });
    const batch: LiveSpan[] = [];
    for (let id = 1; id <= 250; id += 1) batch.push(span(id % 7, id));
    store.add(batch);
    for (let id = 251; id <= 10_000; id += 1) store.add([span(id % 13, id)]);
    const stats = store.stats();
    assert.equal(stats.spans, 100);
    assert.equal(stats.evictedSpans, 9_900);
    const indexed = store.traces().reduce((sum, trace) => sum + trace.spanCount, 0);
    assert.equal(indexed, 100, 'the index holds exactly the spans of the ring');
    assert.ok(stats.traces <= 13);
  });

  it('evicts spans older than maxAgeMs on add and on prune', () => {
    const clock = manualClock();
    const store = new TraceStore({ maxSpans: 100, maxAgeMs: 1_000 }, clock.now);
    store.add([span(1, 1)]);
    clock.advance(600);
    store.add([span(2, 2)]);
    clock.advance(600);
    store.add([span(3, 3)]);
    assert.equal(store.span(traceIdOf(1), spanIdOf(1)), undefined, 'added 1,200 ms ago');
    assert.deepEqual(store.stats(), { spans: 2, traces: 2, evictedSpans: 1 });
    clock.advance(500);
    store.prune();
    assert.deepEqual(store.stats(), { spans: 1, traces: 1, evictedSpans: 2 });
    store.prune(clock.now() + 10_000);
    assert.deepEqual(store.stats(), { spans: 0, traces: 0, evictedSpans: 3 });
    assert.deepEqual(store.traces(), []);
  });

  it('refuses options that bound nothing', () => {
    assert.throws(() => new TraceStore({ maxSpans: 0, maxAgeMs: 1_000 }), /maxSpans is a whole number of at least 1, not 0/);
    assert.throws(() => new TraceStore({ maxSpans: 10, maxAgeMs: 0 }), /maxAgeMs is a positive number of milliseconds, not 0/);
  });

  it('keeps a span sent twice (an exporter retrying) once', () => {
    const store = new TraceStore({ maxSpans: 10, maxAgeMs: 60_000 });
    const seen: number[] = [];
    store.onSpans((spans) => seen.push(spans.length));
    store.add([span(1, 1), span(1, 2)]);
    store.add([span(1, 2), span(1, 3)]);
    assert.deepEqual(seen, [2, 1]);
    assert.equal(store.spansOf(traceIdOf(1)).length, 3);
    assert.equal(store.stats().spans, 3);
  });

  it('tells listeners after the spans are stored, until disposed; a failing listener does not stop the others', () => {
    const store = new TraceStore({ maxSpans: 10, maxAgeMs: 60_000 });
    const heard: string[] = [];
    store.onSpans(() => {
      throw new Error('listener broke');
    });
    const subscription = store.onSpans((spans) => {
      for (const held of spans) heard.push(`${held.spanId}:${store.span(held.traceId, held.spanId) === held}`);
    });
    assert.throws(() => store.add([span(1, 1)]), /listener broke/);
    assert.deepEqual(heard, [`${spanIdOf(1)}:true`]);
    assert.equal(store.stats().spans, 1, 'stored even though a listener threw');
    subscription.dispose();
    assert.throws(() => store.add([span(1, 2)]), /listener broke/);
    assert.equal(heard.length, 1);
  });
});
