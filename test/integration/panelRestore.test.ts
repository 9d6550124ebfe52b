// The Bounded panel survives a reload of the real VS Code (code-server, with the extension loaded
// from this checkout, in headless Chromium, as scripts/screenshots.ts drives it): opened with
// "Bounded: Show Findings", switched to its Traces tab, then the window reloaded. VS Code restores
// an open webview panel only through the extension's WebviewPanelSerializer, so the panel being
// there again proves the serializer; the Traces tab selected again proves the webview's saved state
// came back; the receiver's endpoint on the configured port, written only from the host's snapshots
// (the webview alone shows a placeholder), proves the host side was re-attached, not just an empty
// frame left. Then the restored webview's localResourceRoots: codicons' stylesheet loads from the
// bundles (dist/codicon.css) and is refused from node_modules/@vscode/codicons/, outside the roots.
// Needs code-server (installed on demand, test/vscode/codeServer.ts), /usr/bin/chromium, and the
// bundles built (`npm run test:integration` builds first). It starts code-server: by hand, run it
// under `flock /tmp/bounded-vscode.lock`, as the vscode tier is.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { headlessChromium } from '../support/headlessChromium';
import { type CodeServer, ensureCodeServer, repoRoot, startCodeServer, workbenchUrl } from '../vscode/codeServer';
import { freeLoopbackPort } from '../support/freePort';
import { copyFixtureWorkspace } from '../vscode/testInputs';
import { runPaletteCommand, waitFor, workbenchStepTimeoutMs } from '../support/workbenchPage';

// Generous: code-server and the extension host start slowly on a busy machine.
const stepTimeoutMs = workbenchStepTimeoutMs;
const testTimeoutMs = 300_000;
const failureScreenshot = join(tmpdir(), 'bounded-panel-restore-failure.png');

/** The frames that hold a Bounded panel's document (a webview's content is a nested iframe of the workbench). */
async function panelFrames(page: Page): Promise<Frame[]> {
  const found: Frame[] = [];
  for (const frame of page.frames()) {
    if (await frame.$('#tab-traces').catch(() => null)) found.push(frame);
  }
  return found;
}

function panelFrame(page: Page): Promise<Frame> {
  return waitFor('the Bounded panel webview', async () => (await panelFrames(page))[0]);
}

/** The id of the tab marked selected, once exactly one is. */
async function selectedTab(frame: Frame): Promise<string | undefined> {
  const selected = await frame.$$eval('[role="tab"][aria-selected="true"]', (tabs) => tabs.map((tab) => tab.id));
  return selected.length === 1 ? selected[0] : undefined;
}

/** The receiver's endpoint once the host's snapshot says it runs (the webview alone shows only a placeholder). */
async function runningEndpoint(frame: Frame): Promise<string | undefined> {
  const className = (await frame.locator('.receiver-status').getAttribute('class')) ?? '';
  const endpoint = ((await frame.locator('.endpoint').textContent()) ?? '').trim();
  return className.split(/\s+/).includes('receiver-running') && endpoint !== '' ? endpoint : undefined;
}

async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: stepTimeoutMs });
}

/** Whether a stylesheet at `href` loads into the webview's document (the webview's CSP allows its origin for styles). */
async function stylesheetLoads(frame: Frame, href: string): Promise<boolean> {
  const outcome = await frame.evaluate(
    ({ url, timeoutMs }) =>
      new Promise<'loaded' | 'refused' | 'no answer'>((resolvePromise) => {
        const link = document.createElement('link');
        link.rel = 'stylesheet';
        link.href = url;
        link.addEventListener('load', () => resolvePromise('loaded'));
        link.addEventListener('error', () => resolvePromise('refused'));
        setTimeout(() => resolvePromise('no answer'), timeoutMs);
        document.head.append(link);
      }),
    { url: href, timeoutMs: stepTimeoutMs },
  );
  if (outcome === 'no answer') throw new Error(`neither load nor error within ${stepTimeoutMs / 1000} s for the stylesheet ${href}`);
  return outcome === 'loaded';
}

describe('the Bounded panel across a reload of the real VS Code', () => {
  let scratch: string;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    await ensureCodeServer();
    scratch = mkdtempSync(join(tmpdir(), 'bounded-panel-restore-'));
    server = await startCodeServer();
    browser = await chromium.launch(headlessChromium);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('is restored by its serializer on its saved tab, with the host attached, and loads resources only from its roots', { timeout: testTimeoutMs }, async () => {
    assert.ok(server && browser);
    const folder = copyFixtureWorkspace(scratch);
    // The receiver on a port free now, whatever else on this machine listens on 4318.
    const port = await freeLoopbackPort();
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(join(folder, '.vscode', 'settings.json'), `${JSON.stringify({ 'bounded.live.otlp.port': port, 'workbench.tips.enabled': false }, null, 2)}\n`);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let passed = false;
    try {
      const url = workbenchUrl(server, { folder, extensionDevelopmentPath: repoRoot });
      await openWorkbench(page, url);
      // The extension's status bar item: it is active and its commands are registered.
      await page.locator('.statusbar-item', { hasText: 'Bounded' }).first().waitFor({ state: 'visible', timeout: stepTimeoutMs });

      await runPaletteCommand(page, 'Bounded: Show Findings');
      const opened = await panelFrame(page);
      assert.equal(await waitFor('a selected tab', () => selectedTab(opened)), 'tab-findings', 'Show Findings opens on the Findings tab');
      const endpoint = `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${port}`;
      assert.equal(await waitFor('the running receiver, from the host', () => runningEndpoint(opened)), endpoint);
      await opened.locator('#tab-traces').click();
      assert.equal(await selectedTab(opened), 'tab-traces');

      // VS Code's reload: it saves the workbench's state (the open editors, the webview's state) and
      // reloads the page. A browser reload (page.reload()) skips that save: VS Code in the browser
      // writes its state to IndexedDB when it shuts down cleanly or after a minute idle, so the panel
      // opened seconds before is not among the editors it restores.
      const pageLoaded = page.waitForEvent('load', { timeout: stepTimeoutMs });
      await runPaletteCommand(page, 'Developer: Reload Window');
      await pageLoaded;
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: stepTimeoutMs });
      const restored = await panelFrame(page);
      assert.equal(await waitFor('a selected tab in the restored panel', () => selectedTab(restored)), 'tab-traces', 'the restored webview is on the tab it saved');
      assert.equal(await waitFor("the restored panel's running receiver, from the host", () => runningEndpoint(restored)), endpoint);
      assert.equal((await panelFrames(page)).length, 1, 'one panel after the restore');

      // localResourceRoots: the stylesheet the page links from dist/ loads again; codicons' own copy in node_modules/ does not.
      const codiconHref = await restored.$eval('link[href*="codicon.css"]', (link) => (link as HTMLLinkElement).href);
      assert.ok(codiconHref.includes(`${repoRoot}/dist/codicon.css`), `the codicon stylesheet's webview URI names its file: ${codiconHref}`);
      const outsideHref = codiconHref.replace(`${repoRoot}/dist/codicon.css`, `${repoRoot}/node_modules/@vscode/codicons/dist/codicon.css`);
      assert.equal(await stylesheetLoads(restored, `${codiconHref}?again`), true, 'a stylesheet inside the roots loads');
      assert.equal(await stylesheetLoads(restored, outsideHref), false, 'a stylesheet outside the roots is refused');
      passed = true;
    } finally {
      // What the workbench showed when a step failed, to see why.
      if (!passed) await page.screenshot({ path: failureScreenshot }).then(() => process.stderr.write(`The workbench as the failed step left it: ${failureScreenshot}\n`), () => undefined);
      await page.close().catch(() => undefined);
    }
  });
});
