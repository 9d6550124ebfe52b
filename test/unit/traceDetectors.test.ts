// The trace detectors over constructed span sequences: what a dropped traceparent, a call with no
// server span, a missing parent, a latency jump and an error-rate jump look like, against clean
// propagation, calls to things that do not report, noisy but steady latency and a sawtooth.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveFinding } from '../../src/live/liveFinding';
import { LiveFindingSet } from '../../src/live/liveFindingSet';
import type { Attributes, LiveSpan, SpanKind } from '../../src/live/spans';
import { createTraceDetectors, type TraceDetectorOptionsInput } from '../../src/live/traceDetectors';
import { TraceStore } from '../../src/live/traceStore';

const grace = 10_000;
const t0 = Date.UTC(2026, 0, 1);

let nextId = 1;
function hexId(digits: number): string {
  return (nextId++).toString(16).padStart(digits, '0');
}

interface SpanInit {
  traceId?: string;
  parent?: LiveSpan;
  parentSpanId?: string;
  service: string;
  name: string;
  kind: SpanKind;
  /** ms since the epoch. */
  start: number;
  durationMs: number;
  error?: boolean;
  attributes?: Attributes;
  /** When the receiver took it; the span's end when not given. */
  receivedAt?: number;
}

function span(init: SpanInit): LiveSpan {
  const start = BigInt(Math.round(init.start * 1e6));
  return {
    traceId: init.traceId ?? init.parent?.traceId ?? hexId(32),
    spanId: hexId(16),
    parentSpanId: init.parentSpanId ?? init.parent?.spanId,
    name: init.name,
    kind: init.kind,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.round(init.durationMs * 1e6)),
    status: init.error ? { code: 'error', message: 'boom' } : { code: 'unset' },
    serviceName: init.service,
    attributes: init.attributes ?? {},
    resource: { 'service.name': init.service },
    scope: { name: 'test' },
    events: [],
    links: [],
    receivedAt: init.receivedAt ?? init.start + init.durationMs,
  };
}

function harness(options: TraceDetectorOptionsInput = {}) {
  let clock = t0;
  const store = new TraceStore({ maxSpans: 100_000, maxAgeMs: 3_600_000 }, () => clock);
  const findings = new LiveFindingSet({ maxFindings: 100 }, () => clock);
  const detectors = createTraceDetectors({ store, findings, options, now: () => clock });
  const events: string[] = [];
  findings.onChange((change) => {
    if (change.type !== 'updated') events.push(`${change.type} ${change.finding.kind} ${change.finding.subject}`);
  });
  return {
    store,
    findings,
    detectors,
    events,
    /** Receives the spans at `at` (the receiver's clock) and ticks. */
    receive(at: number, spans: LiveSpan[]) {
      clock = at;
      store.add(spans.map((s) => ({ ...s, receivedAt: at })));
      detectors.tick(at);
    },
    tick(at: number) {
      clock = at;
      detectors.tick(at);
    },
    finding(kind: LiveFinding['kind'], subject: string) {
      return findings.get(kind, subject);
    },
  };
}

const paymentsUrl = 'http://localhost:4001/pay';

/** checkout's handler calling payments over HTTP; `propagated` says whether payments' span joins the trace. */
function call(start: number, propagated: boolean, path = '/pay') {
  const root = span({ service: 'checkout', name: 'POST /checkout', kind: 'server', start, durationMs: 50, attributes: { 'url.path': '/checkout', 'http.request.method': 'POST', 'server.address': 'localhost', 'server.port': 4000 } });
  const client = span({
    parent: root,
    service: 'checkout',
    name: 'POST',
    kind: 'client',
    start: start + 5,
    durationMs: 30,
    attributes: { 'http.request.method': 'POST', 'url.full': `http://localhost:4001${path}`, 'server.address': 'localhost', 'server.port': 4001, 'code.filepath': '/srv/checkout/pay.ts', 'code.lineno': 42 },
  });
  const server = span({
    ...(propagated ? { parent: client } : {}),
    service: 'payments',
    name: `POST ${path}`,
    kind: 'server',
    start: start + 7,
    durationMs: 25,
    attributes: { 'http.request.method': 'POST', 'url.path': path, 'server.address': 'localhost', 'server.port': 4001 },
  });
  return { root, client, server };
}

describe('broken-propagation', () => {
  it('stays quiet when every hop keeps the trace, whichever service exports first', () => {
    const h = harness();
    for (let i = 0; i < 10; i++) {
      const start = t0 + i * 1000;
      const { root, client, server } = call(start, true);
      // payments exports before checkout (its span ends first); sometimes all in one batch, server first.
      if (i % 2 === 0) {
        h.receive(start + 40, [server]);
        h.receive(start + 2000, [client, root]);
      } else h.receive(start + 100, [server, root, client]);
    }
    h.tick(t0 + 60_000);
    assert.deepEqual(h.events, []);
    assert.deepEqual({ ...h.detectors.stats(), operations: 0 }, { pendingParents: 0, pendingClients: 0, recentRoots: 0, droppedPending: 0, operations: 0 });
  });

  it('finds a dropped traceparent: a client span with no child, and a new trace in the service it called', () => {
    const h = harness();
    const { root, client, server } = call(t0, false);
    h.receive(t0 + 40, [server]);
    h.receive(t0 + 100, [client, root]);
    h.tick(t0 + 100 + grace - 1);
    assert.deepEqual(h.events, [], 'not before the grace period');
    h.tick(t0 + 100 + grace);
    assert.deepEqual(h.events, ['raised broken-propagation checkout → payments']);
    const finding = h.finding('broken-propagation', 'checkout → payments')!;
    assert.match(finding.message, /checkout calls payments but payments starts a new trace/);
    assert.deepEqual(finding.location, { file: '/srv/checkout/pay.ts', line: 42 });
    const evidence = finding.evidence as { from: string; to: string; counts: Record<string, number>; occurrences: Array<Record<string, { traceId: string; spanId: string }>> };
    assert.equal(evidence.from, 'checkout');
    assert.equal(evidence.to, 'payments');
    assert.equal(evidence.counts['dropped-context'], 1);
    assert.deepEqual(
      [evidence.occurrences[0].clientSpan.traceId, evidence.occurrences[0].clientSpan.spanId],
      [client.traceId, client.spanId],
    );
    assert.deepEqual(
      [evidence.occurrences[0].serverSpan.traceId, evidence.occurrences[0].serverSpan.spanId],
      [server.traceId, server.spanId],
    );
  });

  it('clears once the pattern has stopped for the clear window', () => {
    const h = harness({ propagationClearMs: 30_000 });
    for (let i = 0; i < 3; i++) {
      const { root, client, server } = call(t0 + i * 1000, false);
      h.receive(t0 + i * 1000 + 100, [server, client, root]);
    }
    h.tick(t0 + 2100 + grace);
    assert.match(h.finding('broken-propagation', 'checkout → payments')!.message, /\(3 times\)/);
    // Fixed: calls propagate from now on.
    for (let i = 3; i < 40; i++) {
      const { root, client, server } = call(t0 + i * 1000, true);
      h.receive(t0 + i * 1000 + 100, [server, client, root]);
    }
    assert.ok(h.finding('broken-propagation', 'checkout → payments'), 'held within the clear window');
    h.tick(t0 + 2100 + grace + 30_000);
    assert.deepEqual(h.events, ['raised broken-propagation checkout → payments', 'cleared broken-propagation checkout → payments']);
  });

  it('matches the call by method and path: a concurrent root in the called service for another path is not it', () => {
    const h = harness();
    const { root, client } = call(t0, false, '/pay');
    const other = span({ service: 'payments', name: 'GET /health', kind: 'server', start: t0 + 8, durationMs: 2, attributes: { 'http.request.method': 'GET', 'url.path': '/health' } });
    h.receive(t0 + 100, [other, client, root]);
    h.tick(t0 + 100 + grace);
    assert.equal(h.finding('broken-propagation', 'checkout → payments'), undefined);
  });

  it('matches RPC calls by service and method', () => {
    const h = harness();
    const rpc = (method: string) => ({ 'rpc.system': 'grpc', 'rpc.service': 'payments.Payments', 'rpc.method': method });
    const root = span({ service: 'checkout', name: 'POST /checkout', kind: 'server', start: t0, durationMs: 50 });
    const client = span({ parent: root, service: 'checkout', name: 'payments.Payments/Charge', kind: 'client', start: t0 + 5, durationMs: 30, attributes: { ...rpc('Charge'), 'server.address': 'payments.internal', 'server.port': 50051 } });
    const otherMethod = span({ service: 'payments', name: 'payments.Payments/Refund', kind: 'server', start: t0 + 6, durationMs: 5, attributes: rpc('Refund') });
    const newTrace = span({ service: 'payments', name: 'payments.Payments/Charge', kind: 'server', start: t0 + 8, durationMs: 20, attributes: rpc('Charge') });
    h.receive(t0 + 100, [otherMethod, newTrace, client, root]);
    h.tick(t0 + 100 + grace);
    const evidence = h.finding('broken-propagation', 'checkout → payments')!.evidence as { occurrences: Array<{ serverSpan: { spanId: string } }> };
    assert.equal(evidence.occurrences[0].serverSpan.spanId, newTrace.spanId);
  });

  it('finds calls to a reporting service that get no server span there', () => {
    const h = harness();
    // payments reports (its server spans say which endpoint they serve) ...
    h.receive(t0, [span({ service: 'payments', name: 'GET /health', kind: 'server', start: t0 - 5, durationMs: 1, attributes: { 'server.address': '127.0.0.1', 'server.port': 4001, 'url.path': '/health' } })]);
    // ... but this call to it leaves no span at all there.
    const { root, client } = call(t0 + 1000, true);
    h.receive(t0 + 1100, [client, root]);
    h.tick(t0 + 1100 + grace);
    const finding = h.finding('broken-propagation', 'checkout → payments')!;
    assert.match(finding.message, /get no server span in payments/);
    assert.equal((finding.evidence as { counts: Record<string, number> }).counts['no-child-span'], 1);
  });

  it('does not blame propagation for a call that failed without a response', () => {
    const h = harness();
    h.receive(t0, [span({ service: 'payments', name: 'GET /health', kind: 'server', start: t0 - 5, durationMs: 1, attributes: { 'server.address': 'localhost', 'server.port': 4001 } })]);
    const { root, client } = call(t0 + 1000, true);
    const refused = { ...client, status: { code: 'error' as const, message: 'connect ECONNREFUSED 127.0.0.1:4001' } };
    h.receive(t0 + 1100, [refused, root]);
    h.tick(t0 + 1100 + grace);
    assert.deepEqual(h.events, []);
  });

  it('ignores calls to things that do not report here, even while another service starts traces', () => {
    const h = harness();
    const root = span({ service: 'checkout', name: 'POST /checkout', kind: 'server', start: t0, durationMs: 50 });
    const query = span({ parent: root, service: 'checkout', name: 'SELECT', kind: 'client', start: t0 + 5, durationMs: 30, attributes: { 'db.system': 'postgresql', 'server.address': 'db', 'server.port': 5432 } });
    const unrelated = span({ service: 'payments', name: 'POST /pay', kind: 'server', start: t0 + 10, durationMs: 5, attributes: { 'url.path': '/pay', 'server.address': 'localhost', 'server.port': 4001 } });
    h.receive(t0 + 100, [root, query, unrelated]);
    h.tick(t0 + 100 + grace);
    assert.deepEqual(h.events, []);
  });

  it('finds server spans whose remote parent never arrives; not when it arrives within the grace period', () => {
    const h = harness();
    const late = span({ parentSpanId: 'aaaaaaaaaaaaaaaa', traceId: 'b'.repeat(32), service: 'payments', name: 'POST /pay', kind: 'server', start: t0, durationMs: 5 });
    const orphan = span({ parentSpanId: 'cccccccccccccccc', service: 'payments', name: 'POST /pay', kind: 'server', start: t0, durationMs: 5 });
    // A local parent still running (a long job) is not a propagation problem.
    const localChild = span({ parentSpanId: 'dddddddddddddddd', service: 'payments', name: 'step', kind: 'internal', start: t0, durationMs: 5 });
    h.receive(t0 + 10, [late, orphan, localChild]);
    const parent = { ...span({ traceId: late.traceId, service: 'gateway', name: 'POST', kind: 'client', start: t0 - 1, durationMs: 7 }), spanId: 'aaaaaaaaaaaaaaaa' };
    h.receive(t0 + 5000, [parent]);
    h.tick(t0 + 10 + grace);
    assert.deepEqual(h.events, ['raised broken-propagation unknown → payments']);
    const evidence = h.finding('broken-propagation', 'unknown → payments')!.evidence as { occurrences: Array<{ serverSpan: { spanId: string }; missingParentSpanId: string }> };
    assert.deepEqual(
      evidence.occurrences.map((o) => [o.serverSpan.spanId, o.missingParentSpanId]),
      [[orphan.spanId, 'cccccccccccccccc']],
    );
  });

  it('holds a bounded number of waiting spans, counting what it drops', () => {
    const h = harness({ maxPending: 10 });
    const clients = Array.from({ length: 25 }, (_, i) => span({ service: 'checkout', name: 'GET', kind: 'client', start: t0 + i, durationMs: 1, attributes: { 'server.address': 'db', 'server.port': 5432 } }));
    h.receive(t0 + 100, clients);
    assert.equal(h.detectors.stats().pendingClients, 10);
    assert.equal(h.detectors.stats().droppedPending, 15);
  });
});

/** A small deterministic generator, so the noisy series are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Ten spans a second of one operation for `seconds`, durations from `durationAt`, ticking every second. */
function run(h: ReturnType<typeof harness>, from: number, seconds: number, durationAt: (t: number, i: number) => number, failingAt: (t: number, i: number) => boolean = () => false): void {
  for (let s = 0; s < seconds; s++) {
    const at = from + s * 1000;
    const spans: LiveSpan[] = [];
    for (let i = 0; i < 10; i++) {
      const durationMs = durationAt(at, i);
      spans.push(span({ service: 'payments', name: 'POST /pay', kind: 'server', start: at - durationMs, durationMs, error: failingAt(at, i) }));
    }
    h.receive(at, spans);
  }
}

const windows: TraceDetectorOptionsInput = { percentiles: { bucketMs: 5_000, windowMs: 30_000, baselineMs: 300_000 } };

describe('slow-operation', () => {
  it('stays quiet for a noisy but steady p99', () => {
    const h = harness(windows);
    const next = random(1);
    // Log-normal-ish: mostly 20-40 ms, a long tail to ~200 ms.
    run(h, t0, 600, () => 20 * Math.exp(next() * next() * 2.3) + next() * 20);
    assert.deepEqual(h.events, []);
  });

  it('stays quiet for a sawtooth: the baseline has seen the peaks', () => {
    const h = harness(windows);
    // Ramps 10 → 100 ms every 20 s, over and over.
    run(h, t0, 600, (t) => 10 + ((t - t0) % 20_000) / 20_000 * 90);
    assert.deepEqual(h.events, []);
  });

  it('judges a slower recurring pattern against a baseline that has seen it: a square wave raises once, at its first peak, and not again', () => {
    const h = harness(windows);
    const next = random(5);
    // 60 s at ~20 ms, 60 s at ~120 ms, for 15 minutes.
    run(h, t0, 900, (t) => (Math.floor((t - t0) / 60_000) % 2 === 0 ? 20 : 120) + next() * 5);
    // The first peak is a jump from what came before; after it, the baseline knows the peaks.
    assert.deepEqual(h.events, ['raised slow-operation payments: POST /pay', 'cleared slow-operation payments: POST /pay']);
  });

  it('finds a true jump, with the slowest spans, and clears when it is over', () => {
    const h = harness(windows);
    const next = random(2);
    run(h, t0, 300, () => 20 + next() * 10);
    assert.deepEqual(h.events, []);
    run(h, t0 + 300_000, 30, () => 250 + next() * 50);
    assert.deepEqual(h.events, ['raised slow-operation payments: POST /pay']);
    const finding = h.finding('slow-operation', 'payments: POST /pay')!;
    assert.match(finding.message, /^payments POST \/pay: p99 \d+ ms over the last 30 s, \d+\.\d× its baseline of \d+ ms/);
    const evidence = finding.evidence as { current: { p99: number }; baseline: { p99: number }; slowestSpans: Array<{ traceId: string; spanId: string; durationMs: number }> };
    assert.ok(evidence.current.p99 > 240 && evidence.baseline.p99 < 32, JSON.stringify(evidence));
    assert.equal(evidence.slowestSpans.length, 3);
    assert.match(evidence.slowestSpans[0].spanId, /^[0-9a-f]{16}$/);
    run(h, t0 + 330_000, 40, () => 20 + next() * 10);
    assert.deepEqual(h.events, ['raised slow-operation payments: POST /pay', 'cleared slow-operation payments: POST /pay']);
  });

  it('needs a minimum count: a few slow spans of a quiet operation are not a finding', () => {
    const h = harness({ ...windows, slowOperation: { minCount: 20 } });
    for (let s = 0; s < 300; s += 10) h.receive(t0 + s * 1000, [span({ service: 'payments', name: 'GET /rare', kind: 'server', start: t0 + s * 1000 - 20, durationMs: 20 })]);
    h.receive(t0 + 301_000, [0, 1, 2].map((i) => span({ service: 'payments', name: 'GET /rare', kind: 'server', start: t0 + 300_000 + i, durationMs: 900 })));
    assert.deepEqual(h.events, []);
  });

  it('needs an absolute increase: 1 ms to 3 ms is not a finding', () => {
    const h = harness({ ...windows, slowOperation: { minIncreaseMs: 20 } });
    run(h, t0, 300, () => 1);
    run(h, t0 + 300_000, 30, () => 3);
    assert.deepEqual(h.events, []);
  });
});

describe('error-rate', () => {
  it('stays quiet for a steady low error rate', () => {
    const h = harness(windows);
    const next = random(3);
    run(h, t0, 600, () => 20, () => next() < 0.03);
    assert.deepEqual(h.events, []);
  });

  it('finds a jump in the error rate, naming failing spans, and clears after', () => {
    const h = harness(windows);
    const next = random(4);
    run(h, t0, 300, () => 20, () => next() < 0.02);
    run(h, t0 + 300_000, 30, () => 20, () => next() < 0.4);
    assert.deepEqual(h.events, ['raised error-rate payments: POST /pay']);
    const finding = h.finding('error-rate', 'payments: POST /pay')!;
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /^payments POST \/pay: \d+% of spans failed over the last 30 s \(\d+ of \d+\), up from \d\.\d%/);
    const evidence = finding.evidence as { errorSpans: Array<{ traceId: string; spanId: string; statusMessage: string }> };
    assert.equal(evidence.errorSpans.length, 3);
    assert.equal(evidence.errorSpans[0].statusMessage, 'boom');
    run(h, t0 + 330_000, 40, () => 20, () => false);
    assert.deepEqual(h.events.at(-1), 'cleared error-rate payments: POST /pay');
  });

  it('needs a minimum count', () => {
    const h = harness({ ...windows, errorRate: { minCount: 20 } });
    for (let s = 0; s < 300; s += 10) h.receive(t0 + s * 1000, [span({ service: 'payments', name: 'GET /rare', kind: 'server', start: t0 + s * 1000 - 20, durationMs: 20 })]);
    h.receive(t0 + 301_000, [0, 1, 2, 3, 4, 5].map((i) => span({ service: 'payments', name: 'GET /rare', kind: 'server', start: t0 + 300_000 + i, durationMs: 20, error: true })));
    assert.deepEqual(h.events, []);
  });
});

describe('topOperations', () => {
  it('lists the busiest operations of the current window with their figures', () => {
    const h = harness(windows);
    run(h, t0, 10, () => 20);
    h.receive(t0 + 10_000, [span({ service: 'checkout', name: 'GET /cart', kind: 'server', start: t0 + 9_990, durationMs: 10 })]);
    const top = h.detectors.topOperations(5, t0 + 10_000);
    assert.deepEqual(
      top.map((figures) => [figures.serviceName, figures.spanName, figures.current.count]),
      [
        ['payments', 'POST /pay', 100],
        ['checkout', 'GET /cart', 1],
      ],
    );
  });
});
