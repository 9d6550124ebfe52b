// The Prometheus text parser on real output: prom-client's default metrics (and its gauges,
// histograms and summaries, with escaped label values and non-finite values) rendered in this
// process, and /metrics captured from the Go service of test/support/goLeaker; then malformed input.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { collectDefaultMetrics, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { parsePrometheusText, sampleSeriesName, type PrometheusScrape } from '../../src/live/prometheusText';

function family(scrape: PrometheusScrape, name: string) {
  const found = scrape.families.find((candidate) => candidate.name === name);
  assert.ok(found, `no family ${name} in ${scrape.families.map((f) => f.name).join(', ')}`);
  return found;
}

describe('parsePrometheusText', () => {
  it("reads prom-client's default metrics and its histogram, summary and escaped labels", async () => {
    const register = new Registry();
    collectDefaultMetrics({ register });
    const odd = new Gauge({ name: 'odd_label_values', help: 'Label values with "quotes", a \\ backslash\nand a newline.', labelNames: ['v'], registers: [register] });
    odd.set({ v: 'a "quoted" \\ back\nslash' }, Number.NaN);
    odd.set({ v: 'inf' }, Infinity);
    odd.set({ v: 'minf' }, -Infinity);
    const durations = new Histogram({ name: 'request_duration_seconds', help: 'Request durations', labelNames: ['route'], buckets: [0.1, 1], registers: [register] });
    durations.observe({ route: '/a' }, 0.05);
    durations.observe({ route: '/a' }, 2);
    const sizes = new Summary({ name: 'payload_bytes', help: 'Payload sizes', percentiles: [0.5, 0.9], registers: [register] });
    sizes.observe(10);
    sizes.observe(20);
    const timers = [setInterval(() => {}, 60_000), setInterval(() => {}, 60_000)];
    let text: string;
    try {
      text = await register.metrics();
    } finally {
      for (const timer of timers) clearInterval(timer);
    }

    const scrape = parsePrometheusText(text);
    assert.deepEqual(scrape.errors, []);
    // Timers are not libuv handles to process._getActiveHandles() on Node 20: prom-client counts
    // them in nodejs_active_resources (process.getActiveResourcesInfo()), not nodejs_active_handles.
    assert.equal(family(scrape, 'nodejs_active_handles').type, 'gauge');
    assert.equal(family(scrape, 'nodejs_active_handles_total').samples.length, 1);
    const timeouts = family(scrape, 'nodejs_active_resources').samples.find((sample) => sample.labels.type === 'Timeout');
    assert.ok(timeouts && timeouts.value >= 2, JSON.stringify(family(scrape, 'nodejs_active_resources').samples));
    assert.ok(family(scrape, 'nodejs_active_resources_total').samples[0].value >= 2);
    assert.ok(family(scrape, 'process_open_fds').samples[0].value > 0);
    assert.ok(family(scrape, 'process_resident_memory_bytes').samples[0].value > 1_000_000);
    assert.equal(family(scrape, 'nodejs_eventloop_lag_p99_seconds').type, 'gauge');
    assert.equal(family(scrape, 'process_cpu_seconds_total').type, 'counter');

    const oddValues = family(scrape, 'odd_label_values');
    assert.equal(oddValues.help, 'Label values with "quotes", a \\ backslash\nand a newline.');
    assert.deepEqual(
      oddValues.samples.map((sample) => [sample.labels.v, sample.value]),
      [
        ['a "quoted" \\ back\nslash', Number.NaN],
        ['inf', Infinity],
        ['minf', -Infinity],
      ],
    );
    assert.equal(sampleSeriesName(oddValues.samples[0]), 'odd_label_values{v="a \\"quoted\\" \\\\ back\\nslash"}');

    const histogram = family(scrape, 'request_duration_seconds');
    assert.equal(histogram.type, 'histogram');
    assert.deepEqual(
      histogram.samples.map((sample) => `${sampleSeriesName(sample)} ${sample.value}`),
      ['request_duration_seconds_bucket{le="0.1",route="/a"} 1', 'request_duration_seconds_bucket{le="1",route="/a"} 1', 'request_duration_seconds_bucket{le="+Inf",route="/a"} 2', 'request_duration_seconds_sum{route="/a"} 2.05', 'request_duration_seconds_count{route="/a"} 2'],
    );
    const summary = family(scrape, 'payload_bytes');
    assert.equal(summary.type, 'summary');
    assert.deepEqual(
      summary.samples.map((sample) => sample.name),
      ['payload_bytes', 'payload_bytes', 'payload_bytes_sum', 'payload_bytes_count'],
    );
    assert.deepEqual(summary.samples[0].labels, { quantile: '0.5' });
  });

  it("reads the Go service's /metrics (captured from test/support/goLeaker)", () => {
    const text = fs.readFileSync(path.join(__dirname, 'fixtures/live/goLeakerMetrics.txt'), 'utf8');
    const scrape = parsePrometheusText(text);
    assert.deepEqual(scrape.errors, []);
    assert.equal(family(scrape, 'go_goroutines').samples[0].value > 0, true);
    assert.equal(family(scrape, 'go_gc_duration_seconds').type, 'summary');
    assert.equal(family(scrape, 'go_gc_duration_seconds').samples.length, 7);
    assert.match(family(scrape, 'go_info').samples[0].labels.version, /^go1\.\d+/);
    assert.ok(family(scrape, 'process_resident_memory_bytes').samples[0].value > 1e6, 'exponent form 7.65952e+06');
  });

  it('reads timestamps, CRLF, untyped samples, trailing commas and spaces in label lists', () => {
    const scrape = parsePrometheusText('# a plain comment\r\nhttp_requests_total{method="post",code="200",} 1027 1395066363000\r\nmetric_without_labels  -12.5e-3\r\nspaced{ a = "1" , b="2" } +Inf -5\r\n# EOF\r\n');
    assert.deepEqual(scrape.errors, []);
    assert.deepEqual(
      scrape.families.map((f) => [f.name, f.type, f.samples]),
      [
        ['http_requests_total', 'untyped', [{ name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, timestampMs: 1395066363000 }]],
        ['metric_without_labels', 'untyped', [{ name: 'metric_without_labels', labels: {}, value: -0.0125 }]],
        ['spaced', 'untyped', [{ name: 'spaced', labels: { a: '1', b: '2' }, value: Infinity, timestampMs: -5 }]],
      ],
    );
  });

  it('reports each malformed line with its number and keeps the others', () => {
    const text = [
      '# TYPE good gauge',
      'good 1',
      '{no_name="x"} 1',
      'bad_value 12abc',
      'unclosed{a="x} 1',
      'bad_escape{a="\\t"} 1',
      'twice{a="1",a="2"} 1',
      'no_value',
      'bad_timestamp 1 12.5',
      'too_many 1 2 3',
      '# TYPE strange histogramm',
      'unquoted{a=1} 1',
      'good{x="2"} 2',
    ].join('\n');
    const scrape = parsePrometheusText(text);
    assert.deepEqual(
      scrape.errors.map((error) => error.line),
      [3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    );
    assert.match(scrape.errors[1].message, /bad_value has the value "12abc", which is not a number/);
    assert.match(scrape.errors[2].message, /not closed/);
    assert.match(scrape.errors[3].message, /unknown escape "\\t"/);
    assert.match(scrape.errors[8].message, /unknown type "histogramm"/);
    assert.deepEqual(family(scrape, 'good').samples.map((sample) => sample.value), [1, 2]);
    assert.deepEqual(parsePrometheusText(''), { families: [], errors: [] });
  });
});
