// Webview entry point (browser bundle). Imports only src/shared and its own modules.
import { ReadyCommand, SnapshotNotification } from '../src/shared/panelProtocol';
import { type FindingsFilter, restoreFilter } from './findingsModel';
import { FindingsView } from './findingsView';

/** What VS Code gives a webview's script through `acquireVsCodeApi()`, which may be called once. */
interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: FindingsFilter): void;
}

declare function acquireVsCodeApi(): VsCodeWebviewApi;

const vscodeApi = acquireVsCodeApi();
const root = document.getElementById('app');
if (!root) throw new Error('The panel HTML has no #app element');

const view = new FindingsView({
  document,
  root,
  filter: restoreFilter(vscodeApi.getState()),
  saveFilter: (filter) => vscodeApi.setState(filter),
  postMessage: (message) => vscodeApi.postMessage(message),
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (SnapshotNotification.is(event.data)) view.showSnapshot(event.data.params);
});

vscodeApi.postMessage(ReadyCommand.message(undefined));
