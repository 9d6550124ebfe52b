// What the panel's Streams view shows of the live session's Redis Streams source: per target its
// connection state, per stream and group the latest poll's figures, the consumers (dead ones
// marked) and the oldest stuck entries (dead-letter candidates marked), by the detectors' thresholds.
// Plain Node (no vscode import).
import { activityIdleMs, defaultStreamDetectorOptions, type StreamDetectorOptions } from '../live/streamDetectors';
import { redactedUrl, type StreamSource } from '../live/streamSource';
import type { PanelRedisTarget } from '../shared/livePanelProtocol';

/** The stuck entries shown per group (the poller's page holds more). */
const stuckEntriesShown = 10;

export function panelRedisTargets(source: StreamSource | undefined, thresholds: Pick<StreamDetectorOptions, 'deadLetterDeliveries' | 'deadConsumerIdleMs'> = defaultStreamDetectorOptions): PanelRedisTarget[] {
  if (!source) return [];
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
        })),
      })),
    };
  });
}
