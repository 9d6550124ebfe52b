// The Go pprof source: samples each service's goroutine profile (`/debug/pprof/goroutine?debug=1`)
// every few seconds, keeps the total and the count of each stack as series (`pprof:<target>:total`,
// `pprof:<target>:stack:<id>`, the id stable across samples), the growth of each stack since the
// previous sample and its top frames with file:line, and runs the leak detector on each stack's
// count: a goroutine-leak names the stack and has its innermost frame in the program's own code as
// location. A stack that is gone from a sample ends at 0 and its finding clears. Stacks followed per
// target are bounded (`maxStacks`, the largest kept); a target that stops answering is shown `down`.
import { scrapeText } from './httpScrape';
import { LeakDetector } from './leakDetector';
import type { LiveSource } from './liveSource';
import { createPolledTargetsSource, httpEndpointUrl, parseErrorFigures, PollingTarget, pollTimeoutMs, type PolledEndpointsOptions, type PollingTargetFigures } from './pollingTarget';
import { describeStack, parseGoroutineProfile, topUserFrame, type GoroutineFrame, type GoroutineStack } from './pprofGoroutines';
import { TimeSeriesStore, type TimeSeriesOptions } from './timeSeries';

export interface PprofSourceOptions extends PolledEndpointsOptions {
  /** Stacks followed per target, the largest counts first. */
  maxStacks?: number;
  /** Stacks the summary lists per target. */
  topStacks?: number;
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
  const scrapeOptions = { timeoutMs: options.timeoutMs ?? pollTimeoutMs(intervalMs), maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024, accept: 'text/plain' };

  const targets = options.urls.map((raw) => {
    const url = goroutineProfileUrl(raw);
    const target = url.host;
    const prefix = `pprof:${target}:stack:`;
    let stacks = new Map<string, FollowedStack>();
    let total: number | undefined;
    let parsing = parseErrorFigures([]);
    const polling = new PollingTarget(
      url,
      intervalMs,
      async (signal) => {
        const profile = parseGoroutineProfile(await scrapeText(url, scrapeOptions, signal));
        parsing = parseErrorFigures(profile.errors);
        if (profile.stacks.length === 0) throw new Error(`${url.href} answered, but not with a goroutine profile${parsing.firstParseError ? ` (${parsing.firstParseError})` : ''}`);
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
      return { ...polling.figures(), ...(total !== undefined ? { total } : {}), stacks: stacks.size, top, ...parsing };
    };
    return { url, polling, figures };
  });

  const source = createPolledTargetsSource({
    name: 'pprof',
    targets,
    detector,
    intervalMs,
    doing: 'sampling goroutine profiles at',
    describe: (target) => {
      const top = target.top[0];
      return `${target.total !== undefined ? `: ${target.total} goroutines in ${target.stacks} stacks` : ''}${top ? `, largest ${top.count}${top.growth > 0 ? ` (+${top.growth})` : ''} ${top.frame ?? top.id}` : ''}`;
    },
  });
  return { ...source, store, detector };
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
  const url = httpEndpointUrl(raw, 'http://127.0.0.1:6060/debug/pprof/goroutine');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/debug/pprof/goroutine';
  else if (/\/debug\/pprof\/?$/.test(url.pathname)) url.pathname = url.pathname.replace(/\/?$/, '/goroutine');
  url.searchParams.set('debug', '1');
  return url;
}
