// The panel's webview options (src/extension/panelWebviewOptions.ts), used both when a command
// creates the panel and when VS Code restores it: scripts on, and localResourceRoots exactly the
// extension's dist/ (the bundles) and media/, on the extension's own scheme and authority (a remote
// extension host's URIs stay remote). URIs are vscode-uri's, the implementation VS Code's Uri is.
// That the real webview refuses a file outside them is test/integration/panelRestore.test.ts's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { URI, Utils } from 'vscode-uri';
import type * as vscode from 'vscode';
import { panelWebviewOptions } from '../../src/extension/panelWebviewOptions';

/** Whether `resource` is inside one of `roots`, as VS Code decides it for a webview's resource request. */
function insideRoots(resource: URI, roots: readonly URI[]): boolean {
  return roots.some(
    (root) => root.scheme === resource.scheme && root.authority === resource.authority && resource.path.startsWith(root.path.endsWith('/') ? root.path : `${root.path}/`),
  );
}

function roots(extensionUri: URI): URI[] {
  const options = panelWebviewOptions(extensionUri as unknown as vscode.Uri);
  return (options.localResourceRoots ?? []).map((root) => root as unknown as URI);
}

describe('the panel webview options', () => {
  it('turn scripts on and keep no hidden context (the webview saves its own state)', () => {
    const options = panelWebviewOptions(URI.file('/ext') as unknown as vscode.Uri);
    assert.equal(options.enableScripts, true);
    assert.equal(options.retainContextWhenHidden, false);
    assert.equal(options.enableCommandUris, undefined, 'no command links in the webview');
  });

  it('limit local resources to the bundles and media/', () => {
    assert.deepEqual(
      roots(URI.file('/home/me/.vscode/extensions/bounded')).map((root) => root.toString()),
      ['file:///home/me/.vscode/extensions/bounded/dist', 'file:///home/me/.vscode/extensions/bounded/media'],
    );
  });

  it('keep a remote extension host\'s scheme and authority', () => {
    assert.deepEqual(
      roots(URI.parse('vscode-remote://127.0.0.1:8080/work/bounded')).map((root) => root.toString(true)),
      ['vscode-remote://127.0.0.1:8080/work/bounded/dist', 'vscode-remote://127.0.0.1:8080/work/bounded/media'],
    );
  });

  it('let in what the panel HTML loads and nothing else of the extension, the workspace or the machine', () => {
    const extension = URI.file('/ext');
    const allowed = roots(extension);
    for (const file of ['dist/webview.js', 'dist/codicon.css', 'dist/codicon.ttf', 'dist/uplot.css', 'media/panel.css']) {
      assert.ok(insideRoots(Utils.joinPath(extension, file), allowed), `${file} is inside the roots`);
    }
    for (const file of ['package.json', 'src/extension/findingsPanel.ts', 'node_modules/@vscode/codicons/dist/codicon.css', 'distribution/x.js', 'media-other/x.css']) {
      assert.ok(!insideRoots(Utils.joinPath(extension, file), allowed), `${file} is outside the roots`);
    }
    assert.ok(!insideRoots(URI.file('/etc/hostname'), allowed));
    assert.ok(!insideRoots(URI.file('/ext/dist/webview.js').with({ scheme: 'vscode-remote', authority: 'elsewhere' }), allowed));
  });
});
