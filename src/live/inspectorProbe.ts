// The code Bounded evaluates in an attached Node process, all of it: three expressions, kept small
// and in one place so they can be reviewed. Everything installed lives under one non-enumerable
// global, `globalThis[Symbol.for('bounded.attach')]`, and the detach expression removes all of it:
// the event-loop delay histogram is disabled, the async_hooks hook (leak sites) disabled, the
// watchdog timer cleared and the global deleted. If Bounded goes away without detaching (the
// extension host or `bounded watch` is killed), the watchdog, an unref'd timer that keeps nothing
// alive, runs the same removal once no sample has come for `watchdogMs`: the target keeps serving
// and carries nothing of Bounded's for long.
//
// `require` is in scope because the expressions are evaluated with includeCommandLineAPI (in CJS
// and ESM main modules alike). The histogram and the unref'd watchdog are not among the resources
// `process.getActiveResourcesInfo()` reports, so attaching does not change the counts it reads.

// The leak-site hook has an init callback only: a destroy callback would make Node track the
// destruction of every promise (a weak callback each), which measured about twice the cost of init
// alone. Instead each sampled resource is held by a WeakRef and swept at each sample: it has left
// when it was collected or, for a Timeout, cleared or fired (its `_destroyed` flag). Promises, ticks,
// immediates and microtasks are never sampled: they cannot outlive their turn of the loop for long.

export interface AttachProbeOptions {
  /** The resolution of the event-loop delay histogram, ms. */
  eventLoopResolutionMs: number;
  /** Remove everything when no sample has come for this long. */
  watchdogMs: number;
  leakSites?: { sampleRate: number; maxSites: number; maxTracked: number };
}

export interface AttachProbeResult {
  pid: number;
  nodeVersion: string;
  argv: string[];
  /** False when a previous session's install was still there (it is replaced). */
  fresh: boolean;
  leakSites: boolean;
}

export interface LeakSiteCount {
  /** The first frame outside node internals and node_modules, `file:line:column`, as the stack says it (source-mapped when the target runs with --enable-source-maps). */
  site: string;
  /** Resource type (async_hooks names: Timeout, TCPWRAP, ...). */
  type: string;
  /** Resources of the sample created here still live: a Timeout until cleared or fired, others until collected. */
  live: number;
  /** Resources of the sample created here since the hook was installed. */
  created: number;
}

export interface SampleProbeResult {
  pid: number;
  /** False when the install is gone (removed by the watchdog, or never made). */
  installed: boolean;
  /** Count of each resource type `process.getActiveResourcesInfo()` lists. */
  resources: Record<string, number>;
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
  /** Event-loop delay since the previous sample, ms past the histogram's resolution; absent when nothing was recorded. */
  eventLoopDelay?: { p50: number; p99: number; max: number };
  leakSites?: { sampled: number; tracked: number; dropped: number; top: LeakSiteCount[] };
}

const globalKey = "Symbol.for('bounded.attach')";

/** Installs the histogram, the watchdog and (when asked) the leak-site hook; replaces an older install. */
export function attachExpression(options: AttachProbeOptions): string {
  const leakSites = options.leakSites === undefined ? 'undefined' : JSON.stringify(options.leakSites);
  return `(() => {
  const key = ${globalKey};
  const previous = globalThis[key];
  if (previous) previous.remove();
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const histogram = monitorEventLoopDelay({ resolution: ${Number(options.eventLoopResolutionMs)} });
  histogram.enable();
  const install = { histogram, resolutionMs: ${Number(options.eventLoopResolutionMs)}, hook: undefined, sites: undefined, lastSampleAt: Date.now(), watchdog: undefined };
  install.remove = () => {
    histogram.disable();
    if (install.hook) install.hook.disable();
    clearInterval(install.watchdog);
    if (install.sites) { install.sites.bySite.clear(); install.sites.byAsyncId.clear(); }
    if (globalThis[key] === install) delete globalThis[key];
  };
  const leakSites = ${leakSites};
  if (leakSites) {
    const sites = { bySite: new Map(), byAsyncId: new Map(), sampled: 0, dropped: 0, sweep: undefined };
    const shortLived = new Set(['PROMISE', 'TickObject', 'Immediate', 'Microtask']);
    const userFrame = (stack) => {
      const lines = stack.split('\\n');
      for (let i = 1; i < lines.length; i++) {
        const match = /(?:\\(|at )((?:file:\\/\\/|\\/|[A-Za-z]:\\\\)[^()]*?):(\\d+):(\\d+)\\)?$/.exec(lines[i]);
        if (match && !match[1].includes('/node_modules/') && !match[1].includes('\\\\node_modules\\\\')) return match[1] + ':' + match[2] + ':' + match[3];
      }
      return undefined;
    };
    const record = (asyncId, type, resource) => {
      sites.sampled++;
      if (sites.byAsyncId.size >= leakSites.maxTracked) { sites.dropped++; return; }
      const limit = Error.stackTraceLimit;
      const holder = {};
      try {
        Error.stackTraceLimit = 24;
        Error.captureStackTrace(holder);
      } finally {
        Error.stackTraceLimit = limit;
      }
      const site = (userFrame(String(holder.stack)) ?? '(no user frame)') + ' ' + type;
      let counts = sites.bySite.get(site);
      if (!counts) {
        if (sites.bySite.size >= leakSites.maxSites) { sites.dropped++; return; }
        counts = { live: 0, created: 0 };
        sites.bySite.set(site, counts);
      }
      counts.live++;
      counts.created++;
      sites.byAsyncId.set(asyncId, { counts, resource: new WeakRef(resource) });
    };
    install.hook = require('node:async_hooks').createHook({
      init(asyncId, type, triggerAsyncId, resource) {
        if (shortLived.has(type) || Math.random() >= leakSites.sampleRate) return;
        // A hook that throws ends the process: whatever goes wrong here (a user's prepareStackTrace) is dropped.
        try { record(asyncId, type, resource); } catch { sites.dropped++; }
      },
    });
    sites.sweep = () => {
      for (const [asyncId, tracked] of sites.byAsyncId) {
        const resource = tracked.resource.deref();
        if (resource !== undefined && resource._destroyed !== true) continue;
        tracked.counts.live--;
        sites.byAsyncId.delete(asyncId);
      }
    };
    install.sites = sites;
  }
  install.watchdog = setInterval(() => { if (Date.now() - install.lastSampleAt > ${Number(options.watchdogMs)}) install.remove(); }, ${Math.max(250, Math.round(options.watchdogMs / 4))});
  install.watchdog.unref();
  // Enabled last, so that the watchdog is not one of the resources it records.
  if (install.hook) install.hook.enable();
  Object.defineProperty(globalThis, key, { value: install, configurable: true, enumerable: false, writable: false });
  return { pid: process.pid, nodeVersion: process.version, argv: process.argv, fresh: !previous, leakSites: !!leakSites };
})()`;
}

/** Reads the figures; resets the histogram so each sample's delay covers the time since the last. */
export function sampleExpression(topSites: number): string {
  return `(() => {
  const install = globalThis[${globalKey}];
  const resources = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] || 0) + 1;
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const result = { pid: process.pid, installed: !!install, resources, memory: { rss, heapUsed, heapTotal, external } };
  if (!install) return result;
  install.lastSampleAt = Date.now();
  const histogram = install.histogram;
  // The histogram records the time between its timer's turns: what is past the resolution is the delay.
  const delay = (nanoseconds) => Math.max(0, nanoseconds / 1e6 - install.resolutionMs);
  if (histogram.count > 0) result.eventLoopDelay = { p50: delay(histogram.percentile(50)), p99: delay(histogram.percentile(99)), max: delay(histogram.max) };
  histogram.reset();
  const sites = install.sites;
  if (sites) {
    sites.sweep();
    const top = [];
    for (const [key, counts] of sites.bySite) if (counts.live > 0) top.push({ key, live: counts.live, created: counts.created });
    top.sort((a, b) => b.live - a.live);
    result.leakSites = { sampled: sites.sampled, tracked: sites.byAsyncId.size, dropped: sites.dropped, top: top.slice(0, ${Math.max(0, Math.floor(topSites))}).map(({ key, live, created }) => {
      const space = key.lastIndexOf(' ');
      return { site: key.slice(0, space), type: key.slice(space + 1), live, created };
    }) };
  }
  return result;
})()`;
}

/** Removes everything attachExpression installed; true when there was something to remove. */
export const detachExpression = `(() => {
  const install = globalThis[${globalKey}];
  if (!install) return false;
  install.remove();
  return true;
})()`;
