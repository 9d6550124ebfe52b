// Builds bench/.corpus/: the TypeScript sources (not declarations) that viem, effect and rxjs ship
// in their npm packages, copied from bench/node_modules, with one tsconfig.json over all of them.
// Their imports of their own dependencies (abitype, ox, fast-check, ...) resolve up to
// bench/node_modules. With --type-check it then type checks the corpus (about two minutes) and prints
// the error count per package, so a change of versions that breaks resolution shows.
//   npx tsx bench/build-corpus.ts [--type-check]
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ts } from 'ts-morph';
import { createProgramFromConfig } from './corpus-program';

const benchDir = __dirname;
const modulesDir = join(benchDir, 'node_modules');
const corpusDir = join(benchDir, '.corpus');

/** Where each package keeps its sources inside its npm package, and the folders there that hold none. */
const packages = [
  { name: 'viem', sourceDir: 'viem', skip: ['_cjs', '_esm', '_types', 'node_modules'] },
  { name: 'effect', sourceDir: join('effect', 'src'), skip: [] },
  { name: 'rxjs', sourceDir: join('rxjs', 'src'), skip: [] },
];

const compilerOptions = {
  target: 'ES2022',
  module: 'ESNext',
  moduleResolution: 'bundler',
  lib: ['ESNext', 'DOM', 'DOM.Iterable'],
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  esModuleInterop: true,
  resolveJsonModule: true,
};

function isSource(name: string): boolean {
  return name.endsWith('.ts') && !name.endsWith('.d.ts');
}

function collectSources(dir: string, skip: readonly string[]): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (!skip.includes(name)) found.push(...collectSources(full, []));
    } else if (isSource(name)) {
      found.push(full);
    }
  }
  return found;
}

function countLines(file: string): number {
  return readFileSync(file, 'utf8').split('\n').length;
}

function copySources(): void {
  rmSync(corpusDir, { recursive: true, force: true });
  for (const pkg of packages) {
    const from = join(modulesDir, pkg.sourceDir);
    const files = collectSources(from, pkg.skip);
    for (const file of files) {
      const to = join(corpusDir, pkg.name, relative(from, file));
      mkdirSync(join(to, '..'), { recursive: true });
      cpSync(file, to);
    }
    const version = JSON.parse(readFileSync(join(modulesDir, pkg.name, 'package.json'), 'utf8')).version;
    const lines = files.reduce((sum, file) => sum + countLines(file), 0);
    process.stdout.write(`${pkg.name}@${version}: ${files.length} files, ${lines} lines\n`);
  }
  const tsconfig = { compilerOptions, include: packages.map((pkg) => pkg.name) };
  writeFileSync(join(corpusDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
}

function reportTypeErrors(): void {
  const started = performance.now();
  const program = createProgramFromConfig(join(corpusDir, 'tsconfig.json'));
  const errorsByPackage = new Map<string, number>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (diagnostic.category !== ts.DiagnosticCategory.Error) continue;
    const where = diagnostic.file ? relative(corpusDir, diagnostic.file.fileName).split(sep)[0] : '(global)';
    errorsByPackage.set(where, (errorsByPackage.get(where) ?? 0) + 1);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const counts = [...errorsByPackage].map(([where, count]) => `${where} ${count}`).join(', ') || 'none';
  process.stdout.write(`type check (TypeScript ${ts.version}, ${program.getRootFileNames().length} root files, ${seconds} s): errors: ${counts}\n`);
}

copySources();
if (process.argv.includes('--type-check')) reportTypeErrors();
