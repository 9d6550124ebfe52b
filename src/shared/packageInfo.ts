// Where the installed package lives (the .vsix, or the repo when run from source) and what it ships:
// its version and the rule pages under docs/rules/, linked from diagnostics and SARIF. Node only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

let root: string | undefined;

/** The folder holding Bounded's package.json, found upward from this bundle (dist/) or source file. */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'bounded') return (root = dir);
      } catch {
        // not ours; keep looking
      }
    }
    if (path.dirname(dir) === dir) return (root = path.resolve(__dirname, '..'));
  }
}

export function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** A `file:` URI of a rule's page (`README` for the package README), which editors open offline. */
export function ruleDocsUri(id: string): string {
  const file = id === 'README' ? path.join(packageRoot(), 'README.md') : path.join(packageRoot(), 'docs', 'rules', `${id}.md`);
  return pathToFileURL(file).href;
}
