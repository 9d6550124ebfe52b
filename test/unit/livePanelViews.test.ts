// The panel's live views in jsdom: service strings stay text (the XSS span), the traces list and
// its filters, the waterfall stays a few dozen DOM rows for 10,000 spans, keyboard navigation and
// details, reveal source, and the messages the shell posts and answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClickRequest,
  CopyEndpointRequest,
  LiveSnapshotNotification,
  type LiveSnapshotParams,
  type OpenTraceResult,
  OpenTraceRequest,
  type PanelTraceSummary,
  RenderedQueryRequest,
  RevealSourceRequest,
  SetTracesFilterCommand,
  ShowViewNotification,
  StartReceiverCommand,
  emptyTracesFilter,
} from '../../src/shared/livePanelProtocol';
import { RunCommandCommand } from '../../src/shared/panelProtocol';
import { restorePanelState } from '../../webview/panelShell';
import { panelSpan } from '../support/panelSpans';
import { mountPanel } from '../support/webviewDom';

const markup = '<img src=x onerror=alert(1)>';
const traceA = 'a'.repeat(32);
const traceB = 'b'.repeat(32);

function summary(traceId: string, rootName: string, overrides: Partial<PanelTraceSummary> = {}): PanelTraceSummary {
  return { traceId, rootServiceName: 'checkout', rootName, startTimeMs: Date.UTC(2026, 0, 1), durationMs: 12, spanCount: 3, errorCount: 0, services: ['checkout'], ...overrides };
}

function snapshot(traces: PanelTraceSummary[], tracesHeld = traces.length): LiveSnapshotParams {
  return {
    receiver: { state: 'running', host: '127.0.0.1', port: 4318, endpoint: 'http://127.0.0.1:4318' },
    traces,
    filter: emptyTracesFilter,
    tracesMatching: traces.length,
    tracesHeld,
    services: [...new Set(traces.flatMap((trace) => trace.services))].sort(),
    spansHeld: traces.reduce((sum, trace) => sum + trace.spanCount, 0),
    evictedSpans: 0,
    findings: [
      { kind: 'broken-propagation', severity: 'warning', subject: `checkout → ${markup}`, message: markup, evidence: { traceIds: [traceA] }, raisedAt: 1, updatedAt: 2 },
    ],
    generatedAt: 3,
  };
}

function mount() {
  return mountPanel();
}

/** Answers the shell's latest request of `type` with `result`, as the host would. */
function answer<R>(mounted: ReturnType<typeof mount>, type: { is(m: unknown): m is { id: number }; response(id: number, r: R): unknown }, result: R): void {
  const request = [...mounted.posted].reverse().find((message) => type.is(message));
  assert.ok(request, 'the shell sent the request');
  mounted.shell.handleMessage(type.response(request.id, result));
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('live panel views', () => {
  it('lists traces with service-supplied strings as text, never markup', () => {
    const mounted = mount();
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, markup, { errorCount: 1, rootServiceName: markup }), summary(traceB, 'GET /orders')])));
    const rows = mounted.root.querySelectorAll('button.trace-row');
    assert.equal(rows.length, 2);
    assert.equal(rows[0].querySelector('.trace-name')?.textContent, markup);
    assert.equal(rows[0].querySelector('.trace-service')?.textContent, markup);
    assert.ok(rows[0].classList.contains('has-error'));
    assert.equal(mounted.root.querySelectorAll('img').length, 0);
    assert.match(mounted.root.querySelector('.endpoint')?.textContent ?? '', /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:4318/);
    assert.equal(mounted.root.querySelector('.live-finding-message')?.textContent, markup);
  });

  it('sends the filter to the host (at start and on every change) and shows what the host let through', () => {
    const mounted = mount();
    assert.deepEqual(mounted.posted.filter((message) => SetTracesFilterCommand.is(message)).map((message) => message.params), [emptyTracesFilter]);
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, 'GET /slow', { services: ['checkout', 'payments'] })])));
    const input = mounted.root.querySelector<HTMLInputElement>('.traces-pane .filter-input') as HTMLInputElement;
    input.value = 'select';
    input.dispatchEvent(new mounted.dom.window.Event('input'));
    const service = mounted.root.querySelector<HTMLSelectElement>('.service-filter') as HTMLSelectElement;
    assert.deepEqual([...service.options].map((option) => option.textContent), ['All services', 'checkout', 'payments']);
    service.value = 'payments';
    service.dispatchEvent(new mounted.dom.window.Event('change'));
    const errors = mounted.root.querySelector<HTMLInputElement>('.errors-only') as HTMLInputElement;
    errors.checked = true;
    errors.dispatchEvent(new mounted.dom.window.Event('change'));
    const minimum = mounted.root.querySelector<HTMLInputElement>('.min-duration') as HTMLInputElement;
    minimum.value = '250';
    minimum.dispatchEvent(new mounted.dom.window.Event('input'));
    const sent = mounted.posted.filter((message) => SetTracesFilterCommand.is(message)).map((message) => message.params);
    assert.deepEqual(sent.at(-1), { service: 'payments', errorsOnly: true, minDurationMs: 250, text: 'select' });
    mounted.shell.handleMessage(LiveSnapshotNotification.message({ ...snapshot([], 7), tracesMatching: 0 }));
    assert.equal(mounted.root.querySelector('.trace-list .empty-state')?.textContent, 'No traces match the filter.');
    assert.match(mounted.root.querySelector('.traces-summary')?.textContent ?? '', /0 of 7 traces/);
  });

  it('opens a trace: the waterfall of 10,000 spans keeps a few dozen rows in the DOM, keys move, Enter shows details', async () => {
    const mounted = mount();
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, 'root', { spanCount: 10_000 })])));
    (mounted.root.querySelector('button.trace-row') as HTMLButtonElement).click();
    const spans = Array.from({ length: 10_000 }, (_, i) => panelSpan(i.toString(16).padStart(4, '0'), i === 0 ? undefined : '0000', i, 5, i === 1 ? markup : `op ${i}`));
    spans[0] = { ...spans[0], durationMs: 20_000, attributes: { 'http.route': markup }, hasSource: true };
    const result: OpenTraceResult = { traceId: traceA, startTimeMs: 0, spans };
    answer(mounted, OpenTraceRequest, result);
    await flush();
    const viewport = mounted.root.querySelector('.waterfall-viewport') as HTMLElement;
    assert.equal((mounted.root.querySelector('.traces-pane') as HTMLElement).hidden, true);
    const rendered = mounted.root.querySelectorAll('.span-row');
    assert.ok(rendered.length > 10 && rendered.length < 60, `${rendered.length} rows in the DOM`);
    assert.equal(rendered[1].querySelector('.span-name')?.textContent, markup);
    assert.ok(rendered[0].classList.contains('critical'), 'the root is on the critical path');
    assert.equal(mounted.root.querySelectorAll('img').length, 0);

    const key = (name: string) => viewport.dispatchEvent(new mounted.dom.window.KeyboardEvent('keydown', { key: name, bubbles: true }));
    key('End');
    assert.equal(viewport.getAttribute('aria-activedescendant'), 'span-row-9999');
    assert.ok(mounted.root.querySelector('#span-row-9999'), 'the last row is rendered once selected');
    assert.ok(mounted.root.querySelectorAll('.span-row').length < 60);
    key('Home');
    key('Enter');
    const details = mounted.root.querySelector('.span-details') as HTMLElement;
    assert.equal(details.querySelector('.details-name')?.textContent, 'op 0');
    assert.equal(details.querySelector('.attribute-value')?.textContent, markup);

    (details.querySelector('button.reveal-source') as HTMLButtonElement).click();
    answer(mounted, RevealSourceRequest, { opened: true, message: 'src/a.ts:12' });
    await flush();
    assert.equal(details.querySelector('.reveal-result')?.textContent, 'Opened src/a.ts:12');
    const reveal = mounted.posted.find((message) => RevealSourceRequest.is(message));
    assert.deepEqual(reveal?.params, { traceId: traceA, spanId: '0000' });

    key('Escape');
    assert.equal((mounted.root.querySelector('.traces-pane') as HTMLElement).hidden, false);
  });

  it('copies the endpoint and runs export/import through the host, switches views on request, and answers the test probe', () => {
    const mounted = mount();
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, markup)])));
    (mounted.root.querySelector('button.copy-endpoint') as HTMLButtonElement).click();
    assert.ok(mounted.posted.some((message) => CopyEndpointRequest.is(message)));
    (mounted.root.querySelector('button.export-traces') as HTMLButtonElement).click();
    (mounted.root.querySelector('button.import-traces') as HTMLButtonElement).click();
    assert.deepEqual(
      mounted.posted.filter((message) => RunCommandCommand.is(message)).map((message) => message.params),
      [{ command: 'bounded.exportLiveTraces' }, { command: 'bounded.importLiveTraces' }],
    );
    mounted.shell.handleMessage(ShowViewNotification.message({ view: 'liveFindings' }));
    assert.equal((mounted.root.querySelector('#panel-liveFindings') as HTMLElement).hidden, false);
    assert.equal((mounted.root.querySelector('#panel-traces') as HTMLElement).hidden, true);
    mounted.shell.handleMessage(RenderedQueryRequest.message({ selector: '.trace-name' }, 7));
    const response = mounted.posted.find((message) => RenderedQueryRequest.isResponse(message));
    assert.deepEqual(response?.params, { elements: [{ text: markup, ariaLabel: undefined, className: 'trace-name' }], images: 0 });
    mounted.shell.handleMessage(ClickRequest.message({ selector: 'button.trace-row', index: 0 }, 8));
    assert.ok(mounted.posted.some((message) => OpenTraceRequest.is(message) && message.params.traceId === traceA));
    answer(mounted, CopyEndpointRequest, { copied: 'http://127.0.0.1:4318' });
    answer(mounted, OpenTraceRequest, { traceId: traceA, startTimeMs: 0, spans: [] });
  });

  it('live findings show as text, newest first, with a button to the trace their evidence names', () => {
    const mounted = mount();
    mounted.shell.handleMessage(LiveSnapshotNotification.message(snapshot([summary(traceA, 'GET /a')])));
    const finding = mounted.root.querySelector('.live-finding') as HTMLElement;
    assert.equal(finding.querySelector('.live-finding-subject')?.textContent, `checkout → ${markup}`);
    assert.match(finding.querySelector('.live-finding-evidence pre')?.textContent ?? '', new RegExp(traceA));
    assert.equal(mounted.root.querySelectorAll('img').length, 0);
    (finding.querySelector('.details-actions button') as HTMLButtonElement).click();
    assert.ok(mounted.posted.some((message) => OpenTraceRequest.is(message) && message.params.traceId === traceA));
    assert.equal((mounted.root.querySelector('#panel-traces') as HTMLElement).hidden, false, 'opening the trace switches to the Traces view');
    answer(mounted, OpenTraceRequest, { traceId: traceA, startTimeMs: 0, spans: [] });
  });

  it('restores the saved state, and junk state gives the defaults', () => {
    assert.deepEqual(restorePanelState({ view: 'traces', traces: { service: 'x', errorsOnly: true, minDurationMs: 5, text: 'y' }, openTraceId: traceA, findings: { text: 'z', hiddenSeverities: ['info'] } }), {
      view: 'traces',
      traces: { service: 'x', errorsOnly: true, minDurationMs: 5, text: 'y' },
      openTraceId: traceA,
      findings: { text: 'z', hiddenSeverities: ['info'] },
    });
    assert.deepEqual(restorePanelState({ view: 'nope', traces: 3, openTraceId: 4 }), { view: 'findings', traces: emptyTracesFilter, openTraceId: undefined, findings: { text: '', hiddenSeverities: [] } });
  });

  it('a failed receiver offers to start again, on the configured port or a free one', () => {
    const mounted = mount();
    mounted.shell.handleMessage(LiveSnapshotNotification.message({ ...snapshot([]), receiver: { state: 'failed', host: '127.0.0.1', port: 4318, message: '127.0.0.1:4318 is already in use' } }));
    assert.match(mounted.root.querySelector('.receiver-status')?.textContent ?? '', /127\.0\.0\.1:4318 is already in use/);
    assert.equal((mounted.root.querySelector('.copy-endpoint') as HTMLElement).hidden, true);
    (mounted.root.querySelector('button.start-on-free-port') as HTMLButtonElement).click();
    (mounted.root.querySelector('button.start-receiver') as HTMLButtonElement).click();
    assert.deepEqual(mounted.posted.filter((message) => StartReceiverCommand.is(message)).map((message) => message.params), [{ freePort: true }, { freePort: false }]);
  });

  it('ignores messages no guard accepts', () => {
    const mounted = mount();
    for (const junk of [null, 'snapshot', { method: 'live/snapshot', params: { traces: 'x' } }, { method: 'live/openTrace/response', id: 99, params: {} }]) mounted.shell.handleMessage(junk);
    assert.equal(mounted.root.querySelectorAll('button.trace-row').length, 0);
  });
});
