// Is the group keeping up, against a real redis-server the test starts: a producer XADDs ~200
// entries/s; group `slow` reads 2 entries per tick and never acknowledges (falling behind, pending
// rising), group `fast` reads everything and acks (keeping up), group `late` was created at `$`
// and does not read, whose entries-read and lag Redis 7.0 reports as nil (reading unknown, never 0;
// its lag a gap in the history). Then Redis restarts empty (no persistence) and the workload starts again: the counters
// go down and the rates that step would give are left out.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { panelRedisTargets } from '../../src/extension/liveStreamsData';
import { LiveFindingSet } from '../../src/live/liveFindingSet';
import { createStreamSource } from '../../src/live/streamSource';
import type { PanelStreamGroup } from '../../src/shared/livePanelProtocol';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { collectUnhandledRejections } from '../support/unhandledRejections';
import { waitUntil } from '../support/waitUntil';

const unhandled = collectUnhandledRejections();

function client(server: RedisServer): Redis {
  const redis = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  redis.on('error', () => undefined);
  after(() => redis.disconnect());
  return redis;
}

/** Every `everyMs`, `step` (errors while Redis is away are ignored); stops after the test. */
function loop(step: () => Promise<unknown>, everyMs: number): { stop(): void } {
  let running = true;
  const run = async () => {
    while (running) {
      await step().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  };
  void run();
  const stop = () => void (running = false);
  after(stop);
  return { stop };
}

async function workload(redis: Redis): Promise<void> {
  // More than one entry: a group created at $ on a stream of one entry gets an entries-read (1) Redis can work out.
  for (let i = 0; i < 3; i++) await redis.xadd('orders', '*', 'n', '0');
  await redis.xgroup('CREATE', 'orders', 'slow', '0');
  await redis.xgroup('CREATE', 'orders', 'fast', '0');
  await redis.xgroup('CREATE', 'orders', 'late', '$');
}

describe('group throughput against a real redis-server', () => {
  it('tells a group falling behind from one keeping up, and says "unknown" for a nil entries-read', async () => {
    const server = await startRedisServer();
    const redis = client(server);
    await workload(redis);
    loop(() => redis.xadd('orders', '*', 'n', '1').then(() => Promise.all(Array.from({ length: 9 }, () => redis.xadd('orders', '*', 'n', '1')))), 50);
    loop(() => redis.xreadgroup('GROUP', 'slow', 's1', 'COUNT', 2, 'STREAMS', 'orders', '>'), 50);
    loop(async () => {
      const reply = (await redis.xreadgroup('GROUP', 'fast', 'f1', 'COUNT', 1000, 'STREAMS', 'orders', '>')) as [string, [string, string[]][]][] | null;
      const ids = reply?.[0]?.[1].map(([id]) => id) ?? [];
      if (ids.length > 0) await redis.xack('orders', 'fast', ...ids);
    }, 50);

    const source = createStreamSource({ targets: [{ name: 'local', url: server.url, streams: ['orders'], keyPatterns: [], pollIntervalMs: 100 }], findings: new LiveFindingSet(), detectors: { windowMs: 3000 } });
    await source.start();
    after(() => source.stop());
    const groups = () => new Map((panelRedisTargets(source)[0]?.streams[0]?.groups ?? []).map((group) => [group.group, group]));
    const settled = await waitUntil(
      'a window of polls with the three groups',
      () => {
        const byName = groups();
        const slow = byName.get('slow');
        return slow?.history !== undefined && slow.history.t.length >= 15 && byName.size === 3 ? byName : undefined;
      },
      10_000,
    );
    const slow = settled.get('slow') as PanelStreamGroup;
    const fast = settled.get('fast') as PanelStreamGroup;
    const late = settled.get('late') as PanelStreamGroup;
    const adding = slow.throughput?.addingPerSecond ?? 0;
    assert.ok(adding > 50, `adding ${adding}/s (the producer adds ~200/s)`);
    assert.equal(slow.throughput?.verdict, 'falling-behind', JSON.stringify(slow.throughput));
    assert.ok((slow.throughput?.readingPerSecond ?? Infinity) < adding / 2, JSON.stringify(slow.throughput));
    assert.equal(fast.throughput?.verdict, 'keeping-up', JSON.stringify(fast.throughput));

    assert.equal(late.lag, null, 'Redis 7.0: a group created at $, entries added since: no lag, no entries-read');
    assert.equal(late.throughput?.readingPerSecond, null, 'its entries-read is nil: reading unknown, not 0');
    assert.ok((late.throughput?.addingPerSecond ?? 0) > 50, 'what can be said still is: the stream\'s add rate');
    assert.ok(late.history !== undefined && late.history.lag.every((lag) => lag === null), 'its lag is a gap all along, never 0');

    const { pending, lag } = slow.history ?? { pending: [], lag: [] };
    assert.ok(pending[pending.length - 1] > pending[0], `slow's pending rises: ${pending.join(' ')}`);
    assert.ok(lag.every((value) => value !== null) && (lag[lag.length - 1] as number) > (lag[0] as number), `slow's lag rises: ${lag.join(' ')}`);
    assert.deepEqual(unhandled, []);
  });

  it('after Redis restarts empty, the counters going down are left out of the rates', async () => {
    const server = await startRedisServer();
    const redis = client(server);
    await workload(redis);
    // Many entries before the restart, so the counters fall far when Redis comes back empty.
    for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 100 }, () => redis.xadd('orders', '*', 'n', '1')));
    const producer = loop(() => Promise.all(Array.from({ length: 5 }, () => redis.xadd('orders', '*', 'n', '1'))), 50);
    const source = createStreamSource({ targets: [{ name: 'local', url: server.url, streams: ['orders'], keyPatterns: [], pollIntervalMs: 100 }], findings: new LiveFindingSet(), detectors: { windowMs: 20_000 } });
    await source.start();
    after(() => source.stop());
    const slowGroup = () => panelRedisTargets(source)[0]?.streams[0]?.groups.find((group) => group.group === 'slow');
    await waitUntil('polls before the restart', () => (slowGroup()?.history?.t.length ?? 0) >= 5, 10_000);
    producer.stop();
    await server.stop();
    await waitUntil('the poller sees Redis gone', () => source.pollers[0].state === 'gone');
    await server.start();
    await waitUntil('the workload back', () => workload(redis).then(() => true, () => false), 10_000);
    loop(() => Promise.all(Array.from({ length: 5 }, () => redis.xadd('orders', '*', 'n', '1'))), 50);
    const polledAgain = await waitUntil(
      'polls after the restart',
      () => {
        const group = slowGroup();
        const history = group?.history;
        // The pending count is 0 again; the length started again from a few entries.
        return history !== undefined && history.t.length >= 12 && history.pending[history.pending.length - 1] === 0 && (group?.throughput?.spanMs ?? 0) > 0 ? group : undefined;
      },
      15_000,
    );
    const throughput = polledAgain.throughput;
    assert.ok(throughput !== undefined && throughput.addingPerSecond !== null && throughput.readingPerSecond !== null, JSON.stringify(throughput));
    // ~100/s are added (5 each 50 ms, less the commands' time); counting the fall would make it negative, counting the value after it as new (2,000+ entries) much higher.
    assert.ok(throughput.addingPerSecond > 10 && throughput.addingPerSecond < 400, `adding ${throughput.addingPerSecond}/s`);
    // Nobody reads: entries-read is entries-added less lag, from XINFO STREAM and XINFO GROUPS sent
    // together (Redis runs them back to back): known, not null, near 0. When the poller awaited one
    // before sending the other, the entries added in between showed as reading: 5-12/s on a quiet
    // machine, 33/s in a full test run, over the one-second window after the restart; now 0.
    assert.ok(throughput.readingPerSecond < throughput.addingPerSecond / 10, `reading ${throughput.readingPerSecond}/s, adding ${throughput.addingPerSecond}/s`);
    assert.equal(throughput.verdict, 'falling-behind');
    assert.deepEqual(unhandled, []);
  });
});
