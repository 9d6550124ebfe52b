// The stream poller against a real redis-server killed (SIGKILL) in the middle of a poll: the
// server is held in DEBUG SLEEP so that a poll is waiting on its replies when it dies (the poll
// fails, which proves it was in flight), then restarted with its AOF. Every series the poller kept
// before (length, entries-added, per group lag, pending, entries-read where Redis reports it) keeps
// its points from before the kill and gets new ones after the restart, with the same values; except
// that Redis 7.0 comes back from its AOF without the entries-read of a group that had read entries,
// so it reports that group's lag as nil: its lag and entries-read get no new points (never a made-up
// 0) and the snapshot says the lag is unknown and why.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { StreamPoller } from '../../src/live/streamPoller';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { startRedisServer } from '../support/redisServer';
import { collectUnhandledRejections } from '../support/unhandledRejections';
import { waitUntil } from '../support/waitUntil';

const unhandled = collectUnhandledRejections();

describe('stream poller when Redis is killed mid-poll', () => {
  it('fails that poll only, shows "gone", and resumes every series when Redis is back', async () => {
    // AOF written and synced before each reply: the restarted server has the streams and groups the kill caught.
    const server = await startRedisServer({ configLines: ['enable-debug-command local', 'appendonly yes', 'appendfsync always'] });
    const redis = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    redis.on('error', () => undefined);
    after(() => redis.disconnect());
    for (let n = 1; n <= 5; n++) await redis.xadd('orders', '*', 'n', String(n));
    await redis.xgroup('CREATE', 'orders', 'workers', '0');
    await redis.xgroup('CREATE', 'orders', 'audit', '0');
    await redis.xreadgroup('GROUP', 'workers', 'worker-1', 'COUNT', 2, 'STREAMS', 'orders', '>');
    const series = new TimeSeriesStore({ maxKeys: 1000, maxPointsPerKey: 10_000, maxAgeMs: 10 * 60_000 });
    const states: string[] = [];
    const poller = new StreamPoller({
      target: { name: 'local', url: server.url, streams: ['orders'], keyPatterns: [], pollIntervalMs: 20 },
      series,
      onStateChange: (state) => states.push(state),
    });
    poller.start();
    after(() => poller.stop());
    // The audit group has read nothing: Redis reports its entries-read as nil, so it has no such series.
    const keys = ['length', 'entries-added', 'workers:lag', 'workers:pending', 'workers:entries-read', 'audit:lag', 'audit:pending'].map((figure) => `redis:local:orders:${figure}`);
    await waitUntil('points in every series', () => keys.every((key) => series.points(key).length >= 2));
    const before = new Map(keys.map((key) => [key, series.points(key).at(-1)?.value]));
    assert.deepEqual([...before.values()], [5, 5, 3, 2, 2, 5, 0], 'length, added; workers lag, pending, read; audit lag, pending');

    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    const failedBefore = poller.stats().failedPolls;
    // The server stops answering for 5 s; the poller's next poll (20 ms on) waits on its replies:
    // no point for 300 ms where there was one every 20 ms or so.
    void redis.call('DEBUG', 'SLEEP', '5').catch(() => undefined);
    await waitUntil('a poll waiting on the sleeping server', () => Date.now() - (series.points(keys[0]).at(-1)?.t ?? Date.now()) > 300, 4000);
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    await waitUntil('state gone', () => poller.state === 'gone');
    await waitUntil('the poll in flight failed', () => poller.stats().failedPolls > failedBefore);
    await server.start();
    await waitUntil('connected again', () => poller.state === 'connected', 10_000);
    const restartedAt = Date.now();
    // The workers group read entries before the kill: its entries-read did not survive the AOF replay.
    const unknownAfterRestart = new Set(['redis:local:orders:workers:lag', 'redis:local:orders:workers:entries-read']);
    const going = keys.filter((key) => !unknownAfterRestart.has(key));
    await waitUntil('new points in every series', () => going.every((key) => series.points(key, restartedAt).length >= 2), 10_000);
    for (const key of going) {
      assert.ok(series.points(key).some((point) => point.t < killedAt), `${key}: the points from before the kill are kept`);
      assert.equal(series.points(key, restartedAt).at(-1)?.value, before.get(key), `${key}: it goes on where it was`);
    }
    const workers = poller.snapshots()[0].groups.find((group) => group.name === 'workers');
    assert.equal(workers?.lag, null, 'the workers group\'s lag is unknown after the restart');
    assert.match(workers?.lagNote ?? '', /entries-read is unknown/);
    for (const key of unknownAfterRestart) {
      assert.ok(series.points(key).some((point) => point.t < killedAt), `${key}: the points from before the kill are kept`);
      assert.deepEqual(series.points(key, restartedAt), [], `${key}: no made-up point while Redis does not know it`);
    }
    assert.ok(states.includes('gone') && states.at(-1) === 'connected', states.join(' → '));
    assert.equal(poller.stats().failedPolls - failedBefore, 1, 'only the poll in flight failed; the others waited');
    await poller.stop();
    assert.deepEqual(unhandled, []);
  });
});
