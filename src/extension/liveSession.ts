// The live session of one VS Code window: the trace source `bounded watch` runs too (a TraceStore
// fed by an OTLP/HTTP receiver, the trace detectors over it ticked on a timer, src/live/traceSource.ts),
// the live findings they raise and the receiver's state as the panel shows it. The panel host starts it
// when the panel opens (or at activation with bounded.live.otlp.autoStart) and stops it on dispose.
// Plain Node (no vscode import): the prompts about ports and hosts are liveSessionHost.ts's.
import { LiveFindingSet } from '../live/liveFindingSet';
import type { OtlpReceiver } from '../live/otlpReceiver';
import { createTraceSource, type TraceSource } from '../live/traceSource';
import type { TraceStore } from '../live/traceStore';
import type { ReceiverState } from '../shared/livePanelProtocol';
import type { LiveSettings } from '../shared/settings';

export class LiveSession {
  readonly findings = new LiveFindingSet();
  private readonly traces: TraceSource;
  private receiverState: ReceiverState;
  private readonly listeners = new Set<() => void>();
  private readonly subscriptions: Array<{ dispose(): void }>;

  constructor(
    private readonly settings: LiveSettings,
    log: (line: string) => void = () => undefined,
  ) {
    const { host, port, maxBodyBytes, maxDecompressedBytes } = settings.otlp;
    this.traces = createTraceSource({ host, port, findings: this.findings, store: { maxSpans: settings.traces.maxSpans, maxAgeMs: settings.traces.maxAgeMs }, maxBodyBytes, maxDecompressedBytes, log });
    this.receiverState = { state: 'stopped', host, port };
    this.subscriptions = [this.store.onSpans(() => this.changed()), this.findings.onChange(() => this.changed())];
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

  /** Stops everything: the receiver, the detectors, the timer. The session cannot start again. */
  async dispose(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.listeners.clear();
    await this.traces.stop();
  }

  private setState(state: ReceiverState): void {
    this.receiverState = state;
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
