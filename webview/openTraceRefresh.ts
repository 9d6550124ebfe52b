// When the panel fetches the open trace again while its spans still arrive: only when the trace in
// the latest snapshot changed (span count, errors or duration), never while a fetch is in flight,
// and, for a trace of `largeTraceSpans` spans or more (a few MB a fetch, and a waterfall rebuilt
// each time), at most once per `largeTraceIntervalMs`, the latest change fetched when that interval
// ends. Snapshots come up to 4 a second: without this a 10,000-span trace was re-sent at that rate.
import type { PanelTraceSummary } from '../src/shared/livePanelProtocol';

export const largeTraceSpans = 2000;
export const largeTraceIntervalMs = 1000;

export interface RefreshTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: RefreshTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** What makes the open trace worth fetching again. */
export function traceVersion(trace: Pick<PanelTraceSummary, 'spanCount' | 'errorCount' | 'durationMs'>): string {
  return `${trace.spanCount}/${trace.errorCount}/${trace.durationMs}`;
}

export class OpenTraceRefresh {
  private fetchedVersion: string | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private fetchedSpans = 0;
  private inFlight = false;
  /** The newest version seen and not fetched yet. */
  private waiting: string | undefined;
  private timer: unknown;

  constructor(
    private readonly fetch: () => void,
    private readonly timers: RefreshTimers = realTimers,
  ) {}

  /** A fetch of the open trace started (by the user opening it, or by this). */
  started(): void {
    this.inFlight = true;
    this.cancelTimer();
  }

  /** Its answer arrived: `version` is what the snapshot said when it was asked for, if known. */
  answered(spanCount: number, version: string | undefined): void {
    this.inFlight = false;
    this.fetchedAt = this.timers.now();
    this.fetchedSpans = spanCount;
    if (version !== undefined) this.fetchedVersion = version;
    if (this.waiting !== undefined && this.waiting !== this.fetchedVersion) this.schedule();
    else this.waiting = undefined;
  }

  /** It got no answer (the host gone or slow): a later change fetches again. */
  failed(): void {
    this.inFlight = false;
  }

  /** A snapshot listed the open trace at `version`. */
  seen(version: string): void {
    if (version === this.fetchedVersion) {
      this.waiting = undefined;
      return;
    }
    this.waiting = version;
    if (!this.inFlight) this.schedule();
  }

  /** The trace was closed or another opened. */
  reset(): void {
    this.cancelTimer();
    this.fetchedVersion = undefined;
    this.fetchedAt = Number.NEGATIVE_INFINITY;
    this.fetchedSpans = 0;
    this.inFlight = false;
    this.waiting = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = this.fetchedSpans >= largeTraceSpans ? this.fetchedAt + largeTraceIntervalMs - this.timers.now() : 0;
    if (wait <= 0) {
      this.fetch();
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (!this.inFlight && this.waiting !== undefined && this.waiting !== this.fetchedVersion) this.fetch();
    }, wait);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
