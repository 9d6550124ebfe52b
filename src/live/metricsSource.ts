// The Prometheus metrics source: scrapes each /metrics URL every few seconds, keeps the handle-like
// metrics (and the ones the user pins) as series `metrics:<target>:<metric>{labels}` in a
// TimeSeriesStore, and runs the leak detector on them:
//   - handle-leak on nodejs_active_resources{type} (process.getActiveResourcesInfo(): handles,
//     requests and timers), or on nodejs_active_handles{type} when the endpoint has no
//     nodejs_active_resources (older prom-client or Node). On Node 20 timers are not in
//     nodejs_active_handles at all, so a setInterval leak only shows in nodejs_active_resources.
//   - fd-leak on process_open_fds, goroutine-leak on go_goroutines.
// Totals, event-loop lag and resident memory are kept as series, not judged. A target that stops
// answering is shown `down` with the reason and polled on; its series are kept.
import { scrapeText } from './httpScrape';
import { LeakDetector, type LeakFindingKind, type LeakSeriesSpec } from './leakDetector';
import type { LiveSource } from './liveSource';
import { createPolledTargetsSource, httpEndpointUrl, parseErrorFigures, PollingTarget, pollTimeoutMs, type PolledEndpointsOptions, type PollingTargetFigures } from './pollingTarget';
import { parsePrometheusText, sampleSeriesName, type PrometheusFamily } from './prometheusText';
import { TimeSeriesStore, type TimeSeriesOptions } from './timeSeries';

export interface MetricsSourceOptions extends PolledEndpointsOptions {
  /** Metric (family) names kept as series besides the handle-like ones. */
  pinned?: readonly string[];
}

/** Judged series remembered per target (types of handles are a few dozen at most). */
const maxJudgedSeries = 1_000;

export const defaultMetricsStoreOptions: TimeSeriesOptions = { maxKeys: 10_000, maxPointsPerKey: 2_000, maxAgeMs: 60 * 60_000 };

/** Kept as series and shown in the summary; the ones with a kind are judged by the leak detector. */
const handleLikeMetrics: Record<string, { kind?: LeakFindingKind; unit: (labels: Record<string, string>) => string }> = {
  nodejs_active_resources: { kind: 'handle-leak', unit: (labels) => `${labels.type ?? 'active'} handles` },
  nodejs_active_handles: { kind: 'handle-leak', unit: (labels) => `${labels.type ?? 'active'} handles` },
  nodejs_active_resources_total: { unit: () => 'active resources' },
  nodejs_active_handles_total: { unit: () => 'active handles' },
  nodejs_eventloop_lag_seconds: { unit: () => 's event-loop lag' },
  nodejs_eventloop_lag_p50_seconds: { unit: () => 's event-loop lag p50' },
  nodejs_eventloop_lag_p90_seconds: { unit: () => 's event-loop lag p90' },
  nodejs_eventloop_lag_p99_seconds: { unit: () => 's event-loop lag p99' },
  process_open_fds: { kind: 'fd-leak', unit: () => 'open fds' },
  process_resident_memory_bytes: { unit: () => 'bytes resident' },
  go_goroutines: { kind: 'goroutine-leak', unit: () => 'goroutines' },
};

export interface MetricsTargetFigures extends PollingTargetFigures {
  /** The latest value of each handle-like series, by `<metric>{labels}`. */
  latest: Record<string, number>;
  /** Lines of the latest scrape that could not be read. */
  parseErrors: number;
  firstParseError?: string;
}

export function createMetricsSource(options: MetricsSourceOptions): LiveSource & { readonly store: TimeSeriesStore; readonly detector: LeakDetector } {
  const store = options.store ?? new TimeSeriesStore(defaultMetricsStoreOptions);
  const detector = new LeakDetector({ store, findings: options.findings, options: options.leak });
  const pinned = new Set(options.pinned ?? []);
  const intervalMs = options.intervalMs ?? 5_000;
  const scrapeOptions = { timeoutMs: options.timeoutMs ?? pollTimeoutMs(intervalMs), maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024, accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' };

  const targets = options.urls.map((raw) => {
    const url = metricsUrl(raw);
    const target = targetName(url);
    const latest = new Map<string, number>();
    /** The judged series seen so far: one missing from a scrape counts 0 (prom-client leaves out a type with none). */
    const judgedKeys = new Set<string>();
    let parsing = parseErrorFigures([]);
    const polling = new PollingTarget(
      url,
      intervalMs,
      async (signal) => {
        const text = await scrapeText(url, scrapeOptions, signal);
        const scrape = parsePrometheusText(text);
        parsing = parseErrorFigures(scrape.errors);
        if (scrape.families.length === 0) throw new Error(`${url.href} answered, but with no metrics${parsing.firstParseError ? ` (${parsing.firstParseError})` : ''}`);
        record(target, scrape.families, latest, judgedKeys, Date.now());
        detector.tick();
      },
      (state, error) => options.log?.(`metrics ${url.href}: ${state}${error ? `: ${error}` : ''}`),
    );
    return { url, target, polling, latest, figures: (): MetricsTargetFigures => ({ ...polling.figures(), latest: Object.fromEntries(latest), ...parsing }) };
  });

  function record(target: string, families: readonly PrometheusFamily[], latest: Map<string, number>, judgedKeys: Set<string>, now: number): void {
    const names = new Set(families.map((family) => family.name));
    const seen = new Set<string>();
    for (const family of families) {
      const handleLike = handleLikeMetrics[family.name];
      if (!handleLike && !pinned.has(family.name)) continue;
      // nodejs_active_resources counts what nodejs_active_handles does and more: judge one of them.
      const judged = handleLike?.kind !== undefined && !(family.name === 'nodejs_active_handles' && names.has('nodejs_active_resources'));
      for (const sample of family.samples) {
        const series = sampleSeriesName(sample);
        const key = `metrics:${target}:${series}`;
        store.append(key, now, sample.value);
        if (handleLike) latest.set(series, sample.value);
        if (judged && handleLike.kind) {
          seen.add(key);
          if (judgedKeys.size < maxJudgedSeries) judgedKeys.add(key);
          const spec: LeakSeriesSpec = { key, kind: handleLike.kind, subject: `${target} ${series}`, target, type: sample.labels.type ?? family.name, unit: handleLike.unit(sample.labels), evidence: { metric: family.name, labels: sample.labels } };
          detector.track(spec);
        }
      }
    }
    for (const key of judgedKeys) {
      if (seen.has(key)) continue;
      store.append(key, now, 0);
      latest.set(key.slice(`metrics:${target}:`.length), 0);
    }
  }

  const source = createPolledTargetsSource({
    name: 'metrics',
    targets,
    detector,
    intervalMs,
    doing: 'scraping',
    describe: (target) => {
      const latest = Object.entries(target.latest)
        .filter(([series]) => /^(nodejs_active_(resources|handles)_total|process_open_fds|go_goroutines)$/.test(series))
        .map(([series, value]) => `${series} ${value}`);
      return latest.length > 0 ? `: ${latest.join(', ')}` : '';
    },
  });
  return { ...source, store, detector };
}

/** The URL to scrape: `host:port` alone means `http://host:port/metrics`. */
export function metricsUrl(raw: string): URL {
  const url = httpEndpointUrl(raw, 'http://127.0.0.1:9100/metrics');
  if (url.pathname === '/' && !/\/$/.test(raw)) url.pathname = '/metrics';
  return url;
}

/** `127.0.0.1:9100`, with the path when it is not /metrics. */
function targetName(url: URL): string {
  return url.pathname === '/metrics' ? url.host : `${url.host}${url.pathname}`;
}
