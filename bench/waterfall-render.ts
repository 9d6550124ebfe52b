// Waterfall render benchmark: the real webview bundle (dist/webview.js) in the panel's own HTML
// (src/extension/panelHtml.ts: the same CSP, nonce script, stylesheet) in headless Chromium
// (playwright-core and /usr/bin/chromium, launched as test/vscode/runInCodeServer.ts does), with a
// stub host in place of VS Code's acquireVsCodeApi that answers the protocol: a live snapshot
// listing one trace after `ready`, and that trace's spans for `live/openTrace`.
//
// For each case it clicks the trace in the Traces list and times, in the page, the click to the
// first .span-row in the DOM and to the next frame after it (first render); then it scrolls the
// waterfall by 10 rows a frame, top to bottom, and records the frame intervals and every long task
// (PerformanceObserver 'longtask', > 50 ms). Cases, side by side:
//   - 5,000 spans, virtualized: the panel as it is (goal: < 150 ms first render, no long tasks);
//   - 500 spans, virtualized: a tenth of the spans, to see what grows with the trace;
//   - 5,000 spans, every row in the DOM: the same bundle with the viewport made as tall as the
//     trace, so virtualization keeps nothing out (what the panel would cost without it).
// Not a test: `npx tsx bench/waterfall-render.ts [--runs N]` after `npm run build`.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath, headlessChromium } from '../test/support/headlessChromium';
import { LiveSnapshotNotification, OpenTraceRequest, type OpenTraceResult, type LiveSnapshotParams, type PanelSpan, ShowViewNotification, emptyTracesFilter } from '../src/shared/livePanelProtocol';
import { ReadyCommand } from '../src/shared/panelProtocol';
import { builtWebviewFiles, panelPageHtml, serveFiles } from '../test/support/webviewPage';

const repoRoot = resolve(__dirname, '..');
const viewport = { width: 1280, height: 900 };
const rowHeight = 22;
const scrollRowsPerFrame = 10;
const firstRenderGoalMs = 150;
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

interface BenchCase {
  name: string;
  spans: number;
  virtualized: boolean;
}

const cases: BenchCase[] = [
  { name: '5,000 spans, virtualized (the panel)', spans: 5000, virtualized: true },
  { name: '500 spans, virtualized', spans: 500, virtualized: true },
  { name: '5,000 spans, every row in the DOM', spans: 5000, virtualized: false },
];

interface PageFigures {
  rowsInDomMs: number;
  firstRenderMs: number;
  rowsRendered: number;
  openLongTasks: number[];
  frameIntervalsMs: number[];
  scrollLongTasks: number[];
  scrollMs: number;
}

/** A trace shaped like a busy request: a root, fan-out to services, each with nested DB/cache calls; some errors. */
function generateTrace(spanCount: number): OpenTraceResult {
  const services = ['gateway', 'checkout', 'payments', 'inventory', 'shipping', 'email'];
  const spans: PanelSpan[] = [];
  let next = 0;
  const spanId = (index: number) => index.toString(16).padStart(16, '0').replace(/^0/, 'a');
  const add = (parent: PanelSpan | undefined, depth: number, startMs: number, durationMs: number): PanelSpan => {
    const index = next++;
    const service = services[depth === 0 ? 0 : 1 + (index % (services.length - 1))];
    const error = index % 97 === 13;
    const span: PanelSpan = {
      spanId: spanId(index + 1),
      ...(parent ? { parentSpanId: parent.spanId } : {}),
      name: depth === 0 ? 'POST /api/orders' : `${['SELECT orders', 'GET /inventory', 'redis GET', 'POST /charge', 'render email'][index % 5]} #${index}`,
      kind: depth === 0 ? 'server' : index % 2 === 0 ? 'client' : 'internal',
      serviceName: service,
      startMs,
      durationMs,
      status: error ? { code: 'error', message: 'connection reset' } : { code: 'unset' },
      attributes: { 'http.method': 'GET', 'db.statement': `SELECT * FROM orders WHERE id = ${index}`, 'net.peer.port': 5432 + (index % 3) },
      resource: { 'service.name': service, 'host.name': `pod-${index % 7}` },
      scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' },
      events: error ? [{ name: 'exception', offsetMs: startMs + durationMs / 2, attributes: { 'exception.message': 'ECONNRESET' } }] : [],
      links: [],
      hasSource: index % 11 === 0,
    };
    spans.push(span);
    return span;
  };
  const root = add(undefined, 0, 0, 2000);
  // Breadth-first: each span gets up to 4 children within its own time, until spanCount.
  const queue: Array<{ span: PanelSpan; depth: number }> = [{ span: root, depth: 0 }];
  while (next < spanCount && queue.length > 0) {
    const { span, depth } = queue.shift() as { span: PanelSpan; depth: number };
    const children = Math.min(4, spanCount - next);
    for (let child = 0; child < children; child++) {
      const slot = span.durationMs / children;
      const created = add(span, depth + 1, span.startMs + child * slot + slot * 0.05, slot * 0.9);
      queue.push({ span: created, depth: depth + 1 });
    }
  }
  spans.sort((a, b) => a.startMs - b.startMs);
  return { traceId, startTimeMs: Date.UTC(2026, 11, 3, 12, 0, 0), spans };
}

function snapshotOf(trace: OpenTraceResult): LiveSnapshotParams {
  const end = Math.max(...trace.spans.map((span) => span.startMs + span.durationMs));
  return {
    receiver: { state: 'running', host: '127.0.0.1', port: 4318, endpoint: 'http://127.0.0.1:4318' },
    traces: [
      {
        traceId: trace.traceId,
        rootServiceName: 'gateway',
        rootName: 'POST /api/orders',
        startTimeMs: trace.startTimeMs,
        durationMs: end,
        spanCount: trace.spans.length,
        errorCount: trace.spans.filter((span) => span.status.code === 'error').length,
        services: [...new Set(trace.spans.map((span) => span.serviceName))].sort(),
      },
    ],
    filter: emptyTracesFilter,
    tracesMatching: 1,
    tracesHeld: 1,
    services: [...new Set(trace.spans.map((span) => span.serviceName))].sort(),
    spansHeld: trace.spans.length,
    evictedSpans: 0,
    findings: [],
    generatedAt: Date.now(),
  };
}

/** The stub host: VS Code's acquireVsCodeApi, answering `ready` and `live/openTrace` as the panel host does (asynchronously, by window messages). */
function stubHostScript(trace: OpenTraceResult): string {
  const messages = {
    ready: ReadyCommand.method,
    openTrace: OpenTraceRequest.method,
    snapshot: LiveSnapshotNotification.message(snapshotOf(trace)),
    showTraces: ShowViewNotification.message({ view: 'traces' }),
  };
  return `
const stub = ${JSON.stringify(messages)};
const trace = ${JSON.stringify(trace)};
let state;
window.acquireVsCodeApi = () => ({
  getState: () => state,
  setState: (next) => { state = next; },
  postMessage: (message) => {
    if (message.method === stub.ready) { window.postMessage(stub.snapshot, '*'); window.postMessage(stub.showTraces, '*'); }
    else if (message.method === stub.openTrace) window.postMessage({ method: ${JSON.stringify(OpenTraceRequest.responseMethod)}, id: message.id, params: trace }, '*');
  },
});
window.benchLongTasks = [];
new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.benchLongTasks.push(entry.duration); }).observe({ type: 'longtask', buffered: true });
`;
}

/** The panel's HTML, with the stub host as a second nonce script before the bundle (and, for the peer, the viewport as tall as the trace). */
function pageHtml(origin: string, trace: OpenTraceResult, virtualized: boolean): string {
  const withStub = panelPageHtml(origin, stubHostScript(trace));
  if (virtualized) return withStub;
  const tall = `<link rel="stylesheet" href="${origin}/unvirtualized.css">\n</head>`;
  return withStub.replace('</head>', tall);
}

/** Runs in the page: click the trace, time the first render, then scroll to the bottom a frame at a time. */
async function measureInPage(args: { traceId: string; rowsPerFrame: number; rowHeight: number; virtualized: boolean }): Promise<PageFigures> {
  const longTasks = (window as unknown as { benchLongTasks: number[] }).benchLongTasks;
  const nextFrame = () => new Promise<number>((resolveFrame) => requestAnimationFrame((time) => resolveFrame(time)));
  // After the frame that follows: the one that painted what is in the DOM now.
  const afterPaint = () => new Promise<number>((resolvePaint) => requestAnimationFrame(() => setTimeout(() => resolvePaint(performance.now()), 0)));
  const waitFor = <T>(probe: () => T | null | undefined): Promise<T> =>
    new Promise((resolveProbe, reject) => {
      const deadline = performance.now() + 20_000;
      const check = () => {
        const found = probe();
        if (found) resolveProbe(found);
        else if (performance.now() > deadline) reject(new Error('timed out'));
        else setTimeout(check, 5);
      };
      check();
    });
  const row = await waitFor(() => document.querySelector<HTMLButtonElement>(`button.trace-row[data-trace-id="${args.traceId}"]`));
  await afterPaint();
  longTasks.length = 0;
  const rowsAppeared = new Promise<number>((resolveRows) => {
    const observer = new MutationObserver(() => {
      if (document.querySelector('.span-row')) {
        observer.disconnect();
        resolveRows(performance.now());
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
  const clickedAt = performance.now();
  row.click();
  const rowsAt = await rowsAppeared;
  const paintedAt = await afterPaint();
  const rowsRendered = document.querySelectorAll('.span-row').length;
  const openLongTasks = [...longTasks];

  await afterPaint();
  longTasks.length = 0;
  const scroller = args.virtualized ? (document.querySelector('.waterfall-viewport') as HTMLElement) : document.scrollingElement ?? document.documentElement;
  const step = args.rowsPerFrame * args.rowHeight;
  const frameIntervalsMs: number[] = [];
  let last = await nextFrame();
  const scrollStart = last;
  for (;;) {
    const before = scroller.scrollTop;
    scroller.scrollTop = before + step;
    const now = await nextFrame();
    frameIntervalsMs.push(now - last);
    last = now;
    if (scroller.scrollTop === before) break;
  }
  await afterPaint();
  return { rowsInDomMs: rowsAt - clickedAt, firstRenderMs: paintedAt - clickedAt, rowsRendered, openLongTasks, frameIntervalsMs, scrollLongTasks: [...longTasks], scrollMs: last - scrollStart };
}

async function runCase(browser: Browser, benchCase: BenchCase): Promise<PageFigures> {
  const trace = generateTrace(benchCase.spans);
  const files = builtWebviewFiles();
  files.set('/unvirtualized.css', { type: 'text/css', body: `.waterfall-viewport { height: ${benchCase.spans * rowHeight + 40}px !important; overflow: visible !important; }\n` });
  const { server, origin } = await serveFiles(files);
  files.set('/', { type: 'text/html', body: pageHtml(origin, trace, benchCase.virtualized) });
  const context = await browser.newContext({ viewport });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    // tsx compiles measureInPage with esbuild's keepNames, whose __name helper the page lacks.
    await page.addInitScript({ content: 'globalThis.__name = (target) => target;' });
    await page.goto(`${origin}/`);
    const figures = await page.evaluate(measureInPage, { traceId, rowsPerFrame: scrollRowsPerFrame, rowHeight, virtualized: benchCase.virtualized });
    if (errors.length > 0) throw new Error(`the page reported errors: ${errors.join('; ')}`);
    return figures;
  } finally {
    await context.close();
    server.close();
  }
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

function runsArgument(argv: readonly string[]): number {
  const index = argv.indexOf('--runs');
  if (index === -1) return 5;
  const runs = Number(argv[index + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number of at least 1, not ${argv[index + 1]}`);
  return runs;
}

async function main(): Promise<void> {
  const runs = runsArgument(process.argv.slice(2));
  if (!existsSync(join(repoRoot, 'dist', 'webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`);
  const browser = await chromium.launch(headlessChromium);
  const results: Array<{ benchCase: BenchCase; runs: PageFigures[] }> = [];
  try {
    for (const benchCase of cases) {
      const figures: PageFigures[] = [];
      // One warm-up page load per case (the bundle's first parse and compile), not counted.
      await runCase(browser, benchCase);
      for (let run = 0; run < runs; run++) figures.push(await runCase(browser, benchCase));
      results.push({ benchCase, runs: figures });
    }
  } finally {
    await browser.close();
  }

  const rows = results.map(({ benchCase, runs: figures }) => {
    const intervals = figures.flatMap((figure) => figure.frameIntervalsMs);
    const scrollLongTasks = figures.flatMap((figure) => figure.scrollLongTasks);
    const openLongTasks = figures.flatMap((figure) => figure.openLongTasks);
    return {
      case: benchCase.name,
      spans: benchCase.spans,
      rowsInDom: median(figures.map((figure) => figure.rowsRendered)),
      rowsInDomMs: median(figures.map((figure) => figure.rowsInDomMs)),
      firstRenderMs: median(figures.map((figure) => figure.firstRenderMs)),
      firstRenderMaxMs: Math.max(...figures.map((figure) => figure.firstRenderMs)),
      openLongTasks: openLongTasks.length,
      openLongestTaskMs: Math.max(0, ...openLongTasks),
      scrollFrames: intervals.length,
      frameP50Ms: median(intervals),
      frameP95Ms: percentile(intervals, 0.95),
      frameMaxMs: Math.max(...intervals),
      scrollLongTasks: scrollLongTasks.length,
      scrollLongestTaskMs: Math.max(0, ...scrollLongTasks),
    };
  });
  const fixed = (value: number) => value.toFixed(1);
  process.stdout.write(`\nWaterfall render, ${runs} runs per case (medians; frame times over every scroll frame of every run)\n\n`);
  process.stdout.write('| case | rows in DOM | click to rows (ms) | first render (ms) | worst (ms) | long tasks opening | scroll frames | frame p50 / p95 / max (ms) | long tasks scrolling |\n');
  process.stdout.write('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n');
  for (const row of rows) {
    process.stdout.write(
      `| ${row.case} | ${row.rowsInDom} | ${fixed(row.rowsInDomMs)} | ${fixed(row.firstRenderMs)} | ${fixed(row.firstRenderMaxMs)} | ${row.openLongTasks}${row.openLongTasks > 0 ? ` (longest ${fixed(row.openLongestTaskMs)})` : ''} | ${row.scrollFrames} | ${fixed(row.frameP50Ms)} / ${fixed(row.frameP95Ms)} / ${fixed(row.frameMaxMs)} | ${row.scrollLongTasks}${row.scrollLongTasks > 0 ? ` (longest ${fixed(row.scrollLongestTaskMs)})` : ''} |\n`,
    );
  }
  const panel = rows[0];
  const unvirtualized = rows[2];
  process.stdout.write(
    `\nGoals (5,000 spans): first render < ${firstRenderGoalMs} ms: ${panel.firstRenderMs < firstRenderGoalMs ? 'met' : 'NOT met'} (${fixed(panel.firstRenderMs)} ms); no long task while scrolling: ${panel.scrollLongTasks === 0 ? 'met' : 'NOT met'}.\n` +
      `Without virtualization the first render takes ${fixed(unvirtualized.firstRenderMs / panel.firstRenderMs)}x as long.\n`,
  );
  const resultsDir = join(repoRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `waterfall-render-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ runs, viewport, scrollRowsPerFrame, results: rows, raw: results }, null, 2)}\n`);
  process.stdout.write(`Written to ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
