// Detectors over the stream poller's snapshots and series. After each poll of a target they raise
// and clear live findings, one per stream and group, subject `<stream>:<group>@<target>`:
// stream-backlog: the group's lag (or, when lag is unknown, its pending count) rises steadily over
//   the window: a Kendall trend (pairs that rise minus pairs that fall, over all pairs) of at least
//   `backlogMinTrend` and a Theil-Sen slope (the median of pairwise slopes, robust to noise and
//   outliers) that adds at least `backlogMinIncrease` entries across the window (the points must
//   span at least half of it). It clears when
//   the trend falls under half of that, or the rise under half the minimum.
// stream-no-consumer: work waits (lag > 0, or entries past last-delivered-id when lag is unknown,
//   or pending entries) and no consumer of the group is active (none, or all idle longer than
//   `deadConsumerIdleMs`; `inactive` is used where Redis reports it, 7.2+).
// stream-dead-letter: entries of the XPENDING page delivered at least `deadLetterDeliveries` times.
// stream-dead-consumer: consumers with pending entries idle longer than `deadConsumerIdleMs`:
//   their work stays pending until another consumer reclaims it (XAUTOCLAIM).
// Each clears once its condition no longer holds in a poll (or its stream or group is gone).
import type { LiveFindingKind, LiveSeverity } from './liveFinding';
import type { LiveFindingSet } from './liveFindingSet';
import { hasUndelivered, streamSeriesPrefix, type GroupSnapshot, type StreamPollResult, type StreamSnapshot } from './streamPoller';
import type { SeriesPoint, TimeSeriesStore } from './timeSeries';

export interface StreamDetectorOptions {
  /** The window a backlog's rise is judged over. */
  windowMs: number;
  /** Polls the window needs before it is judged. */
  backlogMinPoints: number;
  /** Entries the rise must add across the window. */
  backlogMinIncrease: number;
  /** Kendall trend from -1 (always falling) to 1 (always rising). */
  backlogMinTrend: number;
  deadLetterDeliveries: number;
  deadConsumerIdleMs: number;
}

export const defaultStreamDetectorOptions: StreamDetectorOptions = {
  windowMs: 60_000,
  backlogMinPoints: 5,
  backlogMinIncrease: 10,
  backlogMinTrend: 0.6,
  deadLetterDeliveries: 5,
  deadConsumerIdleMs: 60_000,
};

export interface StreamDetectors {
  /** Judges a target's poll: raises what holds now, clears that target's findings that no longer do. */
  judge(result: StreamPollResult): void;
  /** Clears every finding of the target (it is no longer watched). */
  forget(target: string): void;
}

interface Held {
  kind: LiveFindingKind;
  subject: string;
  target: string;
}

/** Points the trend is computed over at most (pairs grow with the square). */
const maxTrendPoints = 60;

export function createStreamDetectors(input: { findings: LiveFindingSet; series: TimeSeriesStore; options?: Partial<StreamDetectorOptions> }): StreamDetectors {
  const options = { ...defaultStreamDetectorOptions, ...input.options };
  const { findings, series } = input;
  const held = new Map<string, Held>();

  const raise = (target: string, kind: LiveFindingKind, severity: LiveSeverity, subject: string, message: string, evidence: Record<string, unknown>, now: Set<string>) => {
    findings.raise({ kind, severity, subject, message, evidence });
    const key = `${kind}\u0000${subject}`;
    held.set(key, { kind, subject, target });
    now.add(key);
  };

  return {
    judge(result) {
      const holding = new Set<string>();
      for (const stream of result.streams) {
        for (const group of stream.groups) {
          const subject = `${stream.stream}:${group.name}@${stream.target}`;
          const names = { target: stream.target, stream: stream.stream, group: group.name };
          judgeBacklog(stream, group, subject, names, holding);
          judgeNoConsumer(stream, group, subject, names, holding);
          judgeDeadLetter(group, subject, names, holding);
          judgeDeadConsumer(group, subject, names, holding);
        }
      }
      for (const [key, finding] of held) {
        if (finding.target !== result.target || holding.has(key)) continue;
        held.delete(key);
        findings.clear(finding.kind, finding.subject);
      }
    },
    forget(target) {
      for (const [key, finding] of held) {
        if (finding.target !== target) continue;
        held.delete(key);
        findings.clear(finding.kind, finding.subject);
      }
    },
  };

  function judgeBacklog(stream: StreamSnapshot, group: GroupSnapshot, subject: string, names: Record<string, string>, holding: Set<string>) {
    const prefix = `${streamSeriesPrefix(stream.target, stream.stream)}:${group.name}`;
    const since = stream.polledAt - options.windowMs;
    const raised = findings.get('stream-backlog', subject) !== undefined;
    const minTrend = raised ? options.backlogMinTrend / 2 : options.backlogMinTrend;
    const minIncrease = raised ? options.backlogMinIncrease / 2 : options.backlogMinIncrease;
    for (const figure of group.lag !== null ? (['lag', 'pending'] as const) : (['pending'] as const)) {
      const points = series.points(`${prefix}:${figure}`, since);
      if (points.length < options.backlogMinPoints) continue;
      const trend = risingTrend(points);
      const spanMs = points[points.length - 1].t - points[0].t;
      // A rise over a sliver of the window is a blip, not a trend.
      if (spanMs < options.windowMs / 2) continue;
      const increase = trend.slopePerMs * spanMs;
      if (trend.kendall < minTrend || increase < minIncrease) continue;
      const current = figure === 'lag' ? group.lag : group.pending;
      const perMinute = trend.slopePerMs * 60_000;
      raise(
        stream.target,
        'stream-backlog',
        'warning',
        subject,
        `The backlog of group ${group.name} on stream ${stream.stream} is growing: ${figure} ${current}, up about ${Math.round(increase)} in the last ${formatSeconds(spanMs)} (${perMinute.toFixed(1)}/min); its consumers are not keeping up.`,
        {
          ...names,
          figure,
          current,
          increase: Math.round(increase),
          perMinute: Number(perMinute.toFixed(2)),
          trend: Number(trend.kendall.toFixed(2)),
          windowMs: spanMs,
          points: points.length,
          lag: group.lag,
          pending: group.pending,
          lastDeliveredId: group.lastDeliveredId,
          lastEntryId: stream.lastEntryId,
          consumers: group.consumers.map((consumer) => consumer.name),
        },
        holding,
      );
      return;
    }
  }

  function judgeNoConsumer(stream: StreamSnapshot, group: GroupSnapshot, subject: string, names: Record<string, string>, holding: Set<string>) {
    const undelivered = hasUndelivered(stream, group);
    if (!undelivered && group.pending === 0) return;
    const active = group.consumers.filter((consumer) => activityIdleMs(consumer) <= options.deadConsumerIdleMs);
    if (active.length > 0) return;
    const waiting = [group.lag !== null && group.lag > 0 ? `lag ${group.lag}` : undelivered ? 'entries not yet delivered (lag unknown)' : undefined, group.pending > 0 ? `${group.pending} pending` : undefined].filter((part) => part !== undefined);
    raise(
      stream.target,
      'stream-no-consumer',
      'error',
      subject,
      group.consumers.length === 0
        ? `Group ${group.name} on stream ${stream.stream} has no consumers while work waits (${waiting.join(', ')}).`
        : `No consumer of group ${group.name} on stream ${stream.stream} has been active for ${formatSeconds(options.deadConsumerIdleMs)} while work waits (${waiting.join(', ')}).`,
      {
        ...names,
        lag: group.lag,
        pending: group.pending,
        lastDeliveredId: group.lastDeliveredId,
        lastEntryId: stream.lastEntryId,
        consumers: group.consumers.map((consumer) => ({ name: consumer.name, idleMs: activityIdleMs(consumer), pending: consumer.pending })),
      },
      holding,
    );
  }

  function judgeDeadLetter(group: GroupSnapshot, subject: string, names: Record<string, string>, holding: Set<string>) {
    const dead = group.stuckEntries.filter((entry) => entry.deliveryCount >= options.deadLetterDeliveries);
    if (dead.length === 0) return;
    const most = dead.reduce((a, b) => (b.deliveryCount > a.deliveryCount ? b : a));
    raise(
      names.target,
      'stream-dead-letter',
      'warning',
      subject,
      `${dead.length} pending entr${dead.length === 1 ? 'y' : 'ies'} of group ${group.name} on stream ${names.stream} delivered at least ${options.deadLetterDeliveries} times (${most.id}: ${most.deliveryCount} times, last to ${most.consumer}): dead-letter candidates that keep failing.`,
      {
        ...names,
        threshold: options.deadLetterDeliveries,
        entries: dead.map((entry) => ({ id: entry.id, consumer: entry.consumer, deliveryCount: entry.deliveryCount, idleMs: entry.idleMs })),
        pageSize: group.stuckEntries.length,
      },
      holding,
    );
  }

  function judgeDeadConsumer(group: GroupSnapshot, subject: string, names: Record<string, string>, holding: Set<string>) {
    const dead = group.consumers.filter((consumer) => consumer.pending > 0 && activityIdleMs(consumer) > options.deadConsumerIdleMs);
    if (dead.length === 0) return;
    const stuck = dead.reduce((sum, consumer) => sum + consumer.pending, 0);
    const deadNames = new Set(dead.map((consumer) => consumer.name));
    raise(
      names.target,
      'stream-dead-consumer',
      'warning',
      subject,
      `Consumer${dead.length === 1 ? '' : 's'} ${dead.map((consumer) => consumer.name).join(', ')} of group ${group.name} on stream ${names.stream} ${dead.length === 1 ? 'has' : 'have'} been idle over ${formatSeconds(options.deadConsumerIdleMs)} holding ${stuck} pending entr${stuck === 1 ? 'y' : 'ies'}: that work needs XAUTOCLAIM by a live consumer.`,
      {
        ...names,
        idleThresholdMs: options.deadConsumerIdleMs,
        consumers: dead.map((consumer) => ({ name: consumer.name, pending: consumer.pending, idleMs: activityIdleMs(consumer) })),
        entries: group.stuckEntries.filter((entry) => deadNames.has(entry.consumer)).map((entry) => ({ id: entry.id, consumer: entry.consumer, idleMs: entry.idleMs, deliveryCount: entry.deliveryCount })),
      },
      holding,
    );
  }
}

/** ms since the consumer last did something: `inactive` (7.2+; -1, never, counts as forever) or `idle`. */
export function activityIdleMs(consumer: { idleMs: number; inactiveMs?: number }): number {
  if (consumer.inactiveMs === undefined) return consumer.idleMs;
  return consumer.inactiveMs < 0 ? Number.POSITIVE_INFINITY : consumer.inactiveMs;
}

/** Kendall's trend (rising pairs minus falling pairs, over all pairs) and the Theil-Sen slope. */
export function risingTrend(points: readonly SeriesPoint[]): { kendall: number; slopePerMs: number } {
  const step = Math.max(1, Math.ceil(points.length / maxTrendPoints));
  const sample = points.filter((_, index) => index % step === 0 || index === points.length - 1);
  let rising = 0;
  let falling = 0;
  let pairs = 0;
  const slopes: number[] = [];
  for (let i = 0; i < sample.length; i++) {
    for (let j = i + 1; j < sample.length; j++) {
      const dt = sample[j].t - sample[i].t;
      if (dt <= 0) continue;
      const dv = sample[j].value - sample[i].value;
      if (!Number.isFinite(dv)) continue;
      pairs++;
      if (dv > 0) rising++;
      else if (dv < 0) falling++;
      slopes.push(dv / dt);
    }
  }
  if (pairs === 0) return { kendall: 0, slopePerMs: 0 };
  slopes.sort((a, b) => a - b);
  const middle = slopes.length >> 1;
  const slopePerMs = slopes.length % 2 === 1 ? slopes[middle] : (slopes[middle - 1] + slopes[middle]) / 2;
  return { kendall: (rising - falling) / pairs, slopePerMs };
}

function formatSeconds(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Number((ms / 1000).toFixed(1))} s`;
}
