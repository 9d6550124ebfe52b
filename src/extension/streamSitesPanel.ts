// The Streams tab's links to code: each stream's produce (XADD) and consume (XREADGROUP) call
// sites from bounded/streamSites, added to the panel's targets, and the check that a site the
// webview asks to open is one the host sent. Plain Node (no vscode import): labels come in made.
import type { PanelRedisTarget, PanelStreamSite, StreamSiteRef } from '../shared/livePanelProtocol';
import type { StreamSite } from '../shared/streamSitesProtocol';

/** The sites a stream's row shows, labelled (`src/orders.ts:12`) by `label(uri, line)`; produce first, then consume, each in source order. */
export function panelStreamSites(sites: readonly StreamSite[], label: (uri: string, line: number) => string): Array<PanelStreamSite & { stream: string }> {
  const shown = sites.filter((site): site is StreamSite & { role: PanelStreamSite['role'] } => site.role === 'produce' || site.role === 'consume');
  return [...shown.filter((site) => site.role === 'produce'), ...shown.filter((site) => site.role === 'consume')].map((site) => ({
    stream: site.stream,
    role: site.role,
    label: label(site.uri, site.range.start.line),
    uri: site.uri,
    line: site.range.start.line,
    character: site.range.start.character,
  }));
}

/** The targets with each stream's sites added (a stream no code names is left as it is). */
export function withStreamSites(targets: PanelRedisTarget[], sites: ReadonlyArray<PanelStreamSite & { stream: string }>): PanelRedisTarget[] {
  if (sites.length === 0) return targets;
  return targets.map((target) => ({
    ...target,
    streams: target.streams.map((stream) => {
      const here = sites.filter((site) => site.stream === stream.stream).map(({ role, label, uri, line, character }) => ({ role, label, uri, line, character }));
      return here.length > 0 ? { ...stream, sites: here } : stream;
    }),
  }));
}

/** Whether the webview asks for a site the server named (it may ask for nothing else). */
export function isKnownStreamSite(sites: readonly StreamSite[], ref: StreamSiteRef): boolean {
  return sites.some((site) => site.uri === ref.uri && site.range.start.line === ref.line && site.range.start.character === ref.character);
}
