// The HTML document of the Bounded panel's webview: a strict Content Security Policy that lets in
// only the bundled script (by a nonce fresh for each render) and the extension's own stylesheets
// (the panel's, the codicons' and uPlot's, the charts' library), images and fonts (the codicon font). Pure (no vscode import), so its policy is unit-tested.
import { randomBytes } from 'node:crypto';

export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin the webview loads the extension's local resources from. */
  cspSource: string;
  /** From `createNonce()`, once per render. */
  nonce: string;
  /** `webview.asWebviewUri(...)` of dist/webview.js, as a string. */
  scriptUri: string;
  /** `webview.asWebviewUri(...)` of media/panel.css, as a string. */
  styleUri: string;
  /** `webview.asWebviewUri(...)` of dist/codicon.css (@vscode/codicons, its font beside it), as a string. */
  codiconStyleUri: string;
  /** `webview.asWebviewUri(...)` of dist/uplot.css (uPlot's stylesheet, for the charts), as a string. */
  chartStyleUri: string;
}

export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

export function panelContentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function renderPanelHtml({ cspSource, nonce, scriptUri, styleUri, codiconStyleUri, chartStyleUri }: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(panelContentSecurityPolicy(cspSource, nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${escapeAttribute(codiconStyleUri)}">
  <link rel="stylesheet" href="${escapeAttribute(chartStyleUri)}">
  <link rel="stylesheet" href="${escapeAttribute(styleUri)}">
  <title>Bounded: Findings</title>
</head>
<body>
  <main id="app"></main>
  <script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(scriptUri)}"></script>
</body>
</html>
`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
