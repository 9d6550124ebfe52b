// `bounded watch`'s --metrics, --pprof, --pin and leak options, and the URL forms the metrics and
// pprof sources accept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/commandArgs';
import { leakDetectorOptionsOf, parseWatchArgs } from '../../src/cli/watchCommand';
import { resolveLeakDetectorOptions } from '../../src/live/leakDetector';
import { metricsUrl } from '../../src/live/metricsSource';
import { goroutineProfileUrl } from '../../src/live/pprofSource';

describe('bounded watch leak options', () => {
  it('takes repeatable --metrics, --pprof and --pin, and the scrape and leak settings', () => {
    const options = parseWatchArgs(['--metrics', '127.0.0.1:9100', '--metrics=http://10.0.0.5:3000/custom', '--pprof', 'localhost:6060', '--pin', 'http_requests_total', '--scrape-interval', '2', '--leak-window', '300', '--leak-min-rate=0.5']);
    assert.deepEqual(options.metrics, ['127.0.0.1:9100', 'http://10.0.0.5:3000/custom']);
    assert.deepEqual(options.pprof, ['localhost:6060']);
    assert.deepEqual(options.pinnedMetrics, ['http_requests_total']);
    assert.equal(options.scrapeIntervalMs, 2_000);
    assert.equal(options.leakWindowMs, 300_000);
    assert.equal(options.leakMinRatePerMin, 0.5);
    assert.deepEqual(leakDetectorOptionsOf(options), { windowMs: 300_000, minRatePerMin: 0.5, minPoints: 10 });
    // Defaults: ten minutes, one a minute; a short test window needs fewer points (but at least five).
    assert.deepEqual(leakDetectorOptionsOf(parseWatchArgs([])), { windowMs: 600_000, minRatePerMin: 1, minPoints: 10 });
    const short = leakDetectorOptionsOf(parseWatchArgs(['--leak-window', '3', '--scrape-interval', '0.5']));
    assert.equal(short.minPoints, 5);
    assert.doesNotThrow(() => resolveLeakDetectorOptions(short));
  });

  it('rejects bad URLs, metric names and rates with a usage error', () => {
    for (const [args, message] of [
      [['--metrics', 'ftp://host/metrics'], /--metrics: "ftp:\/\/host\/metrics" is not an http or https URL/],
      [['--pprof', 'http://[bad'], /--pprof: "http:\/\/\[bad" is not a URL/],
      [['--metrics'], /--metrics needs a value/],
      [['--pin', 'not a name'], /--pin takes a metric name/],
      [['--leak-min-rate', '0'], /--leak-min-rate takes a positive number per minute/],
      [['--leak-window', 'x'], /--leak-window takes a positive number of seconds/],
    ] as const) {
      assert.throws(() => parseWatchArgs([...args]), (error: unknown) => error instanceof UsageError && message.test(error.message), String(args));
    }
  });

  it('reads host:port and the common URL forms', () => {
    assert.equal(metricsUrl('127.0.0.1:9100').href, 'http://127.0.0.1:9100/metrics');
    assert.equal(metricsUrl('http://127.0.0.1:9100').href, 'http://127.0.0.1:9100/metrics');
    assert.equal(metricsUrl('http://127.0.0.1:9100/').href, 'http://127.0.0.1:9100/', 'a path given as / is kept');
    assert.equal(metricsUrl('https://svc:8443/prom').href, 'https://svc:8443/prom');
    assert.equal(goroutineProfileUrl('127.0.0.1:6060').href, 'http://127.0.0.1:6060/debug/pprof/goroutine?debug=1');
    assert.equal(goroutineProfileUrl('http://127.0.0.1:6060/debug/pprof/').href, 'http://127.0.0.1:6060/debug/pprof/goroutine?debug=1');
    assert.equal(goroutineProfileUrl('http://127.0.0.1:6060/debug/pprof/goroutine?debug=2').href, 'http://127.0.0.1:6060/debug/pprof/goroutine?debug=1');
  });
});
