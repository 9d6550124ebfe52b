// LiveSpans for tests: one span of a trace with the given ids, the rest plain.
import type { LiveSpan } from '../../src/live/spans';

export function liveSpan(traceId: string, spanId: string, fields: Partial<LiveSpan> = {}): LiveSpan {
  return {
    traceId,
    spanId,
    name: `op ${spanId}`,
    kind: 'internal',
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_005_000_000n,
    status: { code: 'unset' },
    serviceName: 'checkout',
    attributes: {},
    resource: { 'service.name': 'checkout' },
    scope: { name: 'test' },
    events: [],
    links: [],
    receivedAt: 0,
    ...fields,
  };
}
