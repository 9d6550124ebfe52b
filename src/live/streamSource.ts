// The Redis Streams source: one stream poller per Redis target, feeding one TimeSeriesStore, with
// the stream detectors judging each poll. Its summary has, per target, the connection state and,
// per stream and group, lag (null with `lagUnknown` when Redis cannot say), pending, consumers,
// the oldest pending entry's age and the oldest stuck entries with their delivery counts.
import type { LiveFindingSet } from './liveFindingSet';
import type { LiveSource, LiveSourceSummary } from './liveSource';
import { createStreamDetectors, defaultStreamDetectorOptions, type StreamDetectorOptions, type StreamDetectors } from './streamDetectors';
import { StreamPoller, type RedisConnectionState, type RedisStreamTarget, type StreamPollerLimits } from './streamPoller';
import { TimeSeriesStore, type TimeSeriesOptions } from './timeSeries';

export interface StreamSourceOptions {
  targets: RedisStreamTarget[];
  findings: LiveFindingSet;
  detectors?: Partial<StreamDetectorOptions>;
  limits?: Partial<StreamPollerLimits>;
  series?: TimeSeriesOptions;
  log?: (line: string) => void;
  /** After each poll of any target, and when a target's connection state changes. */
  onChange?: () => void;
}

/** The oldest stuck entries a summary lists per group (the poller's page holds more). */
const summaryStuckEntries = 5;

export const defaultStreamSeriesOptions: TimeSeriesOptions = { maxKeys: 10_000, maxPointsPerKey: 1800, maxAgeMs: 60 * 60_000 };

export interface StreamSource extends LiveSource {
  readonly series: TimeSeriesStore;
  readonly pollers: readonly StreamPoller[];
  /** The thresholds its detectors judge by (the defaults with the options given over them). */
  readonly detectorOptions: StreamDetectorOptions;
}

export function createStreamSource(options: StreamSourceOptions): StreamSource {
  if (options.targets.length === 0) throw new RangeError('The Redis Streams source needs at least one target.');
  const names = new Set<string>();
  for (const target of options.targets) {
    if (names.has(target.name)) throw new RangeError(`Two Redis targets are named "${target.name}".`);
    names.add(target.name);
  }
  const series = new TimeSeriesStore(options.series ?? defaultStreamSeriesOptions);
  const detectorOptions: StreamDetectorOptions = { ...defaultStreamDetectorOptions, ...options.detectors };
  let detectors: StreamDetectors | undefined;
  const pollers = options.targets.map(
    (target) =>
      new StreamPoller({
        target,
        series,
        limits: options.limits,
        onPoll: (result) => {
          detectors?.judge(result);
          options.onChange?.();
        },
        onStateChange: (state, detail) => {
          options.log?.(`redis ${target.name}: ${stateText(state)}${detail !== undefined && state !== 'connected' ? ` (${detail})` : ''}`);
          options.onChange?.();
        },
      }),
  );

  return {
    name: 'streams',
    series,
    pollers,
    detectorOptions,
    async start() {
      detectors = createStreamDetectors({ findings: options.findings, series, options: detectorOptions });
      for (const poller of pollers) poller.start();
      return `polling Redis streams of ${pollers.map((poller) => `${redactedUrl(poller.target.url)} (${[...poller.target.streams, ...poller.target.keyPatterns].join(', ')})`).join(', ')}`;
    },
    async stop() {
      await Promise.all(pollers.map((poller) => poller.stop()));
      detectors = undefined;
    },
    summary(): LiveSourceSummary {
      const targets: Record<string, unknown> = {};
      const lines: string[] = [];
      for (const poller of pollers) {
        const stats = poller.stats();
        const streams = poller.snapshots().map((snapshot) => ({
          stream: snapshot.stream,
          length: snapshot.length,
          ...(snapshot.lastEntryId !== undefined ? { lastEntryId: snapshot.lastEntryId } : {}),
          groups: snapshot.groups.map((group) => ({
            group: group.name,
            lag: group.lag,
            ...(group.lag === null ? { lagUnknown: group.lagNote ?? 'unknown' } : {}),
            pending: group.pending,
            entriesRead: group.entriesRead,
            lastDeliveredId: group.lastDeliveredId,
            ...(group.oldestPendingId !== undefined ? { oldestPendingId: group.oldestPendingId, oldestPendingAgeMs: group.oldestPendingAgeMs } : {}),
            consumers: group.consumers.map((consumer) => ({ name: consumer.name, pending: consumer.pending, idleMs: consumer.idleMs, ...(consumer.inactiveMs !== undefined ? { inactiveMs: consumer.inactiveMs } : {}) })),
            maxDeliveryCount: group.stuckEntries.reduce((most, entry) => Math.max(most, entry.deliveryCount), 0),
            oldestStuck: group.stuckEntries.slice(0, summaryStuckEntries),
          })),
          ...(snapshot.groupsNotRead > 0 ? { groupsNotRead: snapshot.groupsNotRead } : {}),
        }));
        targets[poller.target.name] = {
          url: redactedUrl(poller.target.url),
          state: stats.state,
          ...(stats.lastError !== undefined ? { lastError: stats.lastError } : {}),
          polls: stats.polls,
          failedPolls: stats.failedPolls,
          ...(stats.lastPoll ? { lastPoll: stats.lastPoll } : {}),
          notes: poller.notes(),
          unreadable: poller.unreadable(),
          streams,
        };
        const groupTexts = streams.flatMap((stream) => stream.groups.map((group) => `${stream.stream}:${group.group} lag ${group.lag ?? 'unknown'} pending ${group.pending}`));
        lines.push(`${poller.target.name} ${stateText(stats.state)}, ${streams.length} stream${streams.length === 1 ? '' : 's'}${groupTexts.length > 0 ? ` (${groupTexts.join(', ')})` : ''}`);
      }
      return { figures: { targets }, text: `streams: ${lines.join('; ')}` };
    },
  };
}

function stateText(state: RedisConnectionState): string {
  return state === 'auth-failed' ? 'auth failed' : state;
}

/** The url without its password, for summaries and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
