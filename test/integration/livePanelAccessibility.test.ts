// The panel's accessibility, checked by axe-core (the standard accessibility engine) on the real
// webview bundle (dist/webview.js, built by `npm run test:integration`) in the panel's own HTML
// (src/extension/panelHtml.ts: the same CSP and stylesheets) in headless Chromium, in each of VS
// Code's four default themes: the --vscode-* variables, body class and default webview stylesheet
// the real VS Code gave the webview, captured by `npm run screenshots` into fixtures/webviewThemes/ (so colour contrast is
// judged on the colours users see). A stub host in place of acquireVsCodeApi answers the protocol
// with representative data for every tab: findings, traces (one failing), an open waterfall with a
// span's details, live findings of each family, Redis streams. Any serious or critical violation
// fails the test, named with its elements. Then the keyboard, in the real browser: the tabs follow
// the WAI-ARIA tabs pattern, the trace rows and the waterfall's spans are reached by arrow keys.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { headlessChromium } from '../support/headlessChromium';
import {
  LiveSnapshotNotification,
  type LiveSnapshotParams,
  OpenTraceRequest,
  type OpenTraceResult,
  type PanelSpan,
  emptyTracesFilter,
} from '../../src/shared/livePanelProtocol';
import { ReadyCommand, SnapshotNotification, type SnapshotParams } from '../../src/shared/panelProtocol';
import { builtWebviewFiles, panelPageHtml, type ServedFiles, serveFiles } from '../support/webviewPage';

const themesDir = join(__dirname, 'fixtures', 'webviewThemes');
const traceA = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceB = '5cf92f3577b34da6a3ce929d0e0e4737';
const start = Date.UTC(2026, 11, 3, 12, 0, 0);

interface CapturedTheme {
  theme: string;
  bodyClass: string;
  variables: Record<string, string>;
  /** VS Code's own stylesheet for webviews (<style id="_defaultStyles">: body padding, links, code, scrollbars). */
  defaultStyles: string;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

function span(spanId: string, parentSpanId: string | undefined, name: string, serviceName: string, startMs: number, durationMs: number, extra: Partial<PanelSpan> = {}): PanelSpan {
  return {
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind: parentSpanId ? 'client' : 'server',
    serviceName,
    startMs,
    durationMs,
    status: { code: 'unset' },
    attributes: { 'http.method': 'POST', 'http.route': '/api/orders' },
    resource: { 'service.name': serviceName, 'service.version': '1.4.2' },
    scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
    events: [],
    links: [],
    hasSource: false,
    ...extra,
  };
}

const openTrace: OpenTraceResult = {
  traceId: traceA,
  startTimeMs: start,
  spans: [
    span('a000000000000001', undefined, 'POST /api/orders', 'gateway', 0, 600, { hasSource: true }),
    span('a000000000000002', 'a000000000000001', 'POST checkout', 'gateway', 4, 590),
    span('a000000000000003', 'a000000000000002', 'POST /checkout', 'checkout', 6, 585),
    span('a000000000000004', 'a000000000000003', 'SELECT carts', 'checkout', 20, 18, { attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM carts WHERE id = $1' } }),
    span('a000000000000005', 'a000000000000003', 'POST /charge', 'payments', 90, 480, {
      status: { code: 'error', message: 'card declined: insufficient funds' },
      events: [{ name: 'exception', offsetMs: 560, attributes: { 'exception.type': 'CardDeclinedError', 'exception.message': 'card declined' } }],
      links: [{ traceId: traceB, spanId: 'b000000000000001', attributes: {} }],
    }),
    span('a000000000000006', 'ffffffffffffff01', 'POST /restock', 'inventory', 100, 30),
  ],
};

const liveSnapshot: LiveSnapshotParams = {
  receiver: { state: 'running', host: '127.0.0.1', port: 4318, endpoint: 'http://127.0.0.1:4318' },
  traces: [
    { traceId: traceA, rootServiceName: 'gateway', rootName: 'POST /api/orders', startTimeMs: start, durationMs: 600, spanCount: 6, errorCount: 1, services: ['checkout', 'gateway', 'inventory', 'payments'] },
    { traceId: traceB, rootServiceName: 'gateway', rootName: 'GET /api/orders/:id', startTimeMs: start + 4000, durationMs: 35, spanCount: 3, errorCount: 0, services: ['gateway', 'checkout'] },
  ],
  filter: emptyTracesFilter,
  tracesMatching: 2,
  tracesHeld: 2,
  services: ['checkout', 'gateway', 'inventory', 'payments'],
  spansHeld: 9,
  evictedSpans: 0,
  findings: [
    {
      kind: 'broken-propagation',
      severity: 'warning',
      subject: 'checkout → shipping',
      message: 'checkout calls shipping, which starts a new trace: the trace context was dropped.',
      evidence: { pattern: 'dropped-context', traceIds: [traceA, traceB] },
      location: { file: '/work/app/src/checkout.ts', line: 12 },
      raisedAt: start,
      updatedAt: start + 1000,
    },
    {
      kind: 'stream-no-consumer',
      severity: 'error',
      subject: 'local orders:shipping-labels',
      message: 'Group shipping-labels on stream orders has no consumers while work waits (lag 40).',
      evidence: { target: 'local', stream: 'orders', group: 'shipping-labels', lag: 40, pending: 0 },
      raisedAt: start,
      updatedAt: start + 2000,
    },
    {
      kind: 'handle-leak',
      severity: 'warning',
      subject: 'node:9229 Timeout',
      message: 'node:9229: 120 Timeout/min over 2 min (10 → 250)',
      evidence: { target: 'node:9229', type: 'Timeout', site: '/work/app/src/poller.ts:7' },
      location: { file: '/work/app/src/poller.ts', line: 7 },
      raisedAt: start,
      updatedAt: start + 3000,
    },
  ],
  streams: [
    {
      name: 'local',
      url: 'redis://127.0.0.1:6379',
      state: 'connected',
      notes: [],
      unreadable: [],
      streams: [
        {
          stream: 'orders',
          length: 40,
          groupsNotRead: 0,
          groups: [
            { group: 'shipping-labels', lag: 40, pending: 0, consumers: [], stuck: [], deadLetterCandidates: 0 },
            {
              group: 'billing',
              lag: 28,
              pending: 12,
              oldestPendingAgeMs: 65_000,
              consumers: [{ name: 'billing-worker-1', pending: 12, idleMs: 65_000, inactiveMs: 65_000, dead: true }],
              stuck: [{ id: '1764763200000-0', consumer: 'billing-worker-1', idleMs: 65_000, deliveryCount: 6, deadLetter: true }],
              deadLetterCandidates: 1,
            },
          ],
        },
      ],
    },
  ],
  generatedAt: start + 5000,
};

const findingsSnapshot: SnapshotParams = {
  findings: [
    { uri: 'file:///work/app/src/service.ts', file: 'src/service.ts', line: 3, character: 2, rule: 'floating-promise', severity: 'warning', message: 'This promise is neither awaited nor handled.', docsUri: 'https://example.invalid/rules/floating-promise' },
    { uri: 'file:///work/app/src/server.ts', file: 'src/server.ts', line: 10, character: 0, rule: 'server-keep-alive', severity: 'error', message: 'keepAliveTimeout is shorter than the load balancer idle timeout.' },
  ],
  generatedAt: start,
  trusted: true,
};

/** The stub host: answers `ready` with both snapshots and `live/openTrace` with the trace, as the panel host does; applies the theme as VS Code does. */
function stubHostScript(theme: CapturedTheme): string {
  const messages = {
    ready: ReadyCommand.method,
    openTrace: OpenTraceRequest.method,
    openTraceResponse: OpenTraceRequest.responseMethod,
    findings: SnapshotNotification.message(findingsSnapshot),
    live: LiveSnapshotNotification.message(liveSnapshot),
  };
  return `
const stub = ${JSON.stringify(messages)};
const trace = ${JSON.stringify(openTrace)};
const theme = ${JSON.stringify(theme)};
for (const [name, value] of Object.entries(theme.variables)) document.documentElement.style.setProperty(name, value);
document.body.className = theme.bodyClass;
let state;
window.acquireVsCodeApi = () => ({
  getState: () => state,
  setState: (next) => { state = next; },
  postMessage: (message) => {
    if (message.method === stub.ready) { window.postMessage(stub.findings, '*'); window.postMessage(stub.live, '*'); }
    else if (message.method === stub.openTrace) window.postMessage({ method: stub.openTraceResponse, id: message.id, params: trace }, '*');
  },
});
`;
}

function pageHtml(origin: string, theme: CapturedTheme): string {
  // VS Code puts its default styles before the extension's; here as a stylesheet of the page's origin (the CSP lets no inline style in).
  const codicons = `<link rel="stylesheet" href="${origin}/codicon.css">`;
  const withDefaults = `<link rel="stylesheet" href="${origin}/default-styles/${encodeURIComponent(theme.theme)}.css">\n  ${codicons}`;
  return panelPageHtml(origin, stubHostScript(theme)).replace(codicons, withDefaults);
}

const themes: CapturedTheme[] = readdirSync(themesDir)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => JSON.parse(readFileSync(join(themesDir, name), 'utf8')) as CapturedTheme);

describe('the live panel in headless Chromium: axe-core and the keyboard', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  let files: ServedFiles;
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

  before(async () => {
    files = builtWebviewFiles();
    ({ server, origin } = await serveFiles(files));
    browser = await chromium.launch(headlessChromium);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolvePromise) => server?.close(resolvePromise));
  });

  async function openPanel(theme: CapturedTheme): Promise<{ page: Page; errors: string[] }> {
    files.set(`/${encodeURIComponent(theme.theme)}`, { type: 'text/html', body: pageHtml(origin, theme) });
    files.set(`/default-styles/${encodeURIComponent(theme.theme)}.css`, { type: 'text/css', body: theme.defaultStyles });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${origin}/${encodeURIComponent(theme.theme)}`);
    await page.locator('button.trace-row').first().waitFor({ state: 'attached' });
    await page.evaluate(axeSource);
    return { page, errors };
  }

  async function seriousViolations(page: Page): Promise<string[]> {
    const violations = (await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] }).then((results) => results.violations)`,
    )) as AxeViolation[];
    return violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.impact} ${violation.id} (${violation.help}): ${violation.nodes.map((node) => `${node.target.join(' ')}${node.failureSummary ? ` — ${node.failureSummary.replace(/\s+/g, ' ')}` : ''}`).join('; ')}`);
  }

  it('has the four default themes captured from the real VS Code', () => {
    assert.deepEqual(
      themes.map((theme) => theme.theme).sort(),
      ['Default Dark Modern', 'Default High Contrast', 'Default High Contrast Light', 'Default Light Modern'],
    );
    for (const theme of themes) {
      assert.ok(Object.keys(theme.variables).length > 100, `${theme.theme}: ${Object.keys(theme.variables).length} variables`);
      assert.match(theme.defaultStyles, /--vscode-textPreformat-foreground/, `${theme.theme}: VS Code's default webview styles`);
    }
  });

  for (const theme of themes) {
    it(`${theme.theme}: no serious or critical axe violations in any tab`, async () => {
      const { page, errors } = await openPanel(theme);
      try {
        const found: string[] = [];
        const check = async (where: string) => found.push(...(await seriousViolations(page)).map((violation) => `${where}: ${violation}`));
        for (const tab of await page.$$eval('[role="tab"]', (elements) => elements.map((element) => element.id))) {
          await page.locator(`#${tab}`).click();
          await check(tab);
        }
        await page.locator('#tab-traces').click();
        await page.locator('button.trace-row.has-error').click();
        await page.locator('.span-row.has-error').click();
        await page.locator('.span-details .details-name').waitFor();
        await check('waterfall with span details');
        assert.deepEqual(found, []);
        assert.deepEqual(errors, []);
        // Native controls (checkboxes, scrollbars) follow the theme's kind, not the OS's.
        assert.equal(await page.evaluate(() => getComputedStyle(document.body).colorScheme), /light/.test(theme.bodyClass) ? 'light' : 'dark');
      } finally {
        await page.close();
      }
    });
  }

  it('keyboard: WAI-ARIA tabs (arrows, Home, End, roving tabindex), trace rows by arrows, the waterfall announces each span', async () => {
    const { page } = await openPanel(themes[0]);
    try {
      const tabState = () => page.$$eval('[role="tab"]', (elements) => elements.map((element) => `${element.id}:${element.getAttribute('aria-selected')}:${(element as HTMLElement).tabIndex}`));
      await page.locator('#tab-findings').focus();
      await page.keyboard.press('ArrowRight');
      const afterRight = await tabState();
      assert.ok(afterRight[1].endsWith(':true:0'), afterRight.join(' '));
      assert.equal(afterRight.filter((state) => state.endsWith(':0')).length, 1, 'one tab in the tab order');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-traces');
      await page.keyboard.press('End');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-selected')), 'true');
      const last = await page.evaluate(() => document.activeElement?.id);
      assert.equal(last, (await page.$$eval('[role="tab"]', (elements) => elements.at(-1)?.id)) ?? '');
      await page.keyboard.press('Home');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-findings');
      await page.keyboard.press('ArrowLeft');
      assert.equal(await page.evaluate(() => document.activeElement?.id), last, 'Left from the first wraps to the last');

      await page.locator('#tab-traces').click();
      await page.locator('button.trace-row').first().focus();
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.traceId), traceB);
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Enter');
      await page.locator('.span-row').first().waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'waterfall-viewport', 'opening a trace focuses its spans');
      const announced = () => page.evaluate(() => document.getElementById(document.activeElement?.getAttribute('aria-activedescendant') ?? '')?.getAttribute('aria-label'));
      assert.match((await announced()) ?? '', /^POST \/api\/orders gateway 600 ms, on the critical path, starts at 0 µs, depth 1$/);
      for (let step = 0; step < 4; step++) await page.keyboard.press('ArrowDown');
      assert.match((await announced()) ?? '', /^POST \/charge payments 480 ms, error, on the critical path, starts at 90\.0 ms, depth 4$/);
      await page.keyboard.press('Enter');
      assert.equal(await page.locator('.span-details .details-name').textContent(), 'POST /charge');
      await page.keyboard.press('Escape');
      assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.classList.contains('trace-row')), true, 'Escape goes back to the list');
    } finally {
      await page.close();
    }
  });
});
