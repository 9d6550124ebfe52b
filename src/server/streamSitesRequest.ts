// Answers bounded/streamSites: the Redis stream call sites (xadd, xreadgroup, xack, xautoclaim/xclaim
// with a literal or constant key) of every discovered file of every workspace folder, each file by
// the folder that owns it, from the same programs the analysis uses (open documents' unsaved text
// included). One file per turn of the event loop, so pulls and edits are served in between.
import type { CancellationToken } from 'vscode-languageserver/node';
import { streamCallSites } from '../analyzer/streamSites';
import type { StreamSite, StreamSitesResult } from '../shared/streamSitesProtocol';
import { fileUriOf } from './documentFiles';
import type { FolderAnalyses } from './folderAnalyses';
import { requestCancelledError, yieldToEventLoop } from './requestCancellation';
import { describeError, type ServerLog } from './serverLog';

export async function findStreamSites(folders: FolderAnalyses, log: ServerLog, token: CancellationToken): Promise<StreamSitesResult> {
  const sites: StreamSite[] = [];
  let files = 0;
  for (const folder of folders.workspaceFolders()) {
    for (const file of folder.workspace.discoverFiles()) {
      if (folders.folderOf(file) !== folder) continue;
      await yieldToEventLoop();
      if (token.isCancellationRequested) throw requestCancelledError();
      files++;
      try {
        const source = folder.workspace.sourceOf(file);
        if (!source) continue;
        for (const site of streamCallSites(source.program, source.sourceFile)) sites.push({ stream: site.stream, role: site.role, uri: fileUriOf(site.file), range: site.range });
      } catch (error) {
        log.error(`Finding the stream sites of ${file} failed: ${describeError(error)}`);
      }
    }
  }
  return { sites, files };
}
