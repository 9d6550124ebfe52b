// Live findings: what detectors raise from the live model. The panel, notifications, the status bar,
// the editor's diagnostics and `bounded watch` all read these records. Kinds are part of the
// interface (`bounded watch --json` prints them).

export const liveFindingKinds = [
  // Traces (part 1)
  'broken-propagation',
  'slow-operation',
  'error-rate',
  // Redis Streams (part 2)
  'stream-backlog',
  'stream-dead-letter',
  'stream-dead-consumer',
  'stream-no-consumer',
  // Handles (part 3)
  'handle-leak',
  'goroutine-leak',
  'fd-leak',
] as const;

export type LiveFindingKind = (typeof liveFindingKinds)[number];

export type LiveSeverity = 'info' | 'warning' | 'error';

export interface SourceLocation {
  /** Absolute path, or as the service reported it when it is not in a workspace. */
  file: string;
  /** 1-based. */
  line: number;
}

export interface LiveFinding {
  kind: LiveFindingKind;
  severity: LiveSeverity;
  /**
   * What the finding is about, unique per kind while it lasts: the same (kind, subject) raised again
   * updates the finding; clearing it names the same pair. E.g. `checkout → payments` or
   * `orders:workers`.
   */
  subject: string;
  message: string;
  /** Names what it is about: trace and span ids, stream, group and entry ids, resource type and creation site. JSON-serialisable. */
  evidence: Record<string, unknown>;
  location?: SourceLocation;
  /** ms since the epoch when first raised. */
  raisedAt: number;
  /** ms since the epoch of the latest update. */
  updatedAt: number;
}
