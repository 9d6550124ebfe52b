// The Go pprof source: samples each service's goroutine profile (`/debug/pprof/goroutine?debug=1`)
// every few seconds, keeps the total and the count of each stack as series (`pprof:<target>:total`,
// `pprof:<target>:stack:<id>`, the id stable across samples), the growth of each stack since the
// previous sample and its top frames with file:line, and runs the leak detector on each stack's
// count: a goroutine-leak names the stack and has its innermost frame in the program's own code as
// location. A stack that is gone from a sample ends at 0 and its finding clears. Stacks followed per
// target are bounded (`maxStacks`, the largest kept); a target that stops answering is shown `down`.
import { scrapeText } from './httpScrape';
import { LeakDetector, type LeakDetectorOptions } from './leakDetector';
import type { LiveFindingSet } from './liveFindingSet';
import type { LiveSource, LiveSourceSummary } from './liveSource';
import { PollingTarget, type PollingTargetFigures } from './pollingTarget';
import { describeStack, parseGoroutineProfile, topUserFrame, type GoroutineFrame, type GoroutineStack } from './pprofGoroutines';
import { TimeSeriesStore, type TimeSeriesOptions } from './timeSeries';

export interface PprofSourceOptions {
  urls: readonly string[];
  findings: LiveFindingSet;
  store?: TimeSeriesStore;
  intervalMs?: number;
  timeoutMs?: number;
  maxBodyBytes?: number;
  /** Stacks followed per target, the largest counts first. */
  maxStacks?: number;
  /** Stacks the summary lists per target. */
  topStacks?: number;
  leak?: Partial<LeakDetectorOptions>;
  log?: (line: string) => void;
}

export const defaultPprofStoreOptions: TimeSeriesOptions = { maxKeys: 10_000, maxPointsPerKey: 2_000, maxAgeMs: 60 * 60_000 };

/** Frames kept per stack for the summary and the evidence. */
const keptFrames = 8;

export interface FollowedStack {
  id: string;
  count: number;
  /** Since the previous sample; the whole count on the first. */
  growth: number;
  labels?: Record<string, string>;
  /** Innermost first, at most eight. */
  frames: GoroutineFrame[];
  userFrame?: GoroutineFrame;
}

export interface PprofTargetFigures extends PollingTargetFigures {
  total?: number;
  stacks: number;
  top: { id: string; count: number; growth: number; frame?: string; labels?: Record<string, string> }[];
  parseErrors: number;
  firstParseError?: string;
}

export function createPprofSource(options: PprofSourceOptions): LiveSource & { readonly store: TimeSeriesStore; readonly detector: LeakDetector } {
  const store = options.store ?? new TimeSeriesStore(defaultPprofStoreOptions);
  const detector = new LeakDetector({ store, findings: options.findings, options: options.leak });
  const intervalMs = options.intervalMs ?? 5_000;
  const maxStacks = options.maxStacks ?? 500;
  const scrapeOptions = { timeoutMs: options.timeoutMs ?? Math.min(10_000, Math.max(1_000, intervalMs)), maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024, accept: 'text/plain' };

  const targets = options.urls.map((raw) => {
    const url = goroutineProfileUrl(raw);
    const target = url.host;
    const prefix = `pprof:${target}:stack:`;
    let stacks = new Map<string, FollowedStack>();
    let total: number | undefined;
    let parseErrors = 0;
    let firstParseError: string | undefined;
    const polling = new PollingTarget(
      url,
      intervalMs,
      async (signal) => {
        const profile = parseGoroutineProfile(await scrapeText(url, scrapeOptions, signal));
        parseErrors = profile.errors.length;
        firstParseError = profile.errors[0] ? `line ${profile.errors[0].line}: ${profile.errors[0].message}` : undefined;
        if (profile.stacks.length === 0) throw new Error(`${url.href} answered, but not with a goroutine profile${firstParseError ? ` (${firstParseError})` : ''}`);
        const now = Date.now();
        total = profile.total;
        store.append(`pprof:${target}:total`, now, profile.total);
        const next = new Map<string, FollowedStack>();
        for (const stack of merged(profile.stacks).slice(0, maxStacks)) {
          const previous = stacks.get(stack.id);
          const userFrame = topUserFrame(stack);
          const followed: FollowedStack = { id: stack.id, count: stack.count, growth: stack.count - (previous?.count ?? 0), ...(stack.labels ? { labels: stack.labels } : {}), frames: stack.frames.slice(0, keptFrames), ...(userFrame ? { userFrame } : {}) };
          next.set(stack.id, followed);
          const key = `${prefix}${stack.id}`;
          store.append(key, now, stack.count);
          detector.track({
            key,
            kind: 'goroutine-leak',
            subject: `${target} stack ${stack.id}`,
            target,
            type: userFrame?.func ?? stack.frames[0]?.func ?? 'goroutines',
            unit: 'goroutines',
            detail: `in ${describeStack(stack)}`,
            ...(userFrame ? { location: { file: userFrame.file, line: userFrame.line } } : {}),
            evidence: { stackId: stack.id, ...(stack.labels ? { labels: stack.labels } : {}), frames: followed.frames.map((frame) => `${frame.func} ${frame.file}:${frame.line}`) },
          });
        }
        // Stacks gone from this sample: their goroutines ended. Their series ends at 0 and their finding clears.
        for (const id of stacks.keys()) {
          if (next.has(id)) continue;
          store.append(`${prefix}${id}`, now, 0);
          detector.untrack(`${prefix}${id}`);
        }
        stacks = next;
        detector.tick(now);
      },
      (state, error) => options.log?.(`pprof ${url.href}: ${state}${error ? `: ${error}` : ''}`),
    );
    const figures = (): PprofTargetFigures => {
      const top = [...stacks.values()]
        .sort((a, b) => b.count - a.count)
        .slice(0, options.topStacks ?? 5)
        .map((stack) => {
          const frame = stack.userFrame ?? stack.frames[0];
          return { id: stack.id, count: stack.count, growth: stack.growth, ...(frame ? { frame: `${frame.func} ${frame.file}:${frame.line}` } : {}), ...(stack.labels ? { labels: stack.labels } : {}) };
        });
      return { ...polling.figures(), ...(total !== undefined ? { total } : {}), stacks: stacks.size, top, parseErrors, ...(firstParseError ? { firstParseError } : {}) };
    };
    return { url, polling, figures };
  });

  return {
    name: 'pprof',
    store,
    detector,
    async start() {
      for (const target of targets) target.polling.start();
      return `sampling goroutine profiles at ${targets.map((target) => target.url.href).join(', ')} every ${intervalMs / 1000} s`;
    },
    async stop() {
      for (const target of targets) target.polling.stop();
      detector.dispose();
    },
    summary(): LiveSourceSummary {
      const figures = targets.map((target) => target.figures());
      const text = `pprof: ${figures
        .map((target) => {
          const top = target.top[0];
          return `${target.url} ${target.state}${target.error ? ` (${target.error})` : ''}${target.total !== undefined ? `: ${target.total} goroutines in ${target.stacks} stacks` : ''}${top ? `, largest ${top.count}${top.growth > 0 ? ` (+${top.growth})` : ''} ${top.frame ?? top.id}` : ''}`;
        })
        .join('; ')}`;
      return { figures: { targets: figures, rising: detector.stats().rising }, text };
    },
  };
}

/** The same stack may come in two records when only addresses differ (inlining): one count per id. */
function merged(stacks: readonly GoroutineStack[]): GoroutineStack[] {
  const byId = new Map<string, GoroutineStack>();
  for (const stack of stacks) {
    const seen = byId.get(stack.id);
    byId.set(stack.id, seen ? { ...seen, count: seen.count + stack.count } : stack);
  }
  return [...byId.values()].sort((a, b) => b.count - a.count);
}

/**
 * The profile URL: `host:port`, `http://host:port` or `.../debug/pprof/` mean
 * `http://host:port/debug/pprof/goroutine?debug=1`; `debug=1` is always asked for.
 */
export function goroutineProfileUrl(raw: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new RangeError(`"${raw}" is not a URL (http://127.0.0.1:6060/debug/pprof/goroutine)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`"${raw}" is not an http or https URL`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/debug/pprof/goroutine';
  else if (/\/debug\/pprof\/?$/.test(url.pathname)) url.pathname = url.pathname.replace(/\/?$/, '/goroutine');
  url.searchParams.set('debug', '1');
  return url;
}
