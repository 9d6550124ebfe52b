// bounded/streamSites: the language server's answer to "where does the code touch each Redis
// stream?", over every workspace folder's files as the analyzer sees them (src/analyzer/streamSites.ts).
// The extension links a stream's row in the live panel to these sites and shows a backlog at the
// consume sites. Browser-safe like lspProtocol.ts.
import { RequestType0 } from 'vscode-jsonrpc';

export type StreamSiteRole = 'produce' | 'consume' | 'ack' | 'reclaim';
export const streamSiteRoles: readonly StreamSiteRole[] = ['produce', 'consume', 'ack', 'reclaim'];

export interface StreamSite {
  /** The stream key, as the code writes it (a literal, or the constant's value). */
  stream: string;
  role: StreamSiteRole;
  /** A file: URI. */
  uri: string;
  /** The called method's name (`xreadgroup`), 0-based LSP positions. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

export interface StreamSitesResult {
  sites: StreamSite[];
  /** Files looked at. */
  files: number;
}

export namespace StreamSitesRequest {
  export const method = 'bounded/streamSites';
  export const type = new RequestType0<StreamSitesResult, void>(method);
}
