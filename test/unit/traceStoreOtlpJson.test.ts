// A TraceStore exported to OTLP/JSON and imported into another store: the same spans come back;
// spans held already are not added twice; a file that is not OTLP/JSON adds nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OtlpDecodeError } from '../../src/live/otlpDecode';
import { TraceStore } from '../../src/live/traceStore';
import { exportTraceStoreAsOtlpJson, importOtlpJsonIntoTraceStore } from '../../src/live/traceStoreOtlpJson';
import { liveSpan } from '../support/liveSpans';

const traceA = '5b8efff798038103d269b633813fc60c';
const traceB = '0af7651916cd43dd8448eb211c80319c';
const receivedAt = 1_700_000_000_000;

function storeWithTwoTraces(): TraceStore {
  const store = new TraceStore({ maxSpans: 100, maxAgeMs: 60_000 });
  store.add([
    liveSpan(traceA, '0000000000000001', { receivedAt, kind: 'server' }),
    liveSpan(traceA, '0000000000000002', { receivedAt, parentSpanId: '0000000000000001', resource: { 'service.name': 'payments' }, serviceName: 'payments' }),
    liveSpan(traceB, '0000000000000003', { receivedAt, status: { code: 'error', message: 'boom' } }),
  ]);
  return store;
}

describe('exportTraceStoreAsOtlpJson / importOtlpJsonIntoTraceStore', () => {
  it('exports every span held and imports them into another store unchanged', () => {
    const source = storeWithTwoTraces();
    const exported = exportTraceStoreAsOtlpJson(source);
    assert.equal(exported.spans, 3);
    assert.equal(exported.traces, 2);
    const target = new TraceStore({ maxSpans: 100, maxAgeMs: 60_000 });
    const imported = importOtlpJsonIntoTraceStore(target, exported.text, receivedAt);
    assert.deepEqual(imported, { added: 3, alreadyHeld: 0, rejected: 0, traces: 2 });
    for (const traceId of [traceA, traceB]) assert.deepEqual(target.spansOf(traceId), source.spansOf(traceId));
    assert.deepEqual(target.traces(), source.traces());
  });

  it('does not add a span twice: importing into the store it came from adds nothing', () => {
    const store = storeWithTwoTraces();
    const imported = importOtlpJsonIntoTraceStore(store, exportTraceStoreAsOtlpJson(store).text, receivedAt);
    assert.deepEqual(imported, { added: 0, alreadyHeld: 3, rejected: 0, traces: 2 });
    assert.equal(store.stats().spans, 3);
  });

  it('refuses a file that is not OTLP/JSON with the reason, and the spans held stay', () => {
    const store = storeWithTwoTraces();
    const before = store.traces();
    for (const text of ['not json', '[1,2]', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}', exportTraceStoreAsOtlpJson(store).text.slice(0, 50)]) {
      assert.throws(() => importOtlpJsonIntoTraceStore(store, text, receivedAt), OtlpDecodeError);
    }
    assert.deepEqual(store.traces(), before);
  });

  it('counts invalid spans as rejected and keeps the valid ones', () => {
    const store = new TraceStore({ maxSpans: 100, maxAgeMs: 60_000 });
    const text = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: traceA, spanId: '0000000000000009', name: 'kept' }, { traceId: traceA, spanId: '00', name: 'short id' }] }] }],
    });
    const imported = importOtlpJsonIntoTraceStore(store, text, receivedAt);
    assert.equal(imported.added, 1);
    assert.equal(imported.rejected, 1);
    assert.match(imported.rejectedReason ?? '', /1 span rejected: span id "00"/);
  });
});
