// The targets of "Attach to Redis…" kept in the workspace state: what one window stores, the next
// reads back (through JSON, as VS Code keeps a memento), never with a password; replaced by name,
// removed by "Forget Redis Target…", junk in the state skipped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttachedRedisTargets, attachedRedisTargetsKey } from '../../src/extension/attachedRedisTargets';

/** A workspace state as VS Code keeps it: values stored as JSON text. */
class JsonMemento {
  readonly stored = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const text = this.stored.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.stored.delete(key);
    else this.stored.set(key, JSON.stringify(value));
  }
}

describe('attached Redis targets', () => {
  it('are read back by the next window, replaced by name and forgotten, without passwords', async () => {
    const state = new JsonMemento();
    const window1 = new AttachedRedisTargets(state);
    assert.deepEqual(window1.list(), []);
    await window1.put({ name: 'jobs', url: 'redis://worker:s3cret@127.0.0.1:6380', streams: ['jobs:*'], pollIntervalMs: 2000 });
    await window1.put({ name: 'cache', url: 'rediss://cache.internal:6379', username: 'reader', streams: ['*'], pollIntervalMs: 500, cluster: true });
    assert.doesNotMatch(state.stored.get(attachedRedisTargetsKey) ?? '', /s3cret/, 'no password reaches the workspace state');

    const window2 = new AttachedRedisTargets(state);
    assert.deepEqual(window2.list(), [
      { name: 'jobs', url: 'redis://127.0.0.1:6380', username: 'worker', streams: ['jobs:*'], pollIntervalMs: 2000 },
      { name: 'cache', url: 'rediss://cache.internal:6379', username: 'reader', streams: ['*'], pollIntervalMs: 500, cluster: true },
    ]);
    await window2.put({ name: 'jobs', url: 'redis://127.0.0.1:6390', streams: ['orders'], pollIntervalMs: 1000 });
    assert.deepEqual(new AttachedRedisTargets(state).list().map((target) => [target.name, target.url]), [
      ['jobs', 'redis://127.0.0.1:6390'],
      ['cache', 'rediss://cache.internal:6379'],
    ]);

    assert.equal(await window2.remove('jobs'), true);
    assert.equal(await window2.remove('jobs'), false, 'already forgotten');
    assert.equal(window2.has('jobs'), false);
    assert.deepEqual(new AttachedRedisTargets(state).list().map((target) => target.name), ['cache']);
    await window2.remove('cache');
    assert.equal(state.stored.has(attachedRedisTargetsKey), false, 'nothing attached: nothing stored');
  });

  it('skips junk in the workspace state and refuses a url the poller would not take', async () => {
    const state = new JsonMemento();
    await state.update(attachedRedisTargetsKey, [{ name: 'ok', url: 'redis://127.0.0.1' }, { name: 'http', url: 'http://x' }, 42, { url: 'redis://no-name' }]);
    const targets = new AttachedRedisTargets(state);
    assert.deepEqual(targets.list().map((target) => target.name), ['ok']);
    await state.update(attachedRedisTargetsKey, { not: 'a list' });
    assert.deepEqual(new AttachedRedisTargets(state).list(), []);
    await assert.rejects(targets.put({ name: 'bad', url: 'http://127.0.0.1', streams: ['*'], pollIntervalMs: 2000 }), RangeError);
    assert.deepEqual(new AttachedRedisTargets().list(), [], 'without a memento: nothing kept, nothing read');
  });
});
