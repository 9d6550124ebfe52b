// The polled HTTP endpoints of the window's live session: the Prometheus endpoints of
// bounded.live.metrics.targets (src/live/metricsSource.ts) and the Go pprof endpoints of
// bounded.live.pprof.targets (src/live/pprofSource.ts), one source each, whose leak detectors raise
// handle-leak / fd-leak / goroutine-leak into the findings given. Setting the targets again keeps
// the sources of unchanged targets (and their series) and replaces only the others. onChange tells of
// state changes and, while there are targets, once a poll interval (the Handles view's charts follow
// it). Plain Node (no vscode import): the host reads the settings and checks trust.
import type { LeakDetector, LeakDetectorOptions } from '../live/leakDetector';
import type { LiveFindingSet } from '../live/liveFindingSet';
import type { LiveSource } from '../live/liveSource';
import { createMetricsSource, metricsUrl, type MetricsTargetFigures } from '../live/metricsSource';
import { createPprofSource, goroutineProfileUrl, type PprofTargetFigures } from '../live/pprofSource';
import type { TimeSeriesStore } from '../live/timeSeries';
import type { MetricsTargetSetting, PprofTargetSetting } from '../shared/settings';

export type ScrapeTargetKind = 'metrics' | 'pprof';

type ScrapeSource = LiveSource & { readonly store: TimeSeriesStore; readonly detector: LeakDetector };

export interface ScrapeTarget {
  kind: ScrapeTargetKind;
  name: string;
  /** The URL polled (for pprof, the goroutine profile's). */
  url: string;
  /** Its own store: series `metrics:<host>:<metric>{labels}` or `pprof:<host>:total|stack:<id>`. */
  store: TimeSeriesStore;
  /** The latest figures: state (connecting, up, down), error, and what it counts. */
  figures(): MetricsTargetFigures | PprofTargetFigures;
}

export interface LiveScrapeTargetsOptions {
  /** Between polls of a target. Default 5000 ms. */
  intervalMs?: number;
  /** The leak detectors' window and thresholds (their defaults: 10 min). */
  leak?: Partial<LeakDetectorOptions>;
}

interface RunningTarget extends ScrapeTarget {
  key: string;
  source: ScrapeSource;
}

export class LiveScrapeTargets {
  private running: RunningTarget[] = [];
  private readonly listeners = new Set<() => void>();
  /** setTargets calls, one after the other. */
  private changing: Promise<unknown> = Promise.resolve();
  /** Tells listeners once a poll interval while there are targets. */
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly findings: LiveFindingSet,
    private readonly log: (line: string) => void = () => undefined,
    private readonly options: LiveScrapeTargetsOptions = {},
  ) {}

  list(): ScrapeTarget[] {
    return this.running.map(({ kind, name, url, store, figures }) => ({ kind, name, url, store, figures }));
  }

  /** Called when a target's state changes (up, down), when the targets change, and once a poll interval while there are any. */
  onChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /**
   * Polls these targets: unchanged ones go on as they are, removed ones stop (their findings clear),
   * new or changed ones start. Resolves with what was refused, in words (a url that is not http(s),
   * a second target on a URL already polled); the others are polled all the same.
   */
  setTargets(metrics: readonly MetricsTargetSetting[], pprof: readonly PprofTargetSetting[]): Promise<string[]> {
    const next = this.changing.then(() => this.replace(metrics, pprof));
    this.changing = next.catch(() => undefined);
    return next;
  }

  async dispose(): Promise<void> {
    await this.setTargets([], []);
    this.listeners.clear();
  }

  private async replace(metrics: readonly MetricsTargetSetting[], pprof: readonly PprofTargetSetting[]): Promise<string[]> {
    const refused: string[] = [];
    const wanted: Array<{ key: string; kind: ScrapeTargetKind; name: string; url: string; start: () => ScrapeSource }> = [];
    const log = (line: string) => {
      this.log(line);
      this.changed();
    };
    const add = (kind: ScrapeTargetKind, name: string, raw: string, parse: (raw: string) => URL, create: (url: string) => ScrapeSource, extra: unknown) => {
      let url: string;
      try {
        url = parse(raw).href;
      } catch (error) {
        refused.push(`${kind} target "${name}": ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      const twin = wanted.find((other) => other.kind === kind && other.url === url);
      if (twin !== undefined) {
        refused.push(`${kind} target "${name}": ${url} is polled already as "${twin.name}"`);
        return;
      }
      wanted.push({ key: JSON.stringify([kind, name, url, extra]), kind, name, url, start: () => create(url) });
    };
    const { intervalMs, leak } = this.options;
    for (const target of metrics) {
      add('metrics', target.name, target.url, metricsUrl, (url) => createMetricsSource({ urls: [url], pinned: target.pin, findings: this.findings, intervalMs, leak, log }), target.pin);
    }
    for (const target of pprof) {
      add('pprof', target.name, target.url, goroutineProfileUrl, (url) => createPprofSource({ urls: [url], findings: this.findings, intervalMs, leak, log }), null);
    }

    const kept = this.running.filter((target) => wanted.some((want) => want.key === target.key));
    const gone = this.running.filter((target) => !kept.includes(target));
    await Promise.all(gone.map((target) => target.source.stop()));
    for (const target of gone) this.log(`${target.kind} ${target.name}: stopped`);
    const next: RunningTarget[] = [];
    for (const want of wanted) {
      const existing = kept.find((target) => target.key === want.key);
      if (existing !== undefined) {
        next.push(existing);
        continue;
      }
      const source = want.start();
      const figures = () => (source.summary().figures.targets as Array<MetricsTargetFigures | PprofTargetFigures>)[0];
      next.push({ key: want.key, kind: want.kind, name: want.name, url: want.url, store: source.store, source, figures });
      this.log(`${want.kind} ${want.name}: ${await source.start()}`);
    }
    this.running = next;
    clearInterval(this.ticker);
    this.ticker = next.length > 0 ? setInterval(() => this.changed(), this.options.intervalMs ?? 5_000).unref() : undefined;
    this.changed();
    return refused;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
