// `npm run screenshots`: the README's pictures of the live panel, taken from the real VS Code
// (code-server, as the vscode test tier starts it, with the extension loaded from this checkout)
// in headless Chromium, never drawn by hand. It builds, opens a copy of the vscode-tier fixture
// workspace, runs "Bounded: Show Live Traces" from the command palette, sends traces from a real
// OpenTelemetry exporter (OTLP protobuf over HTTP) to the endpoint the panel shows, and saves:
//   docs/images/live-panel-traces.png     the Traces list
//   docs/images/live-panel-waterfall.png  a trace's waterfall, a failing span's details open
//   docs/images/inline-diagnostic.png     a floating-promise diagnostic and its hover in the editor
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, type Span, type Tracer } from '@opentelemetry/api';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { ensureCodeServer, freeLoopbackPort, repoRoot, startCodeServer, workbenchUrl } from '../test/vscode/codeServer';
import { copyFixtureWorkspace } from '../test/vscode/testInputs';
import { createServiceTracers, recordSpan } from './syntheticTraces';

// As test/vscode/runInCodeServer.ts launches it.
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const viewport = { width: 1440, height: 900 };
const imagesDir = join(repoRoot, 'docs', 'images');
const stepTimeoutMs = 60_000;
const failureScreenshot = join(tmpdir(), 'bounded-screenshots-failure.png');

function build(): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`the build failed (exit code ${code})`))));
  });
}

/** Polls `probe` until it gives a value, or throws naming `what` after the deadline. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = stepTimeoutMs): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 200));
  }
}

/** Runs a command from the palette; reopens the palette while the command is not listed yet (the extension host still starting). */
async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await waitFor(`"${title}" in the command palette`, async () => {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill('>');
    await input.pressSequentially(title);
    try {
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      return true;
    } catch {
      await page.keyboard.press('Escape');
      return undefined;
    }
  });
  await page.keyboard.press('Enter');
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
  const tracers = createServiceTracers(endpoint, ['gateway', 'checkout', 'payments', 'inventory'], { 'service.version': '1.4.2' });
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
  await tracers.flush();
  await tracers.shutdown();
}

async function main(): Promise<void> {
  await build();
  await ensureCodeServer();
  const scratch = mkdtempSync(join(tmpdir(), 'bounded-screenshots-'));
  const server = await startCodeServer();
  let browser: Browser | undefined;
  let failedPage: Page | undefined;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
    const folder = copyFixtureWorkspace(scratch);
    // The receiver on a port free now, whatever else on this machine listens on 4318.
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(join(folder, '.vscode', 'settings.json'), `${JSON.stringify({ 'bounded.live.otlp.port': await freeLoopbackPort(), 'workbench.tips.enabled': false }, null, 2)}\n`);
    mkdirSync(imagesDir, { recursive: true });

    const page = await browser.newPage({ viewport });
    failedPage = page;
    await page.goto(workbenchUrl(server, { folder, extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: stepTimeoutMs });
    // The extension's status bar item: it is active and its commands are registered.
    await page.locator('.statusbar-item', { hasText: 'Bounded' }).first().waitFor({ state: 'visible', timeout: stepTimeoutMs });

    await runCommand(page, 'Bounded: Show Live Traces');
    const frame = await panelFrame(page);
    const endpointText = await waitFor('the receiver endpoint', async () => {
      const text = await frame.locator('.endpoint').textContent();
      return text?.startsWith('OTEL_EXPORTER_OTLP_ENDPOINT=http') ? text : undefined;
    });
    await sendTraces(endpointText.slice('OTEL_EXPORTER_OTLP_ENDPOINT='.length), join(folder, 'src', 'service.ts'));
    await waitFor('seven traces listed', async () => ((await frame.locator('button.trace-row').count()) === 7 ? true : undefined));
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.mouse.move(0, viewport.height - 1);
    await page.screenshot({ path: join(imagesDir, 'live-panel-traces.png') });

    await frame.locator('button.trace-row.has-error').first().click();
    await frame.locator('.span-row').first().waitFor({ state: 'visible' });
    await frame.locator('.span-row.has-error').first().click();
    await frame.locator('.span-details .details-name').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(imagesDir, 'live-panel-waterfall.png') });

    await runCommand(page, 'View: Close All Editors');
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
    process.stdout.write(`Saved live-panel-traces.png, live-panel-waterfall.png and inline-diagnostic.png to ${imagesDir}\n`);
    failedPage = undefined;
  } finally {
    // What the workbench showed when a step failed, to see why.
    await failedPage?.screenshot({ path: failureScreenshot }).then(() => process.stderr.write(`The workbench as the failed step left it: ${failureScreenshot}\n`), () => undefined);
    await browser?.close();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
