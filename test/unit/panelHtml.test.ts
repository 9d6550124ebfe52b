// The panel's HTML: exactly the Content Security Policy of the webview sample (default-src 'none',
// scripts only by a nonce fresh for each render), the bundle loaded by that nonce, and no inline
// script or style anywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import { createNonce, renderPanelHtml } from '../../src/extension/panelHtml';

const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
const scriptUri = `${cspSource}/ext/dist/webview.js`;
const styleUri = `${cspSource}/ext/media/panel.css`;
const codiconStyleUri = `${cspSource}/ext/dist/codicon.css`;
const chartStyleUri = `${cspSource}/ext/dist/uplot.css`;

function render(nonce = createNonce()): { document: Document; nonce: string } {
  return { document: new JSDOM(renderPanelHtml({ cspSource, nonce, scriptUri, styleUri, codiconStyleUri, chartStyleUri })).window.document, nonce };
}

function contentSecurityPolicy(document: Document): string | null | undefined {
  return document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content');
}

describe('panel HTML', () => {
  it('sets the strict Content Security Policy', () => {
    const { document, nonce } = render();
    assert.equal(
      contentSecurityPolicy(document),
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${cspSource}; img-src ${cspSource} data:; font-src ${cspSource}`,
    );
    assert.equal(document.head.firstElementChild?.getAttribute('charset'), 'UTF-8', 'charset comes first');
  });

  it('loads the bundle by the nonce and the stylesheets (codicons, the charts, then the panel) by URI', () => {
    const { document, nonce } = render();
    const scripts = Array.from(document.querySelectorAll('script'));
    assert.equal(scripts.length, 1);
    assert.equal(scripts[0]?.getAttribute('src'), scriptUri);
    assert.equal(scripts[0]?.getAttribute('nonce'), nonce);
    assert.deepEqual(
      Array.from(document.querySelectorAll('link[rel="stylesheet"]'), (link) => link.getAttribute('href')),
      [codiconStyleUri, chartStyleUri, styleUri],
    );
    assert.ok(document.getElementById('app'), 'the element the webview script fills');
  });

  it('uses a fresh nonce for each render', () => {
    const nonces = new Set(Array.from({ length: 20 }, () => render().nonce));
    assert.equal(nonces.size, 20);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/, 'a 128-bit base64 nonce');
    const [first, second] = [render(), render()];
    assert.notEqual(contentSecurityPolicy(first.document), contentSecurityPolicy(second.document));
  });

  it('has no inline script or style', () => {
    const { document } = render();
    for (const script of Array.from(document.querySelectorAll('script'))) {
      assert.ok(script.hasAttribute('src'), 'every script is loaded from a file');
      assert.equal(script.textContent, '', 'no inline script body');
    }
    assert.equal(document.querySelectorAll('style').length, 0, 'no <style> element');
    for (const element of Array.from(document.querySelectorAll('*'))) {
      const inline = element.getAttributeNames().filter((name) => name === 'style' || name.startsWith('on'));
      assert.deepEqual(inline, [], `<${element.localName}> has no style or event handler attributes`);
    }
  });

  it('escapes the URIs it is given', () => {
    const html = renderPanelHtml({ cspSource, nonce: 'n', scriptUri: 'x"><script>alert(1)</script>', styleUri, codiconStyleUri, chartStyleUri });
    const { document } = new JSDOM(html).window;
    assert.equal(document.querySelectorAll('script').length, 1);
    assert.equal(document.querySelector('script')?.getAttribute('src'), 'x"><script>alert(1)</script>');
  });
});
