// Which way imports may point between the planes (webview, extension, server, analyzer, live, shared, cli).
// Checked by test/unit/architecture.test.ts: `depcruise src webview --config .dependency-cruiser.cjs`.
//
// `vscode` exists only inside the extension host (node_modules has just @types/vscode), so an import
// of it is either unresolvable (`vscode`) or resolved to its types; both spellings are matched.
// Paths are matched anywhere in the resolved name, so a symlinked node_modules still matches.
const vscodeApi = '^vscode$|(^|/)node_modules/@types/vscode/';
const languageServerProtocol = '(^|/)node_modules/vscode-language(server|client)[^/]*/|^vscode-language(server|client)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-without-vscode',
      comment: 'src/analyzer and src/live run and test on plain Node: no vscode API, no LSP libraries.',
      severity: 'error',
      from: { path: '^src/(analyzer|live)/' },
      to: { path: [vscodeApi, languageServerProtocol] },
    },
    {
      name: 'webview-only-shared',
      comment: 'The webview is a browser bundle: it imports its own files, src/shared and the browser libraries it bundles (uPlot, for the charts), nothing else.',
      severity: 'error',
      from: { path: '^webview/' },
      to: { pathNot: ['^(webview|src/shared)/', '(^|/)node_modules/uplot/'] },
    },
    {
      name: 'extension-is-a-leaf',
      comment: 'Only the extension imports the extension: it sits on top of every other plane.',
      severity: 'error',
      from: { path: '^(src|webview)/', pathNot: '^src/extension/' },
      to: { path: '^src/extension/' },
    },
    {
      name: 'server-not-upward',
      comment: 'The language server imports the analyzer and shared, never the extension, the CLI or the webview.',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^(src/(extension|cli)|webview)/' },
    },
    {
      name: 'shared-is-self-contained',
      comment: 'src/shared is imported by every plane (the webview too), so it imports no plane and not vscode.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: ['^src/(?!shared/)', '^webview/', vscodeApi] },
    },
    {
      name: 'cli-without-editor',
      comment: 'The CLI runs in a terminal: no vscode API, no LSP, no extension or language server code.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: [vscodeApi, languageServerProtocol, '^src/(extension|server)/'] },
    },
  ],
  options: {
    // Rule fixtures are sample sources for the analyzer, not part of any plane.
    exclude: { path: '(^|/)fixtures/' },
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: `import type { TextDocument } from 'vscode'` ties a plane to vscode too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve packages as Node does: vscode-languageserver/node and friends exist only under the
    // `node` condition of their exports map.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['node', 'import', 'require', 'default'],
    },
  },
};
