// The stream poller and the Redis Streams source against real redis-server processes the test
// starts: a producer XADDs, a consumer group reads with XREADGROUP and acknowledges only some
// entries, a consumer dies holding entries, entries are redelivered with XCLAIM past the
// dead-letter threshold; the snapshots, series and findings follow, and clear when the workload
// recovers. Redis stopped mid-poll shows "gone" and resumes; a wrong password shows "auth failed";
// the poller issues only read commands (an ACL user allowed only those, and INFO commandstats).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { waitUntil } from '../support/waitUntil';
import { Redis } from 'ioredis';
import { LiveFindingSet } from '../../src/live/liveFindingSet';
import { StreamPoller, type StreamPollResult, type StreamSnapshot } from '../../src/live/streamPoller';
import { createStreamSource } from '../../src/live/streamSource';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { collectUnhandledRejections } from '../support/unhandledRejections';

const unhandled = collectUnhandledRejections();


function newSeries(): TimeSeriesStore {
  return new TimeSeriesStore({ maxKeys: 1000, maxPointsPerKey: 1000, maxAgeMs: 10 * 60_000 });
}

function client(server: RedisServer, password?: string): Redis {
  const redis = new Redis(server.port, '127.0.0.1', { password, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  redis.on('error', () => undefined);
  after(() => redis.disconnect());
  return redis;
}

describe('stream poller against a real redis-server', () => {
  it('reads length, groups, lag (nil as unknown), pending, consumers and the stuck entries with delivery counts', async () => {
    const server = await startRedisServer();
    const redis = client(server);
    for (let i = 1; i <= 10; i++) await redis.xadd('orders', `${i}-0`, 'n', String(i));
    await redis.xgroup('CREATE', 'orders', 'workers', '0');
    await redis.xgroup('CREATE', 'orders', 'late', '5-0');
    const read = (await redis.xreadgroup('GROUP', 'workers', 'alice', 'COUNT', 6, 'STREAMS', 'orders', '>')) as [string, [string, string[]][]][];
    const ids = read[0][1].map(([id]) => id);
    await redis.xack('orders', 'workers', ids[0], ids[1]);
    await redis.set('not-a-stream', 'x');

    const results: StreamPollResult[] = [];
    const series = newSeries();
    const poller = new StreamPoller({
      target: { name: 'local', url: server.url, streams: ['orders', 'missing', 'not-a-stream'], keyPatterns: [], pollIntervalMs: 100 },
      series,
      limits: { pendingPageMinIdleMs: 0 },
      onPoll: (result) => results.push(result),
    });
    poller.start();
    after(() => poller.stop());
    await waitUntil('two polls', () => results.length >= 2);
    assert.equal(poller.state, 'connected');
    const orders = poller.snapshots().find((snapshot) => snapshot.stream === 'orders') as StreamSnapshot;
    assert.equal(orders.length, 10);
    assert.equal(orders.firstEntryId, '1-0');
    assert.equal(orders.lastEntryId, '10-0');
    const workers = orders.groups.find((group) => group.name === 'workers');
    const late = orders.groups.find((group) => group.name === 'late');
    assert.ok(workers && late);
    assert.equal(workers.lag, 4);
    assert.equal(workers.entriesRead, 6);
    assert.equal(workers.pending, 4);
    assert.equal(workers.oldestPendingId, '3-0');
    assert.ok((workers.oldestPendingAgeMs ?? 0) > 1_000_000, 'id 3-0 is from 1970: an old entry');
    assert.deepEqual(workers.pendingByConsumer, [{ consumer: 'alice', pending: 4 }]);
    assert.deepEqual(workers.consumers.map((consumer) => [consumer.name, consumer.pending]), [['alice', 4]]);
    assert.deepEqual(workers.stuckEntries.map((entry) => [entry.id, entry.consumer, entry.deliveryCount]), [['3-0', 'alice', 1], ['4-0', 'alice', 1], ['5-0', 'alice', 1], ['6-0', 'alice', 1]]);
    assert.equal(late.lag, null, 'a group set to an arbitrary id: Redis cannot tell its lag');
    assert.match(late.lagNote ?? '', /unknown/);
    assert.deepEqual(results[results.length - 1].unreadable, [{ stream: 'missing', reason: 'no such key' }, { stream: 'not-a-stream', reason: 'not a stream' }]);
    assert.ok(series.points('redis:local:orders:workers:lag').length >= 2);
    assert.equal(series.points('redis:local:orders:late:lag').length, 0, 'no lag point when lag is unknown, never 0');
    assert.ok(series.points('redis:local:orders:late:pending').length >= 2);
  });

  it('finds streams by pattern with SCAN TYPE stream, and says when the scan cap was reached', async () => {
    const server = await startRedisServer();
    const redis = client(server);
    for (let i = 0; i < 30; i++) await redis.set(`jobs:filler:${i}`, 'x');
    await redis.xadd('jobs:a', '*', 'n', '1');
    await redis.xadd('jobs:b', '*', 'n', '1');
    const results: StreamPollResult[] = [];
    const poller = new StreamPoller({
      target: { name: 'local', url: server.url, streams: [], keyPatterns: ['jobs:*'], pollIntervalMs: 50 },
      series: newSeries(),
      limits: { maxKeysScannedPerPoll: 5 },
      onPoll: (result) => results.push(result),
    });
    poller.start();
    after(() => poller.stop());
    await waitUntil('both streams found across polls', () => poller.snapshots().length === 2);
    assert.deepEqual(poller.snapshots().map((snapshot) => snapshot.stream), ['jobs:a', 'jobs:b']);
    assert.ok(results.some((result) => result.scanCapReached && result.notes.some((note) => /SCAN stopped at 5 keys/.test(note))));
  });
});

describe('the poller is read-only', () => {
  it('works as an ACL user allowed only SCAN, XINFO, XPENDING and INFO, and issues nothing else', async () => {
    const server = await startRedisServer({ configLines: ['user reader on >reader-pw ~* resetchannels -@all +scan +xinfo +xpending +info'] });
    const admin = client(server);
    for (let i = 1; i <= 20; i++) await admin.xadd('orders', '*', 'n', String(i));
    await admin.xgroup('CREATE', 'orders', 'workers', '0');
    await admin.xreadgroup('GROUP', 'workers', 'alice', 'COUNT', 5, 'STREAMS', 'orders', '>');
    await admin.config('RESETSTAT');
    const results: StreamPollResult[] = [];
    const poller = new StreamPoller({
      target: { name: 'local', url: `redis://reader:reader-pw@127.0.0.1:${server.port}`, streams: [], keyPatterns: ['*'], pollIntervalMs: 50 },
      series: newSeries(),
      onPoll: (result) => results.push(result),
    });
    poller.start();
    await waitUntil('five polls', () => results.length >= 5);
    await poller.stop();
    assert.equal(poller.snapshots()[0].groups[0].pending, 5);
    const stats = (await admin.info('commandstats')).split('\r\n').filter((line) => line.startsWith('cmdstat_'));
    const commands = stats.map((line) => line.slice('cmdstat_'.length, line.indexOf(':')));
    // The test's own connection issued `config|resetstat` (counted after the reset) and this INFO.
    const byPoller = commands.filter((command) => command !== 'config|resetstat' && command !== 'info');
    assert.deepEqual(byPoller.sort(), ['auth', 'scan', 'xinfo|consumers', 'xinfo|groups', 'xinfo|stream', 'xpending']);
    assert.deepEqual(await admin.call('ACL', 'LOG'), [], 'nothing denied to the read-only user');
    const perPoll = results[results.length - 1].commands;
    assert.equal(perPoll, 1 + 2 + 3, 'one SCAN, XINFO STREAM and GROUPS, then three commands for the one group');
  });
});

describe('connection states', () => {
  it('shows "gone" when Redis stops mid-poll, keeps going, and resumes the series when it is back', async () => {
    const server = await startRedisServer();
    const redis = client(server);
    await redis.xadd('orders', '*', 'n', '1');
    await redis.xgroup('CREATE', 'orders', 'workers', '0');
    const states: string[] = [];
    const series = newSeries();
    const poller = new StreamPoller({
      target: { name: 'local', url: server.url, streams: ['orders'], keyPatterns: [], pollIntervalMs: 50 },
      series,
      onStateChange: (state) => states.push(state),
    });
    poller.start();
    after(() => poller.stop());
    const key = 'redis:local:orders:workers:lag';
    await waitUntil('lag points', () => series.points(key).length >= 2);
    await server.stop();
    await waitUntil('state gone', () => poller.state === 'gone');
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 200)); // polls tick while it is gone
    await server.start();
    // No persistence: the restarted Redis is empty, so the workload creates its stream again.
    await waitUntil('the test client back', () => redis.xadd('orders', '*', 'n', '2').then(() => true, () => false));
    await redis.xgroup('CREATE', 'orders', 'workers', '0');
    await waitUntil('connected again', () => poller.state === 'connected', 10_000);
    await waitUntil('new points after the restart', () => series.points(key, stoppedAt).length >= 2, 5000);
    assert.ok(states.includes('gone') && states[states.length - 1] === 'connected', states.join(' → '));
    assert.ok(series.points(key).some((point) => point.t < stoppedAt), 'the points from before the stop are kept');
    assert.deepEqual(unhandled, []);
  });

  it('shows "auth failed" for a wrong password, and never throws', async () => {
    const server = await startRedisServer({ password: 'right' });
    const poller = new StreamPoller({ target: { name: 'local', url: server.url, password: 'wrong', streams: ['orders'], keyPatterns: [], pollIntervalMs: 50 }, series: newSeries() });
    poller.start();
    after(() => poller.stop());
    await waitUntil('auth failed', () => poller.state === 'auth-failed');
    assert.match(poller.stats().lastError ?? '', /WRONGPASS|invalid/i);
    const noPassword = new StreamPoller({ target: { name: 'open', url: server.url, streams: ['orders'], keyPatterns: [], pollIntervalMs: 50 }, series: newSeries() });
    noPassword.start();
    after(() => noPassword.stop());
    await waitUntil('auth failed without a password', () => noPassword.state === 'auth-failed');
    assert.deepEqual(unhandled, []);
  });
});

describe('stream findings from a real workload', () => {
  it('raises backlog, no-consumer, dead-consumer and dead-letter findings, and clears them when the workload recovers', async () => {
    const server = await startRedisServer();
    const producer = client(server);
    const worker = client(server);
    await producer.xadd('orders', '*', 'n', '0');
    await producer.xgroup('CREATE', 'orders', 'workers', '$');
    await producer.xgroup('CREATE', 'orders', 'audit', '$');
    const findings = new LiveFindingSet();
    const source = createStreamSource({
      targets: [{ name: 'local', url: server.url, streams: [], keyPatterns: ['orders'], pollIntervalMs: 100 }],
      findings,
      limits: { pendingPageMinIdleMs: 0 },
      detectors: { windowMs: 1500, backlogMinPoints: 5, backlogMinIncrease: 5, deadConsumerIdleMs: 600, deadLetterDeliveries: 5 },
    });
    await source.start();
    after(() => source.stop());

    // The workload: a producer adds 5 entries every 100 ms; the worker reads them all but acknowledges
    // only every other one (its pending count grows); "audit" has no consumer at all (its lag grows).
    let producing = true;
    let n = 1;
    const producing$ = (async () => {
      while (producing) {
        for (let i = 0; i < 5; i++) await producer.xadd('orders', '*', 'n', String(n++));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    let acking = 'some' as 'some' | 'all';
    let working = true;
    const working$ = (async () => {
      let toggle = false;
      while (working) {
        const reply = (await worker.xreadgroup('GROUP', 'workers', 'alice', 'COUNT', 50, 'BLOCK', 100, 'STREAMS', 'orders', '>')) as [string, [string, string[]][]][] | null;
        const ids = reply?.[0][1].map(([id]) => id) ?? [];
        const acked = acking === 'all' ? ids : ids.filter(() => (toggle = !toggle));
        if (acked.length > 0) await worker.xack('orders', 'workers', ...acked);
        if (acking === 'all') {
          // Recovered: it also reclaims and acknowledges what is pending.
          const pending = (await worker.xpending('orders', 'workers', '-', '+', 100)) as [string, string, number, number][];
          if (pending.length > 0) await worker.xack('orders', 'workers', ...pending.map(([id]) => id));
        }
      }
    })();

    const backlog = await waitUntil('stream-backlog for workers', () => findings.get('stream-backlog', 'orders:workers@local'), 10_000);
    assert.equal(backlog.evidence.figure, 'pending');
    assert.equal(backlog.evidence.stream, 'orders');
    assert.equal(backlog.evidence.group, 'workers');
    const auditBacklog = await waitUntil('stream-backlog for audit', () => findings.get('stream-backlog', 'orders:audit@local'));
    assert.equal(auditBacklog.evidence.figure, 'lag');
    const noConsumer = await waitUntil('stream-no-consumer for audit', () => findings.get('stream-no-consumer', 'orders:audit@local'));
    assert.match(noConsumer.message, /has no consumers while work waits \(lag \d+\)/);

    // A consumer that dies holding entries: bob reads three and is never heard of again.
    const bob = (await producer.xreadgroup('GROUP', 'audit', 'bob', 'COUNT', 3, 'STREAMS', 'orders', '>')) as [string, [string, string[]][]][];
    const bobIds = bob[0][1].map(([id]) => id);
    const deadConsumer = await waitUntil('stream-dead-consumer for audit', () => findings.get('stream-dead-consumer', 'orders:audit@local'));
    assert.match(deadConsumer.message, /bob .* holding 3 pending entries: that work needs XAUTOCLAIM/);
    assert.deepEqual((deadConsumer.evidence.consumers as { name: string }[]).map((consumer) => consumer.name), ['bob']);
    assert.deepEqual((deadConsumer.evidence.entries as { id: string }[]).map((entry) => entry.id), bobIds);

    // An entry that keeps failing: redelivered (XCLAIM) until it was delivered 6 times.
    for (let i = 0; i < 5; i++) await producer.xclaim('orders', 'audit', 'carol', 0, bobIds[0]);
    const deadLetter = await waitUntil('stream-dead-letter for audit', () => findings.get('stream-dead-letter', 'orders:audit@local'));
    assert.deepEqual((deadLetter.evidence.entries as { id: string; consumer: string; deliveryCount: number }[]).map(({ id, consumer, deliveryCount }) => ({ id, consumer, deliveryCount })), [{ id: bobIds[0], consumer: 'carol', deliveryCount: 6 }]);

    // Recovery: the worker acknowledges everything, the audit group's work is dealt with.
    acking = 'all';
    await producer.xack('orders', 'audit', ...bobIds);
    producing = false;
    await producing$;
    await producer.xgroup('SETID', 'orders', 'audit', '$');
    await waitUntil('the findings clear', () => findings.size === 0 || undefined, 10_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(findings.list().map((finding) => [finding.kind, finding.subject, finding.message]))}`);
    });
    working = false;
    await working$;
    const summary = source.summary().figures as { targets: Record<string, { state: string; streams: { stream: string; groups: { group: string; lag: number | null; pending: number }[] }[] }> };
    assert.equal(summary.targets.local.state, 'connected');
    assert.deepEqual(summary.targets.local.streams.map((stream) => stream.stream), ['orders']);
    assert.deepEqual(unhandled, []);
  });
});
