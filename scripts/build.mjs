// Builds the four bundles: extension host, language server, CLI (Node, CommonJS) and webview (browser),
// and the webview's codicon stylesheet and font, and uPlot's stylesheet (the charts').
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Everything but the vscode module is bundled, so the .vsix carries no node_modules.
  external: ['vscode'],
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/main.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { server: 'src/server/main.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist' },
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist' },
  // The panel's icons: @vscode/codicons' stylesheet and its font, as dist/codicon.css and dist/codicon.ttf.
  { ...common, entryPoints: { codicon: 'node_modules/@vscode/codicons/dist/codicon.css' }, outdir: 'dist', loader: { '.ttf': 'file' }, assetNames: '[name]' },
  // The charts' stylesheet (uPlot, bundled into dist/webview.js), as dist/uplot.css.
  { ...common, entryPoints: { uplot: 'node_modules/uplot/dist/uPlot.min.css' }, outdir: 'dist' },
];

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
