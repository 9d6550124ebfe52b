// The live session of one VS Code window: the trace source `bounded watch` runs too (a TraceStore
// fed by an OTLP/HTTP receiver, the trace detectors over it ticked on a timer, src/live/traceSource.ts),
// the live findings they raise and the receiver's state as the panel shows it. The panel host starts it
// when the panel opens (or at activation with bounded.live.otlp.autoStart) and stops it on dispose.
// Beside them, one Redis Streams source (src/live/streamSource.ts) over the Redis targets the host
// gives it (settings and "Attach to Redis…", passwords from SecretStorage), into the same findings.
// The attached Node processes and the polled metrics/pprof endpoints (liveAttachedTargets.ts) are
// the host's, handed to each session it builds, so a rebuild after a settings change keeps them;
// their findings are mirrored into this session's. Made without them, the session owns its own.
// Plain Node (no vscode import): the prompts about ports and hosts are liveSessionHost.ts's.
import { LiveFindingSet } from '../live/liveFindingSet';
import { LiveAttachedTargets, mirrorFindings } from './liveAttachedTargets';
import type { LiveNodeTargets, LiveNodeTargetsOptions } from './liveNodeTargets';
import type { LiveScrapeTargets } from './liveScrapeTargets';
import type { OtlpReceiver } from '../live/otlpReceiver';
import type { RedisStreamTarget } from '../live/streamPoller';
import { createStreamSource, type StreamSource } from '../live/streamSource';
import { createTraceSource, type TraceSource } from '../live/traceSource';
import type { TraceStore } from '../live/traceStore';
import type { ReceiverState } from '../shared/livePanelProtocol';
import type { LiveSettings } from '../shared/settings';

/**
 * Whether going from `previous` to `next` needs a new session: a change of anything but the targets
 * (Redis, metrics, pprof, which are set on the running session), the inspector setting (read at
 * each attach) and bounded.live.notifications (read at each finding) does.
 */
export function sessionRebuildNeeded(previous: LiveSettings, next: LiveSettings): boolean {
  const rebuiltFrom = ({ redis: { targets, ...redis }, metrics, pprof, inspector, notifications, ...rest }: LiveSettings) => JSON.stringify({ ...rest, redis });
  return rebuiltFrom(previous) !== rebuiltFrom(next);
}

export class LiveSession {
  readonly findings = new LiveFindingSet();
  /** The Node processes attached through their inspectors (handle-leak into `findings`). */
  readonly nodeTargets: LiveNodeTargets;
  /** The polled Prometheus and pprof endpoints (their leak findings into `findings`). */
  readonly scrapeTargets: LiveScrapeTargets;
  /** Disposed with the session only when the session made them (no `attached` given). */
  private readonly ownedAttached: LiveAttachedTargets | undefined;
  private readonly traces: TraceSource;
  private receiverState: ReceiverState;
  private readonly listeners = new Set<() => void>();
  private readonly subscriptions: Array<{ dispose(): void }>;
  private readonly log: (line: string) => void;
  private streams: StreamSource | undefined;
  /** The targets `streams` polls, as JSON: setting the same ones again leaves the pollers alone. */
  private streamTargetsKey = '[]';
  /** setRedisTargets calls, one after the other. */
  private streamsChanging: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(
    readonly settings: LiveSettings,
    log: (line: string) => void = () => undefined,
    nodeTargetOptions: LiveNodeTargetsOptions = {},
    attached?: LiveAttachedTargets,
  ) {
    this.log = log;
    this.ownedAttached = attached === undefined ? new LiveAttachedTargets(log, { node: nodeTargetOptions }) : undefined;
    const targets = attached ?? this.ownedAttached!;
    this.nodeTargets = targets.nodeTargets;
    this.scrapeTargets = targets.scrapeTargets;
    const { host, port, maxBodyBytes, maxDecompressedBytes } = settings.otlp;
    this.traces = createTraceSource({ host, port, findings: this.findings, store: { maxSpans: settings.traces.maxSpans, maxAgeMs: settings.traces.maxAgeMs, maxBytes: settings.traces.maxMegabytes * 1024 * 1024 }, maxBodyBytes, maxDecompressedBytes, log });
    this.receiverState = { state: 'stopped', host, port };
    this.subscriptions = [this.store.onSpans(() => this.changed()), this.findings.onChange(() => this.changed())];
    this.subscriptions.push(mirrorFindings(targets.findings, this.findings), this.scrapeTargets.onChange(() => this.changed()));
    // Each sample and state change of an attached Node process: the panel's Handles view follows them.
    this.subscriptions.push(this.nodeTargets.onChange(() => this.changed()));
  }

  get store(): TraceStore {
    return this.traces.store;
  }

  get state(): ReceiverState {
    return this.receiverState;
  }

  get running(): boolean {
    return this.traces.url !== undefined;
  }

  /** The Redis Streams source, while there are targets. */
  get streamSource(): StreamSource | undefined {
    return this.streams;
  }

  /**
   * Polls these Redis targets (none: stops polling). The same targets as now leave the pollers as
   * they are; other ones replace them (series start again). Rejects with a RangeError for a target
   * the poller refuses (no name, a url that is not redis:// or rediss://, two of a name), polling none.
   */
  setRedisTargets(targets: RedisStreamTarget[]): Promise<void> {
    const next = this.streamsChanging.then(() => this.replaceStreams(targets));
    this.streamsChanging = next.catch(() => undefined);
    return next;
  }

  private async replaceStreams(targets: RedisStreamTarget[]): Promise<void> {
    const key = JSON.stringify(targets);
    if (this.disposed || key === this.streamTargetsKey) return;
    const previous = this.streams;
    this.streams = undefined;
    this.streamTargetsKey = '[]';
    await previous?.stop();
    if (targets.length > 0) {
      const { deadLetterDeliveries, consumerIdleMs, backlogWindowMs, backlogMinIncrease } = this.settings.redis;
      const detectors = { deadLetterDeliveries, deadConsumerIdleMs: consumerIdleMs, windowMs: backlogWindowMs, backlogMinIncrease };
      const source = createStreamSource({ targets, findings: this.findings, detectors, log: this.log, onChange: () => this.changed() });
      this.streams = source;
      this.streamTargetsKey = key;
      this.log(`live: ${await source.start()}`);
    }
    this.changed();
  }

  /** Called after spans arrive, findings change or the receiver's state changes. */
  onChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /**
   * Starts the receiver on the configured host and `port` (the configured one by default; 0 picks a
   * free one). Rejects as startOtlpReceiver does (code EADDRINUSE when the port is taken), after
   * recording the failure in `state`. Already running: resolves with the running receiver.
   */
  async start(port = this.settings.otlp.port): Promise<OtlpReceiver> {
    if (this.running || this.receiverState.state === 'starting') return this.traces.startReceiver(port);
    const { host } = this.settings.otlp;
    this.setState({ state: 'starting', host, port });
    try {
      const receiver = await this.traces.startReceiver(port);
      this.setState({ state: 'running', host, port: receiver.port, endpoint: receiver.url });
      return receiver;
    } catch (error) {
      this.setState({ state: 'failed', host, port, message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  /** Marks the session as not allowed to receive (an untrusted workspace), stopping the receiver. */
  async refuse(message: string): Promise<void> {
    await this.stopReceiver();
    this.setState({ state: 'untrusted', host: this.settings.otlp.host, port: this.settings.otlp.port, message });
  }

  async stopReceiver(message?: string): Promise<void> {
    await this.traces.stopReceiver();
    this.setState({ state: 'stopped', host: this.settings.otlp.host, port: this.settings.otlp.port, message });
  }

  /** Stops everything: the receiver, the detectors, the timer, the Redis pollers, and the attached targets if it made them. The session cannot start again. */
  async dispose(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.listeners.clear();
    this.disposed = true;
    await this.ownedAttached?.dispose();
    await this.streamsChanging;
    const streams = this.streams;
    this.streams = undefined;
    await Promise.all([this.traces.stop(), streams?.stop()]);
  }

  private setState(state: ReceiverState): void {
    this.receiverState = state;
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
