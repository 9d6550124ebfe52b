// The stream poller against a real 3-master Redis Cluster the test starts (cluster-enabled
// redis-servers joined by redis-cli --cluster create): streams on different masters are all found
// (SCAN on each master) and read from the master that holds them.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { waitUntil } from '../support/waitUntil';
import { Cluster } from 'ioredis';
import { StreamPoller, type StreamPollResult } from '../../src/live/streamPoller';
import { redisClusterSlot } from '../../src/live/redisClusterSlot';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { startRedisCluster } from '../support/redisServer';


describe('stream poller against a Redis Cluster', () => {
  it('finds the streams of every master and reads each from the master holding it', async () => {
    const { nodes } = await startRedisCluster(3);
    const client = new Cluster([{ host: '127.0.0.1', port: nodes[0].port }]);
    client.on('error', () => undefined);
    after(() => client.disconnect());
    const streams = ['jobs:0', 'jobs:1', 'jobs:2', 'jobs:3', 'jobs:4', 'jobs:5'];
    for (const [i, stream] of streams.entries()) {
      for (let n = 0; n <= i; n++) await client.xadd(stream, '*', 'n', String(n));
      await client.xgroup('CREATE', stream, 'workers', '0');
    }
    const holders = new Set(streams.map((stream) => client.slots[redisClusterSlot(stream)][0]));
    assert.ok(holders.size >= 2, `the streams are on ${holders.size} masters`);
    for (const node of client.nodes('master')) await node.config('RESETSTAT');

    const results: StreamPollResult[] = [];
    const poller = new StreamPoller({
      target: { name: 'cluster', url: `redis://127.0.0.1:${nodes[1].port}`, cluster: true, streams: [], keyPatterns: ['jobs:*'], pollIntervalMs: 100 },
      series: new TimeSeriesStore({ maxKeys: 100, maxPointsPerKey: 100, maxAgeMs: 60_000 }),
      onPoll: (result) => results.push(result),
    });
    poller.start();
    after(() => poller.stop());
    await waitUntil('all six streams', () => poller.snapshots().length === 6);
    assert.equal(poller.state, 'connected');
    assert.deepEqual(
      poller.snapshots().map((snapshot) => [snapshot.stream, snapshot.length, snapshot.groups[0].lag]),
      streams.map((stream, i) => [stream, i + 1, i + 1]),
    );
    const last = results[results.length - 1];
    assert.equal(last.commands, 3 + 6 * 5, 'one SCAN per master, then five commands per stream of one group');
    await poller.stop();
    for (const node of client.nodes('master')) assert.doesNotMatch(await node.info('errorstats'), /errorstat_MOVED/, 'no command went to the wrong master');
  });
});
