// The Node processes the window's live session is attached to ("Bounded: Attach to Node Process…"):
// one inspector source each (src/live/inspectorSource.ts), keyed by inspector endpoint, sampling into
// one TimeSeriesStore, each judged by its LeakDetector that raises handle-leak into the session's findings.
// A target that exits is 'process gone' and stays so (no silent re-attach to whatever takes the port
// next): the extension offers re-attaching to the same port. Detach and dispose remove what was
// installed in the target. Plain Node (no vscode import): the prompts are attachNodeProcess.ts's.
import { createInspectorSource, type InspectorSource, type InspectorTargetState } from '../live/inspectorSource';
import { LeakDetector, type LeakDetectorOptions } from '../live/leakDetector';
import type { LiveFindingSet } from '../live/liveFindingSet';
import { TimeSeriesStore } from '../live/timeSeries';

export interface NodeTargetEndpoint {
  host: string;
  port: number;
  /** Only after the user confirmed a non-loopback host twice. */
  allowNonLoopback?: boolean;
}

export interface LiveNodeTargetsOptions {
  /** Default 2000 ms. */
  sampleIntervalMs?: number;
  /** The leak detector's window and thresholds (its defaults: 10 min). */
  leak?: Partial<LeakDetectorOptions>;
}

export type NodeTargetStateListener = (endpoint: string, state: InspectorTargetState, source: InspectorSource) => void;

export class LiveNodeTargets {
  readonly store: TimeSeriesStore;
  private readonly sources = new Map<string, { source: InspectorSource; detector: LeakDetector; subscription: { dispose(): void } }>();
  private readonly listeners = new Set<NodeTargetStateListener>();

  constructor(
    private readonly findings: LiveFindingSet,
    private readonly log: (line: string) => void = () => undefined,
    private readonly defaults: LiveNodeTargetsOptions = {},
  ) {
    // Handle types (at most 64 a target), memory and delay: a few targets' series, 2,000 points each at
    // most, kept for 30 min (or two leak windows).
    const windowMs = defaults.leak?.windowMs ?? 10 * 60_000;
    this.store = new TimeSeriesStore({ maxKeys: 600, maxPointsPerKey: 2000, maxAgeMs: Math.max(30 * 60_000, 2 * windowMs) });
  }

  /** The attached targets (any state but detached); each is known by its endpoint `host:port`. */
  list(): InspectorSource[] {
    return [...this.sources.values()].map((entry) => entry.source);
  }

  get(endpoint: string): InspectorSource | undefined {
    return this.sources.get(endpoint)?.source;
  }

  onStateChange(listener: NodeTargetStateListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /**
   * Attaches to the inspector at host:port (replacing a target on the same endpoint: a re-attach),
   * resolving with the source's start line once the sampler is installed. Rejects as the source's
   * start() does (nothing listens, not loopback, refused); nothing is left behind then. `options`
   * override the defaults for this target (a test's short leak window).
   */
  async attach(endpoint: NodeTargetEndpoint, options: LiveNodeTargetsOptions = {}): Promise<{ source: InspectorSource; started: string }> {
    const key = endpointOf(endpoint);
    await this.detach(key);
    const label = endpoint.host === '127.0.0.1' ? String(endpoint.port) : key;
    const detector = new LeakDetector({ store: this.store, findings: this.findings, options: { ...this.defaults.leak, ...options.leak } });
    const source = createInspectorSource({
      host: endpoint.host,
      port: endpoint.port,
      allowNonLoopback: endpoint.allowNonLoopback === true,
      label,
      store: this.store,
      detector,
      sampleIntervalMs: options.sampleIntervalMs ?? this.defaults.sampleIntervalMs ?? 2000,
      reattach: false,
      log: this.log,
    });
    const subscription = source.onStateChange((state) => {
      this.log(`inspector ${key}: ${state}${state === 'process gone' && source.figures().lastError ? ` (${source.figures().lastError})` : ''}`);
      for (const listener of [...this.listeners]) listener(key, state, source);
    });
    this.sources.set(key, { source, detector, subscription });
    try {
      const started = await source.start();
      this.log(`inspector ${key}: ${started}`);
      return { source, started };
    } catch (error) {
      subscription.dispose();
      detector.dispose();
      this.sources.delete(key);
      throw error;
    }
  }

  /** Detaches from one endpoint (removing the sampler from the target), or from all. */
  async detach(endpoint?: string): Promise<void> {
    const keys = endpoint === undefined ? [...this.sources.keys()] : [endpoint];
    for (const key of keys) {
      const entry = this.sources.get(key);
      if (entry === undefined) continue;
      this.sources.delete(key);
      await entry.source.stop();
      entry.detector.dispose();
      entry.subscription.dispose();
      this.log(`inspector ${key}: detached`);
    }
  }

  async dispose(): Promise<void> {
    await this.detach();
    this.listeners.clear();
  }
}

/** `host:port`, as the inspector source's figures().endpoint says it. */
export function endpointOf(endpoint: { host: string; port: number }): string {
  return `${endpoint.host}:${endpoint.port}`;
}
