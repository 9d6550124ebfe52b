// The chart component (webview/timeSeriesChart.ts) drawn by uPlot in real headless Chromium, in the
// panel's own HTML (src/extension/panelHtml.ts: the strict CSP, uPlot's stylesheet, the panel's),
// bundled by esbuild as the webview bundle is. Asserts: a canvas as wide as its container that
// follows it when resized; the aria summary (latest, min → max); a null is a gap (no line drawn
// where the values are null, where a 0 would have drawn one); colours from the theme variables,
// re-coloured when the body's theme class changes; stacked and split layouts; and that the CSP
// blocked nothing (no securitypolicyviolation, no console error). Then the real webview bundle
// (dist/webview.js, built by the integration tier's `npm run build`) with a stub host sending a
// snapshot with one Node target: the Handles tab draws its charts and the CSP blocks nothing there.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { headlessChromium } from '../support/headlessChromium';
import { LiveSnapshotNotification, ShowViewNotification } from '../../src/shared/livePanelProtocol';
import { ReadyCommand } from '../../src/shared/panelProtocol';
import { liveSnapshot } from '../support/liveSnapshot';
import { builtWebviewFiles, panelPageHtml, serveFiles } from '../support/webviewPage';

const repoRoot = resolve(__dirname, '..', '..');

/** Two themes whose only chart colour is pure: dark draws blue series in rgb(0, 0, 255), light in rgb(255, 0, 0). */
const themeCss = `
body.vscode-dark { --vscode-charts-blue: rgb(0, 0, 255); --vscode-charts-orange: rgb(0, 200, 0); --vscode-foreground: #cccccc; --vscode-editorWidget-border: #454545; background: #1e1e1e; }
body.vscode-light { --vscode-charts-blue: rgb(255, 0, 0); --vscode-charts-orange: rgb(0, 200, 0); --vscode-foreground: #333333; --vscode-editorWidget-border: #c8c8c8; background: #ffffff; }
#chart { width: 600px; }
`;

let browser: Browser;
let server: Server;
let origin: string;

before(async () => {
  const bundle = await esbuild.build({
    stdin: { contents: `import { TimeSeriesChart } from './webview/timeSeriesChart'; (window as any).TimeSeriesChart = TimeSeriesChart;`, resolveDir: repoRoot, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
  });
  const files = builtWebviewFiles();
  files.set('/chart.js', { type: 'text/javascript', body: Buffer.from(bundle.outputFiles[0].contents) });
  files.set('/theme.css', { type: 'text/css', body: themeCss });
  ({ server, origin } = await serveFiles(files));
  const html = panelPageHtml(origin, undefined, `${origin}/chart.js`)
    .replace('</head>', `<link rel="stylesheet" href="${origin}/theme.css">\n</head>`)
    .replace('<body>', '<body class="vscode-dark">')
    .replace('<main id="app"></main>', '<main id="app"><div id="chart"></div></main>');
  files.set('/', { type: 'text/html', body: html });
  files.set('/panel.html', { type: 'text/html', body: panelPage(origin) });
  browser = await chromium.launch(headlessChromium);
});

after(async () => {
  await browser?.close();
  await new Promise((done) => server?.close(done));
});

/** The panel's HTML with the real bundle, and a stub host (a second nonce script) that answers `ready` with a snapshot holding one Node target. */
function panelPage(origin: string): string {
  const start = Date.UTC(2026, 11, 3, 12, 0, 0);
  const snapshot = liveSnapshot({
    handles: [
      {
        kind: 'node',
        id: '127.0.0.1:9229',
        name: 'Node pid 4242',
        state: 'sampling',
        pid: 4242,
        charts: [
          {
            id: 'handles',
            title: 'Active handles and resources by type',
            unit: 'count',
            stackable: true,
            series: [
              { label: 'Timeout', points: Array.from({ length: 60 }, (_, index): [number, number] => [start + index * 2000, 10 + index * 3]) },
              { label: 'TCPSocketWrap', points: Array.from({ length: 60 }, (_, index): [number, number] => [start + index * 2000, 2]) },
            ],
          },
          { id: 'memory', title: 'Memory', unit: 'bytes', stackable: false, series: [{ label: 'rss', points: Array.from({ length: 60 }, (_, index): [number, number] => [start + index * 2000, 5e7 + index * 1e5]) }] },
        ],
        sites: [{ type: 'Timeout', site: '/app/server.js:12:7', location: { file: '/app/server.js', line: 12 }, live: 180, estimated: true, growthPerMin: 90 }],
        leakSites: { enabled: true, sampleRate: 0.1 },
      },
    ],
    generatedAt: start,
  });
  const messages = { ready: ReadyCommand.method, snapshot: LiveSnapshotNotification.message(snapshot), show: ShowViewNotification.message({ view: 'handles' }) };
  const stub = `const stub = ${JSON.stringify(messages)};
let state;
window.acquireVsCodeApi = () => ({
  getState: () => state,
  setState: (next) => { state = next; },
  postMessage: (message) => { if (message.method === stub.ready) { window.postMessage(stub.show, '*'); window.postMessage(stub.snapshot, '*'); } },
});`;
  return panelPageHtml(origin, stub)
    .replace('</head>', `<link rel="stylesheet" href="${origin}/theme.css">\n</head>`)
    .replace('<body>', '<body class="vscode-dark">');
}

async function openPage(path = '/'): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.addInitScript({
    content: `globalThis.__name = (target) => target; window.cspViolations = []; document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));`,
  });
  await page.goto(`${origin}${path}`);
  if (path === '/') await page.waitForFunction(() => 'TimeSeriesChart' in window);
  return { page, problems };
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

/** Pixels close to `rgb` in the columns [fromFraction, toFraction) of the plot area (uPlot's .u-over: the canvas less its axes). */
function countColour(page: Page, rgb: [number, number, number], fromFraction: number, toFraction: number, canvasIndex = 0): Promise<number> {
  return page.evaluate(
    ({ rgb, fromFraction, toFraction, canvasIndex }) => {
      const canvas = document.querySelectorAll<HTMLCanvasElement>('#chart canvas')[canvasIndex];
      const over = document.querySelectorAll<HTMLElement>('#chart .u-over')[canvasIndex].getBoundingClientRect();
      const box = canvas.getBoundingClientRect();
      const scale = canvas.width / box.width;
      const context = canvas.getContext('2d') as CanvasRenderingContext2D;
      const from = Math.floor((over.left - box.left + over.width * fromFraction) * scale);
      const to = Math.floor((over.left - box.left + over.width * toFraction) * scale);
      const pixels = context.getImageData(from, 0, to - from, canvas.height).data;
      let count = 0;
      for (let index = 0; index < pixels.length; index += 4) {
        if (pixels[index + 3] > 200 && Math.abs(pixels[index] - rgb[0]) < 40 && Math.abs(pixels[index + 1] - rgb[1]) < 40 && Math.abs(pixels[index + 2] - rgb[2]) < 40) count++;
      }
      return count;
    },
    { rgb, fromFraction, toFraction, canvasIndex },
  );
}

/** Polls `probe` until `done` says yes (5 s at most), returning its last value. */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((tick) => setTimeout(tick, 20));
  }
}

describe('time-series chart in Chromium', () => {
  it('draws to its container width, summarises for screen readers, leaves nulls as gaps, follows the theme, and the CSP blocks nothing', async () => {
    const { page, problems } = await openPage();
    // 100 points a second apart: 5 from 0–39, null 40–59, 7 from 60–99.
    const summary = await page.evaluate(() => {
      const start = Date.UTC(2026, 11, 3, 12, 0, 0);
      const points: Array<[number, number | null]> = Array.from({ length: 100 }, (_, index) => [start + index * 1000, index >= 40 && index < 60 ? null : index < 40 ? 5 : 7]);
      const Chart = (window as unknown as { TimeSeriesChart: typeof import('../../webview/timeSeriesChart').TimeSeriesChart }).TimeSeriesChart;
      const chart = new Chart({ container: document.getElementById('chart') as HTMLElement, title: 'Timeout handles', series: [{ label: 'Timeout', points }] });
      (window as unknown as { chart: unknown }).chart = chart;
      return chart.summary;
    });
    assert.equal(summary, 'Timeout handles: Timeout 7, min 5 → max 7, over 1.6 min');
    const plot = page.locator('#chart .ts-chart-plot');
    assert.equal(await plot.getAttribute('role'), 'img');
    assert.equal(await plot.getAttribute('aria-label'), summary);
    const describedBy = await plot.getAttribute('aria-describedby');
    // The text alternative: a row per series with its latest, min, max and point count.
    assert.ok(((await page.locator(`#${describedBy}`).textContent()) ?? '').includes('Timeout757100'));

    const canvasWidth = () => page.evaluate(() => (document.querySelector('#chart canvas') as HTMLCanvasElement).getBoundingClientRect().width);
    assert.equal(await canvasWidth(), 600, 'as wide as its container');
    await page.evaluate(() => ((document.getElementById('chart') as HTMLElement).style.width = '400px'));
    await page.waitForFunction(() => (document.querySelector('#chart canvas') as HTMLCanvasElement).getBoundingClientRect().width === 400);

    // The nulls span 40%–60% of the plot area: a line through its middle would be there had they been drawn as 0.
    const blue: [number, number, number] = [0, 0, 255];
    const beforeGap = await eventually(() => countColour(page, blue, 0.1, 0.3), (count) => count > 20);
    const inGap = await countColour(page, blue, 0.45, 0.55);
    assert.ok(beforeGap > 20, `the series is drawn in the theme's blue (${beforeGap} pixels)`);
    assert.equal(inGap, 0, 'nothing drawn where the values are null');

    await page.evaluate(() => document.body.classList.replace('vscode-dark', 'vscode-light'));
    const red: [number, number, number] = [255, 0, 0];
    const redAfter = await eventually(() => countColour(page, red, 0.1, 0.3), (count) => count > 20);
    assert.ok(redAfter > 20, `re-coloured from the light theme's variables (${redAfter} red pixels)`);
    assert.equal(await countColour(page, blue, 0.1, 0.3), 0, 'no dark-theme colour left');

    // update() keeps the chart and says the new latest value.
    const updated = await page.evaluate(() => {
      const chart = (window as unknown as { chart: { update(series: unknown): void; summary: string } }).chart;
      const start = Date.UTC(2026, 11, 3, 12, 0, 0);
      chart.update([{ label: 'Timeout', points: [[start, 5], [start + 1000, 9]] }]);
      return chart.summary;
    });
    assert.equal(updated, 'Timeout handles: Timeout 9, min 5 → max 9, over 1 s');
    assert.equal(await plot.getAttribute('aria-label'), updated);

    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('stacks series as areas and splits them into one chart each', async () => {
    const { page, problems } = await openPage();
    const result = await page.evaluate(() => {
      const start = Date.UTC(2026, 11, 3, 12, 0, 0);
      const Chart = (window as unknown as { TimeSeriesChart: typeof import('../../webview/timeSeriesChart').TimeSeriesChart }).TimeSeriesChart;
      const series = [
        { label: 'Timeout', points: Array.from({ length: 30 }, (_, index): [number, number] => [start + index * 1000, 10 + index]) },
        { label: '<img src=x onerror=alert(1)>', points: Array.from({ length: 30 }, (_, index): [number, number] => [start + index * 1000, 4]) },
      ];
      const chart = new Chart({ container: document.getElementById('chart') as HTMLElement, title: 'Handles', series, layout: 'stacked' });
      const stackedCanvases = document.querySelectorAll('#chart canvas').length;
      const legend = Array.from(document.querySelectorAll('#chart .u-legend .u-label'), (label) => label.textContent);
      const legendValues = Array.from(document.querySelectorAll('#chart .u-legend .u-value'), (value) => value.textContent);
      chart.setLayout('split');
      return { stackedCanvases, legend, legendValues, splitCanvases: document.querySelectorAll('#chart canvas').length, images: document.querySelectorAll('img').length, summary: chart.summary };
    });
    assert.equal(result.stackedCanvases, 1);
    assert.deepEqual(result.legend.slice(-2).sort(), ['<img src=x onerror=alert(1)>', 'Timeout'].sort(), 'labels are text');
    // Away from the plot the legend gives the latest values, each series' own (not the stacked sum).
    assert.deepEqual([...result.legendValues].sort(), ['39', '4', 'latest'].sort());
    assert.equal(result.splitCanvases, 2, 'one chart per series');
    assert.equal(result.images, 0, 'a markup label never becomes an element');
    assert.equal(result.summary, 'Handles: Timeout 39, min 10 → max 39; <img src=x onerror=alert(1)> 4, min 4 → max 4, over 29 s');
    // Split: each chart in its own colour (blue first, then orange's stand-in green).
    assert.ok((await eventually(() => countColour(page, [0, 0, 255], 0, 1, 0), (count) => count > 20)) > 20);
    assert.ok((await countColour(page, [0, 200, 0], 0, 1, 1)) > 20);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('draws the Handles tab of the real webview bundle under the panel CSP', async () => {
    const { page, problems } = await openPage('/panel.html');
    await page.waitForFunction(() => document.querySelectorAll('#panel-handles canvas').length === 2, undefined, { timeout: 10_000 });
    assert.equal(await page.locator('#panel-handles').isVisible(), true);
    const label = await page.locator('#panel-handles .handle-chart-handles .ts-chart-plot').getAttribute('aria-label');
    assert.equal(label, 'Active handles and resources by type: Timeout 187, min 10 → max 187; TCPSocketWrap 2, min 2 → max 2, over 2 min');
    const width = await page.evaluate(() => (document.querySelector('#panel-handles .handle-chart-handles canvas') as HTMLCanvasElement).getBoundingClientRect().width);
    assert.ok(width >= 300, `the chart fills its grid cell (${width} px)`);
    assert.equal(await page.locator('#panel-handles tr.leak-site').count(), 1);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
