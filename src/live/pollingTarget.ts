// One endpoint a source polls every `intervalMs` (the next poll starts once the last one ended, so
// they never pile up), with its state for summaries and the panel: `connecting` until the first
// answer, `up` after one, `down` (with the error, in words) when a poll fails. A target that is down
// keeps being polled and comes back `up` when it answers again; the source's series are kept.
export type PollingState = 'connecting' | 'up' | 'down';

export interface PollingTargetFigures {
  url: string;
  state: PollingState;
  /** Why it is down, or why the latest poll failed. */
  error?: string;
  polls: number;
  failures: number;
  /** ISO time of the latest answer. */
  lastAnswerAt?: string;
}

export class PollingTarget {
  private stateNow: PollingState = 'connecting';
  private lastError: string | undefined;
  private polls = 0;
  private failures = 0;
  private lastAnswerAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: AbortController | undefined;
  private stopped = true;

  constructor(
    readonly url: URL,
    private readonly intervalMs: number,
    /** One poll; rejects with an Error whose message says what went wrong. */
    private readonly poll: (signal: AbortSignal) => Promise<void>,
    /** Told when the state changes, with the error when it went down. */
    private readonly onState: (state: PollingState, error: string | undefined) => void = () => {},
  ) {}

  get state(): PollingState {
    return this.stateNow;
  }

  start(): void {
    this.stopped = false;
    void this.pollOnce();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running?.abort();
  }

  figures(): PollingTargetFigures {
    return {
      url: this.url.href,
      state: this.stateNow,
      ...(this.lastError !== undefined ? { error: this.lastError } : {}),
      polls: this.polls,
      failures: this.failures,
      ...(this.lastAnswerAt !== undefined ? { lastAnswerAt: new Date(this.lastAnswerAt).toISOString() } : {}),
    };
  }

  private async pollOnce(): Promise<void> {
    const controller = new AbortController();
    this.running = controller;
    try {
      await this.poll(controller.signal);
      if (this.stopped) return;
      this.polls++;
      this.lastAnswerAt = Date.now();
      this.lastError = undefined;
      this.setState('up', undefined);
    } catch (error) {
      if (this.stopped) return;
      this.polls++;
      this.failures++;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.setState('down', this.lastError);
    } finally {
      if (this.running === controller) this.running = undefined;
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.pollOnce(), this.intervalMs);
  }

  private setState(state: PollingState, error: string | undefined): void {
    if (state === this.stateNow) return;
    this.stateNow = state;
    this.onState(state, error);
  }
}
