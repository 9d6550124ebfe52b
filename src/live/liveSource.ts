// A source feeds the live model from outside: OTLP traces (part 1), later Redis Streams, the
// inspector, Prometheus metrics and pprof. `bounded watch` and the panel start the sources asked
// for, show their summaries and read the live findings their detectors raise into one set.

export interface LiveSourceSummary {
  /** The source's current figures, JSON-serialisable (`bounded watch --json` prints them). */
  figures: Record<string, unknown>;
  /** The same, as one readable line. */
  text: string;
}

export interface LiveSource {
  /** The key of this source's figures in a summary: `traces`, later `streams`, `handles`... */
  readonly name: string;
  /**
   * Starts receiving or polling; resolves with a line saying where (the endpoint to export to).
   * Rejects with an Error whose `code` is 'EADDRINUSE' when the port it needs is taken.
   */
  start(): Promise<string>;
  /** Stops it and releases what it holds (servers, connections, timers). */
  stop(): Promise<void>;
  summary(): LiveSourceSummary;
}
