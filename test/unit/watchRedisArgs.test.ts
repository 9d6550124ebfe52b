// `bounded watch`'s Redis options: URLs (host:port shorthand), streams by name or pattern, and the
// targets they make.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/commandArgs';
import { parseWatchArgs, redisTargetsOf } from '../../src/cli/watchCommand';

describe('bounded watch --redis arguments', () => {
  it('makes one target per --redis and --redis-cluster, every stream by default, polled every 2 s', () => {
    const options = parseWatchArgs(['--redis', 'localhost:6380', '--redis', 'redis://localhost:6380', '--redis-cluster', 'rediss://user:pw@cache.internal']);
    assert.deepEqual(redisTargetsOf(options), [
      { name: 'localhost:6380', url: 'redis://localhost:6380', streams: [], keyPatterns: ['*'], pollIntervalMs: 2000 },
      { name: 'localhost:6380#2', url: 'redis://localhost:6380', streams: [], keyPatterns: ['*'], pollIntervalMs: 2000 },
      { name: 'cache.internal:6379', url: 'rediss://user:pw@cache.internal', cluster: true, streams: [], keyPatterns: ['*'], pollIntervalMs: 2000 },
    ]);
  });

  it('reads --redis-stream as a name, or as a SCAN pattern when it has * ? or [', () => {
    const options = parseWatchArgs(['--redis', 'redis://127.0.0.1/2', '--redis-stream', 'orders', '--redis-stream', 'jobs:*', '--redis-stream', 'q[12]', '--redis-poll', '0.5', '--dead-letter', '3', '--consumer-idle', '30']);
    assert.deepEqual(redisTargetsOf(options), [{ name: '127.0.0.1:6379/2', url: 'redis://127.0.0.1/2', streams: ['orders'], keyPatterns: ['jobs:*', 'q[12]'], pollIntervalMs: 500 }]);
    assert.equal(options.deadLetterDeliveries, 3);
    assert.equal(options.consumerIdleMs, 30_000);
  });

  for (const [args, message] of [
    [['--redis', 'http://localhost'], /--redis takes a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/localhost"/],
    [['--redis-cluster', 'redis://'], /--redis-cluster (takes a redis|needs a host)/],
    [['--redis-stream', ''], /--redis-stream needs a stream name or pattern/],
    [['--consumer-idle', '-1'], /--consumer-idle takes a positive number of seconds/],
  ] as const) {
    it(`refuses ${args.join(' ')}`, () => {
      assert.throws(() => parseWatchArgs([...args]), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }
});
