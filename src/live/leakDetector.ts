// The leak detector: flags a count (handles of one type, goroutines of one stack, open fds) that keeps
// rising over a window, and clears the finding when it stops. Sources feed a TimeSeriesStore and tell
// the detector which series to judge (explicit keys with track(), or every key under a prefix with
// trackPrefix()), then call tick() after each sample.
//
// A series is rising when, over the last `windowMs` of its points:
//   - the Theil–Sen slope (median of the pairwise slopes: one burst or outlier does not move it) is at
//     least `minRatePerMin`, and
//   - its lows rise: split the window into `subWindows` equal slices by time; the minimum of each slice
//     never falls below the one before, rises in at least two thirds of the steps, and the last minimum
//     is above the first by at least half of what the slope says. A sawtooth of normal load (requests
//     open handles, then close them) returns to its floor in every slice, so its minima stay flat even
//     though its slope over a window may not be zero; a leak under the same sawtooth lifts the floor.
//     A step up then flat rises once, not in two thirds of the steps.
// It needs `minPoints` points spanning at least `minSpanMs` before it judges at all; with fewer (a
// fresh series, a target that stopped answering) a finding keeps its state. A raised finding clears
// when the window is no longer rising and its slope is under half of `minRatePerMin` (flat or falling).
import type { LiveFindingKind, SourceLocation } from './liveFinding';
import type { LiveFindingSet } from './liveFindingSet';
import type { SeriesPoint, TimeSeriesStore } from './timeSeries';

export type LeakFindingKind = Extract<LiveFindingKind, 'handle-leak' | 'goroutine-leak' | 'fd-leak'>;

export interface LeakDetectorOptions {
  /** How far back a series is judged. */
  windowMs: number;
  /** Points the window needs before it is judged. */
  minPoints: number;
  /** How much of the window the points must span (first to last) before it is judged. */
  minSpanMs: number;
  /** The slope (per minute) a rise needs to be a leak. */
  minRatePerMin: number;
  /** Slices the window is split into for the rising-lows test. */
  subWindows: number;
}

export const defaultLeakDetectorOptions: LeakDetectorOptions = {
  windowMs: 10 * 60_000,
  minPoints: 10,
  minSpanMs: 5 * 60_000,
  minRatePerMin: 1,
  subWindows: 5,
};

/** Options with windowMs given and the rest defaulted: minSpanMs to half the window. */
export function resolveLeakDetectorOptions(input: Partial<LeakDetectorOptions> = {}): LeakDetectorOptions {
  const windowMs = input.windowMs ?? defaultLeakDetectorOptions.windowMs;
  const options: LeakDetectorOptions = { ...defaultLeakDetectorOptions, minSpanMs: windowMs / 2, ...input, windowMs };
  if (!(options.windowMs > 0)) throw new RangeError(`windowMs is a positive number of milliseconds, not ${options.windowMs}`);
  if (!Number.isInteger(options.subWindows) || options.subWindows < 2) throw new RangeError(`subWindows is a whole number of at least 2, not ${options.subWindows}`);
  if (!Number.isInteger(options.minPoints) || options.minPoints < options.subWindows) throw new RangeError(`minPoints is a whole number of at least subWindows (${options.subWindows}), not ${options.minPoints}`);
  if (!(options.minRatePerMin > 0)) throw new RangeError(`minRatePerMin is a positive number, not ${options.minRatePerMin}`);
  if (!(options.minSpanMs >= 0) || options.minSpanMs > options.windowMs) throw new RangeError(`minSpanMs is from 0 to windowMs, not ${options.minSpanMs}`);
  return options;
}

/** What one series counts and whose it is: the finding's kind, subject, message and evidence come from it. */
export interface LeakSeriesSpec {
  /** The TimeSeriesStore key. */
  key: string;
  kind: LeakFindingKind;
  /** Unique per kind while the finding lasts, e.g. `pid 1234 Timeout` or `http://127.0.0.1:9100/metrics Timeout`. */
  subject: string;
  /** The process or endpoint: `pid 1234`, `http://127.0.0.1:9100/metrics`. */
  target: string;
  /** What is counted, for the evidence: `Timeout`, `goroutines`, `open fds`. */
  type: string;
  /** What is counted, plural, for the message: `Timeout handles`, `goroutines`, `open fds`. */
  unit: string;
  /** Where the counted things are created, when the series carries it (a leak site, a stack's top user frame). */
  location?: SourceLocation;
  /** Said after the figures in the message: the stack or creation site, `in main.worker (worker.go:90)`. */
  detail?: string;
  /** More evidence (the creation site's function, a stack id and frames), JSON-serialisable. */
  evidence?: Record<string, unknown>;
}

export type RiseVerdict =
  | { judged: false; reason: string }
  | {
      judged: true;
      rising: boolean;
      /** Theil–Sen slope, per minute. */
      ratePerMin: number;
      /** The minima of the sub-windows, oldest first. */
      lows: number[];
      first: SeriesPoint;
      last: SeriesPoint;
      points: number;
      spanMs: number;
    };

/** Judges a window of points (oldest first); non-finite values are left out. */
export function judgeRise(window: readonly SeriesPoint[], options: LeakDetectorOptions): RiseVerdict {
  const points = window.filter((point) => Number.isFinite(point.value));
  if (points.length < options.minPoints) return { judged: false, reason: `${points.length} of ${options.minPoints} points` };
  const first = points[0];
  const last = points[points.length - 1];
  const spanMs = last.t - first.t;
  if (spanMs < options.minSpanMs || spanMs <= 0) return { judged: false, reason: `the points span ${spanMs} of ${options.minSpanMs} ms` };

  const ratePerMin = theilSenSlopePerMs(points) * 60_000;
  const lows = new Array<number>(options.subWindows).fill(Infinity);
  for (const point of points) {
    const slice = Math.min(options.subWindows - 1, Math.floor(((point.t - first.t) / spanMs) * options.subWindows));
    lows[slice] = Math.min(lows[slice], point.value);
  }
  const verdict = { judged: true as const, ratePerMin, lows, first: { ...first }, last: { ...last }, points: points.length, spanMs };
  // A slice without points (a gap in sampling) cannot say whether the floor rose.
  if (lows.some((low) => low === Infinity)) return { ...verdict, rising: false };
  let rises = 0;
  let falls = 0;
  for (let i = 1; i < lows.length; i++) {
    if (lows[i] > lows[i - 1]) rises++;
    else if (lows[i] < lows[i - 1]) falls++;
  }
  const lowsRise = lows[lows.length - 1] - lows[0];
  const expectedRise = (ratePerMin / 60_000) * spanMs * ((options.subWindows - 1) / options.subWindows);
  const rising = ratePerMin >= options.minRatePerMin && falls === 0 && rises >= Math.ceil(((options.subWindows - 1) * 2) / 3) && lowsRise >= expectedRise / 2;
  return { ...verdict, rising };
}

/** Past this many points the slope is taken over evenly spaced ones: pairs grow as the square. */
const maxSlopePoints = 120;

function theilSenSlopePerMs(points: readonly SeriesPoint[]): number {
  const sampled = points.length <= maxSlopePoints ? points : Array.from({ length: maxSlopePoints }, (_, i) => points[Math.round((i * (points.length - 1)) / (maxSlopePoints - 1))]);
  const slopes: number[] = [];
  for (let i = 0; i < sampled.length; i++) {
    for (let j = i + 1; j < sampled.length; j++) {
      const dt = sampled[j].t - sampled[i].t;
      if (dt > 0) slopes.push((sampled[j].value - sampled[i].value) / dt);
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const middle = slopes.length >> 1;
  return slopes.length % 2 === 1 ? slopes[middle] : (slopes[middle - 1] + slopes[middle]) / 2;
}

export interface LeakDetectorInit {
  store: TimeSeriesStore;
  findings: LiveFindingSet;
  options?: Partial<LeakDetectorOptions>;
  now?: () => number;
}

export interface LeakDetectorStats {
  tracked: number;
  rising: number;
}

export class LeakDetector {
  readonly options: LeakDetectorOptions;
  private readonly store: TimeSeriesStore;
  private readonly findings: LiveFindingSet;
  private readonly now: () => number;
  private readonly specs = new Map<string, LeakSeriesSpec>();
  private readonly prefixes = new Map<string, (key: string) => LeakSeriesSpec | undefined>();
  /** The raised finding per series key: kind and subject, to clear it by. */
  private readonly raised = new Map<string, { kind: LeakFindingKind; subject: string }>();
  private readonly verdicts = new Map<string, RiseVerdict>();

  constructor(init: LeakDetectorInit) {
    this.options = resolveLeakDetectorOptions(init.options);
    this.store = init.store;
    this.findings = init.findings;
    this.now = init.now ?? Date.now;
  }

  /** Judges this series on each tick (replacing what was said of the same key). */
  track(spec: LeakSeriesSpec): void {
    const previous = this.raised.get(spec.key);
    if (previous && (previous.kind !== spec.kind || previous.subject !== spec.subject)) this.clearRaised(spec.key);
    this.specs.set(spec.key, spec);
  }

  /** Judges every store key under the prefix on each tick, described by `describe` (undefined: skip the key). */
  trackPrefix(prefix: string, describe: (key: string) => LeakSeriesSpec | undefined): void {
    this.prefixes.set(prefix, describe);
  }

  /** Stops judging the key (or the prefix's keys) and clears their findings: a target that went away for good. */
  untrack(keyOrPrefix: string): void {
    this.specs.delete(keyOrPrefix);
    this.prefixes.delete(keyOrPrefix);
    for (const key of [...this.raised.keys()]) if (key === keyOrPrefix || key.startsWith(keyOrPrefix)) this.clearRaised(key);
    for (const key of [...this.verdicts.keys()]) if (key === keyOrPrefix || key.startsWith(keyOrPrefix)) this.verdicts.delete(key);
  }

  /** Judges every tracked series at `now`, raising, updating and clearing findings. */
  tick(now: number = this.now()): void {
    const judged = new Set<string>();
    for (const spec of this.trackedSpecs()) {
      judged.add(spec.key);
      this.judge(spec, now);
    }
    // Series that left the store (evicted, aged out) are not judged any more: their findings go.
    for (const key of [...this.raised.keys()]) if (!judged.has(key)) this.clearRaised(key);
    for (const key of [...this.verdicts.keys()]) if (!judged.has(key)) this.verdicts.delete(key);
  }

  /** The latest verdict of a series, for summaries and charts. */
  verdictOf(key: string): RiseVerdict | undefined {
    return this.verdicts.get(key);
  }

  stats(): LeakDetectorStats {
    return { tracked: this.verdicts.size, rising: this.raised.size };
  }

  /** Clears every finding it raised. */
  dispose(): void {
    for (const key of [...this.raised.keys()]) this.clearRaised(key);
    this.verdicts.clear();
  }

  private trackedSpecs(): LeakSeriesSpec[] {
    const specs = new Map<string, LeakSeriesSpec>();
    for (const [prefix, describe] of this.prefixes) {
      for (const key of this.store.keys(prefix)) {
        const spec = describe(key);
        if (spec) specs.set(key, spec);
      }
    }
    for (const [key, spec] of this.specs) if (this.store.latest(key) !== undefined || this.raised.has(key)) specs.set(key, spec);
    return [...specs.values()];
  }

  private judge(spec: LeakSeriesSpec, now: number): void {
    const verdict = judgeRise(this.store.points(spec.key, now - this.options.windowMs), this.options);
    this.verdicts.set(spec.key, verdict);
    if (!verdict.judged) return;
    if (verdict.rising) {
      this.findings.raise({
        kind: spec.kind,
        severity: 'warning',
        subject: spec.subject,
        message: `${spec.target}: ${formatRate(verdict.ratePerMin)} ${spec.unit}/min over ${formatSpan(verdict.spanMs)} (${formatCount(verdict.first.value)} → ${formatCount(verdict.last.value)})${spec.detail ? ` ${spec.detail}` : ''}`,
        evidence: {
          ...spec.evidence,
          target: spec.target,
          type: spec.type,
          series: spec.key,
          first: verdict.first.value,
          last: verdict.last.value,
          firstAt: new Date(verdict.first.t).toISOString(),
          lastAt: new Date(verdict.last.t).toISOString(),
          ratePerMin: Number(verdict.ratePerMin.toFixed(3)),
          windowMs: verdict.spanMs,
          ...(spec.location ? { site: `${spec.location.file}:${spec.location.line}` } : {}),
        },
        ...(spec.location ? { location: spec.location } : {}),
      });
      this.raised.set(spec.key, { kind: spec.kind, subject: spec.subject });
    } else if (this.raised.has(spec.key) && verdict.ratePerMin < this.options.minRatePerMin / 2) {
      this.clearRaised(spec.key);
    }
  }

  private clearRaised(key: string): void {
    const raised = this.raised.get(key);
    if (!raised) return;
    this.raised.delete(key);
    this.findings.clear(raised.kind, raised.subject);
  }
}

/** `+37`, `+2.5`, `+1,204`. */
export function formatRate(perMin: number): string {
  const magnitude = Math.abs(perMin);
  const text = magnitude >= 10 ? Math.round(magnitude).toLocaleString('en-US') : magnitude.toFixed(1);
  return `${perMin < 0 ? '-' : '+'}${text}`;
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(Number(value.toFixed(2)));
}

/** `45 s`, `10 min`, `1.5 h`. */
export function formatSpan(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Number((ms / 3_600_000).toFixed(1))} h`;
}
