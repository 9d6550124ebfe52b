// The live session's Redis Streams source against a real redis-server the test starts (password
// protected): the targets given reach the pollers, a group's pending and lag show in the source's
// summary and the Streams view's data, its listeners hear the polls, the same targets again leave the pollers alone, a wrong
// password shows "auth-failed", no targets stops polling, and dispose stops the pollers. The
// bounded.live.redis thresholds reach the detectors and the Streams view's data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { LiveSession } from '../../src/extension/liveSession';
import { panelRedisTargets } from '../../src/extension/liveStreamsData';
import type { RedisStreamTarget } from '../../src/live/streamPoller';
import { defaultLive } from '../../src/shared/settings';
import { startRedisServer } from '../support/redisServer';
import { waitUntil } from '../support/waitUntil';

interface GroupFigures {
  group: string;
  pending: number;
  lag: number | null;
}

function groupsOf(session: LiveSession, target: string): GroupFigures[] {
  const targets = session.streamSource?.summary().figures.targets as Record<string, { streams: { groups: GroupFigures[] }[] }> | undefined;
  return targets?.[target]?.streams.flatMap((stream) => stream.groups) ?? [];
}

function stateOf(session: LiveSession, target: string): string | undefined {
  const targets = session.streamSource?.summary().figures.targets as Record<string, { state: string }> | undefined;
  return targets?.[target]?.state;
}

describe('live session: Redis Streams', () => {
  it('polls the targets it is given, into its summary and listeners, and stops on dispose', async () => {
    const server = await startRedisServer({ password: 'hunter2' });
    const redis = new Redis(server.port, '127.0.0.1', { password: 'hunter2' });
    try {
      for (let i = 1; i <= 4; i++) await redis.xadd('jobs', '*', 'n', String(i));
      await redis.xgroup('CREATE', 'jobs', 'workers', '0');
      await redis.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 3, 'STREAMS', 'jobs', '>');

      const session = new LiveSession(defaultLive);
      let changes = 0;
      session.onChange(() => changes++);
      const target: RedisStreamTarget = { name: 'local', url: server.url, password: 'hunter2', streams: [], keyPatterns: ['*'], pollIntervalMs: 100 };
      await session.setRedisTargets([target]);
      await waitUntil('the group shows in the summary', () => groupsOf(session, 'local').length === 1, 5000);
      assert.deepEqual(groupsOf(session, 'local').map(({ group, pending, lag }) => ({ group, pending, lag })), [{ group: 'workers', pending: 3, lag: 1 }]);
      assert.equal(stateOf(session, 'local'), 'connected');
      assert.ok(changes > 0, 'listeners hear the polls');
      const [panelTarget] = panelRedisTargets(session.streamSource);
      assert.equal(panelTarget.state, 'connected');
      assert.equal(panelTarget.url, server.url);
      assert.deepEqual(panelTarget.streams.map(({ stream, length }) => ({ stream, length })), [{ stream: 'jobs', length: 4 }]);
      const [panelGroup] = panelTarget.streams[0].groups;
      assert.deepEqual({ group: panelGroup.group, lag: panelGroup.lag, pending: panelGroup.pending }, { group: 'workers', lag: 1, pending: 3 });
      assert.deepEqual(panelGroup.consumers.map(({ name, pending, dead }) => ({ name, pending, dead })), [{ name: 'w1', pending: 3, dead: false }]);
      const dead = panelRedisTargets(session.streamSource, { deadLetterDeliveries: 1, deadConsumerIdleMs: -1 })[0].streams[0].groups[0];
      assert.equal(dead.consumers[0].dead, true, 'past the idle threshold with pending entries: a dead consumer');
      assert.equal(panelRedisTargets(undefined).length, 0);

      const source = session.streamSource;
      await session.setRedisTargets([{ ...target }]);
      assert.equal(session.streamSource, source, 'the same targets leave the pollers alone');

      await session.setRedisTargets([{ ...target, password: 'wrong' }]);
      await waitUntil('a wrong password shows auth-failed', () => stateOf(session, 'local') === 'auth-failed', 5000);

      await session.setRedisTargets([]);
      assert.equal(session.streamSource, undefined);

      await session.setRedisTargets([target]);
      await waitUntil('polling again', () => groupsOf(session, 'local').length === 1, 5000);
      const clientsBefore = Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))?.[1]);
      await session.dispose();
      assert.equal(session.streamSource, undefined);
      await waitUntil('the poller disconnected', async () => Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))?.[1]) < clientsBefore, 5000);
      await session.setRedisTargets([target]);
      assert.equal(session.streamSource, undefined, 'a disposed session polls nothing');
    } finally {
      redis.disconnect();
    }
  });

  it('judges by the thresholds of its settings: dead-letter deliveries and the dead-consumer idle time', async () => {
    const server = await startRedisServer();
    const redis = new Redis(server.port, '127.0.0.1');
    const settings = { ...defaultLive, redis: { ...defaultLive.redis, deadLetterDeliveries: 3, consumerIdleMs: 2000, backlogWindowMs: 10_000, backlogMinIncrease: 4 } };
    const session = new LiveSession(settings);
    try {
      for (let i = 1; i <= 3; i++) await redis.xadd('jobs', `${i}-0`, 'n', String(i));
      await redis.xgroup('CREATE', 'jobs', 'workers', '0');
      await redis.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 3, 'STREAMS', 'jobs', '>');
      // 1-0 delivered 3 times, 2-0 twice; w1 idle 5 s (over 2 s, under the 60 s default).
      await redis.xclaim('jobs', 'workers', 'w1', 0, '1-0', 'IDLE', 5000, 'RETRYCOUNT', 3);
      await redis.xclaim('jobs', 'workers', 'w1', 0, '2-0', '3-0', 'IDLE', 5000, 'RETRYCOUNT', 2);
      await session.setRedisTargets([{ name: 'local', url: server.url, streams: ['jobs'], keyPatterns: [], pollIntervalMs: 100 }]);
      assert.deepEqual(
        { ...session.streamSource?.detectorOptions },
        { windowMs: 10_000, backlogMinPoints: 5, backlogMinIncrease: 4, backlogMinTrend: 0.6, deadLetterDeliveries: 3, deadConsumerIdleMs: 2000 },
      );
      await waitUntil('the dead-letter and dead-consumer findings', () => ['stream-dead-letter', 'stream-dead-consumer'].every((kind) => session.findings.get(kind as 'stream-dead-letter', 'jobs:workers@local') !== undefined), 5000);
      const group = panelRedisTargets(session.streamSource)[0].streams[0].groups[0];
      assert.deepEqual(group.stuck.map(({ id, deliveryCount, deadLetter }) => ({ id, deliveryCount, deadLetter })), [
        { id: '1-0', deliveryCount: 3, deadLetter: true },
        { id: '2-0', deliveryCount: 2, deadLetter: false },
        { id: '3-0', deliveryCount: 2, deadLetter: false },
      ]);
      assert.equal(group.deadLetterCandidates, 1);
      assert.equal(group.consumers[0].dead, true, 'idle 5 s with pending entries, over the 2 s of the settings');
      // The defaults (5 deliveries, 60 s) would see neither.
      const byDefault = new LiveSession(defaultLive);
      try {
        await byDefault.setRedisTargets([{ name: 'local', url: server.url, streams: ['jobs'], keyPatterns: [], pollIntervalMs: 100 }]);
        await waitUntil('a poll by the defaults', () => panelRedisTargets(byDefault.streamSource)[0]?.streams.length === 1, 5000);
        const plain = panelRedisTargets(byDefault.streamSource)[0].streams[0].groups[0];
        assert.deepEqual([plain.deadLetterCandidates, plain.consumers[0].dead], [0, false]);
      } finally {
        await byDefault.dispose();
      }
    } finally {
      await session.dispose();
      redis.disconnect();
    }
  });

  it('refuses a target the poller refuses, polling none', async () => {
    const session = new LiveSession(defaultLive);
    try {
      await assert.rejects(session.setRedisTargets([{ name: 'bad', url: 'http://127.0.0.1:1', streams: ['x'], keyPatterns: [], pollIntervalMs: 100 }]), RangeError);
      assert.equal(session.streamSource, undefined);
    } finally {
      await session.dispose();
    }
  });
});
