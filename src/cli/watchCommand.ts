// `bounded watch [--otlp-port 4318] [--otlp-host 127.0.0.1] [--json] [--summary-interval <s>]
//                [--grace <s>] [--window <s>]`
// Runs the live sources (OTLP traces now; Redis Streams, the inspector, metrics and pprof later,
// several at once), prints the live findings as they are raised and cleared and a summary of each
// source every few seconds, until Ctrl-C or SIGTERM.
// Exit codes: 0 stopped by a signal, 2 usage error or a source that cannot start (a port taken).
import type { LiveFinding } from '../live/liveFinding';
import { LiveFindingSet, type LiveFindingChange } from '../live/liveFindingSet';
import type { LiveSource } from '../live/liveSource';
import { resolveTraceDetectorOptions, type TraceDetectorOptionsInput } from '../live/traceDetectors';
import { createTraceSource } from '../live/traceSource';
import { UsageError } from './checkCommand';

export interface WatchOptions {
  otlp: { host: string; port: number };
  json: boolean;
  summaryIntervalMs: number;
  /** How long a span's parent, or a call's server span, may take to arrive. */
  graceMs: number;
  /** The sliding window of the operation figures. */
  windowMs: number;
}

export const watchUsage = `Usage: bounded watch [options]

Receives live telemetry and prints the live findings (broken-propagation, slow-operation,
error-rate) as they are raised and cleared, and a summary of each source every few seconds.
Stop with Ctrl-C.

Sources:
  --otlp-port <port>        receive OTLP/HTTP traces on this port (default 4318; 0 picks a free one)
  --otlp-host <host>        the address the receiver listens on (default 127.0.0.1)

Options:
  --json                    one JSON object a line: {"type":"finding",...}, {"type":"finding-cleared",...},
                            {"type":"summary",...}
  --summary-interval <s>    seconds between summaries (default 5)
  --grace <s>               seconds a span's parent, or a call's server span, may take to arrive (default 10)
  --window <s>              seconds of the sliding window operations are judged over; a propagation
                            finding clears after twice this without a new break (default 30)
  -h, --help                show this help

Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 usage error or a port that is taken.`;

export function parseWatchArgs(args: string[]): WatchOptions {
  const options: WatchOptions = { otlp: { host: '127.0.0.1', port: 4318 }, json: false, summaryIntervalMs: 5000, graceMs: 10_000, windowMs: 30_000 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
      return next;
    };
    switch (flag) {
      case '--otlp-port': {
        const raw = value();
        const port = Number(raw);
        if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`--otlp-port takes a port number from 0 to 65535, got "${raw}".`);
        options.otlp.port = port;
        break;
      }
      case '--otlp-host': {
        const host = value();
        if (host.trim() === '') throw new UsageError('--otlp-host needs a host name or address.');
        options.otlp.host = host;
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
      default:
        throw new UsageError(arg.startsWith('-') ? `Unknown option "${arg}".` : `bounded watch takes no arguments, got "${arg}".`);
    }
  }
  return options;
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
  return [createTraceSource({ host: options.otlp.host, port: options.otlp.port, findings, detectors: traceDetectorOptionsOf(options), log })];
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
