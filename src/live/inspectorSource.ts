// The inspector source: attaches to one Node process through its inspector (`--inspect`, or SIGUSR1
// on a running one) and samples it every few seconds with the reviewed expressions of
// inspectorProbe.ts: resources by type, memory and event-loop delay, and (opt-in) live resources per
// creation site. The figures go into a TimeSeriesStore under `inspector:<target>:...`, where the leak
// detector reads them:
//   inspector:<target>:handles:<Type>             count of each `process.getActiveResourcesInfo()` type
//   inspector:<target>:memory:rss|heapUsed        bytes
//   inspector:<target>:eventLoopDelay:p50|p99     ms, over the time since the previous sample
//   inspector:<target>:sites:<Type>:<file:line:column>   live resources created there (estimated: sampled count / sampleRate)
// <target> is the inspector port unless a label is given.
//
// States: attaching -> attached (installed) -> sampling (figures arriving) -> detached (stop()), or
// process gone (the WebSocket closed under it). After process gone it looks for a target on the same
// port again, with backoff (the state stays process gone until one answers), and re-attaches to it
// (a restarted service); the series carry on.
// With a LeakDetector, the handle and site series are judged after each sample (handle-leak).
// Nothing here throws into the caller after start(): failures are the state and `lastError`.
import { fileURLToPath } from 'node:url';
import { connectInspector, InspectorError, listInspectorTargets, type InspectorConnection } from './inspectorClient';
import { attachExpression, detachExpression, sampleExpression, type AttachProbeResult, type LeakSiteCount, type SampleProbeResult } from './inspectorProbe';
import type { LeakDetector, LeakSeriesSpec } from './leakDetector';
import type { SourceLocation } from './liveFinding';
import type { LiveSource, LiveSourceSummary } from './liveSource';
import type { TimeSeriesStore } from './timeSeries';

export type InspectorTargetState = 'attaching' | 'attached' | 'sampling' | 'detached' | 'process gone';

/** The fraction of new resources the leak-site hook records by default. */
export const defaultLeakSiteSampleRate = 0.1;

export interface LeakSiteOptions {
  /** The fraction of new resources whose creation stack is recorded, in (0, 1]. */
  sampleRate: number;
  /** Sites the summary and the series keep, by live count. Default 10. */
  topSites?: number;
}

export interface InspectorSourceOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Lets a non-loopback host through: only after the user confirmed it (twice, in the extension). */
  allowNonLoopback?: boolean;
  store: TimeSeriesStore;
  /** The <target> of the series keys. Default: the port. */
  label?: string;
  /** Default 2000 ms. */
  sampleIntervalMs?: number;
  /** Timeout of each request to the target. Default 2000 ms. */
  requestTimeoutMs?: number;
  leakSites?: LeakSiteOptions;
  /** Look for the target again after it went away. Default true. */
  reattach?: boolean;
  /** Backoff of the re-attach attempts: from initialMs, doubling, at most maxMs. Default 250 ms to 10 s. */
  reattachBackoff?: { initialMs: number; maxMs: number };
  /** The target removes what was installed when no sample came for this long. Default 10 × the interval, at least 30 s. */
  watchdogMs?: number;
  /**
   * Judges the handle and leak-site series (handle-leak findings), ticked after each sample. The
   * source tracks its prefixes on start and untracks them on stop (not when the process is gone:
   * the series and findings stay while it may come back).
   */
  detector?: LeakDetector;
  log?: (line: string) => void;
  now?: () => number;
}

export interface InspectorTargetFigures {
  target: string;
  endpoint: string;
  state: InspectorTargetState;
  pid?: number;
  nodeVersion?: string;
  command?: string;
  samples: number;
  lastSampleAt?: string;
  handles: Record<string, number>;
  memory?: { rss: number; heapUsed: number };
  eventLoopDelay?: { p50: number; p99: number };
  leakSites?: { sampleRate: number; top: Array<LeakSiteCount & { estimatedLive: number }> };
  attaches: number;
  lastError?: string;
}

export interface InspectorSource extends LiveSource {
  readonly state: InspectorTargetState;
  readonly label: string;
  figures(): InspectorTargetFigures;
  /** Calls back on each state change. */
  onStateChange(listener: (state: InspectorTargetState) => void): { dispose(): void };
}

/** Types a target reports at most; past it new types are not recorded (the store is bounded anyway). */
const maxResourceTypes = 64;

export function createInspectorSource(options: InspectorSourceOptions): InspectorSource {
  const host = options.host ?? '127.0.0.1';
  const label = options.label ?? String(options.port);
  const endpoint = `${host}:${options.port}`;
  const intervalMs = options.sampleIntervalMs ?? 2000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 2000;
  const backoff = options.reattachBackoff ?? { initialMs: 250, maxMs: 10_000 };
  const watchdogMs = options.watchdogMs ?? Math.max(30_000, 10 * intervalMs);
  const topSites = options.leakSites?.topSites ?? 10;
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  const keyPrefix = `inspector:${label}`;
  if (options.leakSites !== undefined && !(options.leakSites.sampleRate > 0 && options.leakSites.sampleRate <= 1)) {
    throw new RangeError(`leakSites.sampleRate is a fraction in (0, 1], not ${options.leakSites.sampleRate}`);
  }

  let state: InspectorTargetState = 'detached';
  let connection: InspectorConnection | undefined;
  let attachInfo: AttachProbeResult | undefined;
  let latest: SampleProbeResult | undefined;
  let lastSampleAt: number | undefined;
  let samples = 0;
  let attaches = 0;
  let lastError: string | undefined;
  let stopped = true;
  let sampleTimer: NodeJS.Timeout | undefined;
  let reattachTimer: NodeJS.Timeout | undefined;
  let reattachDelayMs = backoff.initialMs;
  let sampling: Promise<void> | undefined;
  const seenTypes = new Set<string>();
  const seenSites = new Set<string>();
  const stateListeners = new Set<(state: InspectorTargetState) => void>();

  const setState = (next: InspectorTargetState) => {
    if (next === state) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  };

  const attachProbeOptions = () => ({
    eventLoopResolutionMs: 10,
    watchdogMs,
    ...(options.leakSites ? { leakSites: { sampleRate: options.leakSites.sampleRate, maxSites: 1000, maxTracked: 100_000 } } : {}),
  });

  /** Finds the target on the port, connects and installs. Throws an InspectorError. */
  const attach = async (): Promise<void> => {
    // Looking for a process that went away keeps saying so until one is found.
    if (state !== 'process gone') setState('attaching');
    const targets = await listInspectorTargets({ host, port: options.port, allowNonLoopback: options.allowNonLoopback, timeoutMs: requestTimeoutMs });
    const target = targets.find((candidate) => candidate.type === 'node') ?? targets[0];
    if (target === undefined) throw new InspectorError('bad-response', `the inspector on ${endpoint} lists no target`);
    const opened = await connectInspector(target.webSocketDebuggerUrl, { allowNonLoopback: options.allowNonLoopback, timeoutMs: requestTimeoutMs });
    if (stopped) {
      await opened.close();
      return;
    }
    connection = opened;
    opened.onClose((reason) => onConnectionClosed(opened, reason));
    const installed = await opened.evaluate(attachExpression(attachProbeOptions()), requestTimeoutMs);
    if (installed.exception !== undefined) {
      await opened.close();
      throw new InspectorError('protocol-error', `installing the sampler in ${endpoint} failed: ${installed.exception}`);
    }
    if (stopped) {
      // stop() came while installing: it found no connection to detach, so detach here.
      connection = undefined;
      await opened.evaluate(detachExpression, requestTimeoutMs).catch(() => undefined);
      await opened.close();
      return;
    }
    attachInfo = installed.value as AttachProbeResult;
    attaches++;
    reattachDelayMs = backoff.initialMs;
    lastError = undefined;
    setState('attached');
    log(`inspector ${label}: attached to pid ${attachInfo.pid} (${attachInfo.nodeVersion}) on ${endpoint}${attachInfo.leakSites ? `, recording leak sites for ${(options.leakSites?.sampleRate ?? 0) * 100}% of new resources` : ''}`);
    scheduleSample(0);
  };

  const onConnectionClosed = (closed: InspectorConnection, reason: string) => {
    if (closed !== connection) return;
    connection = undefined;
    clearTimeout(sampleTimer);
    sampleTimer = undefined;
    if (stopped) return;
    lastError = reason;
    setState('process gone');
    log(`inspector ${label}: process gone (${reason})`);
    if (options.reattach !== false) scheduleReattach();
  };

  const scheduleReattach = () => {
    if (stopped || reattachTimer !== undefined) return;
    reattachTimer = setTimeout(() => {
      reattachTimer = undefined;
      if (stopped) return;
      attach().catch((error: unknown) => {
        lastError = messageOf(error);
        if (connection === undefined && !stopped) {
          setState('process gone');
          reattachDelayMs = Math.min(backoff.maxMs, reattachDelayMs * 2);
          scheduleReattach();
        }
      });
    }, reattachDelayMs);
  };

  const scheduleSample = (delayMs: number) => {
    if (stopped || connection === undefined) return;
    clearTimeout(sampleTimer);
    sampleTimer = setTimeout(() => {
      sampleTimer = undefined;
      void takeSample().finally(() => scheduleSample(intervalMs));
    }, delayMs);
  };

  const takeSample = (): Promise<void> => {
    sampling ??= sampleOnce().finally(() => {
      sampling = undefined;
    });
    return sampling;
  };

  const sampleOnce = async (): Promise<void> => {
    const current = connection;
    if (current === undefined) return;
    try {
      const result = await current.evaluate(sampleExpression(topSites), requestTimeoutMs);
      if (result.exception !== undefined) throw new InspectorError('protocol-error', `sampling ${endpoint} failed: ${result.exception}`);
      const sample = result.value as SampleProbeResult;
      if (!sample.installed) {
        // The target's watchdog removed the install (this side stalled): install it again.
        log(`inspector ${label}: the sampler was gone from pid ${sample.pid}; installing it again`);
        const again = await current.evaluate(attachExpression(attachProbeOptions()), requestTimeoutMs);
        if (again.exception !== undefined) throw new InspectorError('protocol-error', `installing the sampler in ${endpoint} failed: ${again.exception}`);
      }
      record(sample);
      options.detector?.tick();
      lastError = undefined;
      if (current === connection) setState('sampling');
    } catch (error) {
      // A closed connection is handled by onConnectionClosed; a timeout leaves the state as it is.
      lastError = messageOf(error);
    }
  };

  const record = (sample: SampleProbeResult) => {
    const t = now();
    latest = sample;
    lastSampleAt = t;
    samples++;
    for (const type of Object.keys(sample.resources)) if (seenTypes.size < maxResourceTypes) seenTypes.add(type);
    // A type seen before and gone now is a zero, so its series falls rather than stopping.
    for (const type of seenTypes) options.store.append(`${keyPrefix}:handles:${type}`, t, sample.resources[type] ?? 0);
    options.store.append(`${keyPrefix}:memory:rss`, t, sample.memory.rss);
    options.store.append(`${keyPrefix}:memory:heapUsed`, t, sample.memory.heapUsed);
    if (sample.eventLoopDelay !== undefined) {
      options.store.append(`${keyPrefix}:eventLoopDelay:p50`, t, sample.eventLoopDelay.p50);
      options.store.append(`${keyPrefix}:eventLoopDelay:p99`, t, sample.eventLoopDelay.p99);
    }
    if (sample.leakSites !== undefined && options.leakSites !== undefined) {
      const present = new Set<string>();
      for (const site of sample.leakSites.top) {
        const key = `${keyPrefix}:sites:${site.type}:${site.site}`;
        present.add(key);
        seenSites.add(key);
        options.store.append(key, t, Math.round(site.live / options.leakSites.sampleRate));
      }
      for (const key of seenSites) {
        if (present.has(key)) continue;
        options.store.append(key, t, 0);
        seenSites.delete(key);
      }
    }
  };

  const targetName = () => `node${attachInfo ? ` pid ${attachInfo.pid}` : ''} (inspector ${endpoint})`;

  const describeHandleSeries = (key: string): LeakSeriesSpec | undefined => {
    const type = key.slice(`${keyPrefix}:handles:`.length);
    if (type === '') return undefined;
    return { key, kind: 'handle-leak', subject: `inspector ${label} ${type}`, target: targetName(), type, unit: `${type} handles` };
  };

  const describeSiteSeries = (key: string): LeakSeriesSpec | undefined => {
    const rest = key.slice(`${keyPrefix}:sites:`.length);
    const colon = rest.indexOf(':');
    if (colon <= 0) return undefined;
    const type = rest.slice(0, colon);
    const site = rest.slice(colon + 1);
    const location = locationOfSite(site);
    return {
      key,
      kind: 'handle-leak',
      subject: `inspector ${label} ${type} at ${site}`,
      target: targetName(),
      type,
      unit: `${type} handles created here`,
      ...(location ? { location } : {}),
      evidence: { site, sampleRate: options.leakSites?.sampleRate },
    };
  };

  const figures = (): InspectorTargetFigures => {
    const rate = options.leakSites?.sampleRate;
    return {
      target: label,
      endpoint,
      state,
      ...(attachInfo ? { pid: attachInfo.pid, nodeVersion: attachInfo.nodeVersion, command: attachInfo.argv.join(' ') } : {}),
      samples,
      ...(lastSampleAt !== undefined ? { lastSampleAt: new Date(lastSampleAt).toISOString() } : {}),
      handles: { ...(latest?.resources ?? {}) },
      ...(latest ? { memory: { rss: latest.memory.rss, heapUsed: latest.memory.heapUsed } } : {}),
      ...(latest?.eventLoopDelay ? { eventLoopDelay: { p50: round3(latest.eventLoopDelay.p50), p99: round3(latest.eventLoopDelay.p99) } } : {}),
      ...(latest?.leakSites && rate !== undefined ? { leakSites: { sampleRate: rate, top: latest.leakSites.top.map((site) => ({ ...site, estimatedLive: Math.round(site.live / rate) })) } } : {}),
      attaches,
      ...(lastError !== undefined ? { lastError } : {}),
    };
  };

  return {
    get name() {
      return `inspector:${label}`;
    },
    get state() {
      return state;
    },
    label,
    figures,
    async start() {
      stopped = false;
      if (options.detector) {
        options.detector.trackPrefix(`${keyPrefix}:handles:`, describeHandleSeries);
        if (options.leakSites) options.detector.trackPrefix(`${keyPrefix}:sites:`, describeSiteSeries);
      }
      try {
        await attach();
      } catch (error) {
        stopped = true;
        clearTimeout(reattachTimer);
        reattachTimer = undefined;
        const current = connection;
        connection = undefined;
        await current?.close();
        options.detector?.untrack(`${keyPrefix}:`);
        setState('detached');
        throw error;
      }
      return `sampling Node pid ${attachInfo?.pid} through its inspector on ${endpoint} every ${intervalMs / 1000} s`;
    },
    async stop() {
      stopped = true;
      clearTimeout(sampleTimer);
      clearTimeout(reattachTimer);
      sampleTimer = undefined;
      reattachTimer = undefined;
      await sampling;
      const current = connection;
      connection = undefined;
      if (current !== undefined && current.state === 'open') {
        try {
          await current.evaluate(detachExpression, requestTimeoutMs);
        } catch (error) {
          lastError = `detaching: ${messageOf(error)} (the target's watchdog removes the sampler within ${watchdogMs / 1000} s)`;
        }
        await current.close();
      }
      options.detector?.untrack(`${keyPrefix}:handles:`);
      options.detector?.untrack(`${keyPrefix}:sites:`);
      if (state !== 'process gone') setState('detached');
    },
    onStateChange(listener) {
      stateListeners.add(listener);
      return { dispose: () => stateListeners.delete(listener) };
    },
    summary(): LiveSourceSummary {
      const current = figures();
      return { figures: current as unknown as Record<string, unknown>, text: summaryText(current) };
    },
  };
}

/** `/app/server.js:12:7` or `file:///app/server.mjs:12:7` as a file and 1-based line. */
export function locationOfSite(site: string): SourceLocation | undefined {
  const match = /^(.*):(\d+):(\d+)$/.exec(site);
  if (match === null) return undefined;
  let file = match[1];
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file);
    } catch {
      return undefined;
    }
  }
  return { file, line: Number(match[2]) };
}

function summaryText(figures: InspectorTargetFigures): string {
  const parts = [`inspector ${figures.target}${figures.pid !== undefined ? ` (pid ${figures.pid})` : ''}: ${figures.state}`];
  const handles = Object.entries(figures.handles).sort((a, b) => b[1] - a[1]);
  if (handles.length > 0) parts.push(`handles ${handles.map(([type, count]) => `${type} ${count}`).join(', ')}`);
  if (figures.memory) parts.push(`rss ${megabytes(figures.memory.rss)} heap ${megabytes(figures.memory.heapUsed)}`);
  if (figures.eventLoopDelay) parts.push(`event-loop delay p50 ${figures.eventLoopDelay.p50.toFixed(1)} ms p99 ${figures.eventLoopDelay.p99.toFixed(1)} ms`);
  if (figures.leakSites && figures.leakSites.top.length > 0) {
    parts.push(`top leak sites ${figures.leakSites.top.slice(0, 3).map((site) => `${site.site} ${site.type} ~${site.estimatedLive}`).join(', ')}`);
  }
  if (figures.state === 'process gone' && figures.lastError) parts.push(figures.lastError);
  return parts.join('; ');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function round3(n: number): number {
  return Number(n.toFixed(3));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
