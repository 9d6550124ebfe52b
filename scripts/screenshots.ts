// `npm run screenshots`: the README's pictures of the live panel, taken from the real VS Code
// (code-server, as the vscode test tier starts it, with the extension loaded from this checkout)
// in headless Chromium, never drawn by hand. It builds, opens a copy of the vscode-tier fixture
// workspace, runs "Bounded: Show Live Traces" from the command palette, sends traces from a real
// OpenTelemetry exporter (OTLP protobuf over HTTP) to the endpoint the panel shows, and saves:
//   docs/images/live-panel-traces.png     the Traces list
//   docs/images/live-panel-waterfall.png  a trace's waterfall, a failing span's details open
//   docs/images/inline-diagnostic.png     a floating-promise diagnostic and its hover in the editor
//   docs/images/panel-<theme>.png         the waterfall in each of VS Code's four default themes
//                                         (light, dark, high contrast dark and light)
// It also gives the live panel real data for every tab (a real redis-server with a stream, a group
// with no consumer and one with a stuck consumer; a Prometheus endpoint whose timer handles and
// open fds rise with every scrape, for the Handles tab; a trace whose context was dropped, which
// the detector reports), shoots every tab in every theme into $TMPDIR/bounded-theme-review/ (to look
// at), and saves each theme's --vscode-* variables and VS Code's default webview styles, as the webview received them, to
// test/integration/fixtures/webviewThemes/<theme>.json, which the accessibility test
// (test/integration/livePanelAccessibility.test.ts) renders the panel with.
// `--themes-only` skips the editor's diagnostic shot.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, trace, type Span, type Tracer } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { headlessChromium } from '../test/support/headlessChromium';
import { ensureCodeServer, repoRoot, startCodeServer, workbenchUrl } from '../test/vscode/codeServer';
import { freeLoopbackPort } from '../test/support/freePort';
import { copyFixtureWorkspace } from '../test/vscode/testInputs';
import { launchRedisServer } from '../test/support/redisServer';
import { runPaletteCommand, waitFor, workbenchStepTimeoutMs } from '../test/support/workbenchPage';
import { createServiceTracers, recordSpan } from './syntheticTraces';

const viewport = { width: 1440, height: 900 };
const imagesDir = join(repoRoot, 'docs', 'images');
const stepTimeoutMs = workbenchStepTimeoutMs;
const failureScreenshot = join(tmpdir(), 'bounded-screenshots-failure.png');
const themeReviewDir = join(tmpdir(), 'bounded-theme-review');
const themeFixturesDir = join(repoRoot, 'test', 'integration', 'fixtures', 'webviewThemes');

/** VS Code's default themes, by the file name their shots and fixtures get, and the body class the webview gets in each. */
export const panelThemes = [
  { slug: 'light', theme: 'Default Light Modern', bodyClass: 'vscode-light' },
  { slug: 'dark', theme: 'Default Dark Modern', bodyClass: 'vscode-dark' },
  { slug: 'high-contrast', theme: 'Default High Contrast', bodyClass: 'vscode-high-contrast' },
  { slug: 'high-contrast-light', theme: 'Default High Contrast Light', bodyClass: 'vscode-high-contrast-light' },
] as const;

function build(): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`the build failed (exit code ${code})`))));
  });
}

/** The frame that holds the Bounded panel's document (webviews are nested iframes in the workbench). */
function panelFrame(page: Page): Promise<Frame> {
  return waitFor('the Bounded panel webview', async () => {
    for (const frame of page.frames()) {
      if (await frame.$('.receiver-status').catch(() => null)) return frame;
    }
    return undefined;
  });
}

/** Traces shaped like the demo's: a gateway calling checkout, checkout calling payments and inventory; one declined payment. */
async function sendTraces(endpoint: string, sourceFile: string): Promise<void> {
  const tracers = createServiceTracers(endpoint, ['gateway', 'checkout', 'payments', 'inventory', 'shipping'], { 'service.version': '1.4.2' });
  const [gateway, checkout, payments, inventory] = ['gateway', 'checkout', 'payments', 'inventory'].map((service) => tracers.tracer(service));
  const base = Date.now() - 60_000;
  const span = (tracer: Tracer, name: string, kind: SpanKind, parent: Span | undefined, startMs: number, durationMs: number, attributes: Record<string, string | number> = {}): Span =>
    recordSpan(tracer, { name, kind, parent, startMs: base + startMs, durationMs, attributes });
  for (let request = 0; request < 7; request++) {
    const offset = request * 4_000;
    const declined = request === 4;
    const total = 180 + request * 37 + (declined ? 420 : 0);
    const root = span(gateway, 'POST /api/orders', SpanKind.SERVER, undefined, offset, total, { 'http.route': '/api/orders', 'http.status_code': declined ? 502 : 201 });
    const toCheckout = span(gateway, 'POST checkout', SpanKind.CLIENT, root, offset + 4, total - 10);
    const checkoutServer = span(checkout, 'POST /checkout', SpanKind.SERVER, toCheckout, offset + 6, total - 14, { 'code.filepath': sourceFile, 'code.lineno': 4 });
    span(checkout, 'validate cart', SpanKind.INTERNAL, checkoutServer, offset + 8, 12);
    span(checkout, 'SELECT carts', SpanKind.CLIENT, checkoutServer, offset + 22, 18, { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM carts WHERE id = $1' });
    const reserve = span(checkout, 'POST inventory/reserve', SpanKind.CLIENT, checkoutServer, offset + 42, 40);
    span(inventory, 'POST /reserve', SpanKind.SERVER, reserve, offset + 44, 36);
    const charge = span(checkout, 'POST payments/charge', SpanKind.CLIENT, checkoutServer, offset + 86, total - 100);
    recordSpan(payments, {
      name: 'POST /charge',
      kind: SpanKind.SERVER,
      parent: charge,
      startMs: base + offset + 88,
      durationMs: total - 104,
      attributes: { 'payment.provider': 'stripe' },
      error: declined ? { name: 'CardDeclinedError', message: 'card declined: insufficient funds' } : undefined,
    });
  }
  // A call whose trace context was dropped: checkout's client span has no child, and shipping starts
  // a new trace for the same request inside it; the detector reports it after its grace period.
  // A request from a caller that does not report here: its server span's parent never arrives.
  const shipping = tracers.tracer('shipping');
  const lostOffset = 7 * 4_000;
  const lostRoot = span(checkout, 'GET /quote', SpanKind.SERVER, undefined, lostOffset, 60, { 'http.method': 'GET', 'http.route': '/quote' });
  span(checkout, 'GET', SpanKind.CLIENT, lostRoot, lostOffset + 2, 50, { 'http.method': 'GET', 'http.url': 'http://shipping:8080/rates?zone=3', 'server.address': 'shipping', 'server.port': 8080, 'code.filepath': sourceFile, 'code.lineno': 4 });
  span(shipping, 'GET /rates', SpanKind.SERVER, undefined, lostOffset + 5, 40, { 'http.method': 'GET', 'http.route': '/rates', 'url.path': '/rates' });
  const remoteParent = trace.wrapSpanContext({ traceId: 'f'.repeat(31) + '1', spanId: 'e'.repeat(15) + '1', traceFlags: 1, isRemote: true });
  span(inventory, 'POST /restock', SpanKind.SERVER, remoteParent, lostOffset + 20, 30, { 'http.method': 'POST', 'http.route': '/restock' });
  await tracers.flush();
  await tracers.shutdown();
}

/** A stream with a backlog in a group no consumer reads, and a group whose only consumer took entries and went quiet. */
async function fillStreams(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (let entry = 0; entry < 40; entry++) await redis.xadd('orders', '*', 'order', `o-${entry}`, 'total', String(10 + entry));
    await redis.xgroup('CREATE', 'orders', 'shipping-labels', '0');
    await redis.xgroup('CREATE', 'orders', 'billing', '0');
    await redis.xreadgroup('GROUP', 'billing', 'billing-worker-1', 'COUNT', 12, 'STREAMS', 'orders', '>');
    for (let entry = 0; entry < 5; entry++) await redis.xadd('payments', '*', 'payment', `p-${entry}`);
    await redis.xgroup('CREATE', 'payments', 'ledger', '$');
  } finally {
    redis.disconnect();
  }
}

/** A Prometheus text endpoint on loopback whose Timeout handles and open fds rise with every scrape. */
function startMetricsEndpoint(): Promise<Server> {
  let scrapes = 0;
  const server = createServer((request, response) => {
    scrapes += 1;
    const body = [
      '# TYPE nodejs_active_handles gauge',
      `nodejs_active_handles{type="Timeout"} ${20 + scrapes * 7}`,
      'nodejs_active_handles{type="Socket"} 4',
      '# TYPE process_open_fds gauge',
      `process_open_fds ${31 + scrapes * 2}`,
      '',
    ].join('\n');
    response.writeHead(request.url === '/metrics' ? 200 : 404, { 'content-type': 'text/plain; version=0.0.4' }).end(request.url === '/metrics' ? body : '');
  });
  return new Promise((resolvePromise) => server.listen(0, '127.0.0.1', () => resolvePromise(server)));
}

/** The panel's frame's theme: its body class, the --vscode-* variables VS Code set on its root, and VS Code's default webview stylesheet. */
async function webviewTheme(frame: Frame): Promise<{ bodyClass: string; variables: Record<string, string>; defaultStyles: string }> {
  return frame.evaluate(() => {
    const variables: Record<string, string> = {};
    const style = document.documentElement.style;
    for (let index = 0; index < style.length; index++) {
      const name = style.item(index);
      if (name.startsWith('--vscode-')) variables[name] = style.getPropertyValue(name).trim();
    }
    return { bodyClass: document.body.className, variables, defaultStyles: document.getElementById('_defaultStyles')?.textContent ?? '' };
  });
}

/** Every tab of the panel in each theme: a shot per tab for review, the waterfall for the README, the variables for the accessibility test. */
async function shootThemes(page: Page, frame: Frame, settingsFile: string, settings: Record<string, unknown>): Promise<void> {
  mkdirSync(themeReviewDir, { recursive: true });
  mkdirSync(themeFixturesDir, { recursive: true });
  const panel = await frame.frameElement();
  const tabs = await frame.$$eval('[role="tab"]', (elements) => elements.map((element) => element.id));
  for (const { slug, theme, bodyClass } of panelThemes) {
    writeFileSync(settingsFile, `${JSON.stringify({ ...settings, 'workbench.colorTheme': theme }, null, 2)}\n`);
    await waitFor(`the ${theme} theme in the panel`, async () => ((await frame.evaluate(() => document.body.className)).split(/\s+/).includes(bodyClass) ? true : undefined));
    // The workbench's colours settle a moment after the webview's class changes; a notification (the analysis's) would cover the panel.
    await runPaletteCommand(page, 'Notifications: Clear All Notifications');
    // The variables change after the class (and not all at once): taken when two readings 300 ms apart agree.
    let captured = await webviewTheme(frame);
    for (;;) {
      await page.waitForTimeout(300);
      const again = await webviewTheme(frame);
      if (JSON.stringify(again) === JSON.stringify(captured)) break;
      captured = again;
    }
    writeFileSync(join(themeFixturesDir, `${slug}.json`), `${JSON.stringify({ theme, ...captured }, null, 2)}\n`);
    for (const tab of tabs) {
      await frame.locator(`#${tab}`).click();
      if (tab === 'tab-traces' && (await frame.locator('.waterfall-pane').isHidden())) await frame.locator('button.trace-row.has-error').first().click();
      await page.mouse.move(0, viewport.height - 1);
      await panel.screenshot({ path: join(themeReviewDir, `${slug}-${tab.slice('tab-'.length)}.png`) });
    }
    // A stream finding's link: the Streams tab, its group marked.
    await frame.locator('#tab-liveFindings').click();
    await frame.locator('button.show-stream-group').first().click();
    await frame.locator('.stream-group.focused-group').waitFor({ state: 'visible' });
    await panel.screenshot({ path: join(themeReviewDir, `${slug}-streams-group-shown.png`) });
    // The waterfall as a keyboard user leaves it: the failing span selected by arrow keys, its details open.
    await frame.locator('#tab-traces').click();
    await frame.locator('.waterfall-viewport').focus();
    await page.keyboard.press('Home');
    const failing = Number(await frame.locator('.span-row.has-error').first().getAttribute('data-index'));
    for (let step = 0; step < failing; step++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.mouse.move(0, viewport.height - 1);
    await panel.screenshot({ path: join(imagesDir, `panel-${slug}.png`) });
    // The traces list too, a row focused by the keyboard and another hovered (the focus and hover colours).
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowDown');
    await frame.locator('button.trace-row').nth(3).hover();
    await panel.screenshot({ path: join(themeReviewDir, `${slug}-traces-list.png`) });
    await frame.locator('button.trace-row.has-error').first().click();
  }
  writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
}

async function main(): Promise<void> {
  await build();
  await ensureCodeServer();
  const scratch = mkdtempSync(join(tmpdir(), 'bounded-screenshots-'));
  const themesOnly = process.argv.includes('--themes-only');
  const server = await startCodeServer();
  const redis = await launchRedisServer();
  const metrics = await startMetricsEndpoint();
  let browser: Browser | undefined;
  let failedPage: Page | undefined;
  try {
    browser = await chromium.launch(headlessChromium);
    const folder = copyFixtureWorkspace(scratch);
    // The receiver on a port free now, whatever else on this machine listens on 4318.
    mkdirSync(join(folder, '.vscode'));
    await fillStreams(redis.url);
    const settingsFile = join(folder, '.vscode', 'settings.json');
    const settings = {
      'bounded.live.otlp.port': await freeLoopbackPort(),
      'bounded.live.redis.targets': [{ name: 'local', url: redis.url, streams: ['*'], pollIntervalMs: 500 }],
      'bounded.live.metrics.targets': [{ name: 'orders-api', url: `http://127.0.0.1:${(metrics.address() as AddressInfo).port}/metrics` }],
      'workbench.tips.enabled': false,
    };
    writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
    mkdirSync(imagesDir, { recursive: true });

    const page = await browser.newPage({ viewport });
    failedPage = page;
    await page.goto(workbenchUrl(server, { folder, extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: stepTimeoutMs });
    // The extension's status bar item: it is active and its commands are registered.
    await page.locator('.statusbar-item', { hasText: 'Bounded' }).first().waitFor({ state: 'visible', timeout: stepTimeoutMs });

    await runPaletteCommand(page, 'Bounded: Show Live Traces');
    const frame = await panelFrame(page);
    const endpointText = await waitFor('the receiver endpoint', async () => {
      const text = await frame.locator('.endpoint').textContent();
      return text?.startsWith('OTEL_EXPORTER_OTLP_ENDPOINT=http') ? text : undefined;
    });
    await sendTraces(endpointText.slice('OTEL_EXPORTER_OTLP_ENDPOINT='.length), join(folder, 'src', 'service.ts'));
    await waitFor('the traces listed', async () => ((await frame.locator('button.trace-row').count()) >= 9 ? true : undefined));
    await runPaletteCommand(page, 'Notifications: Clear All Notifications');
    await page.mouse.move(0, viewport.height - 1);
    await page.screenshot({ path: join(imagesDir, 'live-panel-traces.png') });

    await frame.locator('button.trace-row.has-error').first().click();
    await frame.locator('.span-row').first().waitFor({ state: 'visible' });
    await frame.locator('.span-row.has-error').first().click();
    await frame.locator('.span-details .details-name').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(imagesDir, 'live-panel-waterfall.png') });

    await runPaletteCommand(page, 'Bounded: Analyse Workspace');
    await waitFor('a live finding (the dropped context, after the detector grace period)', async () => ((await frame.locator('.live-finding').count()) > 0 ? true : undefined));
    await waitFor('the Redis streams polled', async () => ((await frame.locator('.stream-group').count()) >= 3 ? true : undefined));
    await shootThemes(page, frame, settingsFile, settings);
    if (themesOnly) {
      process.stdout.write(`Saved the theme shots to ${imagesDir} and ${themeReviewDir}\n`);
      failedPage = undefined;
      return;
    }

    await runPaletteCommand(page, 'View: Close All Editors');
    await page.keyboard.press('Control+P');
    const quickOpen = page.locator('.quick-input-widget input');
    await quickOpen.waitFor({ state: 'visible' });
    await quickOpen.fill('service.ts');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'service.ts' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    const squiggle = page.locator('.monaco-editor .squiggly-warning').first();
    await squiggle.waitFor({ state: 'attached', timeout: 120_000 });
    const box = await waitFor('the squiggle to be laid out', async () => (await squiggle.boundingBox()) ?? undefined);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('.monaco-hover', { hasText: 'floating' }).first().waitFor({ state: 'visible' });
    // The hover's "Quick Fix... (Ctrl+.)" once the code action providers answered (TypeScript's may still be starting: then as it is).
    await page
      .locator('.monaco-hover', { hasText: /Quick Fix.*\(/ })
      .first()
      .waitFor({ state: 'visible', timeout: 30_000 })
      .catch(() => process.stderr.write('The hover still checks for quick fixes: taken as it is.\n'));
    await page.screenshot({ path: join(imagesDir, 'inline-diagnostic.png') });
    process.stdout.write(`Saved live-panel-traces.png, live-panel-waterfall.png, inline-diagnostic.png and panel-<theme>.png to ${imagesDir}; every tab in every theme in ${themeReviewDir}\n`);
    failedPage = undefined;
  } finally {
    // What the workbench showed when a step failed, to see why.
    await failedPage?.screenshot({ path: failureScreenshot }).then(() => process.stderr.write(`The workbench as the failed step left it: ${failureScreenshot}\n`), () => undefined);
    await browser?.close();
    await server.stop();
    await redis.remove();
    await new Promise((resolvePromise) => metrics.close(resolvePromise));
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
