// `bounded watch --redis` run in process beside its OTLP receiver, against a real redis-server the
// test starts: a group nobody consumes falls behind while a producer XADDs, an entry is redelivered
// past the threshold; the findings come out as JSON lines, the summary has lag, pending and
// consumers per stream and group, and a Redis that stops shows as "gone".
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseWatchArgs, runWatch } from '../../src/cli/watchCommand';
import { startRedisServer } from '../support/redisServer';

interface JsonLine {
  type: string;
  kind?: string;
  subject?: string;
  evidence?: Record<string, unknown>;
  sources?: { streams?: { targets: Record<string, { state: string; streams: { stream: string; groups: { group: string; lag: number | null; pending: number; consumers: { name: string }[]; oldestPendingAgeMs?: number }[] }[] }> }; traces?: unknown };
}

class JsonLines {
  readonly lines: JsonLine[] = [];
  readonly text: string[] = [];
  readonly write = (chunk: string) => {
    for (const line of chunk.split('\n').filter((part) => part !== '')) {
      this.text.push(line);
      this.lines.push(JSON.parse(line) as JsonLine);
    }
  };

  async waitFor(what: string, match: (line: JsonLine) => boolean, timeoutMs = 8000): Promise<JsonLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${this.text.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe('bounded watch --redis', () => {
  it('prints stream findings as JSON lines and per-group summaries, beside the OTLP receiver', async () => {
    const server = await startRedisServer();
    const redis = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    after(() => redis.disconnect());
    await redis.xadd('orders', '*', 'n', '0');
    await redis.xgroup('CREATE', 'orders', 'workers', '$');

    const stdout = new JsonLines();
    const stderr: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const options = parseWatchArgs(['--otlp-port', '0', '--json', '--redis', `127.0.0.1:${server.port}`, '--redis-stream', 'ord*', '--redis-poll', '0.1', '--window', '1.5', '--consumer-idle', '0.5', '--summary-interval', '0.2']);
    const exit = runWatch(options, { stdout: stdout.write, stderr: (text) => void stderr.push(text) }, stopped);
    after(() => stop());

    let producing = true;
    const producing$ = (async () => {
      for (let n = 1; producing; n++) {
        await redis.xadd('orders', '*', 'n', String(n));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const subject = `orders:workers@127.0.0.1:${server.port}`;
    const backlog = await stdout.waitFor('stream-backlog', (line) => line.type === 'finding' && line.kind === 'stream-backlog');
    assert.equal(backlog.subject, subject);
    assert.equal(backlog.evidence?.figure, 'lag');
    await stdout.waitFor('stream-no-consumer', (line) => line.type === 'finding' && line.kind === 'stream-no-consumer' && line.subject === subject);

    // bob takes two entries and dies; one of them is redelivered (XCLAIM) until delivered 5 times.
    const taken = (await redis.xreadgroup('GROUP', 'workers', 'bob', 'COUNT', 2, 'STREAMS', 'orders', '>')) as [string, [string, string[]][]][];
    const ids = taken[0][1].map(([id]) => id);
    for (let i = 0; i < 4; i++) await redis.xclaim('orders', 'workers', 'bob', 0, ids[0]);
    const deadLetter = await stdout.waitFor('stream-dead-letter', (line) => line.type === 'finding' && line.kind === 'stream-dead-letter');
    assert.deepEqual((deadLetter.evidence?.entries as { id: string; deliveryCount: number }[]).map((entry) => [entry.id, entry.deliveryCount]), [[ids[0], 5]]);
    const deadConsumer = await stdout.waitFor('stream-dead-consumer', (line) => line.type === 'finding' && line.kind === 'stream-dead-consumer');
    assert.deepEqual((deadConsumer.evidence?.consumers as { name: string }[]).map((consumer) => consumer.name), ['bob']);

    const summary = await stdout.waitFor('a summary with the group', (line) => line.type === 'summary' && (line.sources?.streams?.targets[`127.0.0.1:${server.port}`]?.streams[0]?.groups[0]?.pending ?? 0) === 2);
    assert.ok(summary.sources?.traces, 'the OTLP receiver runs beside it');
    const target = summary.sources?.streams?.targets[`127.0.0.1:${server.port}`];
    assert.equal(target?.state, 'connected');
    const workers = target?.streams[0].groups[0];
    assert.equal(workers?.group, 'workers');
    // Redis 7.0.15: a group created at $ has no entries-read, and its lag turns nil at its first
    // XREADGROUP: printed as null with why, never 0.
    if (workers?.lag === null) assert.match(String((workers as { lagUnknown?: string }).lagUnknown), /unknown/);
    else assert.ok(typeof workers?.lag === 'number' && workers.lag > 0, JSON.stringify(workers));
    assert.deepEqual(workers?.consumers.map((consumer) => consumer.name), ['bob']);
    assert.ok((workers?.oldestPendingAgeMs ?? -1) >= 0);

    producing = false;
    await producing$;
    await server.stop();
    await stdout.waitFor('the target gone', (line) => line.type === 'summary' && line.sources?.streams?.targets[`127.0.0.1:${server.port}`]?.state === 'gone');
    assert.ok(stderr.some((text) => /redis 127\.0\.0\.1:\d+: gone/.test(text)), stderr.join(''));
    stop();
    assert.equal(await exit, 0);
  });
});
