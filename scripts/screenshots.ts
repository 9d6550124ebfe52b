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
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { ensureCodeServer, repoRoot, startCodeServer, workbenchUrl } from '../test/vscode/codeServer';
import { copyFixtureWorkspace } from '../test/vscode/testInputs';

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

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePromise(port));
    });
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
  const providers = ['gateway', 'checkout', 'payments', 'inventory'].map(
    (service) =>
      new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.4.2' }),
        spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, timeoutMillis: 10_000 }) })],
      }),
  );
  const [gateway, checkout, payments, inventory] = providers.map((provider) => provider.getTracer('@opentelemetry/instrumentation-http', '0.57.0'));
  const base = Date.now() - 60_000;
  const span = (tracer: Tracer, name: string, kind: SpanKind, parent: Span | undefined, startMs: number, durationMs: number, attributes: Record<string, string | number> = {}): Span => {
    const parentContext = parent ? trace.setSpan(context.active(), parent) : context.active();
    const created = tracer.startSpan(name, { kind, startTime: base + startMs, attributes }, parentContext);
    created.end(base + startMs + durationMs);
    return created;
  };
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
    const chargeServer = payments.startSpan('POST /charge', { kind: SpanKind.SERVER, startTime: base + offset + 88, attributes: { 'payment.provider': 'stripe' } }, trace.setSpan(context.active(), charge));
    if (declined) {
      chargeServer.recordException({ name: 'CardDeclinedError', message: 'card declined: insufficient funds' }, base + offset + total - 20);
      chargeServer.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined: insufficient funds' });
    }
    chargeServer.end(base + offset + total - 16);
  }
  await Promise.all(providers.map((provider) => provider.forceFlush()));
  await Promise.all(providers.map((provider) => provider.shutdown()));
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
    writeFileSync(join(folder, '.vscode', 'settings.json'), `${JSON.stringify({ 'bounded.live.otlp.port': await freePort(), 'workbench.tips.enabled': false }, null, 2)}\n`);
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
