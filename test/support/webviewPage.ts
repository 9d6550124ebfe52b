// The real webview bundle in headless Chromium (the accessibility and chart tests, the waterfall
// bench): the built files the panel loads, served over loopback HTTP, and the panel's own HTML
// (src/extension/panelHtml.ts, its CSP and nonce) with a stub host as a second nonce script
// before the bundle.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createNonce, renderPanelHtml } from '../../src/extension/panelHtml';

/** Served files by URL path, e.g. '/webview.js'. Files set after serving are served too. */
export type ServedFiles = Map<string, { type: string; body: string | Buffer }>;

const repoRoot = resolve(__dirname, '..', '..');

/** The webview bundle, its stylesheets and the codicon font, as `npm run build` writes them (dist/, media/). */
export function builtWebviewFiles(): ServedFiles {
  return new Map([
    ['/webview.js', { type: 'text/javascript', body: readFileSync(join(repoRoot, 'dist', 'webview.js')) }],
    ['/panel.css', { type: 'text/css', body: readFileSync(join(repoRoot, 'media', 'panel.css')) }],
    ['/codicon.css', { type: 'text/css', body: readFileSync(join(repoRoot, 'dist', 'codicon.css')) }],
    ['/codicon.ttf', { type: 'font/ttf', body: readFileSync(join(repoRoot, 'dist', 'codicon.ttf')) }],
    ['/uplot.css', { type: 'text/css', body: readFileSync(join(repoRoot, 'dist', 'uplot.css')) }],
  ]);
}

/** Serves `files` on a free loopback port (404 for anything else); `origin` is http://127.0.0.1:<port>. */
export async function serveFiles(files: ServedFiles): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const file = files.get(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    if (request.url === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The panel's HTML loading `scriptUri` (default: the served webview bundle); `stubHost`, when given, runs first as a second nonce script (e.g. defining acquireVsCodeApi). */
export function panelPageHtml(origin: string, stubHost?: string, scriptUri = `${origin}/webview.js`): string {
  const nonce = createNonce();
  const html = renderPanelHtml({ cspSource: origin, nonce, scriptUri, styleUri: `${origin}/panel.css`, codiconStyleUri: `${origin}/codicon.css`, chartStyleUri: `${origin}/uplot.css` });
  if (stubHost === undefined) return html;
  return html.replace(`<script nonce="${nonce}" src=`, `<script nonce="${nonce}">${stubHost.replace(/<\//g, '<\\/')}</script>\n  <script nonce="${nonce}" src=`);
}
