// The live panel's webview in jsdom for the unit tests: a document holding the panel's
// `<main id="app">`, and the real PanelShell mounted in it with a stub host that records what the
// webview posts.
import { JSDOM } from 'jsdom';
import type { IpcMessage } from '../../src/shared/panelProtocol';
import type { RefreshTimers } from '../../webview/openTraceRefresh';
import { PanelShell, restorePanelState } from '../../webview/panelShell';

/** A jsdom document with the panel's empty `<main id="app">` (the root the views render into). */
export function panelDocument(): { dom: JSDOM; document: Document; root: HTMLElement } {
  const dom = new JSDOM('<!DOCTYPE html><main id="app"></main>');
  const document = dom.window.document;
  const root = document.getElementById('app') as HTMLElement;
  return { dom, document, root };
}

/** The PanelShell mounted in a fresh panelDocument, with no saved state; `posted` collects the messages it sends the host. */
export function mountPanel(options: { refreshTimers?: RefreshTimers } = {}) {
  const { dom, document, root } = panelDocument();
  const posted: IpcMessage<unknown>[] = [];
  const shell = new PanelShell({ document, root, state: restorePanelState(undefined), saveState: () => undefined, postMessage: (message) => posted.push(message), refreshTimers: options.refreshTimers });
  return { dom, document, root, posted, shell };
}
