// The Redis targets added by "Bounded: Attach to Redis…", kept in the workspace's state (VS Code's
// workspaceState memento) so that they are polled again when the window reopens, until "Bounded:
// Forget Redis Target…" removes them. Never a password: a url is stored without one (passwords stay
// in SecretStorage under `redis-password:<name>`), and what is read back is checked as the
// bounded.live.redis.targets setting is (junk entries are skipped).
// Without a memento (a host made for tests, or no workspace state) the targets last for the window.
import type { Memento } from 'vscode';
import { normaliseRedisTargets, type RedisTargetSetting } from '../shared/settings';

/** Where the workspace state holds them. */
export const attachedRedisTargetsKey = 'attachedRedisTargets';

export class AttachedRedisTargets {
  private targets: RedisTargetSetting[];

  constructor(private readonly memento?: Pick<Memento, 'get' | 'update'>) {
    const stored = memento?.get<unknown>(attachedRedisTargetsKey);
    this.targets = Array.isArray(stored) ? normaliseRedisTargets(stored) : [];
  }

  /** In the order attached. */
  list(): RedisTargetSetting[] {
    return this.targets.map((target) => ({ ...target, streams: [...target.streams] }));
  }

  has(name: string): boolean {
    return this.targets.some((target) => target.name === name);
  }

  /** Adds the target, or replaces the one of its name, and stores the list (a password in its url is dropped). */
  async put(target: RedisTargetSetting): Promise<void> {
    const [checked] = normaliseRedisTargets([target]);
    if (checked === undefined) throw new RangeError(`"${target.url}" is not a Redis url the poller takes.`);
    const index = this.targets.findIndex((attached) => attached.name === checked.name);
    this.targets = index >= 0 ? this.targets.map((attached, at) => (at === index ? checked : attached)) : [...this.targets, checked];
    await this.save();
  }

  /** Removes the target of that name; false when there was none. */
  async remove(name: string): Promise<boolean> {
    const kept = this.targets.filter((target) => target.name !== name);
    if (kept.length === this.targets.length) return false;
    this.targets = kept;
    await this.save();
    return true;
  }

  private async save(): Promise<void> {
    await this.memento?.update(attachedRedisTargetsKey, this.targets.length > 0 ? this.list() : undefined);
  }
}
