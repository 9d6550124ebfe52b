// The panel's Handles tab in the real VS Code: a real Node process started with
// --inspect=127.0.0.1:0 that leaks a Timeout handle every 50 ms, attached through "Bounded: Attach to
// Node Process…" with the picks made (the test-only `{ pid, confirmed: true }`). The tab shows the
// target sampling, a chart drawn on a canvas whose aria summary's latest Timeout count rises across
// snapshots; "Track leak sites" asks first (the measured cost shown), then the leaking line shows as
// a site, and its link is refused because the file is outside the workspace; killing the process
// shows "process gone".
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { extensionId } from './fixture';
import { clickPanel, closeLivePanels, panelTexts, queryPanel, queryPanelWhenLoaded } from './panelProbe';
import { startLeakingNode } from './spawnedNode';
import { waitUntil } from './waitUntil';

suite('live handles', () => {
  let folder: string;
  let child: ChildProcess | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    folder = await mkdtemp(join(tmpdir(), 'bounded-live-handles-'));
  });

  suiteTeardown(async () => {
    child?.kill('SIGKILL');
    await vscode.commands.executeCommand('bounded.detachNodeProcess');
    await closeLivePanels();
    await rm(folder, { recursive: true, force: true });
  });

  test('the Handles tab charts a leaking process, tracks its leak sites after asking, and shows it gone when killed', async () => {
    const { process: started, script, inspectorPort: port } = await startLeakingNode(folder, (spawned) => (child = spawned));

    const endpoint = await vscode.commands.executeCommand<string | undefined>('bounded.attachNodeProcess', { pid: started.pid, confirmed: true, sampleIntervalMs: 250 });
    assert.equal(endpoint, `127.0.0.1:${port}`);
    await vscode.commands.executeCommand('bounded.showTraces');
    await waitUntil('the Handles tab', () => clickPanel('#tab-handles'), 20_000);
    const section = `section.handle-target[data-target="${endpoint}"]`;

    await waitUntil("the target's state 'sampling'", async () => (await panelTexts(`${section} .handle-state`))?.[0] === 'sampling' || undefined, 20_000);
    const latestTimeouts = async (): Promise<number | undefined> => {
      const plot = (await queryPanelWhenLoaded(`${section} .handle-chart-handles .ts-chart-plot`))?.elements[0];
      const match = /Timeout ([\d,]+)/.exec(plot?.ariaLabel ?? '');
      return match ? Number(match[1].replace(/,/g, '')) : undefined;
    };
    const first = await waitUntil('a Timeout count in the chart summary', latestTimeouts, 20_000);
    const later = await waitUntil('the Timeout count to rise', async () => {
      const now = await latestTimeouts();
      return now !== undefined && now > first + 5 ? now : undefined;
    }, 20_000);
    assert.ok(later > first, `${first} → ${later}`);
    assert.ok((await queryPanel(`${section} .handle-chart-handles canvas`)).elements.length >= 1, 'drawn on a canvas in the real webview');
    assert.match((await panelTexts(`${section} .handle-target-details`))?.[0] ?? '', new RegExp(`pid ${started.pid}`));

    // Leak sites: the cost first, then on.
    assert.ok(await clickPanel(`${section} button.leak-sites-toggle`));
    const [overhead] = (await panelTexts(`${section} .leak-sites-overhead`)) ?? [];
    assert.match(overhead ?? '', /about 2% fewer requests\/s at 10% sampling/);
    assert.ok(await clickPanel(`${section} button.leak-sites-confirm-on`));
    const siteRow = await waitUntil('the leaking line as a leak site', async () => (await panelTexts(`${section} tr.leak-site`))?.find((row) => row.includes(`${script}:1:`)), 30_000);
    assert.match(siteRow, /^Timeout/);
    assert.equal((await panelTexts(`${section} button.leak-sites-toggle`))?.[0], 'Stop tracking leak sites');
    assert.ok(await clickPanel(`${section} button.leak-site-link`));
    await waitUntil('the link refused: not a workspace file', async () => /not inside the workspace/.test((await panelTexts(`${section} .leak-sites-status`))?.[0] ?? '') || undefined, 10_000);

    started.kill('SIGKILL');
    await waitUntil("the target's state 'process gone'", async () => (await panelTexts(`${section} .handle-state`))?.[0] === 'process gone' || undefined, 20_000);
    assert.ok((await panelTexts(`${section} .handle-target-error`))?.[0]?.startsWith('Last error: '), 'the last error is shown');
  });
});
