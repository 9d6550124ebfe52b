// One endpoint a source polls every `intervalMs` (the next poll starts once the last one ended, so
// they never pile up), with its state for summaries and the panel: `connecting` until the first
// answer, `up` after one, `down` (with the error, in words) when a poll fails. A target that is down
// keeps being polled and comes back `up` when it answers again; the source's series are kept.
// Below it, what the sources of polled HTTP endpoints (metrics, pprof) share: reading the URL given,
// the timeout of one poll, and the LiveSource over their targets and their leak detector.
import type { LeakDetector, LeakDetectorOptions } from './leakDetector';
import type { LiveFindingSet } from './liveFindingSet';
import type { LiveSource, LiveSourceSummary } from './liveSource';
import type { TimeSeriesStore } from './timeSeries';

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

/** What a source of polled HTTP endpoints is given, besides its own options. */
export interface PolledEndpointsOptions {
  urls: readonly string[];
  findings: LiveFindingSet;
  /** A store shared with other sources; by default the source has its own. */
  store?: TimeSeriesStore;
  /** Between polls of a target (default 5 s). */
  intervalMs?: number;
  /** How long one poll may take (default pollTimeoutMs(intervalMs)). */
  timeoutMs?: number;
  /** The largest body read. */
  maxBodyBytes?: number;
  leak?: Partial<LeakDetectorOptions>;
  log?: (line: string) => void;
}

/** The URL of an endpoint to poll: http or https, `host:port` alone meaning `http://host:port`; `example` is shown when it is not a URL. */
export function httpEndpointUrl(raw: string, example: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new RangeError(`"${raw}" is not a URL (${example})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`"${raw}" is not an http or https URL`);
  return url;
}

/** How long one poll may take: its interval, from 1 s to 10 s. */
export function pollTimeoutMs(intervalMs: number): number {
  return Math.min(10_000, Math.max(1_000, intervalMs));
}

/** The latest poll's parse errors as figures: how many, and the first in words. */
export function parseErrorFigures(errors: ReadonlyArray<{ line: number; message: string }>): { parseErrors: number; firstParseError?: string } {
  return { parseErrors: errors.length, ...(errors[0] ? { firstParseError: `line ${errors[0].line}: ${errors[0].message}` } : {}) };
}

export interface PolledTarget<Figures extends PollingTargetFigures> {
  readonly url: URL;
  readonly polling: PollingTarget;
  figures(): Figures;
}

export interface PolledTargetsSourceOptions<Figures extends PollingTargetFigures> {
  name: string;
  targets: ReadonlyArray<PolledTarget<Figures>>;
  detector: LeakDetector;
  intervalMs: number;
  /** What the source does to its targets, for the line start() resolves with: `scraping`. */
  doing: string;
  /** What the summary line says of a target after its URL and state (`: 12 goroutines`), or ''. */
  describe: (figures: Figures) => string;
}

/** The LiveSource of targets polled side by side and judged by one leak detector: figures `{ targets, rising }`. */
export function createPolledTargetsSource<Figures extends PollingTargetFigures>(options: PolledTargetsSourceOptions<Figures>): LiveSource {
  const { targets, detector } = options;
  return {
    name: options.name,
    async start() {
      for (const target of targets) target.polling.start();
      return `${options.doing} ${targets.map((target) => target.url.href).join(', ')} every ${options.intervalMs / 1000} s`;
    },
    async stop() {
      for (const target of targets) target.polling.stop();
      detector.dispose();
    },
    summary(): LiveSourceSummary {
      const figures = targets.map((target) => target.figures());
      const text = `${options.name}: ${figures.map((target) => `${target.url} ${target.state}${target.error ? ` (${target.error})` : ''}${options.describe(target)}`).join('; ')}`;
      return { figures: { targets: figures, rising: detector.stats().rising }, text };
    },
  };
}
