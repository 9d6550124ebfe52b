// Wires the language server: capabilities, document sync, pull diagnostics, code actions, pushed
// config problems, pushed findings of the closed files a workspace analysis covered, per-folder
// settings, file watching and the bounded/* messages (bounded/streamSites: streamSitesRequest.ts).
import * as path from 'node:path';
import {
  type ClientCapabilities,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  TextDocuments,
  TextDocumentSyncKind,
  type WorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalyzeWorkspaceRequest } from '../shared/lspProtocol';
import { packageVersion } from '../shared/packageInfo';
import { StreamSitesRequest } from '../shared/streamSitesProtocol';
import { codeActionKinds, CodeActionsProvider } from './codeActions';
import { ConfigDiagnostics } from './configDiagnostics';
import { DiagnosticsProvider } from './diagnosticsProvider';
import { DiagnosticsRefresh } from './diagnosticsRefresh';
import { DocumentResults } from './documentResults';
import { DocumentSync } from './documentSync';
import { FolderAnalyses } from './folderAnalyses';
import { ResourceSettings } from './resourceSettings';
import { createServerLog, describeError } from './serverLog';
import { StatusReporter } from './statusReporter';
import { findStreamSites } from './streamSitesRequest';
import { applyWatchedFileChanges } from './watchedFiles';
import { WorkspaceAnalysis } from './workspaceAnalysis';
import { WorkspaceFindings } from './workspaceFindings';

interface ClientSupport {
  configuration: boolean;
  workspaceFolders: boolean;
  diagnosticRefresh: boolean;
  versionedEdits: boolean;
}

export function startServer(connection: Connection): void {
  const log = createServerLog(connection);
  const documents = new TextDocuments(TextDocument);

  connection.onInitialize((params) => {
    const support = clientSupport(params.capabilities);
    const folders = new FolderAnalyses(log);
    folders.update(initialFolders(params), []);
    const results = new DocumentResults();
    const settings = new ResourceSettings(connection, support.configuration, log);
    const configDiagnostics = new ConfigDiagnostics(connection);
    const status = new StatusReporter(connection, () => results.findingCount() + configDiagnostics.count());
    const refresh = new DiagnosticsRefresh(connection, support.diagnosticRefresh, log);

    const publishConfigProblems = (): void => {
      if (configDiagnostics.publish(folders.all().flatMap((folder) => folder.workspace.configFindings()))) status.findingsChanged();
    };
    const sync = new DocumentSync(
      documents,
      folders,
      results,
      (folder) => {
        folder.changed();
        refresh.schedule();
      },
      () => status.findingsChanged(),
      log,
    );
    sync.listen();

    const diagnostics = new DiagnosticsProvider({ connection, documents, folders, results, settings, status, log, afterAnalysis: publishConfigProblems });
    connection.languages.diagnostics.on((diagnosticParams, token) => diagnostics.provide(diagnosticParams, token));

    const codeActions = new CodeActionsProvider(documents, results, support.versionedEdits);
    connection.onCodeAction((codeActionParams) => codeActions.provide(codeActionParams));

    const workspaceFindings = new WorkspaceFindings({ connection, folders, isOpen: (file) => sync.isOpen(file), log });
    workspaceFindings.listen(documents);
    const workspaceAnalysis = new WorkspaceAnalysis({ connection, folders, settings, status, workspaceFindings, log, afterAnalysis: publishConfigProblems });
    connection.onRequest(AnalyzeWorkspaceRequest.type, (requestParams, token) => workspaceAnalysis.run(requestParams, token));
    connection.onRequest(StreamSitesRequest.type, (token) => findStreamSites(folders, log, token));

    connection.onDidChangeWatchedFiles((changes) => {
      try {
        applyWatchedFileChanges(changes, {
          folders,
          sync,
          configDiagnostics,
          onChanged: () => {
            publishConfigProblems();
            refresh.schedule();
          },
        });
        workspaceFindings.filesChanged(changes);
      } catch (error) {
        log.error(`Applying file changes failed: ${describeError(error)}`);
      }
    });

    connection.onDidChangeConfiguration(async (change) => {
      settings.invalidate(change.settings);
      try {
        const configured = folders.all().filter((folder) => folder.hasSettings());
        const read = await Promise.all(configured.map((folder) => settings.current(folder.folderUri)));
        const changed = configured.filter((folder, index) => folder.applySettings(read[index]));
        if (changed.length === 0) return;
        log.info(`Settings changed for ${changed.map((folder) => folder.folderUri ?? 'files outside the workspace folders').join(', ')}`);
        publishConfigProblems();
        refresh.schedule();
        workspaceFindings.settingsChanged(changed);
      } catch (error) {
        log.error(`Applying changed settings failed: ${describeError(error)}`);
      }
    });

    connection.onInitialized(() => {
      // The status bar has something to show before the first analysis.
      status.findingsChanged();
      if (!support.workspaceFolders) return;
      connection.workspace.onDidChangeWorkspaceFolders((event) => {
        folders.update(event.added, event.removed);
        sync.reassign();
        for (const folder of folders.all()) folder.changed();
        refresh.schedule();
        workspaceFindings.foldersChanged();
      });
    });
    connection.onShutdown(() => refresh.dispose());

    return initializeResult();
  });

  documents.listen(connection);
  connection.listen();
}

function initializeResult(): InitializeResult {
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      diagnosticProvider: { identifier: 'bounded', interFileDependencies: true, workspaceDiagnostics: false },
      codeActionProvider: { codeActionKinds: [...codeActionKinds], resolveProvider: false },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'Bounded', version: packageVersion() },
  };
}

function clientSupport(capabilities: ClientCapabilities): ClientSupport {
  return {
    configuration: capabilities.workspace?.configuration === true,
    workspaceFolders: capabilities.workspace?.workspaceFolders === true,
    diagnosticRefresh: capabilities.workspace?.diagnostics?.refreshSupport === true,
    versionedEdits: capabilities.workspace?.workspaceEdit?.documentChanges === true,
  };
}

function initialFolders(params: InitializeParams): WorkspaceFolder[] {
  if (params.workspaceFolders) return params.workspaceFolders;
  const rootUri = params.rootUri ?? undefined;
  return rootUri ? [{ uri: rootUri, name: path.posix.basename(rootUri) }] : [];
}
