// What the window's live session watches that outlives a rebuild of the session (any change under
// bounded.live rebuilds the receiver and the Redis pollers): the Node processes attached through
// their inspectors (liveNodeTargets.ts) and the polled Prometheus and pprof endpoints
// (liveScrapeTargets.ts), with their series and the findings their leak detectors raise. The host
// owns one for the window and hands it to each session it builds; the session mirrors these findings
// into its own set (mirrorFindings), so they show in Live findings beside the traces' and streams'.
// Plain Node (no vscode import).
import type { LiveFinding } from '../live/liveFinding';
import { LiveFindingSet } from '../live/liveFindingSet';
import { LiveNodeTargets, type LiveNodeTargetsOptions } from './liveNodeTargets';
import { LiveScrapeTargets, type LiveScrapeTargetsOptions } from './liveScrapeTargets';

export interface LiveAttachedTargetsOptions {
  node?: LiveNodeTargetsOptions;
  scrape?: LiveScrapeTargetsOptions;
}

export class LiveAttachedTargets {
  /** The leak findings of the attached targets; each session mirrors them. */
  readonly findings = new LiveFindingSet();
  readonly nodeTargets: LiveNodeTargets;
  readonly scrapeTargets: LiveScrapeTargets;

  constructor(log: (line: string) => void = () => undefined, options: LiveAttachedTargetsOptions = {}) {
    this.nodeTargets = new LiveNodeTargets(this.findings, log, options.node);
    this.scrapeTargets = new LiveScrapeTargets(this.findings, log, options.scrape);
  }

  /** Detaches from every Node process (removing what was installed) and stops polling. */
  async dispose(): Promise<void> {
    await Promise.all([this.nodeTargets.dispose(), this.scrapeTargets.dispose()]);
  }
}

/**
 * Raises every finding of `from` in `into` now and as it is raised, updated or cleared there, until
 * disposed (which leaves `into` as it is). A mirrored finding's raisedAt is when it reached `into`.
 */
export function mirrorFindings(from: LiveFindingSet, into: LiveFindingSet): { dispose(): void } {
  const raise = ({ raisedAt: _raisedAt, updatedAt: _updatedAt, ...finding }: LiveFinding) => into.raise(finding);
  for (const finding of from.list().reverse()) raise(finding);
  return from.onChange((change) => {
    if (change.type === 'cleared') into.clear(change.finding.kind, change.finding.subject);
    else raise(change.finding);
  });
}
