import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionId } from './fixture';
import { waitUntil } from './waitUntil';

// VS Code prefixes an extension's view type in TabInputWebview (e.g. "mainThreadWebview-bounded.findings").
const findingsViewType = 'bounded.findings';

function isFindingsTab(tab: vscode.Tab | undefined): boolean {
  return tab?.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(findingsViewType);
}

function findingsTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter(isFindingsTab);
}

function activeTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.activeTabGroup.activeTab;
}

suite('findings panel', () => {
  const opened: vscode.TextDocument[] = [];

  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
  });

  suiteTeardown(async () => {
    const openedUris = new Set(opened.map((document) => document.uri.toString()));
    const untitledTabs = vscode.window.tabGroups.all
      .flatMap((group) => group.tabs)
      .filter((tab) => tab.input instanceof vscode.TabInputText && openedUris.has(tab.input.uri.toString()));
    await vscode.window.tabGroups.close([...findingsTabs(), ...untitledTabs]);
  });

  test('is restored after a reload: the extension activates for its serializer', () => {
    const activationEvents = vscode.extensions.getExtension(extensionId)?.packageJSON.activationEvents as string[] | undefined;
    assert.ok(activationEvents?.includes(`onWebviewPanel:${findingsViewType}`), 'activation event for the panel');
  });

  test('bounded.showFindings opens the Bounded: Findings webview panel', async () => {
    await vscode.commands.executeCommand('bounded.showFindings');
    const tab = await waitUntil('the Findings panel to become the active tab', () => (isFindingsTab(activeTab()) ? activeTab() : undefined));
    assert.equal(tab.label, 'Bounded: Findings');
  });

  test('running it again reveals the same panel instead of opening another', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext' });
    opened.push(document);
    await vscode.window.showTextDocument(document);
    await waitUntil('another editor to become the active tab', () => !isFindingsTab(activeTab()));
    await vscode.commands.executeCommand('bounded.showFindings');
    await waitUntil('the Findings panel to be the active tab again', () => isFindingsTab(activeTab()));
    assert.equal(findingsTabs().length, 1);
  });
});
