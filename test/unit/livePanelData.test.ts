// The live model as the panel protocol carries it: summaries with the filter's search text, one
// trace's spans relative to its start, and what the protocol's guards accept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filteredTraceSummaries, openTraceResult } from '../../src/extension/livePanelData';
import { TextMatchCache } from '../../src/extension/traceFilter';
import { TraceStore } from '../../src/live/traceStore';
import { emptyTracesFilter, LiveSnapshotNotification, OpenTraceRequest, RevealSourceRequest, SetTracesFilterCommand, type TracesFilter } from '../../src/shared/livePanelProtocol';
import { liveSpan } from '../support/liveSpans';

const traceId = 'c'.repeat(32);
const rootId = '1'.repeat(16);
const childId = '2'.repeat(16);

function storeWithTrace(): TraceStore {
  const store = new TraceStore({ maxSpans: 100, maxAgeMs: 60_000 });
  store.add([
    liveSpan(traceId, rootId, { name: 'GET /orders', startTimeUnixNano: 1_000_000_000n, endTimeUnixNano: 1_050_000_000n, attributes: { 'http.route': '/orders' } }),
    liveSpan(traceId, childId, {
      parentSpanId: rootId,
      name: 'SELECT orders',
      startTimeUnixNano: 1_010_000_000n,
      endTimeUnixNano: 1_040_500_000n,
      status: { code: 'error', message: 'timeout' },
      attributes: { 'db.statement': 'SELECT * FROM orders', 'code.filepath': '/w/a.ts' },
      events: [{ name: 'exception', timeUnixNano: 1_020_000_000n, attributes: { 'exception.type': 'TimeoutError' } }],
    }),
  ]);
  return store;
}

describe('live panel data', () => {
  it('summarises the traces the filter lets through, and every service seen', () => {
    const store = storeWithTrace();
    store.add([liveSpan('e'.repeat(32), '3'.repeat(16), { serviceName: 'payments', name: 'charge', startTimeUnixNano: 2_000_000_000n, endTimeUnixNano: 2_001_000_000n })]);
    const all = filteredTraceSummaries(store, emptyTracesFilter);
    assert.deepEqual(all.traces.map((trace) => trace.traceId), ['e'.repeat(32), traceId]);
    assert.deepEqual(all.services, ['checkout', 'payments']);
    const [, summary] = all.traces;
    assert.equal(summary.rootName, 'GET /orders');
    assert.equal(summary.startTimeMs, 1000);
    assert.equal(summary.durationMs, 50);
    assert.equal(summary.errorCount, 1);
    const only = (filter: Partial<TracesFilter>) => filteredTraceSummaries(store, { ...emptyTracesFilter, ...filter }).traces.map((trace) => trace.traceId);
    assert.deepEqual(only({ text: 'FROM ORDERS' }), [traceId], 'an attribute value');
    assert.deepEqual(only({ text: 'db.statement' }), [traceId], 'an attribute key');
    assert.deepEqual(only({ text: 'select orders' }), [traceId], 'a child span name');
    assert.deepEqual(only({ service: 'payments' }), ['e'.repeat(32)]);
    assert.deepEqual(only({ errorsOnly: true }), [traceId]);
    assert.deepEqual(only({ minDurationMs: 10 }), [traceId]);
    const limited = filteredTraceSummaries(store, emptyTracesFilter, 1);
    assert.equal(limited.traces.length, 1);
    assert.equal(limited.matching, 2);
    assert.ok(LiveSnapshotNotification.is(LiveSnapshotNotification.message({ receiver: { state: 'running', host: '127.0.0.1', port: 1, endpoint: 'http://127.0.0.1:1' }, traces: all.traces, filter: emptyTracesFilter, tracesMatching: 2, tracesHeld: 2, services: all.services, spansHeld: 3, evictedSpans: 0, findings: [], generatedAt: 1 })));
  });

  it('the text match cache answers again only while a trace keeps its span count', () => {
    const store = storeWithTrace();
    const cache = new TextMatchCache();
    let searched = 0;
    const filter = { ...emptyTracesFilter, text: 'late' };
    const spansOf = (id: string) => {
      searched++;
      return store.spansOf(id);
    };
    const summary = () => store.traces()[0];
    const run = () => cache.lookup('late', summary(), () => spansOf(traceId).some((span) => span.name.includes('late')));
    assert.equal(run(), false);
    assert.equal(run(), false);
    assert.equal(searched, 1);
    store.add([liveSpan(traceId, '4'.repeat(16), { parentSpanId: rootId, name: 'late reply' })]);
    assert.equal(run(), true);
    assert.equal(searched, 2);
    assert.deepEqual(filteredTraceSummaries(store, filter, undefined, cache).traces.map((trace) => trace.traceId), [traceId]);
  });

  it('the filter command guard refuses junk', () => {
    assert.ok(SetTracesFilterCommand.is(SetTracesFilterCommand.message(emptyTracesFilter)));
    for (const params of [{}, { ...emptyTracesFilter, minDurationMs: -1 }, { ...emptyTracesFilter, text: 'x'.repeat(1001) }, { ...emptyTracesFilter, errorsOnly: 'yes' }]) {
      assert.equal(SetTracesFilterCommand.is({ method: 'live/setTracesFilter', params }), false, JSON.stringify(params));
    }
  });

  it('gives one trace with times relative to its start, and the guard accepts it', () => {
    const result = openTraceResult(storeWithTrace(), traceId);
    assert.equal(result.startTimeMs, 1000);
    const [root, child] = result.spans;
    assert.equal(root.startMs, 0);
    assert.equal(root.durationMs, 50);
    assert.equal(child.startMs, 10);
    assert.equal(child.durationMs, 30.5);
    assert.equal(child.events[0].offsetMs, 20);
    assert.deepEqual(child.status, { code: 'error', message: 'timeout' });
    assert.equal(child.hasSource, true);
    assert.equal(root.hasSource, false);
    assert.ok(OpenTraceRequest.isResponse(OpenTraceRequest.response(3, result)));
    assert.deepEqual(openTraceResult(storeWithTrace(), 'd'.repeat(32)).spans, []);
  });

  it('the request guards refuse what the webview must not send', () => {
    assert.ok(RevealSourceRequest.is(RevealSourceRequest.message({ traceId, spanId: rootId }, 1)));
    for (const junk of [
      { method: 'live/revealSource', id: 1, params: { traceId: '../etc', spanId: rootId } },
      { method: 'live/revealSource', id: -1, params: { traceId, spanId: rootId } },
      { method: 'live/revealSource', params: { traceId, spanId: rootId } },
      { method: 'live/openTrace', id: 2, params: { traceId: 'XYZ' } },
      { method: 'live/openTrace', id: 2, params: {} },
    ]) {
      assert.equal(RevealSourceRequest.is(junk) || OpenTraceRequest.is(junk), false, JSON.stringify(junk));
    }
  });
});
