// `bounded watch`'s readable output, run in process with its real OTLP receiver on a port the
// system chose: spans POSTed as OTLP/JSON over real HTTP, one line per finding raised and cleared,
// summaries, and a clean stop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWatch, type WatchOptions } from '../../src/cli/watchCommand';

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startMs: number;
  durationMs: number;
  attributes: Record<string, string | number>;
}

const spanKind = { server: 2, client: 3 };

function otlpJson(serviceName: string, spans: JsonSpan[]): string {
  const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [
          {
            scope: { name: 'watch-test' },
            spans: spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: nanos(span.startMs),
              endTimeUnixNano: nanos(span.startMs + span.durationMs),
              attributes: Object.entries(span.attributes).map(([key, value]) => ({ key, value: typeof value === 'number' ? { intValue: value } : { stringValue: value } })),
              status: {},
            })),
          },
        ],
      },
    ],
  });
}

/** What runWatch writes, with waits on it that end at a deadline. */
class Captured {
  readonly lines: string[] = [];
  private readonly waiters = new Set<() => void>();
  readonly write = (text: string) => {
    this.lines.push(...text.replace(/\n$/, '').split('\n'));
    for (const waiter of [...this.waiters]) waiter();
  };

  waitFor(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.find((line) => pattern.test(line));
        if (found === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** runWatch in process, on a port the system chose, its output captured, until `stop()`. */
function watching(options: Pick<WatchOptions, 'json'>) {
  const stdout = new Captured();
  const stderr = new Captured();
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const exitCode = runWatch({ otlp: { host: '127.0.0.1', port: 0 }, json: options.json, summaryIntervalMs: 200, graceMs: 300, windowMs: 1000 }, { stdout: stdout.write, stderr: stderr.write }, stopped);
  return { stdout, stderr, exitCode, stop };
}

describe('bounded watch (text output)', () => {
  it('prints where it receives, summaries, a finding when raised and when cleared, and stops cleanly', async () => {
    const { stdout, exitCode, stop } = watching({ json: false });
    try {
      const started = await stdout.waitFor(/^bounded watch: receiving OTLP\/HTTP traces at /, 10_000);
      const endpoint = /OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/127\.0\.0\.1:\d+)\)$/.exec(started)?.[1];
      assert.ok(endpoint, started);
      await stdout.waitFor(/^\d\d:\d\d:\d\d summary {2}0 live findings; traces: 0 spans, 0 traces received; holding 0 spans of 0 traces$/, 5_000);

      // checkout calls payments at 127.0.0.1:4001 and does not send the traceparent: payments starts a new trace.
      const now = Date.now();
      const checkout = otlpJson('checkout', [
        { traceId: '1'.repeat(32), spanId: '1'.repeat(16), name: 'checkout order', kind: spanKind.server, startMs: now - 100, durationMs: 60, attributes: {} },
        { traceId: '1'.repeat(32), spanId: '2'.repeat(16), parentSpanId: '1'.repeat(16), name: 'POST', kind: spanKind.client, startMs: now - 90, durationMs: 40, attributes: { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:4001/pay', 'server.address': '127.0.0.1', 'server.port': 4001, 'code.filepath': '/srv/checkout.ts', 'code.lineno': 12 } },
      ]);
      const payments = otlpJson('payments', [{ traceId: '3'.repeat(32), spanId: '3'.repeat(16), name: 'POST /pay', kind: spanKind.server, startMs: now - 85, durationMs: 20, attributes: { 'http.request.method': 'POST', 'url.path': '/pay', 'server.address': '127.0.0.1', 'server.port': 4001 } }]);
      for (const body of [payments, checkout]) {
        const response: Response = await fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5_000) });
        assert.equal(response.status, 200, await response.text());
      }

      const raised = await stdout.waitFor(/ broken-propagation /, 10_000);
      assert.match(raised, /^\d\d:\d\d:\d\d warning {2}broken-propagation checkout → payments: checkout calls payments but payments starts a new trace: .* \(1 time\)\. \(\/srv\/checkout\.ts:12\)$/);
      await stdout.waitFor(/^\d\d:\d\d:\d\d summary {2}1 live finding; traces: 3 spans, 2 traces received; holding 3 spans of 2 traces/, 5_000);
      const cleared = await stdout.waitFor(/ cleared /, 10_000);
      assert.match(cleared, /^\d\d:\d\d:\d\d cleared {2}broken-propagation checkout → payments$/);
    } finally {
      stop();
    }
    assert.equal(await exitCode, 0);
    assert.equal(stdout.lines.at(-1), 'bounded watch: stopped');
    // The receiver is closed: nothing listens on its port any more.
    const endpoint = /OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/[^)]+)\)/.exec(stdout.lines[0])![1];
    await assert.rejects(fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(5_000) }));
  });
});

describe('bounded watch --json, the receiver counters', () => {
  it('counts in sources.traces.receiver the spans a partialSuccess rejected and a request refused with 400', async () => {
    const { stdout, stderr, exitCode, stop } = watching({ json: true });
    try {
      const started = await stderr.waitFor(/^bounded watch: receiving OTLP\/HTTP traces at /, 10_000);
      const endpoint = /OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/127\.0\.0\.1:\d+)\)$/.exec(started)?.[1];
      assert.ok(endpoint, started);
      const partial = JSON.parse(otlpJson('checkout', [{ traceId: '4'.repeat(32), spanId: '4'.repeat(16), name: 'GET /', kind: spanKind.server, startMs: Date.now() - 10, durationMs: 5, attributes: {} }])) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }> };
      const spans = partial.resourceSpans[0].scopeSpans[0].spans;
      spans.push({ ...spans[0], spanId: 'cc' });
      const accepted = await fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(partial), signal: AbortSignal.timeout(5_000) });
      assert.equal(accepted.status, 200);
      assert.deepEqual(((await accepted.json()) as { partialSuccess?: { rejectedSpans: number } }).partialSuccess?.rejectedSpans, 1);
      const refused = await fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans": [', signal: AbortSignal.timeout(5_000) });
      assert.equal(refused.status, 400);

      const summary = await stdout.waitFor(/"type":"summary".*"requests":2/, 5_000);
      const traces = (JSON.parse(summary) as { sources: { traces: { spansReceived: number; receiver: unknown } } }).sources.traces;
      assert.equal(traces.spansReceived, 1);
      assert.deepEqual(traces.receiver, { requests: 2, refusedRequests: { 400: 1 }, acceptedSpans: 1, rejectedSpans: 1 });
    } finally {
      stop();
    }
    assert.equal(await exitCode, 0);
  });
});
