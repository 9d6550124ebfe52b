// The live part of the Bounded panel's protocol: the Traces and Live findings views. The host sends
// a complete `live/snapshot` after `ready`, when the panel is shown again, and (throttled to a few a
// second) while spans and findings come in; there are no deltas. The webview asks for one trace's
// spans, for a span's source to be revealed and for the endpoint to be copied, with requests the
// host answers. Everything a service sent (names, attributes, resources) is data here: the webview
// sets it as text. Plain TypeScript, no vscode or Node imports: the webview bundle imports this file.
import { IpcCommand, IpcNotification, IpcRequest, isNonEmptyString, isPositionNumber, isRecord } from './panelProtocol';

/** An OTLP attribute value as JSON: scalars, arrays, key-value lists (bytes as hex). */
export type PanelAttributeValue = string | number | boolean | null | PanelAttributeValue[] | { [key: string]: PanelAttributeValue };
export type PanelAttributes = Record<string, PanelAttributeValue>;

export type ReceiverStateName = 'stopped' | 'starting' | 'running' | 'failed' | 'untrusted';
export const receiverStateNames: readonly ReceiverStateName[] = ['stopped', 'starting', 'running', 'failed', 'untrusted'];

export interface ReceiverState {
  state: ReceiverStateName;
  /** The host and port asked for (settings, or the free port chosen instead). */
  host: string;
  port: number;
  /** While running: what OTEL_EXPORTER_OTLP_ENDPOINT takes (`http://127.0.0.1:4318`). */
  endpoint?: string;
  /** Why it is failed or stopped. */
  message?: string;
}

export interface PanelTraceSummary {
  traceId: string;
  rootServiceName?: string;
  rootName?: string;
  /** ms since the epoch. */
  startTimeMs: number;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
}

/** The Traces list's filter. The webview sends it; the host applies it over every trace it holds. */
export interface TracesFilter {
  /** A root or participating service; '' for all. */
  service: string;
  errorsOnly: boolean;
  /** Traces shorter than this are left out; 0 keeps all. */
  minDurationMs: number;
  /** Matched case-insensitively against span names, service names, attribute keys and values. */
  text: string;
}

export const emptyTracesFilter: TracesFilter = { service: '', errorsOnly: false, minDurationMs: 0, text: '' };

export type PanelLiveSeverity = 'info' | 'warning' | 'error';
export const panelLiveSeverities: readonly PanelLiveSeverity[] = ['info', 'warning', 'error'];

export interface PanelLiveFinding {
  kind: string;
  severity: PanelLiveSeverity;
  subject: string;
  message: string;
  evidence: Record<string, unknown>;
  location?: { file: string; line: number };
  raisedAt: number;
  updatedAt: number;
}

export interface LiveSnapshotParams {
  receiver: ReceiverState;
  /** The traces the filter lets through, newest first, at most `tracesShownLimit`. */
  traces: PanelTraceSummary[];
  /** The filter they were chosen by (the latest the webview sent). */
  filter: TracesFilter;
  /** How many held traces the filter lets through (`traces` stops at the limit). */
  tracesMatching: number;
  tracesHeld: number;
  /** Every service of the traces held: the service filter's choices. */
  services: string[];
  spansHeld: number;
  evictedSpans: number;
  /** Newest first. */
  findings: PanelLiveFinding[];
  /** The Redis targets the Streams view shows (absent or empty: none attached). */
  streams?: PanelRedisTarget[];
  generatedAt: number;
}

export type PanelRedisState = 'connecting' | 'connected' | 'auth-failed' | 'gone';
export const panelRedisStates: readonly PanelRedisState[] = ['connecting', 'connected', 'auth-failed', 'gone'];

/** One Redis target of the Streams view. Every name in it (streams, groups, consumers) came from the server: text. */
export interface PanelRedisTarget {
  name: string;
  /** Without its password. */
  url: string;
  state: PanelRedisState;
  lastError?: string;
  /** What the poller could not read or had to leave out (a capped SCAN, fields this Redis lacks). */
  notes: string[];
  unreadable: { stream: string; reason: string }[];
  streams: PanelStream[];
}

export interface PanelStream {
  stream: string;
  length: number;
  groups: PanelStreamGroup[];
  /** Groups past the poller's cap, not read. */
  groupsNotRead: number;
}

export interface PanelStreamGroup {
  group: string;
  /** null: Redis cannot say (nil lag, or a Redis without the field): shown as "unknown", never 0. */
  lag: number | null;
  lagNote?: string;
  pending: number;
  /** ms since the oldest pending entry was added. */
  oldestPendingAgeMs?: number;
  consumers: PanelStreamConsumer[];
  /** The oldest pending entries idle past the poller's threshold. */
  stuck: PanelStuckEntry[];
  /** Stuck entries delivered at least `deadLetterDeliveries` times. */
  deadLetterCandidates: number;
}

export interface PanelStreamConsumer {
  name: string;
  pending: number;
  idleMs: number;
  /** Redis 7.2+; -1 when it never read successfully. */
  inactiveMs?: number;
  /** Idle past the dead-consumer threshold while holding pending entries. */
  dead: boolean;
}

export interface PanelStuckEntry {
  id: string;
  consumer: string;
  idleMs: number;
  deliveryCount: number;
  deadLetter: boolean;
}

export interface PanelSpanEvent {
  name: string;
  /** ms after the trace's start. */
  offsetMs: number;
  attributes: PanelAttributes;
}

export interface PanelSpanLink {
  traceId: string;
  spanId: string;
  attributes: PanelAttributes;
}

export type PanelSpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type PanelStatusCode = 'unset' | 'ok' | 'error';

export interface PanelSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: PanelSpanKind;
  serviceName: string;
  /** ms after the trace's start (the earliest span start held). */
  startMs: number;
  durationMs: number;
  status: { code: PanelStatusCode; message?: string };
  attributes: PanelAttributes;
  resource: PanelAttributes;
  scope: { name: string; version?: string };
  events: PanelSpanEvent[];
  links: PanelSpanLink[];
  /** Whether the host can name a source location for it (code.* attributes or a stack trace). */
  hasSource: boolean;
}

export interface OpenTraceParams {
  traceId: string;
}

export interface OpenTraceResult {
  traceId: string;
  /** The trace's start, ms since the epoch. */
  startTimeMs: number;
  /** By start time; empty when the store no longer holds the trace. */
  spans: PanelSpan[];
}

export interface SpanRef {
  traceId: string;
  spanId: string;
}

export interface RevealSourceResult {
  opened: boolean;
  /** What was opened (`src/a.ts:12`), or why nothing was. */
  message: string;
}

export interface CopyEndpointResult {
  /** The endpoint copied, absent when the receiver is not running. */
  copied?: string;
}

/** For the vscode tests: what the webview rendered in the elements a selector matches. */
export interface RenderedQueryParams {
  selector: string;
}

export interface RenderedElement {
  text: string;
  ariaLabel?: string;
  className: string;
}

export interface RenderedQueryResult {
  elements: RenderedElement[];
  /** How many `<img>` elements the view holds: markup a service sent must never become one. */
  images: number;
}

export interface ClickParams {
  selector: string;
  index: number;
}

export const tracesShownLimit = 500;

export const LiveSnapshotNotification = new IpcNotification<LiveSnapshotParams>('live/snapshot', isLiveSnapshotParams);

export const OpenTraceRequest = new IpcRequest<OpenTraceParams, OpenTraceResult>(
  'live/openTrace',
  (params): params is OpenTraceParams => isRecord(params) && isHexId(params.traceId),
  isOpenTraceResult,
);

export const RevealSourceRequest = new IpcRequest<SpanRef, RevealSourceResult>(
  'live/revealSource',
  (params): params is SpanRef => isRecord(params) && isHexId(params.traceId) && isHexId(params.spanId),
  (result): result is RevealSourceResult => isRecord(result) && typeof result.opened === 'boolean' && typeof result.message === 'string',
);

export const CopyEndpointRequest = new IpcRequest<undefined, CopyEndpointResult>(
  'live/copyEndpoint',
  (params): params is undefined => params === undefined,
  (result): result is CopyEndpointResult => isRecord(result) && (result.copied === undefined || typeof result.copied === 'string'),
);

/** The webview's Traces filter: the host applies it to this and later snapshots, and sends one now. */
export const SetTracesFilterCommand = new IpcCommand<TracesFilter>('live/setTracesFilter', isTracesFilter);

/** Asks the host to start the receiver again (after it failed or was stopped): on the configured port, or on any free one. */
export const StartReceiverCommand = new IpcCommand<{ freePort: boolean }>(
  'live/startReceiver',
  (params): params is { freePort: boolean } => isRecord(params) && typeof params.freePort === 'boolean',
);

/** Host → webview, only from the test-only command: reads the rendered DOM. */
export const RenderedQueryRequest = new IpcRequest<RenderedQueryParams, RenderedQueryResult>(
  'test/rendered',
  (params): params is RenderedQueryParams => isRecord(params) && isNonEmptyString(params.selector),
  (result): result is RenderedQueryResult =>
    isRecord(result) && Array.isArray(result.elements) && result.elements.every(isRenderedElement) && isPositionNumber(result.images),
);

/** Host → webview, only from the test-only command: clicks the `index`th element a selector matches. */
export const ClickRequest = new IpcRequest<ClickParams, { clicked: boolean }>(
  'test/click',
  (params): params is ClickParams => isRecord(params) && isNonEmptyString(params.selector) && isPositionNumber(params.index),
  (result): result is { clicked: boolean } => isRecord(result) && typeof result.clicked === 'boolean',
);

function isRenderedElement(value: unknown): value is RenderedElement {
  return isRecord(value) && typeof value.text === 'string' && typeof value.className === 'string' && (value.ariaLabel === undefined || typeof value.ariaLabel === 'string');
}

export function isHexId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{1,64}$/.test(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isOptionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isReceiverState(value: unknown): value is ReceiverState {
  return (
    isRecord(value) &&
    (receiverStateNames as readonly unknown[]).includes(value.state) &&
    typeof value.host === 'string' &&
    isPositionNumber(value.port) &&
    isOptionalString(value.endpoint) &&
    isOptionalString(value.message)
  );
}

function isPanelTraceSummary(value: unknown): value is PanelTraceSummary {
  return (
    isRecord(value) &&
    isHexId(value.traceId) &&
    isOptionalString(value.rootServiceName) &&
    isOptionalString(value.rootName) &&
    isFiniteNumber(value.startTimeMs) &&
    isFiniteNumber(value.durationMs) &&
    isPositionNumber(value.spanCount) &&
    isPositionNumber(value.errorCount) &&
    isStringArray(value.services)
  );
}

export function isTracesFilter(value: unknown): value is TracesFilter {
  return (
    isRecord(value) &&
    typeof value.service === 'string' &&
    typeof value.errorsOnly === 'boolean' &&
    isFiniteNumber(value.minDurationMs) &&
    value.minDurationMs >= 0 &&
    typeof value.text === 'string' &&
    value.text.length <= 1000
  );
}

function isPanelLiveFinding(value: unknown): value is PanelLiveFinding {
  return (
    isRecord(value) &&
    typeof value.kind === 'string' &&
    (panelLiveSeverities as readonly unknown[]).includes(value.severity) &&
    typeof value.subject === 'string' &&
    typeof value.message === 'string' &&
    isRecord(value.evidence) &&
    (value.location === undefined || (isRecord(value.location) && typeof value.location.file === 'string' && isPositionNumber(value.location.line))) &&
    isFiniteNumber(value.raisedAt) &&
    isFiniteNumber(value.updatedAt)
  );
}

function isLiveSnapshotParams(value: unknown): value is LiveSnapshotParams {
  return (
    isRecord(value) &&
    isReceiverState(value.receiver) &&
    Array.isArray(value.traces) &&
    value.traces.every(isPanelTraceSummary) &&
    isTracesFilter(value.filter) &&
    isPositionNumber(value.tracesMatching) &&
    isPositionNumber(value.tracesHeld) &&
    isStringArray(value.services) &&
    isPositionNumber(value.spansHeld) &&
    isPositionNumber(value.evictedSpans) &&
    Array.isArray(value.findings) &&
    value.findings.every(isPanelLiveFinding) &&
    (value.streams === undefined || (Array.isArray(value.streams) && value.streams.every(isPanelRedisTarget))) &&
    isFiniteNumber(value.generatedAt)
  );
}

function isPanelRedisTarget(value: unknown): value is PanelRedisTarget {
  return (
    isRecord(value) &&
    typeof value.name === 'string' &&
    typeof value.url === 'string' &&
    (panelRedisStates as readonly unknown[]).includes(value.state) &&
    isOptionalString(value.lastError) &&
    isStringArray(value.notes) &&
    Array.isArray(value.unreadable) &&
    value.unreadable.every((entry) => isRecord(entry) && typeof entry.stream === 'string' && typeof entry.reason === 'string') &&
    Array.isArray(value.streams) &&
    value.streams.every(isPanelStream)
  );
}

function isPanelStream(value: unknown): value is PanelStream {
  return isRecord(value) && typeof value.stream === 'string' && isPositionNumber(value.length) && isPositionNumber(value.groupsNotRead) && Array.isArray(value.groups) && value.groups.every(isPanelStreamGroup);
}

function isPanelStreamGroup(value: unknown): value is PanelStreamGroup {
  return (
    isRecord(value) &&
    typeof value.group === 'string' &&
    (value.lag === null || isPositionNumber(value.lag)) &&
    isOptionalString(value.lagNote) &&
    isPositionNumber(value.pending) &&
    (value.oldestPendingAgeMs === undefined || isFiniteNumber(value.oldestPendingAgeMs)) &&
    Array.isArray(value.consumers) &&
    value.consumers.every(
      (consumer) =>
        isRecord(consumer) &&
        typeof consumer.name === 'string' &&
        isPositionNumber(consumer.pending) &&
        isFiniteNumber(consumer.idleMs) &&
        (consumer.inactiveMs === undefined || isFiniteNumber(consumer.inactiveMs)) &&
        typeof consumer.dead === 'boolean',
    ) &&
    Array.isArray(value.stuck) &&
    value.stuck.every(
      (entry) =>
        isRecord(entry) &&
        typeof entry.id === 'string' &&
        typeof entry.consumer === 'string' &&
        isFiniteNumber(entry.idleMs) &&
        isPositionNumber(entry.deliveryCount) &&
        typeof entry.deadLetter === 'boolean',
    ) &&
    isPositionNumber(value.deadLetterCandidates)
  );
}

const spanKinds: readonly PanelSpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const statusCodes: readonly PanelStatusCode[] = ['unset', 'ok', 'error'];

function isPanelSpan(value: unknown): value is PanelSpan {
  return (
    isRecord(value) &&
    isHexId(value.spanId) &&
    (value.parentSpanId === undefined || isHexId(value.parentSpanId)) &&
    typeof value.name === 'string' &&
    (spanKinds as readonly unknown[]).includes(value.kind) &&
    typeof value.serviceName === 'string' &&
    isFiniteNumber(value.startMs) &&
    isFiniteNumber(value.durationMs) &&
    isRecord(value.status) &&
    (statusCodes as readonly unknown[]).includes(value.status.code) &&
    isOptionalString(value.status.message) &&
    isRecord(value.attributes) &&
    isRecord(value.resource) &&
    isRecord(value.scope) &&
    typeof value.scope.name === 'string' &&
    Array.isArray(value.events) &&
    value.events.every((event) => isRecord(event) && typeof event.name === 'string' && isFiniteNumber(event.offsetMs) && isRecord(event.attributes)) &&
    Array.isArray(value.links) &&
    value.links.every((link) => isRecord(link) && isHexId(link.traceId) && isHexId(link.spanId) && isRecord(link.attributes)) &&
    typeof value.hasSource === 'boolean'
  );
}

function isOpenTraceResult(value: unknown): value is OpenTraceResult {
  return isRecord(value) && isHexId(value.traceId) && isFiniteNumber(value.startTimeMs) && Array.isArray(value.spans) && value.spans.every(isPanelSpan);
}

export type PanelViewName = 'findings' | 'traces' | 'streams' | 'liveFindings';
export const panelViewNames: readonly PanelViewName[] = ['findings', 'traces', 'streams', 'liveFindings'];

/** Host → webview: switch to a view (the `bounded.showTraces` command). */
export const ShowViewNotification = new IpcNotification<{ view: PanelViewName }>(
  'live/showView',
  (params): params is { view: PanelViewName } => isRecord(params) && (panelViewNames as readonly unknown[]).includes(params.view),
);
