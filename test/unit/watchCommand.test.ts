import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/commandArgs';
import { parseWatchArgs, traceDetectorOptionsOf } from '../../src/cli/watchCommand';

describe('bounded watch arguments', () => {
  it('defaults to OTLP on 127.0.0.1:4318, text output, a summary every 5 s', () => {
    assert.deepEqual(parseWatchArgs([]), { otlp: { host: '127.0.0.1', port: 4318 }, json: false, summaryIntervalMs: 5000, graceMs: 10_000, windowMs: 30_000 });
  });

  it('takes each option, as `--flag value` or `--flag=value`', () => {
    assert.deepEqual(parseWatchArgs(['--otlp-port', '0', '--otlp-host=::1', '--json', '--summary-interval', '0.5', '--grace=2', '--window', '3']), {
      otlp: { host: '::1', port: 0 },
      json: true,
      summaryIntervalMs: 500,
      graceMs: 2000,
      windowMs: 3000,
    });
  });

  it('receives traces beside other sources only when --otlp-port or --otlp-host asks, so two watchers of Redis do not clash on 4318', () => {
    for (const source of [['--redis', '127.0.0.1:6379'], ['--redis-cluster', '127.0.0.1:7000'], ['--metrics', '127.0.0.1:9100'], ['--pprof', '127.0.0.1:6060'], ['--inspect', '9229']]) {
      assert.equal(parseWatchArgs(source).otlp, undefined, source.join(' '));
    }
    assert.deepEqual(parseWatchArgs(['--redis', '127.0.0.1:6379', '--otlp-port', '4319']).otlp, { host: '127.0.0.1', port: 4319 });
    assert.deepEqual(parseWatchArgs(['--otlp-host', '::1', '--metrics', '127.0.0.1:9100']).otlp, { host: '::1', port: 4318 });
    assert.deepEqual(parseWatchArgs(['--json', '--window', '3']).otlp, { host: '127.0.0.1', port: 4318 }, 'no source given: traces, on 4318');
  });

  for (const [args, message] of [
    [['--otlp-port', 'http'], /--otlp-port takes a port number from 0 to 65535, got "http"/],
    [['--otlp-port', '70000'], /--otlp-port takes a port number/],
    [['--otlp-port'], /--otlp-port needs a value/],
    [['--summary-interval', '0'], /--summary-interval takes a positive number of seconds, got "0"/],
    [['--grace', 'soon'], /--grace takes a positive number of seconds/],
    [['--json=yes'], /--json takes no value/],
    [['--redis', 'http://localhost:6379'], /--redis takes a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/localhost:6379"/],
    [['--dead-letter', '1'], /--dead-letter takes a whole number of deliveries of at least 2/],
    [['--redis-poll', 'fast'], /--redis-poll takes a positive number of seconds/],
    [['4318'], /bounded watch takes no arguments, got "4318"/],
  ] as const) {
    it(`refuses ${args.join(' ')}`, () => {
      assert.throws(() => parseWatchArgs([...args]), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }

  it('turns the window into the detectors\' windows: buckets a sixth of it, a baseline of ten, clearing after two', () => {
    assert.deepEqual(traceDetectorOptionsOf(parseWatchArgs(['--window', '3', '--grace', '1'])), {
      propagationGraceMs: 1000,
      propagationClearMs: 6000,
      percentiles: { windowMs: 3000, bucketMs: 500, baselineMs: 300_000 },
    });
    assert.deepEqual(traceDetectorOptionsOf(parseWatchArgs(['--window', '60'])).percentiles, { windowMs: 60_000, bucketMs: 5000, baselineMs: 600_000 });
  });
});
