// A live-panel snapshot for tests: the receiver running on 127.0.0.1:4318 and nothing held (no
// traces, services, findings), with `change` laid over it.
import { emptyTracesFilter, type LiveSnapshotParams } from '../../src/shared/livePanelProtocol';

export function liveSnapshot(change: Partial<LiveSnapshotParams> = {}): LiveSnapshotParams {
  return {
    receiver: { state: 'running', host: '127.0.0.1', port: 4318 },
    traces: [],
    filter: emptyTracesFilter,
    tracesMatching: 0,
    tracesHeld: 0,
    services: [],
    spansHeld: 0,
    evictedSpans: 0,
    findings: [],
    generatedAt: 1,
    ...change,
  };
}
