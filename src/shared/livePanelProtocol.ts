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
  /** The targets the Handles view shows: attached Node processes (absent or empty: none). */
  handles?: PanelHandleTarget[];
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
  /** Where the workspace's code produces (XADD) and consumes (XREADGROUP) this stream key. */
  sites?: PanelStreamSite[];
}

/** A call site of a stream in the workspace's code (the language server's bounded/streamSites). */
export interface PanelStreamSite {
  role: 'produce' | 'consume';
  /** `src/orders.ts:12`, relative to the workspace. */
  label: string;
  /** What the host opens (OpenStreamSiteRequest): a file: URI and a 0-based position. */
  uri: string;
  line: number;
  character: number;
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
  /** Is the group keeping up? Its read rate against the stream's add rate over the window. */
  throughput?: PanelStreamThroughput;
  /** Lag and pending over time (at most the last few hundred polls). */
  history?: PanelStreamHistory;
}

export type PanelThroughputVerdict = 'keeping-up' | 'falling-behind' | 'catching-up' | 'stalled' | 'unknown';
export const panelThroughputVerdicts: readonly PanelThroughputVerdict[] = ['keeping-up', 'falling-behind', 'catching-up', 'stalled', 'unknown'];

export interface PanelStreamThroughput {
  /** Entries a second the stream was added (XADD, from entries-added); null: unknown, never 0. */
  addingPerSecond: number | null;
  /** Entries a second the group read (from entries-read); null: unknown (Redis reports entries-read as nil), never 0. */
  readingPerSecond: number | null;
  /** The polls' span the rates are over, ms. */
  spanMs: number;
  verdict: PanelThroughputVerdict;
  /** What the verdict rests on when a rate is unknown, or why it cannot be said. */
  note?: string;
}

/** One point per poll, oldest first: `lag[i]` and `pending[i]` at `t[i]` (ms since the epoch); a null lag is a gap, never 0. */
export interface PanelStreamHistory {
  t: number[];
  lag: (number | null)[];
  pending: number[];
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

/** A live finding's source location (`location` of a PanelLiveFinding): the host opens it only when a current finding names it and it is inside the workspace. */
export interface FindingLocationRef {
  file: string;
  line: number;
}

export const RevealFindingLocationRequest = new IpcRequest<FindingLocationRef, RevealSourceResult>(
  'live/revealFindingLocation',
  (params): params is FindingLocationRef => isRecord(params) && isNonEmptyString(params.file) && isPositionNumber(params.line),
  (result): result is RevealSourceResult => isRecord(result) && typeof result.opened === 'boolean' && typeof result.message === 'string',
);

/** A stream's call site to open: the host opens it only when it is one of the sites it last sent. */
export type StreamSiteRef = Pick<PanelStreamSite, 'uri' | 'line' | 'character'>;

export const OpenStreamSiteRequest = new IpcRequest<StreamSiteRef, RevealSourceResult>(
  'live/openStreamSite',
  (params): params is StreamSiteRef => isRecord(params) && isNonEmptyString(params.uri) && params.uri.length <= 4096 && isPositionNumber(params.line) && isPositionNumber(params.character),
  (result): result is RevealSourceResult => isRecord(result) && typeof result.opened === 'boolean' && typeof result.message === 'string',
);

// The Handles view. A target is an attached Node process (kind 'node'), or a polled Prometheus
// /metrics or Go pprof endpoint (kinds 'metrics', 'pprof'): each with its state, its charts (series of
// points per chart) and its sites (where the live resources were created, or goroutine stacks).
// Every name in it (handle types, series labels, sites, commands) came from the target: text.
export type PanelHandleTargetKind = 'node' | 'metrics' | 'pprof';
export const panelHandleTargetKinds: readonly PanelHandleTargetKind[] = ['node', 'metrics', 'pprof'];

/** Node targets: the inspector source's states; scraped endpoints: up or down. */
export type PanelHandleTargetState = 'attaching' | 'attached' | 'sampling' | 'detached' | 'process gone' | 'up' | 'down';
export const panelHandleTargetStates: readonly PanelHandleTargetState[] = ['attaching', 'attached', 'sampling', 'detached', 'process gone', 'up', 'down'];

export type PanelChartUnit = 'count' | 'bytes' | 'ms';
export const panelChartUnits: readonly PanelChartUnit[] = ['count', 'bytes', 'ms'];

export interface PanelHandleTarget {
  kind: PanelHandleTargetKind;
  /** How requests name it: a Node target's inspector endpoint `host:port`, a scraped endpoint's URL. */
  id: string;
  /** `Node pid 1234`, or the endpoint when the pid is not known. */
  name: string;
  state: PanelHandleTargetState;
  lastError?: string;
  pid?: number;
  /** The command line, shortened. */
  command?: string;
  /** `Node v20.20.2`, `go1.22` when known. */
  runtime?: string;
  /** ms since the epoch. */
  lastSampleAt?: number;
  charts: PanelHandleChart[];
  /** By live count, largest first, at most a few dozen. */
  sites: PanelLeakSite[];
  /** Node targets only: whether the leak-site hook is on, and at what sampling fraction. */
  leakSites?: { enabled: boolean; sampleRate?: number };
}

export interface PanelHandleChart {
  /** `handles`, `memory`, `eventLoopDelay`, or a metric's name. */
  id: string;
  title: string;
  unit: PanelChartUnit;
  /** Whether its series add up to a whole (handle counts by type), so stacking them means something. */
  stackable: boolean;
  series: PanelHandleSeries[];
}

export interface PanelHandleSeries {
  label: string;
  /** [ms since the epoch, value], oldest first, at most a few hundred; null is a gap (no sample then), never 0. */
  points: Array<[number, number | null]>;
}

export interface PanelLeakSite {
  /** Resource type (`Timeout`, `TCPWRAP`) or `goroutine`. */
  type: string;
  /** As the target named it: `/app/server.js:12:7`, a stack's top frame. */
  site: string;
  /** The file and 1-based line, when the site names one (the host opens it only inside the workspace). */
  location?: { file: string; line: number };
  /** Live resources created there: estimated from the sampled fraction (Node), or counted (pprof). */
  live: number;
  estimated: boolean;
  /** Change of `live` per minute over the charts' window; null when too few samples say. */
  growthPerMin: number | null;
}

export interface SetLeakSitesParams {
  /** A Node target's id. */
  target: string;
  enabled: boolean;
}

export interface SetLeakSitesResult {
  ok: boolean;
  /** What was done, or why not. */
  message: string;
}

/** Turns a Node target's leak-site tracking on (the webview asked the user first) or off. */
export const SetLeakSitesRequest = new IpcRequest<SetLeakSitesParams, SetLeakSitesResult>(
  'live/setLeakSites',
  (params): params is SetLeakSitesParams => isRecord(params) && isNonEmptyString(params.target) && params.target.length <= 1000 && typeof params.enabled === 'boolean',
  (result): result is SetLeakSitesResult => isRecord(result) && typeof result.ok === 'boolean' && typeof result.message === 'string',
);

export interface LeakSiteRef {
  target: string;
  site: string;
}

/** Opens a leak site's line: the host opens it only when it is a current site of that target and inside the workspace. */
export const RevealLeakSiteRequest = new IpcRequest<LeakSiteRef, RevealSourceResult>(
  'live/revealLeakSite',
  (params): params is LeakSiteRef => isRecord(params) && isNonEmptyString(params.target) && params.target.length <= 1000 && isNonEmptyString(params.site) && params.site.length <= 4096,
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
    (value.handles === undefined || (Array.isArray(value.handles) && value.handles.every(isPanelHandleTarget))) &&
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
  return (
    isRecord(value) &&
    typeof value.stream === 'string' &&
    isPositionNumber(value.length) &&
    isPositionNumber(value.groupsNotRead) &&
    Array.isArray(value.groups) &&
    value.groups.every(isPanelStreamGroup) &&
    (value.sites === undefined || (Array.isArray(value.sites) && value.sites.every(isPanelStreamSite)))
  );
}

function isPanelStreamSite(value: unknown): value is PanelStreamSite {
  return (
    isRecord(value) &&
    (value.role === 'produce' || value.role === 'consume') &&
    typeof value.label === 'string' &&
    typeof value.uri === 'string' &&
    isPositionNumber(value.line) &&
    isPositionNumber(value.character)
  );
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
    isPositionNumber(value.deadLetterCandidates) &&
    (value.throughput === undefined || isPanelStreamThroughput(value.throughput)) &&
    (value.history === undefined || isPanelStreamHistory(value.history))
  );
}

function isPanelStreamThroughput(value: unknown): value is PanelStreamThroughput {
  const rate = (figure: unknown) => figure === null || (isFiniteNumber(figure) && figure >= 0);
  return (
    isRecord(value) &&
    rate(value.addingPerSecond) &&
    rate(value.readingPerSecond) &&
    isFiniteNumber(value.spanMs) &&
    (panelThroughputVerdicts as readonly unknown[]).includes(value.verdict) &&
    isOptionalString(value.note)
  );
}

function isPanelStreamHistory(value: unknown): value is PanelStreamHistory {
  return (
    isRecord(value) &&
    Array.isArray(value.t) &&
    value.t.every(isFiniteNumber) &&
    Array.isArray(value.lag) &&
    value.lag.length === value.t.length &&
    value.lag.every((lag) => lag === null || isPositionNumber(lag)) &&
    Array.isArray(value.pending) &&
    value.pending.length === value.t.length &&
    value.pending.every(isPositionNumber)
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

export type PanelViewName = 'findings' | 'traces' | 'streams' | 'liveFindings' | 'handles';
export const panelViewNames: readonly PanelViewName[] = ['findings', 'traces', 'streams', 'liveFindings', 'handles'];

function isPanelHandleTarget(value: unknown): value is PanelHandleTarget {
  return (
    isRecord(value) &&
    (panelHandleTargetKinds as readonly unknown[]).includes(value.kind) &&
    typeof value.id === 'string' &&
    typeof value.name === 'string' &&
    (panelHandleTargetStates as readonly unknown[]).includes(value.state) &&
    isOptionalString(value.lastError) &&
    (value.pid === undefined || isPositionNumber(value.pid)) &&
    isOptionalString(value.command) &&
    isOptionalString(value.runtime) &&
    (value.lastSampleAt === undefined || isFiniteNumber(value.lastSampleAt)) &&
    Array.isArray(value.charts) &&
    value.charts.every(isPanelHandleChart) &&
    Array.isArray(value.sites) &&
    value.sites.every(isPanelLeakSite) &&
    (value.leakSites === undefined ||
      (isRecord(value.leakSites) && typeof value.leakSites.enabled === 'boolean' && (value.leakSites.sampleRate === undefined || isFiniteNumber(value.leakSites.sampleRate))))
  );
}

function isPanelHandleChart(value: unknown): value is PanelHandleChart {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.title === 'string' &&
    (panelChartUnits as readonly unknown[]).includes(value.unit) &&
    typeof value.stackable === 'boolean' &&
    Array.isArray(value.series) &&
    value.series.every(
      (series) =>
        isRecord(series) &&
        typeof series.label === 'string' &&
        Array.isArray(series.points) &&
        series.points.every((point) => Array.isArray(point) && point.length === 2 && isFiniteNumber(point[0]) && (point[1] === null || isFiniteNumber(point[1]))),
    )
  );
}

function isPanelLeakSite(value: unknown): value is PanelLeakSite {
  return (
    isRecord(value) &&
    typeof value.type === 'string' &&
    typeof value.site === 'string' &&
    (value.location === undefined || (isRecord(value.location) && typeof value.location.file === 'string' && isPositionNumber(value.location.line))) &&
    isFiniteNumber(value.live) &&
    typeof value.estimated === 'boolean' &&
    (value.growthPerMin === null || isFiniteNumber(value.growthPerMin))
  );
}

/** Host → webview: switch to a view (the `bounded.showTraces` command). */
export const ShowViewNotification = new IpcNotification<{ view: PanelViewName }>(
  'live/showView',
  (params): params is { view: PanelViewName } => isRecord(params) && (panelViewNames as readonly unknown[]).includes(params.view),
);
