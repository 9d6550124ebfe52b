// `bounded watch [--otlp-port 4318] [--otlp-host 127.0.0.1] [--metrics|--pprof|--inspect|--redis ...]
//                [--json] [--summary-interval <s>] [--grace <s>] [--window <s>]`
// Runs the live sources (OTLP traces, Redis Streams, the inspector, metrics and pprof, several at
// once; traces when --otlp-port or --otlp-host is given or no other source is), prints the live findings as they are raised and cleared and a summary of each
// source every few seconds, until Ctrl-C or SIGTERM.
// Exit codes: 0 stopped by a signal, 2 usage error or a source that cannot start (a port taken).
import type { LiveFinding } from '../live/liveFinding';
import { LiveFindingSet, type LiveFindingChange } from '../live/liveFindingSet';
import type { LiveSource } from '../live/liveSource';
import { isLoopbackHost } from '../live/inspectorClient';
import { createInspectorSource } from '../live/inspectorSource';
import { LeakDetector, type LeakDetectorOptions } from '../live/leakDetector';
import { createMetricsSource, metricsUrl } from '../live/metricsSource';
import { createPprofSource, goroutineProfileUrl } from '../live/pprofSource';
import type { RedisStreamTarget } from '../live/streamPoller';
import { createStreamSource } from '../live/streamSource';
import { resolveTraceDetectorOptions, type TraceDetectorOptionsInput } from '../live/traceDetectors';
import { TimeSeriesStore } from '../live/timeSeries';
import { createTraceSource } from '../live/traceSource';
import { commandArgs, UsageError } from './commandArgs';

export interface WatchOptions {
  /** Where to receive OTLP/HTTP traces; none when only other sources are watched. */
  otlp?: { host: string; port: number };
  json: boolean;
  summaryIntervalMs: number;
  /** How long a span's parent, or a call's server span, may take to arrive. */
  graceMs: number;
  /** The sliding window of the operation figures. */
  windowMs: number;
  /** Prometheus /metrics URLs to scrape (--metrics, repeatable). */
  metrics?: string[];
  /** Go goroutine profile URLs to sample (--pprof, repeatable). */
  pprof?: string[];
  /** Metrics kept as series besides the handle-like ones (--pin, repeatable). */
  pinnedMetrics?: string[];
  /** Between scrapes of --metrics and --pprof (default 5 s). */
  scrapeIntervalMs?: number;
  /** The window a count must keep rising over to be a leak (default 10 min). */
  leakWindowMs?: number;
  /** The rise per minute a leak needs (default 1). */
  leakMinRatePerMin?: number;
  /** Node inspectors to attach to, `host:port` on loopback (--inspect, repeatable). */
  inspect?: Array<{ host: string; port: number }>;
  /** Between samples of --inspect targets (default 2 s). */
  inspectIntervalMs?: number;
  /** The fraction of new resources --inspect targets record the creation site of (--leak-sites; off by default). */
  leakSitesSampleRate?: number;
  /** Redis URLs whose streams to poll (--redis, repeatable). */
  redis?: string[];
  /** Redis Cluster URLs (any one node) whose streams to poll (--redis-cluster, repeatable). */
  redisCluster?: string[];
  /** Stream names, or SCAN patterns when they hold * ? or [ (--redis-stream, repeatable; default `*`). */
  redisStreams?: string[];
  /** Between polls of --redis (default 2 s). */
  redisPollIntervalMs?: number;
  /** Deliveries that make a pending entry a dead-letter candidate (default 5). */
  deadLetterDeliveries?: number;
  /** Idle time past which a consumer holding pending entries is dead (default 60 s). */
  consumerIdleMs?: number;
}

export const watchUsage = `Usage: bounded watch [options]

Receives live telemetry and prints the live findings (broken-propagation, slow-operation,
error-rate) as they are raised and cleared, and a summary of each source every few seconds.
Stop with Ctrl-C.

Sources (with none of them, OTLP/HTTP traces on 127.0.0.1:4318):
  --otlp-port <port>        receive OTLP/HTTP traces on this port (default 4318; 0 picks a free one);
                            beside other sources, traces are received only with --otlp-port or --otlp-host
  --otlp-host <host>        the address the receiver listens on (default 127.0.0.1)
  --metrics <url>           scrape a Prometheus /metrics endpoint (repeatable; host:port means
                            http://host:port/metrics): handle-leak, fd-leak, goroutine-leak
  --pprof <url>             sample a Go goroutine profile (repeatable; host:port means
                            http://host:port/debug/pprof/goroutine?debug=1): goroutine-leak per stack
  --inspect <port>          attach to a Node process's inspector on 127.0.0.1:<port> (or host:port on
                            loopback; repeatable; start it with --inspect, or send it SIGUSR1): counts
                            of handles by type, memory, event-loop delay; handle-leak
  --redis <url>             poll the streams of a Redis, read-only (repeatable; redis://[user:password@]host:port,
                            rediss:// for TLS, host:port means redis://host:port): stream-backlog,
                            stream-no-consumer, stream-dead-letter, stream-dead-consumer
  --redis-cluster <url>     the same for a Redis Cluster, the url naming any one of its nodes (repeatable)

Options:
  --json                    one JSON object a line: {"type":"finding",...}, {"type":"finding-cleared",...},
                            {"type":"summary",...}
  --summary-interval <s>    seconds between summaries (default 5)
  --grace <s>               seconds a span's parent, or a call's server span, may take to arrive (default 10)
  --window <s>              seconds of the sliding window operations are judged over; a propagation
                            finding clears after twice this without a new break (default 30)
  --scrape-interval <s>     seconds between scrapes of --metrics and --pprof (default 5)
  --leak-window <s>         seconds a count must keep rising over to be a leak (default 600)
  --leak-min-rate <n>       the rise per minute a leak needs (default 1)
  --inspect-interval <s>    seconds between samples of --inspect targets (default 2)
  --leak-sites <fraction>   with --inspect: record where a sampled fraction of new resources are created
                            (an async_hooks hook in the target, removed on exit; in bench/leak-sites-overhead.ts
                            0.1 cost a few percent of requests/s at most, 1 about 40%)
  --pin <metric>            keep this metric of --metrics endpoints as a series too (repeatable)
  --redis-stream <name>     a stream key of --redis, or a pattern with * ? [ found by SCAN (repeatable;
                            default *, every stream); a backlog is judged over --window
  --redis-poll <s>          seconds between polls of --redis (default 2)
  --dead-letter <n>         deliveries that make a pending entry a dead-letter candidate (default 5)
  --consumer-idle <s>       seconds a consumer holding pending entries may be idle before it is dead (default 60)
  -h, --help                show this help

Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 usage error or a port that is taken.`;

export function parseWatchArgs(args: string[]): WatchOptions {
  const options: WatchOptions = { json: false, summaryIntervalMs: 5000, graceMs: 10_000, windowMs: 30_000 };
  let otlp: { host: string; port: number } | undefined;
  for (const { arg, flag, inline, value } of commandArgs(args)) {
    switch (flag) {
      case '--otlp-port': {
        const raw = value();
        const port = Number(raw);
        if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`--otlp-port takes a port number from 0 to 65535, got "${raw}".`);
        otlp = { ...(otlp ?? defaultOtlp), port };
        break;
      }
      case '--otlp-host': {
        const host = value();
        if (host.trim() === '') throw new UsageError('--otlp-host needs a host name or address.');
        otlp = { ...(otlp ?? defaultOtlp), host };
        break;
      }
      case '--json':
        if (inline !== undefined) throw new UsageError('--json takes no value.');
        options.json = true;
        break;
      case '--summary-interval':
        options.summaryIntervalMs = seconds(flag, value());
        break;
      case '--grace':
        options.graceMs = seconds(flag, value());
        break;
      case '--window':
        options.windowMs = seconds(flag, value());
        break;
      case '--metrics':
        options.metrics = [...(options.metrics ?? []), validUrl(flag, value(), metricsUrl)];
        break;
      case '--pprof':
        options.pprof = [...(options.pprof ?? []), validUrl(flag, value(), goroutineProfileUrl)];
        break;
      case '--pin': {
        const metric = value();
        if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric)) throw new UsageError(`--pin takes a metric name, got "${metric}".`);
        options.pinnedMetrics = [...(options.pinnedMetrics ?? []), metric];
        break;
      }
      case '--scrape-interval':
        options.scrapeIntervalMs = seconds(flag, value());
        break;
      case '--leak-window':
        options.leakWindowMs = seconds(flag, value());
        break;
      case '--leak-min-rate': {
        const raw = value();
        const rate = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(rate) || rate <= 0) throw new UsageError(`--leak-min-rate takes a positive number per minute, got "${raw}".`);
        options.leakMinRatePerMin = rate;
        break;
      }
      case '--inspect':
        options.inspect = [...(options.inspect ?? []), inspectorEndpoint(value())];
        break;
      case '--inspect-interval':
        options.inspectIntervalMs = seconds(flag, value());
        break;
      case '--leak-sites': {
        const raw = value();
        const rate = Number(raw);
        if (raw.trim() === '' || !(rate > 0 && rate <= 1)) throw new UsageError(`--leak-sites takes a fraction of new resources above 0 and at most 1, got "${raw}".`);
        options.leakSitesSampleRate = rate;
        break;
      }
      case '--redis':
        options.redis = [...(options.redis ?? []), redisUrl(flag, value())];
        break;
      case '--redis-cluster':
        options.redisCluster = [...(options.redisCluster ?? []), redisUrl(flag, value())];
        break;
      case '--redis-stream': {
        const stream = value();
        if (stream === '') throw new UsageError('--redis-stream needs a stream name or pattern.');
        options.redisStreams = [...(options.redisStreams ?? []), stream];
        break;
      }
      case '--redis-poll':
        options.redisPollIntervalMs = seconds(flag, value());
        break;
      case '--dead-letter': {
        const raw = value();
        const deliveries = Number(raw);
        if (!/^\d+$/.test(raw) || deliveries < 2) throw new UsageError(`--dead-letter takes a whole number of deliveries of at least 2, got "${raw}".`);
        options.deadLetterDeliveries = deliveries;
        break;
      }
      case '--consumer-idle':
        options.consumerIdleMs = seconds(flag, value());
        break;
      default:
        throw new UsageError(arg.startsWith('-') ? `Unknown option "${arg}".` : `bounded watch takes no arguments, got "${arg}".`);
    }
  }
  // Traces when asked for, or when nothing else is: two watchers of other sources do not clash on 4318.
  const otherSources = [options.metrics, options.pprof, options.inspect, options.redis, options.redisCluster].some((given) => given !== undefined && given.length > 0);
  if (otlp !== undefined || !otherSources) options.otlp = otlp ?? { ...defaultOtlp };
  return options;
}

const defaultOtlp = { host: '127.0.0.1', port: 4318 };

/** The URL as given, once `parse` (the source's own reading of it) accepts it. */
function validUrl(flag: string, raw: string, parse: (raw: string) => URL): string {
  try {
    parse(raw);
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}.`);
  }
  return raw;
}

function seconds(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} takes a positive number of seconds, got "${raw}".`);
  return Math.round(n * 1000);
}

/** The detector settings the watch options stand for. */
export function traceDetectorOptionsOf(options: WatchOptions): TraceDetectorOptionsInput {
  const defaults = resolveTraceDetectorOptions().percentiles;
  return {
    propagationGraceMs: options.graceMs,
    propagationClearMs: 2 * options.windowMs,
    percentiles: {
      windowMs: options.windowMs,
      // At least six buckets a window, and a baseline of at least ten windows.
      bucketMs: Math.min(defaults.bucketMs, Math.ceil(options.windowMs / 6)),
      baselineMs: Math.max(defaults.baselineMs, 10 * options.windowMs),
    },
  };
}

export interface WatchOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processOutput: WatchOutput = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Runs until SIGINT or SIGTERM (or `stop` resolves); resolves with the exit code. */
export async function runWatch(options: WatchOptions, output: WatchOutput = processOutput, stop?: Promise<void>): Promise<number> {
  const findings = new LiveFindingSet();
  const log = (line: string) => output.stderr(`bounded: ${line}\n`);
  const sources = sourcesOf(options, findings, log);
  const subscription = findings.onChange((change) => {
    const line = options.json ? jsonLineOf(change) : textLineOf(change);
    if (line !== undefined) output.stdout(`${line}\n`);
  });
  const started: LiveSource[] = [];
  for (const source of sources) {
    try {
      const where = await source.start();
      started.push(source);
      (options.json ? output.stderr : output.stdout)(`bounded watch: ${where}\n`);
    } catch (error) {
      subscription.dispose();
      await Promise.all(started.map((running) => running.stop()));
      output.stderr(`bounded: ${error instanceof Error ? error.message : String(error)}\n`);
      const portFlag = portFlags[source.name];
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && portFlag) output.stderr(`bounded: use ${portFlag} <port> for another port, or ${portFlag} 0 for any free one.\n`);
      return 2;
    }
  }
  const printSummary = () => output.stdout(`${options.json ? jsonSummary(sources, findings) : textSummary(sources, findings)}\n`);
  printSummary();
  const summaries = setInterval(printSummary, options.summaryIntervalMs);

  await (stop ?? stopRequested());
  clearInterval(summaries);
  printSummary();
  subscription.dispose();
  await Promise.all(sources.map((source) => source.stop()));
  if (!options.json) output.stdout('bounded watch: stopped\n');
  return 0;
}

/** The sources the options ask for, in the order they start. Parts 2 and 3 add theirs here. */
function sourcesOf(options: WatchOptions, findings: LiveFindingSet, log: (line: string) => void): LiveSource[] {
  const sources: LiveSource[] = [];
  if (options.otlp) sources.push(createTraceSource({ host: options.otlp.host, port: options.otlp.port, findings, detectors: traceDetectorOptionsOf(options), log }));
  const intervalMs = options.scrapeIntervalMs ?? 5_000;
  if (options.metrics?.length) sources.push(createMetricsSource({ urls: options.metrics, findings, intervalMs, pinned: options.pinnedMetrics, leak: leakDetectorOptionsOf(options), log }));
  if (options.pprof?.length) sources.push(createPprofSource({ urls: options.pprof, findings, intervalMs, leak: leakDetectorOptionsOf(options), log }));
  const inspectors = new Map((options.inspect ?? []).map((endpoint) => [`${endpoint.host}:${endpoint.port}`, endpoint]));
  for (const endpoint of inspectors.values()) {
    const inspectIntervalMs = options.inspectIntervalMs ?? 2000;
    // Handle types (at most 64), memory, delay and leak sites of one process: 300 series of 2,000 points at most.
    const store = new TimeSeriesStore({ maxKeys: 300, maxPointsPerKey: 2000, maxAgeMs: Math.max(30 * 60_000, 2 * (options.leakWindowMs ?? 10 * 60_000)) });
    const detector = new LeakDetector({ store, findings, options: leakDetectorOptionsOf({ ...options, scrapeIntervalMs: inspectIntervalMs }) });
    const leakSites = options.leakSitesSampleRate !== undefined ? { sampleRate: options.leakSitesSampleRate } : undefined;
    const label = endpoint.host === '127.0.0.1' ? String(endpoint.port) : `${endpoint.host}:${endpoint.port}`;
    sources.push(createInspectorSource({ host: endpoint.host, port: endpoint.port, label, store, detector, sampleIntervalMs: inspectIntervalMs, ...(leakSites ? { leakSites } : {}), log }));
  }
  if (options.redis?.length || options.redisCluster?.length) {
    const windowMs = options.windowMs;
    // At least five polls a window, so a short --window in a test is judged as a long one.
    const backlogMinPoints = Math.max(5, Math.min(10, Math.floor(windowMs / (options.redisPollIntervalMs ?? 2000) / 2)));
    const detectors = { windowMs, backlogMinPoints, deadLetterDeliveries: options.deadLetterDeliveries ?? 5, deadConsumerIdleMs: options.consumerIdleMs ?? 60_000 };
    sources.push(createStreamSource({ targets: redisTargetsOf(options), findings, detectors, log }));
  }
  return sources;
}

/** `9229` as 127.0.0.1:9229; `host:port` only on a loopback host (anyone who reaches an inspector can run code in the process). */
export function inspectorEndpoint(raw: string): { host: string; port: number } {
  const match = /^(?:(\[[0-9a-fA-F:]+\]|[^:]+):)?(\d+)$/.exec(raw.trim());
  const port = Number(match?.[2]);
  if (match === null || !(port >= 1 && port <= 65535)) throw new UsageError(`--inspect takes an inspector port (9229) or host:port, got "${raw}".`);
  const host = (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  if (!isLoopbackHost(host)) throw new UsageError(`--inspect only attaches on loopback (127.0.0.1, ::1, localhost), got "${host}": anyone who can reach an inspector can run code in the process.`);
  return { host, port };
}

/** `redis://…` and `rediss://…` as given; `host:port` as `redis://host:port`. */
export function redisUrl(flag: string, raw: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `redis://${raw}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${flag} takes a redis:// or rediss:// URL, got "${raw}".`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new UsageError(`${flag} takes a redis:// or rediss:// URL, got "${raw}".`);
  if (parsed.hostname === '') throw new UsageError(`${flag} needs a host, got "${raw}".`);
  return url;
}

/** The Redis targets of --redis and --redis-cluster, named host:port (with #2, #3 for the same one twice), each with every --redis-stream. */
export function redisTargetsOf(options: WatchOptions): RedisStreamTarget[] {
  const wanted = options.redisStreams?.length ? options.redisStreams : ['*'];
  const streams = wanted.filter((stream) => !/[*?[]/.test(stream));
  const keyPatterns = wanted.filter((stream) => /[*?[]/.test(stream));
  const seen = new Map<string, number>();
  const urls = [...(options.redis ?? []).map((url) => ({ url, cluster: false })), ...(options.redisCluster ?? []).map((url) => ({ url, cluster: true }))];
  return urls.map(({ url, cluster }) => {
    const parsed = new URL(url);
    const host = `${parsed.hostname}:${parsed.port || '6379'}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
    const count = (seen.get(host) ?? 0) + 1;
    seen.set(host, count);
    return { name: count === 1 ? host : `${host}#${count}`, url, ...(cluster ? { cluster } : {}), streams, keyPatterns, pollIntervalMs: options.redisPollIntervalMs ?? 2000 };
  });
}

/** The leak detector settings of --leak-window, --leak-min-rate and --scrape-interval. */
export function leakDetectorOptionsOf(options: WatchOptions): Partial<LeakDetectorOptions> {
  const windowMs = options.leakWindowMs ?? 10 * 60_000;
  const scrapesPerWindow = windowMs / (options.scrapeIntervalMs ?? 5_000);
  // Half a window's scrapes, between 5 and 10: a short window in a test is judged as soon as a long one.
  return { windowMs, minRatePerMin: options.leakMinRatePerMin ?? 1, minPoints: Math.min(10, Math.max(5, Math.floor(scrapesPerWindow / 2))) };
}

/** The option that moves a listening source to another port, by source name. */
const portFlags: Record<string, string> = { traces: '--otlp-port' };

/**
 * Resolves on the first SIGINT or SIGTERM (and stops listening for them), or when stdout is closed
 * under it (`bounded watch --json | head -1`: EPIPE; the listener stays, so that the last summary
 * written to the closed pipe is dropped rather than thrown).
 */
function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    const onStop = () => {
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      resolve();
    };
    process.on('SIGINT', onStop);
    process.on('SIGTERM', onStop);
    process.stdout.on('error', onStop);
  });
}

function jsonLineOf(change: LiveFindingChange): string | undefined {
  if (change.type === 'updated') return undefined;
  const { finding } = change;
  if (change.type === 'cleared') return JSON.stringify({ type: 'finding-cleared', kind: finding.kind, subject: finding.subject });
  return JSON.stringify(
    {
      type: 'finding',
      kind: finding.kind,
      severity: finding.severity,
      subject: finding.subject,
      message: finding.message,
      evidence: finding.evidence,
      ...(finding.location ? { location: { file: finding.location.file, line: finding.location.line } } : {}),
    },
    jsonValue,
  );
}

function textLineOf(change: LiveFindingChange): string | undefined {
  if (change.type === 'updated') return undefined;
  const { finding } = change;
  if (change.type === 'cleared') return `${clockTime()} cleared  ${finding.kind} ${finding.subject}${change.reason === 'evicted' ? ' (too many findings: the oldest makes room)' : ''}`;
  return `${clockTime()} ${finding.severity.padEnd(8)} ${finding.kind} ${finding.subject}: ${finding.message}${locationText(finding)}`;
}

function locationText(finding: LiveFinding): string {
  return finding.location ? ` (${finding.location.file}:${finding.location.line})` : '';
}

function jsonSummary(sources: readonly LiveSource[], findings: LiveFindingSet): string {
  const figures: Record<string, unknown> = {};
  for (const source of sources) figures[source.name] = source.summary().figures;
  return JSON.stringify({ type: 'summary', time: new Date().toISOString(), findings: findings.size, sources: figures }, jsonValue);
}

function textSummary(sources: readonly LiveSource[], findings: LiveFindingSet): string {
  const lines = sources.map((source) => source.summary().text);
  return `${clockTime()} summary  ${findings.size} live finding${findings.size === 1 ? '' : 's'}; ${lines.join('; ')}`;
}

/** Sources' figures and evidence may hold BigInt nanoseconds: JSON has them as decimal strings. */
function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function clockTime(): string {
  const now = new Date();
  return [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
