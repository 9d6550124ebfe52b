// The live findings that hold now: detectors raise and clear them, the panel, notifications, the
// status bar and `bounded watch` read them and listen for changes. One finding per (kind, subject):
// raising the same pair again updates it (its raisedAt stays). Bounded: past `maxFindings` the
// oldest raised finding is cleared (and counted) to make room.
import type { LiveFinding, LiveFindingKind } from './liveFinding';

/** What a detector raises; the set stamps `raisedAt` and `updatedAt`. */
export type RaisedLiveFinding = Omit<LiveFinding, 'raisedAt' | 'updatedAt'>;

export type LiveFindingChange =
  | { type: 'raised'; finding: LiveFinding }
  | { type: 'updated'; finding: LiveFinding }
  /** `evicted` when the set made room for a newer finding rather than a detector clearing it. */
  | { type: 'cleared'; finding: LiveFinding; reason: 'cleared' | 'evicted' };

export interface LiveFindingSetOptions {
  maxFindings: number;
}

export interface LiveFindingSetStats {
  current: number;
  raised: number;
  cleared: number;
  evicted: number;
}

export const defaultLiveFindingSetOptions: LiveFindingSetOptions = { maxFindings: 1000 };

export class LiveFindingSet {
  /** In the order first raised (updates keep their place), so the first entry is the oldest. */
  private readonly findings = new Map<string, LiveFinding>();
  private readonly listeners = new Set<(change: LiveFindingChange) => void>();
  private raisedCount = 0;
  private clearedCount = 0;
  private evictedCount = 0;

  constructor(
    private readonly options: LiveFindingSetOptions = defaultLiveFindingSetOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(options.maxFindings) || options.maxFindings < 1) throw new RangeError(`maxFindings must be a positive integer, got ${options.maxFindings}`);
  }

  /** Raises a finding, or updates the one with the same kind and subject. Returns what the set holds. */
  raise(raised: RaisedLiveFinding): LiveFinding {
    const key = findingKey(raised.kind, raised.subject);
    const at = this.now();
    const existing = this.findings.get(key);
    if (existing) {
      const updated: LiveFinding = { ...raised, raisedAt: existing.raisedAt, updatedAt: at };
      this.findings.set(key, updated);
      this.emit({ type: 'updated', finding: updated });
      return updated;
    }
    while (this.findings.size >= this.options.maxFindings) this.evictOldest();
    const finding: LiveFinding = { ...raised, raisedAt: at, updatedAt: at };
    this.findings.set(key, finding);
    this.raisedCount++;
    this.emit({ type: 'raised', finding });
    return finding;
  }

  /** Clears the finding of this kind and subject; false when there was none. */
  clear(kind: LiveFindingKind, subject: string): boolean {
    const key = findingKey(kind, subject);
    const finding = this.findings.get(key);
    if (!finding) return false;
    this.findings.delete(key);
    this.clearedCount++;
    this.emit({ type: 'cleared', finding, reason: 'cleared' });
    return true;
  }

  get(kind: LiveFindingKind, subject: string): LiveFinding | undefined {
    return this.findings.get(findingKey(kind, subject));
  }

  /** Newest first (by when each was first raised). */
  list(): LiveFinding[] {
    return [...this.findings.values()].reverse();
  }

  get size(): number {
    return this.findings.size;
  }

  stats(): LiveFindingSetStats {
    return { current: this.findings.size, raised: this.raisedCount, cleared: this.clearedCount, evicted: this.evictedCount };
  }

  onChange(listener: (change: LiveFindingChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  private evictOldest(): void {
    const [key, finding] = this.findings.entries().next().value as [string, LiveFinding];
    this.findings.delete(key);
    this.evictedCount++;
    this.emit({ type: 'cleared', finding, reason: 'evicted' });
  }

  private emit(change: LiveFindingChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}

function findingKey(kind: LiveFindingKind, subject: string): string {
  return `${kind}\u0000${subject}`;
}
