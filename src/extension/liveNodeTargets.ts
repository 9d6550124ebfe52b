// The Node processes the window's live session is attached to ("Bounded: Attach to Node Process…"):
// one inspector source each (src/live/inspectorSource.ts), keyed by inspector endpoint, sampling into
// one TimeSeriesStore, each judged by its LeakDetector that raises handle-leak into the session's findings.
// A target that exits is 'process gone' and stays so (no silent re-attach to whatever takes the port
// next): the extension offers re-attaching to the same port. Detach and dispose remove what was
// installed in the target. Leak-site tracking (an async_hooks hook in the target, opt-in) is set on
// attach or turned on and off later (setLeakSites: a re-attach under the same label, so the series
// carry on). onChange tells of state changes and of each sample (the panel's Handles view follows it).
// Plain Node (no vscode import): the prompts are attachNodeProcess.ts's.
import { createInspectorSource, type InspectorSource, type InspectorTargetState, type LeakSiteOptions } from '../live/inspectorSource';
import { LeakDetector, type LeakDetectorInit, type LeakDetectorOptions } from '../live/leakDetector';
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
  /** Record leak sites (creation stacks of a sampled fraction of new resources). Default: off. */
  leakSites?: LeakSiteOptions;
}

export type NodeTargetStateListener = (endpoint: string, state: InspectorTargetState, source: InspectorSource) => void;

export class LiveNodeTargets {
  readonly store: TimeSeriesStore;
  private readonly sources = new Map<string, TargetEntry>();
  private readonly listeners = new Set<NodeTargetStateListener>();
  private readonly changeListeners = new Set<() => void>();

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

  /** Called on every state change and after every sample of any target. */
  onChange(listener: () => void): { dispose(): void } {
    this.changeListeners.add(listener);
    return { dispose: () => void this.changeListeners.delete(listener) };
  }

  /** The leak-site options the target at `endpoint` was attached with (undefined: tracking off, or not attached). */
  leakSitesOf(endpoint: string): LeakSiteOptions | undefined {
    return this.sources.get(endpoint)?.options.leakSites;
  }

  /**
   * Turns leak-site tracking on (with these options) or off (undefined) for an attached target: it
   * is attached again with them, under the same label, so its series carry on (its handle-leak
   * findings are judged again from them at the next sample). Turning it off removes the hook from
   * the target. Rejects when the endpoint is not attached or its process is gone (left as it is), or
   * when re-attaching fails (the target is then no longer attached: it went away meanwhile).
   */
  async setLeakSites(endpoint: string, leakSites: LeakSiteOptions | undefined): Promise<void> {
    const entry = this.sources.get(endpoint);
    if (entry === undefined) throw new Error(`Bounded is not attached to a Node process on ${endpoint}`);
    if (entry.source.state === 'process gone') throw new Error(`the Node process on ${endpoint} is gone: attach to it again first`);
    if (leakSites !== undefined && !(leakSites.sampleRate > 0 && leakSites.sampleRate <= 1)) {
      throw new RangeError(`leak-site sampling is a fraction in (0, 1], not ${leakSites.sampleRate}`);
    }
    const { leakSites: _previous, ...options } = entry.options;
    await this.attach(entry.endpoint, leakSites === undefined ? options : { ...options, leakSites });
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
    const detector = new SampleNotifyingLeakDetector({ store: this.store, findings: this.findings, options: { ...this.defaults.leak, ...options.leak } }, () => this.changed());
    const source = createInspectorSource({
      host: endpoint.host,
      port: endpoint.port,
      allowNonLoopback: endpoint.allowNonLoopback === true,
      label,
      store: this.store,
      detector,
      sampleIntervalMs: options.sampleIntervalMs ?? this.defaults.sampleIntervalMs ?? 2000,
      ...(options.leakSites ? { leakSites: options.leakSites } : {}),
      reattach: false,
      log: this.log,
    });
    const subscription = source.onStateChange((state) => {
      this.log(`inspector ${key}: ${state}${state === 'process gone' && source.figures().lastError ? ` (${source.figures().lastError})` : ''}`);
      for (const listener of [...this.listeners]) listener(key, state, source);
      this.changed();
    });
    this.sources.set(key, { source, detector, subscription, endpoint, options });
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
    this.changeListeners.clear();
  }

  private changed(): void {
    for (const listener of [...this.changeListeners]) listener();
  }
}

interface TargetEntry {
  source: InspectorSource;
  detector: LeakDetector;
  subscription: { dispose(): void };
  /** What it was attached with, for setLeakSites' re-attach. */
  endpoint: NodeTargetEndpoint;
  options: LiveNodeTargetsOptions;
}

/** The inspector source ticks its detector after each sample: that tick is the sample's notification. */
class SampleNotifyingLeakDetector extends LeakDetector {
  constructor(
    init: LeakDetectorInit,
    private readonly sampled: () => void,
  ) {
    super(init);
  }

  override tick(now?: number): void {
    super.tick(now);
    this.sampled();
  }
}

/** `host:port`, as the inspector source's figures().endpoint says it. */
export function endpointOf(endpoint: { host: string; port: number }): string {
  return `${endpoint.host}:${endpoint.port}`;
}
