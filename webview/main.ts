// Webview entry point (browser bundle). Imports only src/shared and its own modules.
import { ReadyCommand } from '../src/shared/panelProtocol';
import { PanelShell, type PanelState, restorePanelState } from './panelShell';

/** What VS Code gives a webview's script through `acquireVsCodeApi()`, which may be called once. */
interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeWebviewApi;

const vscodeApi = acquireVsCodeApi();
const root = document.getElementById('app');
if (!root) throw new Error('The panel HTML has no #app element');

const shell = new PanelShell({
  document,
  root,
  state: restorePanelState(vscodeApi.getState()),
  saveState: (state) => vscodeApi.setState(state),
  postMessage: (message) => vscodeApi.postMessage(message),
});

window.addEventListener('message', (event: MessageEvent<unknown>) => shell.handleMessage(event.data));

vscodeApi.postMessage(ReadyCommand.message(undefined));
