// PanelSpans for the webview tests: a span with the given tree position and times, the rest empty.
import type { PanelSpan } from '../../src/shared/livePanelProtocol';

export function panelSpan(spanId: string, parentSpanId: string | undefined, startMs: number, durationMs: number, name = spanId): PanelSpan {
  return {
    spanId,
    parentSpanId,
    name,
    kind: 'internal',
    serviceName: 'svc',
    startMs,
    durationMs,
    status: { code: 'unset' },
    attributes: {},
    resource: {},
    scope: { name: 'test' },
    events: [],
    links: [],
    hasSource: false,
  };
}
