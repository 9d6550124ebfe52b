// The suites' side of the live panel's test probe (webview/testProbe.ts): what the webview rendered
// at a selector, and clicks on it, asked through the test-only command `bounded.test.livePanel`
// (which asks the webview itself); the session's receiver state; closing the panel. Not a suite:
// index.ts runs only *.test.js, and each suite's bundle inlines this module.
import * as vscode from 'vscode';
import type { RenderedQueryResult } from '../../../src/shared/livePanelProtocol';
import { waitUntil } from './waitUntil';

export const livePanelTestCommand = 'bounded.test.livePanel';

/** What the webview rendered at `selector`; rejects while the webview is (re)loading and cannot answer. */
export function queryPanel(selector: string): Thenable<RenderedQueryResult> {
  return vscode.commands.executeCommand<RenderedQueryResult>(livePanelTestCommand, { action: 'query', selector });
}

/** As queryPanel, but undefined while the webview is (re)loading: for waitUntil probes. */
export async function queryPanelWhenLoaded(selector: string): Promise<RenderedQueryResult | undefined> {
  try {
    return await queryPanel(selector);
  } catch {
    return undefined;
  }
}

/** The texts of the elements at `selector`; undefined while the webview is (re)loading. */
export async function panelTexts(selector: string): Promise<string[] | undefined> {
  return (await queryPanelWhenLoaded(selector))?.elements.map((element) => element.text);
}

/** Clicks the `index`th element at `selector`: whether there was one to click (false too while the webview is (re)loading). */
export async function clickPanel(selector: string, index = 0): Promise<boolean> {
  try {
    return (await vscode.commands.executeCommand<{ clicked: boolean }>(livePanelTestCommand, { action: 'click', selector, index })).clicked;
  } catch {
    return false;
  }
}

export interface ReceiverState {
  state: string;
  port: number;
  endpoint?: string;
  message?: string;
}

/** The window's live session's OTLP receiver, as the host holds it. */
export function panelReceiver(): Thenable<ReceiverState> {
  return vscode.commands.executeCommand<ReceiverState>(livePanelTestCommand, { action: 'receiver' });
}

/** Waits (30 s at most) for the receiver to run, e.g. after `bounded.showTraces` started it. */
export function runningReceiver(): Promise<ReceiverState> {
  return waitUntil('the OTLP receiver to run', async () => {
    const state = await panelReceiver();
    return state.state === 'running' ? state : undefined;
  });
}

/** The live panel's tabs (there is one panel, but a suite may have moved it). */
export function livePanelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('bounded.findings'));
}

/** Closes the live panel: a suite's teardown, so the next suite opens its own. */
export async function closeLivePanels(): Promise<void> {
  await vscode.window.tabGroups.close(livePanelTabs());
}
