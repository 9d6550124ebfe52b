// The stream poller against a real redis-server when a stream key changes type under it: a stream
// found by a key pattern deleted and re-created as a hash leaves the list (or is listed as "not a
// stream" if the poll had already found it), a named one re-created as a string is listed as "not
// a stream"; no poll fails, the other streams go on, and both are read again, their series
// continuing, once they are streams again.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { StreamPoller, type StreamPollResult } from '../../src/live/streamPoller';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { startRedisServer } from '../support/redisServer';
import { collectUnhandledRejections } from '../support/unhandledRejections';
import { waitUntil } from '../support/waitUntil';

const unhandled = collectUnhandledRejections();

describe('stream poller when a key changes type', () => {
  it('reports a stream turned into a hash or a string, never fails a poll, and reads it again when it is a stream again', async () => {
    const server = await startRedisServer();
    const redis = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    after(() => redis.disconnect());
    for (const stream of ['jobs:changing', 'jobs:steady', 'orders']) {
      await redis.xadd(stream, '*', 'n', '1');
      await redis.xgroup('CREATE', stream, 'workers', '0');
    }
    const series = new TimeSeriesStore({ maxKeys: 1000, maxPointsPerKey: 10_000, maxAgeMs: 10 * 60_000 });
    const results: StreamPollResult[] = [];
    const poller = new StreamPoller({
      target: { name: 'local', url: server.url, streams: ['orders'], keyPatterns: ['jobs:*'], pollIntervalMs: 50 },
      series,
      onPoll: (result) => results.push(result),
    });
    poller.start();
    after(() => poller.stop());
    const read = () => poller.snapshots().map((snapshot) => snapshot.stream);
    await waitUntil('the three streams read', () => read().length === 3);

    await redis.del('jobs:changing');
    await redis.hset('jobs:changing', 'n', '1');
    await redis.del('orders');
    await redis.set('orders', 'not a stream');
    const changedAt = Date.now();
    const pollsBefore = results.length;
    // (A poll that found jobs:changing just before it changed lists it as not a stream too; the next one no longer finds it.)
    await waitUntil('both changed keys off the list', () => read().length === 1 && poller.unreadable().length === 1 && poller.unreadable()[0].stream === 'orders');
    assert.deepEqual(read(), ['jobs:steady']);
    assert.deepEqual(poller.unreadable(), [{ stream: 'orders', reason: 'not a stream' }], 'the named key is listed as not a stream');
    // The pattern-found key either left the list at once (SCAN ... TYPE stream no longer finds it) or was read once more as "not a stream".
    for (const result of results.slice(pollsBefore)) {
      for (const entry of result.unreadable) assert.deepEqual(entry.reason, 'not a stream', `${entry.stream}: ${entry.reason}`);
    }
    await waitUntil('the other stream going on', () => series.points('redis:local:jobs:steady:workers:pending', changedAt).length >= 3);
    assert.ok(!results.slice(-3).some((result) => result.streams.some((snapshot) => snapshot.stream === 'jobs:changing')), 'the hash is not read as a stream');

    await redis.del('jobs:changing');
    await redis.xadd('jobs:changing', '*', 'n', '2');
    await redis.xadd('jobs:changing', '*', 'n', '3');
    await redis.xgroup('CREATE', 'jobs:changing', 'workers', '0');
    await redis.del('orders');
    await redis.xadd('orders', '*', 'n', '2');
    const recreatedAt = Date.now();
    await waitUntil('both read again', () => read().length === 3 && poller.unreadable().length === 0);
    await waitUntil('their series going on', () => series.points('redis:local:jobs:changing:workers:lag', recreatedAt).length >= 2 && series.points('redis:local:orders:length', recreatedAt).length >= 2);
    assert.equal(poller.snapshots().find((snapshot) => snapshot.stream === 'jobs:changing')?.length, 2, 'the new stream, not the old one');
    assert.ok(series.points('redis:local:jobs:changing:workers:lag').some((point) => point.t < changedAt), 'the points from before the change are kept');
    assert.equal(poller.stats().failedPolls, 0, 'no poll failed');
    assert.equal(poller.state, 'connected');
    await poller.stop();
    assert.deepEqual(unhandled, []);
  });
});
