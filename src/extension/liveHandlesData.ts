// What the panel's Handles view shows of the attached Node processes (liveNodeTargets.ts): per target
// its state, pid and command, charts of its series from the TimeSeriesStore (handle counts by type,
// memory, event-loop delay) and its top leak sites with their growth. Bounded: each series is cut to
// the charts' window and at most `maxPoints` points (a bucket keeps its largest value, so a peak
// stays; values to three decimals), a pause in sampling longer than a few intervals becomes a null
// (a gap, never a 0), and at most `maxSites` sites. Scraped targets (metrics, pprof) go beside these
// as kinds of their own (PanelHandleTarget's kind). Plain Node (no vscode import).
import { locationOfSite, type InspectorSource } from '../live/inspectorSource';
import type { SeriesPoint } from '../live/timeSeries';
import type { PanelHandleChart, PanelHandleSeries, PanelHandleTarget, PanelLeakSite } from '../shared/livePanelProtocol';
import type { LiveNodeTargets } from './liveNodeTargets';
import type { ScrapeTarget } from './liveScrapeTargets';
import type { MetricsTargetFigures } from '../live/metricsSource';
import type { PprofTargetFigures } from '../live/pprofSource';

/** What is read of the Node targets: their sources' figures, the store and the leak-site options. */
export type NodeTargetsView = { list(): Array<Pick<InspectorSource, 'label' | 'figures'>> } & Pick<LiveNodeTargets, 'store' | 'leakSitesOf'>;

export interface HandlesDataOptions {
  /** The charts' window. Default 10 min. */
  windowMs?: number;
  /** Points per series at most. Default 300. */
  maxPoints?: number;
  /** Leak sites per target at most. Default 10. */
  maxSites?: number;
  now?: number;
}

const commandShownLength = 300;

export function panelNodeHandleTargets(targets: NodeTargetsView, options: HandlesDataOptions = {}): PanelHandleTarget[] {
  const windowMs = options.windowMs ?? 10 * 60_000;
  const maxPoints = options.maxPoints ?? 300;
  const maxSites = options.maxSites ?? 10;
  const since = (options.now ?? Date.now()) - windowMs;
  return targets.list().map((source) => nodeTarget(source, targets, { since, maxPoints, maxSites }));
}

function nodeTarget(source: Pick<InspectorSource, 'label' | 'figures'>, targets: NodeTargetsView, limits: { since: number; maxPoints: number; maxSites: number }): PanelHandleTarget {
  const figures = source.figures();
  const prefix = `inspector:${source.label}`;
  const store = targets.store;
  const series = (key: string, label: string): PanelHandleSeries => ({ label, points: chartPoints(store.points(key, limits.since), limits.maxPoints) });
  const handleKeys = store.keys(`${prefix}:handles:`).sort((a, b) => a.localeCompare(b));
  const charts: PanelHandleChart[] = [
    {
      id: 'handles',
      title: 'Active handles and resources by type',
      unit: 'count',
      stackable: true,
      series: handleKeys.map((key) => series(key, key.slice(`${prefix}:handles:`.length))).filter((entry) => entry.points.length > 0),
    },
    { id: 'memory', title: 'Memory', unit: 'bytes', stackable: false, series: [series(`${prefix}:memory:rss`, 'rss'), series(`${prefix}:memory:heapUsed`, 'heapUsed')] },
    { id: 'eventLoopDelay', title: 'Event-loop delay', unit: 'ms', stackable: false, series: [series(`${prefix}:eventLoopDelay:p50`, 'p50'), series(`${prefix}:eventLoopDelay:p99`, 'p99')] },
  ];
  const leakSites = targets.leakSitesOf(figures.endpoint);
  const sites: PanelLeakSite[] = (leakSites === undefined ? [] : (figures.leakSites?.top ?? []))
    .slice()
    .sort((a, b) => b.estimatedLive - a.estimatedLive)
    .slice(0, limits.maxSites)
    .map((site) => {
      const location = locationOfSite(site.site);
      return {
        type: site.type,
        site: site.site,
        ...(location ? { location } : {}),
        live: site.estimatedLive,
        estimated: (figures.leakSites?.sampleRate ?? 1) < 1,
        growthPerMin: growthPerMinute(store.points(`${prefix}:sites:${site.type}:${site.site}`, limits.since)),
      };
    });
  return {
    kind: 'node',
    id: figures.endpoint,
    name: figures.pid !== undefined ? `Node pid ${figures.pid}` : `Node ${figures.endpoint}`,
    state: figures.state,
    ...(figures.lastError !== undefined ? { lastError: figures.lastError } : {}),
    ...(figures.pid !== undefined ? { pid: figures.pid } : {}),
    ...(figures.command !== undefined ? { command: shortened(figures.command) } : {}),
    ...(figures.nodeVersion !== undefined ? { runtime: `Node ${figures.nodeVersion}` } : {}),
    ...(figures.lastSampleAt !== undefined ? { lastSampleAt: Date.parse(figures.lastSampleAt) } : {}),
    charts,
    sites,
    leakSites: leakSites === undefined ? { enabled: false } : { enabled: true, sampleRate: leakSites.sampleRate },
  };
}

/** What is read of the polled endpoints (liveScrapeTargets.ts). */
export type ScrapeTargetsView = { list(): ScrapeTarget[] };

/** Series of a metric family kept per scraped endpoint, charted when present (a Go service has no nodejs_*). */
const metricsCharts: ReadonlyArray<{ id: string; title: string; unit: PanelHandleChart['unit']; metric: string; scale?: number; stackable?: boolean }> = [
  { id: 'handles', title: 'Active resources by type', unit: 'count', metric: 'nodejs_active_resources', stackable: true },
  { id: 'handles', title: 'Active handles by type', unit: 'count', metric: 'nodejs_active_handles', stackable: true },
  { id: 'goroutines', title: 'Goroutines', unit: 'count', metric: 'go_goroutines' },
  { id: 'fds', title: 'Open file descriptors', unit: 'count', metric: 'process_open_fds' },
  { id: 'memory', title: 'Resident memory', unit: 'bytes', metric: 'process_resident_memory_bytes' },
  { id: 'eventLoopLag', title: 'Event-loop lag p99', unit: 'ms', metric: 'nodejs_eventloop_lag_p99_seconds', scale: 1000 },
];

/** Stacks charted per pprof endpoint, the largest now first. */
const chartedStacks = 5;

/** The polled Prometheus and pprof endpoints as Handles targets: state up/down ('down' until the first answer), charts of their series, a pprof endpoint's largest stacks as its sites. */
export function panelScrapeHandleTargets(targets: ScrapeTargetsView, options: HandlesDataOptions = {}): PanelHandleTarget[] {
  const windowMs = options.windowMs ?? 10 * 60_000;
  const limits = { since: (options.now ?? Date.now()) - windowMs, maxPoints: options.maxPoints ?? 300, maxSites: options.maxSites ?? 10 };
  return targets.list().map((target) => {
    const figures = target.figures();
    const charts = target.kind === 'metrics' ? metricsTargetCharts(target, limits) : pprofTargetCharts(target, figures as PprofTargetFigures, limits);
    const sites = target.kind === 'pprof' ? pprofSites(target, figures as PprofTargetFigures, limits) : [];
    const error = figures.state === 'connecting' ? (figures.error ?? 'no answer yet') : figures.error;
    return {
      kind: target.kind,
      id: target.url,
      name: target.name,
      state: figures.state === 'up' ? 'up' : 'down',
      ...(error !== undefined ? { lastError: error } : {}),
      ...(target.kind === 'pprof' ? { runtime: 'Go' } : {}),
      ...(figures.lastAnswerAt !== undefined ? { lastSampleAt: Date.parse(figures.lastAnswerAt) } : {}),
      charts,
      sites,
    };
  });
}

/** The file and line of a pprof stack's frame as its figures name it: `main.worker /src/worker.go:90`. */
export function pprofFrameLocation(frame: string): { file: string; line: number } | undefined {
  const match = /^\S+ (.+):(\d+)$/.exec(frame);
  return match ? { file: match[1], line: Number(match[2]) } : undefined;
}

/** Whether `site` is one a pprof endpoint reports now (the host opens only those). */
export function isCurrentScrapeSite(targets: ScrapeTargetsView, id: string, site: string): boolean {
  const target = targets.list().find((candidate) => candidate.url === id && candidate.kind === 'pprof');
  return target !== undefined && (target.figures() as PprofTargetFigures).top.some((stack) => stack.frame === site);
}

function metricsTargetCharts(target: ScrapeTarget, limits: { since: number; maxPoints: number }): PanelHandleChart[] {
  const url = new URL(target.url);
  const prefix = `metrics:${url.pathname === '/metrics' ? url.host : `${url.host}${url.pathname}`}:`;
  const keys = target.store.keys(prefix);
  const latest = (target.figures() as MetricsTargetFigures).latest;
  const charts: PanelHandleChart[] = [];
  for (const spec of metricsCharts) {
    if (charts.some((chart) => chart.id === spec.id)) continue;
    const family = keys.filter((key) => key.slice(prefix.length) === spec.metric || key.slice(prefix.length).startsWith(`${spec.metric}{`)).sort((a, b) => a.localeCompare(b));
    if (family.length === 0) continue;
    const series = family.map((key) => {
      const name = key.slice(prefix.length);
      const type = /\btype="((?:[^"\\]|\\.)*)"/.exec(name)?.[1];
      const points = chartPoints(target.store.points(key, limits.since), limits.maxPoints).map(([t, value]): [number, number | null] => [t, value === null || spec.scale === undefined ? value : Math.round(value * spec.scale * 1000) / 1000]);
      return { label: type ?? spec.metric, points };
    });
    charts.push({ id: spec.id, title: spec.title, unit: spec.unit, stackable: spec.stackable === true, series: series.filter((entry) => entry.points.length > 0) });
  }
  // Pinned metrics: every other kept series, one chart per family.
  const charted = new Set(metricsCharts.map((spec) => spec.metric));
  const pinned = new Map<string, string[]>();
  for (const key of keys) {
    const name = key.slice(prefix.length);
    const family = name.replace(/\{.*$/, '');
    if (charted.has(family) || family in latest || Object.keys(latest).some((series) => series.startsWith(`${family}{`))) continue;
    pinned.set(family, [...(pinned.get(family) ?? []), key]);
  }
  for (const [family, familyKeys] of pinned) {
    charts.push({ id: `metric:${family}`, title: family, unit: 'count', stackable: false, series: familyKeys.sort().map((key) => ({ label: key.slice(prefix.length), points: chartPoints(target.store.points(key, limits.since), limits.maxPoints) })) });
  }
  return charts;
}

function pprofTargetCharts(target: ScrapeTarget, figures: PprofTargetFigures, limits: { since: number; maxPoints: number }): PanelHandleChart[] {
  const host = new URL(target.url).host;
  const total = { label: 'goroutines', points: chartPoints(target.store.points(`pprof:${host}:total`, limits.since), limits.maxPoints) };
  const stacks = figures.top.slice(0, chartedStacks).map((stack) => ({ label: stack.frame ?? stack.id, points: chartPoints(target.store.points(`pprof:${host}:stack:${stack.id}`, limits.since), limits.maxPoints) }));
  return [
    { id: 'goroutines', title: 'Goroutines', unit: 'count', stackable: false, series: total.points.length > 0 ? [total] : [] },
    { id: 'stacks', title: 'Goroutines of the largest stacks', unit: 'count', stackable: true, series: stacks.filter((entry) => entry.points.length > 0) },
  ];
}

function pprofSites(target: ScrapeTarget, figures: PprofTargetFigures, limits: { since: number; maxSites: number }): PanelLeakSite[] {
  const host = new URL(target.url).host;
  return figures.top.slice(0, limits.maxSites).map((stack) => {
    const location = stack.frame === undefined ? undefined : pprofFrameLocation(stack.frame);
    return {
      type: 'goroutine',
      site: stack.frame ?? stack.id,
      ...(location ? { location } : {}),
      live: stack.count,
      estimated: false,
      growthPerMin: growthPerMinute(target.store.points(`pprof:${host}:stack:${stack.id}`, limits.since)),
    };
  });
}

/**
 * A series as chart points: at most `maxPoints` (consecutive points bucketed, each bucket its largest
 * value at its last time), with a null between two points further apart than three of the series'
 * usual intervals (the target was gone or not answering), so the chart shows a gap there.
 */
export function chartPoints(points: readonly SeriesPoint[], maxPoints: number): Array<[number, number | null]> {
  if (points.length === 0) return [];
  const gapMs = 3 * medianInterval(points);
  const runs: SeriesPoint[][] = [[points[0]]];
  for (let index = 1; index < points.length; index++) {
    if (gapMs > 0 && points[index].t - points[index - 1].t > gapMs) runs.push([]);
    runs[runs.length - 1].push(points[index]);
  }
  const bucketSize = Math.ceil(points.length / Math.max(1, maxPoints - 2 * (runs.length - 1)));
  const result: Array<[number, number | null]> = [];
  runs.forEach((run, runIndex) => {
    if (runIndex > 0) result.push([(runs[runIndex - 1][runs[runIndex - 1].length - 1].t + run[0].t) / 2, null]);
    for (let start = 0; start < run.length; start += bucketSize) {
      const bucket = run.slice(start, start + bucketSize);
      const finite = bucket.map((point) => point.value).filter((value) => Number.isFinite(value));
      // Three decimals are more than a chart shows, and keep the snapshot small.
      result.push([bucket[bucket.length - 1].t, finite.length > 0 ? Math.round(Math.max(...finite) * 1000) / 1000 : null]);
    }
  });
  return result.slice(-maxPoints);
}

/** (last − first) per minute over the points; null under two points or 10 s. */
export function growthPerMinute(points: readonly SeriesPoint[]): number | null {
  if (points.length < 2) return null;
  const first = points[0];
  const last = points[points.length - 1];
  const spanMs = last.t - first.t;
  if (spanMs < 10_000) return null;
  return Math.round(((last.value - first.value) / spanMs) * 60_000 * 10) / 10;
}

function medianInterval(points: readonly SeriesPoint[]): number {
  if (points.length < 3) return 0;
  const intervals: number[] = [];
  for (let index = 1; index < points.length; index++) intervals.push(points[index].t - points[index - 1].t);
  intervals.sort((a, b) => a - b);
  return intervals[Math.floor(intervals.length / 2)];
}

function shortened(text: string): string {
  return text.length <= commandShownLength ? text : `${text.slice(0, commandShownLength - 1)}…`;
}
