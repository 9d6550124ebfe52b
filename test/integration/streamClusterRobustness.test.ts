// The stream poller against a real 3-master Redis Cluster when the cluster changes under it:
//   - one master killed (SIGKILL) while polling: the streams on the other masters keep being read
//     and their series go on; the dead master's streams are listed as unreadable and a note names
//     the master; restarted (its AOF brings its streams back), every stream is read again and its
//     series continue, with the points from before kept;
//   - a stream's slot moved to another master (CLUSTER SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT
//     NODE) while polling: the poller follows ASK, then MOVED or the refreshed slot map, and the
//     stream's series continue with no failed poll.
// No unhandled rejection in either.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { StreamPoller } from '../../src/live/streamPoller';
import { redisClusterSlot } from '../../src/live/redisClusterSlot';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { startRedisCluster, type RedisServer } from '../support/redisServer';
import { collectUnhandledRejections } from '../support/unhandledRejections';
import { waitUntil } from '../support/waitUntil';

const unhandled = collectUnhandledRejections();

function newSeries(): TimeSeriesStore {
  return new TimeSeriesStore({ maxKeys: 1000, maxPointsPerKey: 10_000, maxAgeMs: 10 * 60_000 });
}

/** A plain connection to one node (its own commands: CONFIG, CLUSTER, MIGRATE, INFO). */
function nodeClient(node: RedisServer): Redis {
  const redis = new Redis(node.port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
  redis.on('error', () => undefined);
  after(() => redis.disconnect());
  return redis;
}

function clusterClient(node: RedisServer): Cluster {
  const client = new Cluster([{ host: '127.0.0.1', port: node.port }]);
  client.on('error', () => undefined);
  after(() => client.disconnect());
  return client;
}

/** The master holding a key's slot, as `127.0.0.1:<port>`, asked of the cluster itself. */
async function holderOf(client: Cluster, key: string): Promise<string> {
  const slot = redisClusterSlot(key);
  const ranges = await client.cluster('SLOTS');
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  assert.ok(range, `slot ${slot} is served`);
  return `127.0.0.1:${range[2][1]}`;
}

describe('stream poller when a cluster master dies and comes back', () => {
  it('keeps reading the other masters, lists what is unreachable, and resumes every stream when the master is back', async () => {
    const { nodes } = await startRedisCluster(3);
    const admins = nodes.map(nodeClient);
    // The victim comes back with its streams (AOF, written before each reply), and the others serve their slots while it is down.
    for (const admin of admins) {
      await admin.config('SET', 'appendonly', 'yes');
      await admin.config('SET', 'appendfsync', 'always');
      await admin.config('SET', 'cluster-require-full-coverage', 'no');
      await admin.config('REWRITE');
    }
    for (const admin of admins) await waitUntil('the AOF rewrite done', async () => /aof_enabled:1[\s\S]*aof_rewrite_in_progress:0[\s\S]*aof_rewrite_scheduled:0/.test(await admin.info('persistence')));
    const client = clusterClient(nodes[0]);
    const streams = ['jobs:0', 'jobs:1', 'jobs:2', 'jobs:3', 'jobs:4', 'jobs:5'];
    const holders = new Map<string, string>();
    for (const stream of streams) {
      await client.xadd(stream, '*', 'n', '1');
      await client.xgroup('CREATE', stream, 'workers', '0');
      holders.set(stream, await holderOf(client, stream));
    }
    const victimIndex = nodes.findIndex((node) => [...holders.values()].includes(`127.0.0.1:${node.port}`) && node !== nodes[1]);
    const victim = nodes[victimIndex];
    const victimKey = `127.0.0.1:${victim.port}`;
    const onVictim = streams.filter((stream) => holders.get(stream) === victimKey);
    const elsewhere = streams.filter((stream) => holders.get(stream) !== victimKey);
    assert.ok(onVictim.length > 0 && elsewhere.length > 0, `streams on the victim: ${onVictim.join(', ')}; elsewhere: ${elsewhere.join(', ')}`);

    const series = newSeries();
    const poller = new StreamPoller({
      // The seed is a master that stays up.
      target: { name: 'cluster', url: `redis://127.0.0.1:${nodes[1].port}`, cluster: true, streams: [], keyPatterns: ['jobs:*'], pollIntervalMs: 50 },
      series,
    });
    poller.start();
    after(() => poller.stop());
    const lengthKey = (stream: string) => `redis:cluster:${stream}:length`;
    const lagKey = (stream: string) => `redis:cluster:${stream}:workers:lag`;
    await waitUntil('all six streams read', () => poller.snapshots().length === 6);

    const victimPid = Number(/process_id:(\d+)/.exec(await admins[victimIndex].info('server'))?.[1]);
    process.kill(victimPid, 'SIGKILL');
    const killedAt = Date.now();
    await waitUntil(
      'the victim\'s streams listed as unreachable',
      () => {
        const unreadable = poller.unreadable();
        return unreadable.length === onVictim.length && onVictim.every((stream) => unreadable.some((entry) => entry.stream === stream && /unreachable/.test(entry.reason)));
      },
      10_000,
    );
    assert.ok(poller.notes().some((note) => note.includes(`master ${victimKey} is unreachable`)), poller.notes().join('\n'));
    assert.equal(poller.state, 'connected', 'the cluster is still there');
    const downSince = Date.now();
    await waitUntil('the other masters\' series going on', () => elsewhere.every((stream) => series.points(lagKey(stream), downSince).length >= 3), 10_000);
    assert.deepEqual(poller.snapshots().map((snapshot) => snapshot.stream), elsewhere, 'the streams on the masters that are up are read');

    await victim.start();
    const restartedAt = Date.now();
    await waitUntil('all six streams read again', () => poller.snapshots().length === 6 && poller.unreadable().length === 0, 15_000);
    await waitUntil('the victim\'s series going on', () => onVictim.every((stream) => series.points(lagKey(stream), restartedAt).length >= 2), 10_000);
    for (const stream of onVictim) {
      assert.ok(series.points(lengthKey(stream)).some((point) => point.t < killedAt), `${stream}: the points from before the kill are kept`);
      assert.deepEqual(series.points(lengthKey(stream), restartedAt).map((point) => point.value).slice(-1), [1], `${stream}: its entry came back with its master`);
    }
    assert.ok(!poller.notes().some((note) => /unreachable/.test(note)), poller.notes().join('\n'));
    await poller.stop();
    assert.equal(poller.stats().failedPolls, 0, 'no poll failed: a dead master fails only its own streams');
    assert.deepEqual(unhandled, []);
  });
});

describe('stream poller while a stream\'s slot moves to another master', () => {
  it('follows ASK during the migration and MOVED after it, and the stream\'s series continue', async () => {
    const { nodes } = await startRedisCluster(3);
    const admins = nodes.map(nodeClient);
    const client = clusterClient(nodes[0]);
    const stream = 'jobs:moving';
    await client.xadd(stream, '*', 'n', '1');
    await client.xadd(stream, '*', 'n', '2');
    await client.xgroup('CREATE', stream, 'workers', '0');
    await client.xreadgroup('GROUP', 'workers', 'worker-1', 'COUNT', 1, 'STREAMS', stream, '>');
    const slot = redisClusterSlot(stream);
    const sourceKey = await holderOf(client, stream);
    const source = nodes.findIndex((node) => `127.0.0.1:${node.port}` === sourceKey);
    const target = (source + 1) % nodes.length;
    const idOf = async (index: number) => String(await admins[index].cluster('MYID'));
    const [sourceId, targetId] = [await idOf(source), await idOf(target)];

    const series = newSeries();
    const poller = new StreamPoller({
      target: { name: 'cluster', url: `redis://127.0.0.1:${nodes[source].port}`, cluster: true, streams: [stream], keyPatterns: ['jobs:*'], pollIntervalMs: 50 },
      series,
    });
    poller.start();
    after(() => poller.stop());
    const pendingKey = `redis:cluster:${stream}:workers:pending`;
    const lagKey = `redis:cluster:${stream}:workers:lag`;
    await waitUntil('the stream read', () => series.points(pendingKey).length >= 2);

    // The migration: the key moves to the target while the slot is MIGRATING/IMPORTING (ASK), then the slot is the target's (MOVED).
    await admins[target].cluster('SETSLOT', slot, 'IMPORTING', sourceId);
    await admins[source].cluster('SETSLOT', slot, 'MIGRATING', targetId);
    await admins[source].call('MIGRATE', '127.0.0.1', nodes[target].port, '', 0, 5000, 'KEYS', stream);
    assert.equal(await admins[target].call('CLUSTER', 'COUNTKEYSINSLOT', slot), 1, 'the key is on the target');
    const migratedAt = Date.now();
    await waitUntil('points while the slot is migrating (ASK)', () => series.points(pendingKey, migratedAt).length >= 3, 10_000);
    const streamReadsOnTarget = async () => Number(/cmdstat_xinfo\|stream:calls=(\d+)/.exec(await admins[target].info('commandstats'))?.[1] ?? 0);
    for (const admin of admins) await admin.cluster('SETSLOT', slot, 'NODE', targetId);
    const movedAt = Date.now();
    const readsBefore = await streamReadsOnTarget();
    await waitUntil('points after the slot moved (MOVED, or a slot map already refreshed)', () => series.points(pendingKey, movedAt).length >= 3, 10_000);
    assert.ok((await streamReadsOnTarget()) - readsBefore >= 3, 'the stream is read on the master that now holds it');

    const sourceErrors = await admins[source].info('errorstats');
    assert.match(sourceErrors, /errorstat_ASK:count=[1-9]/, 'the poller met ASK during the migration');
    assert.deepEqual(poller.unreadable(), [], 'the stream was readable throughout');
    assert.deepEqual(
      poller.snapshots().map((snapshot) => [snapshot.stream, snapshot.length, snapshot.groups[0].pending, snapshot.groups[0].lag]),
      [[stream, 2, 1, 1]],
      'the moved stream with its group and pending entry',
    );
    assert.deepEqual([...new Set(series.points(lagKey).map((point) => point.value))], [1], 'the lag series went on without a gap value');
    await poller.stop();
    assert.equal(poller.stats().failedPolls, 0, 'no poll failed during the move');
    assert.deepEqual(unhandled, []);
  });
});
