// The live session of one VS Code window: a TraceStore fed by an OTLP/HTTP receiver, the trace
// detectors over it (ticked on a timer) and the live findings they raise. The panel host starts it
// when the panel opens (or at activation with bounded.live.otlp.autoStart) and stops it on dispose.
// Plain Node (no vscode import): the prompts about ports and hosts are liveSessionHost.ts's.
import { LiveFindingSet } from '../live/liveFindingSet';
import { startOtlpReceiver, type OtlpReceiver } from '../live/otlpReceiver';
import { createTraceDetectors, type TraceDetectors } from '../live/traceDetectors';
import { TraceStore } from '../live/traceStore';
import type { ReceiverState } from '../shared/livePanelProtocol';
import type { LiveSettings } from '../shared/settings';

const detectorTickMs = 1000;

export class LiveSession {
  readonly store: TraceStore;
  readonly findings = new LiveFindingSet();
  private readonly detectors: TraceDetectors;
  private readonly ticker: NodeJS.Timeout;
  private receiver: OtlpReceiver | undefined;
  private starting: Promise<OtlpReceiver> | undefined;
  private receiverState: ReceiverState;
  private readonly listeners = new Set<() => void>();
  private readonly subscriptions: Array<{ dispose(): void }>;

  constructor(
    private readonly settings: LiveSettings,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.store = new TraceStore({ maxSpans: settings.traces.maxSpans, maxAgeMs: settings.traces.maxAgeMs });
    this.detectors = createTraceDetectors({ store: this.store, findings: this.findings });
    this.ticker = setInterval(() => {
      this.detectors.tick();
      this.store.prune();
    }, detectorTickMs);
    this.ticker.unref();
    this.receiverState = { state: 'stopped', host: settings.otlp.host, port: settings.otlp.port };
    this.subscriptions = [this.store.onSpans(() => this.changed()), this.findings.onChange(() => this.changed())];
  }

  get state(): ReceiverState {
    return this.receiverState;
  }

  get running(): boolean {
    return this.receiver !== undefined;
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
    if (this.receiver) return this.receiver;
    if (this.starting) return this.starting;
    const { host, maxBodyBytes, maxDecompressedBytes } = this.settings.otlp;
    this.setState({ state: 'starting', host, port });
    this.starting = startOtlpReceiver({ host, port, store: this.store, maxBodyBytes, maxDecompressedBytes, log: this.log });
    try {
      const receiver = await this.starting;
      this.receiver = receiver;
      this.setState({ state: 'running', host, port: receiver.port, endpoint: receiver.url });
      return receiver;
    } catch (error) {
      this.setState({ state: 'failed', host, port, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      this.starting = undefined;
    }
  }

  /** Marks the session as not allowed to receive (an untrusted workspace), stopping the receiver. */
  async refuse(message: string): Promise<void> {
    await this.stopReceiver();
    this.setState({ state: 'untrusted', host: this.settings.otlp.host, port: this.settings.otlp.port, message });
  }

  async stopReceiver(message?: string): Promise<void> {
    const receiver = this.receiver ?? (await this.starting?.catch(() => undefined));
    this.receiver = undefined;
    await receiver?.close();
    this.setState({ state: 'stopped', host: this.settings.otlp.host, port: this.settings.otlp.port, message });
  }

  /** Stops everything: the receiver, the detectors, the timer. The session cannot start again. */
  async dispose(): Promise<void> {
    clearInterval(this.ticker);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.detectors.dispose();
    this.listeners.clear();
    const receiver = this.receiver ?? (await this.starting?.catch(() => undefined));
    this.receiver = undefined;
    await receiver?.close();
  }

  private setState(state: ReceiverState): void {
    this.receiverState = state;
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
