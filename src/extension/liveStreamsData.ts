// What the panel's Streams view shows of the live session's Redis Streams source: per target its
// connection state, per stream and group the latest poll's figures, the consumers (dead ones
// marked) and the oldest stuck entries (dead-letter candidates marked), by the detectors' thresholds;
// per group whether it keeps up (its entries-read rate against the stream's entries-added rate over
// the detectors' window, from the poller's series) and its lag and pending over time.
// Plain Node (no vscode import).
import { activityIdleMs, type StreamDetectorOptions } from '../live/streamDetectors';
import { hasUndelivered, streamSeriesPrefix, type GroupSnapshot, type StreamSnapshot } from '../live/streamPoller';
import { redactedUrl, type StreamSource } from '../live/streamSource';
import type { SeriesPoint, TimeSeriesStore } from '../live/timeSeries';
import type { PanelRedisTarget, PanelStreamHistory, PanelStreamThroughput } from '../shared/livePanelProtocol';

/** The stuck entries shown per group (the poller's page holds more). */
const stuckEntriesShown = 10;

/** The polls a group's history carries at most. */
export const historyPointsShown = 300;

/** The groups of a snapshot that carry a history (and get a chart), at most: the poller reads up to 100 × 100. */
export const historyGroupsShown = 100;

/** A rate difference under this share of what was added (or under one entry) over the span is noise: keeping up. */
const keepingUpTolerance = 0.05;

export type StreamThresholds = Pick<StreamDetectorOptions, 'deadLetterDeliveries' | 'deadConsumerIdleMs' | 'windowMs'>;

/** `thresholds` over the source's own (those its detectors judge by). */
export function panelRedisTargets(source: StreamSource | undefined, given: Partial<StreamThresholds> = {}): PanelRedisTarget[] {
  if (!source) return [];
  const thresholds: StreamThresholds = { ...source.detectorOptions, ...given };
  let histories = 0;
  return source.pollers.map((poller) => {
    const stats = poller.stats();
    return {
      name: poller.target.name,
      url: redactedUrl(poller.target.url),
      state: stats.state,
      ...(stats.lastError !== undefined ? { lastError: stats.lastError } : {}),
      notes: poller.notes(),
      unreadable: poller.unreadable(),
      streams: poller.snapshots().map((snapshot) => ({
        stream: snapshot.stream,
        length: snapshot.length,
        groupsNotRead: snapshot.groupsNotRead,
        groups: snapshot.groups.map((group) => ({
          group: group.name,
          lag: group.lag,
          ...(group.lagNote !== undefined ? { lagNote: group.lagNote } : {}),
          pending: group.pending,
          ...(group.oldestPendingAgeMs !== undefined ? { oldestPendingAgeMs: group.oldestPendingAgeMs } : {}),
          consumers: group.consumers.map((consumer) => ({
            name: consumer.name,
            pending: consumer.pending,
            idleMs: consumer.idleMs,
            ...(consumer.inactiveMs !== undefined ? { inactiveMs: consumer.inactiveMs } : {}),
            dead: consumer.pending > 0 && activityIdleMs(consumer) > thresholds.deadConsumerIdleMs,
          })),
          stuck: group.stuckEntries.slice(0, stuckEntriesShown).map((entry) => ({ ...entry, deadLetter: entry.deliveryCount >= thresholds.deadLetterDeliveries })),
          deadLetterCandidates: group.stuckEntries.filter((entry) => entry.deliveryCount >= thresholds.deadLetterDeliveries).length,
          throughput: groupThroughputOf(source.series, snapshot, group, thresholds.windowMs),
          ...(histories++ < historyGroupsShown ? { history: groupHistory(source.series, snapshot, group) } : {}),
        })),
      })),
    };
  });
}

/** The group's read and add rates over the window before the stream's latest poll, from the poller's series. */
function groupThroughputOf(series: TimeSeriesStore, stream: StreamSnapshot, group: GroupSnapshot, windowMs: number): PanelStreamThroughput {
  const prefix = streamSeriesPrefix(stream.target, stream.stream);
  const since = stream.polledAt - windowMs;
  return groupThroughput({
    added: series.points(`${prefix}:entries-added`, since),
    read: series.points(`${prefix}:${group.name}:entries-read`, since),
    lagPoints: series.points(`${prefix}:${group.name}:lag`, since),
    lag: group.lag,
    undelivered: hasUndelivered(stream, group),
  });
}

/**
 * Is the group keeping up? `added` (the stream's entries-added) and `read` (the group's
 * entries-read) are counters sampled at the same polls; where Redis gave no entries-read but a lag
 * (it can estimate one, e.g. for a group that has not read yet), entries-read is entries-added
 * minus lag. The rates are over the consecutive polls where both are known, leaving out a step
 * where either went down (a Redis restart, a stream recreated, XGROUP SETID): that step says
 * nothing about a rate. Where neither is known (Redis reports both nil, as for a group created at
 * `$` once entries were added after it) the read rate is null, never 0, and the verdict rests on
 * whether entries wait undelivered (last-delivered-id behind the stream's last id).
 */
export function groupThroughput(input: { added: readonly SeriesPoint[]; read: readonly SeriesPoint[]; lagPoints?: readonly SeriesPoint[]; lag: number | null; undelivered: boolean }): PanelStreamThroughput {
  const { added, lag, undelivered } = input;
  const addedAt = new Map(added.map((point) => [point.t, point.value]));
  const readAt = new Map(input.read.map((point) => [point.t, point.value]));
  for (const { t, value } of input.lagPoints ?? []) {
    const addedThen = addedAt.get(t);
    if (!readAt.has(t) && addedThen !== undefined) readAt.set(t, addedThen - value);
  }
  const both = added.filter((point) => readAt.has(point.t)).map((point) => ({ t: point.t, added: point.value, read: readAt.get(point.t) as number }));
  const paired = counterIncreases(both.map((point) => ({ t: point.t, values: [point.added, point.read] })));
  if (paired !== undefined) {
    const [addedIncrease, readIncrease] = paired.increases;
    const seconds = paired.spanMs / 1000;
    const addingPerSecond = addedIncrease / seconds;
    const readingPerSecond = readIncrease / seconds;
    const tolerance = Math.max(1, keepingUpTolerance * addedIncrease);
    const waiting = lag === null ? undelivered : lag > 0;
    const verdict =
      readIncrease === 0 && addedIncrease === 0
        ? waiting
          ? 'stalled'
          : 'keeping-up'
        : addedIncrease - readIncrease >= tolerance && waiting
          ? 'falling-behind'
          : readIncrease - addedIncrease >= tolerance && waiting
            ? 'catching-up'
            : 'keeping-up';
    return { addingPerSecond, readingPerSecond, spanMs: paired.spanMs, verdict };
  }
  // entries-read unknown (or too few polls with it): what the stream's own counter and the ids can say.
  const addedAlone = counterIncreases(added.map((point) => ({ t: point.t, values: [point.value] })));
  const readNote = readAt.size === 0 ? 'Redis reports neither entries-read nor lag for this group (nil, as for a group created at $ with entries added since), so its read rate is unknown' : 'too few polls with entries-read yet';
  if (addedAlone === undefined) {
    const addedNote = added.length === 0 ? 'this Redis reports no entries-added for the stream' : 'too few polls yet';
    return { addingPerSecond: null, readingPerSecond: null, spanMs: 0, verdict: 'unknown', note: readAt.size === 0 && added.length > 0 ? `${readNote}; ${addedNote}` : addedNote };
  }
  return {
    addingPerSecond: addedAlone.increases[0] / (addedAlone.spanMs / 1000),
    readingPerSecond: null,
    spanMs: addedAlone.spanMs,
    verdict: undelivered ? 'unknown' : 'keeping-up',
    note: undelivered ? `${readNote}; entries wait undelivered` : `${readNote}; every entry has been delivered`,
  };
}

/** Summed increases of counters sampled together, and the time they span, over consecutive samples where none went down; undefined with no such step. */
export function counterIncreases(samples: readonly { t: number; values: readonly number[] }[]): { increases: number[]; spanMs: number } | undefined {
  let spanMs = 0;
  let increases: number[] | undefined;
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1];
    const after = samples[i];
    const dt = after.t - before.t;
    if (dt <= 0) continue;
    const steps = after.values.map((value, at) => value - before.values[at]);
    if (steps.some((step) => !(step >= 0))) continue;
    increases = increases === undefined ? steps : increases.map((sum, at) => sum + steps[at]);
    spanMs += dt;
  }
  return increases === undefined ? undefined : { increases, spanMs };
}

/** The group's pending (every poll) and lag (null where Redis could not say) at its last polls. */
function groupHistory(series: TimeSeriesStore, stream: StreamSnapshot, group: GroupSnapshot): PanelStreamHistory {
  const prefix = `${streamSeriesPrefix(stream.target, stream.stream)}:${group.name}`;
  const pending = series.points(`${prefix}:pending`).slice(-historyPointsShown);
  const since = pending.length > 0 ? pending[0].t : undefined;
  const lagAt = new Map(series.points(`${prefix}:lag`, since).map((point) => [point.t, point.value]));
  return { t: pending.map((point) => point.t), lag: pending.map((point) => lagAt.get(point.t) ?? null), pending: pending.map((point) => point.value) };
}
