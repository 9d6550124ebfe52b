// The Node.js major a project runs on, for rules whose verdict depends on Node's defaults (the
// server keepAliveTimeout went from 5 s to 65 s in Node 26). Read, in this order, from the nearest
// `engines.node` (the lowest major the range allows), the nearest `.nvmrc` / `.node-version`, and
// the installed `@types/node`. The workspace asks once per project and forgets on a change of those
// files; rules get the answer in their context and never read the disk.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface NodeTarget {
  /** Undefined when nothing says which Node runs the code. */
  major: number | undefined;
  /** Where the major comes from (`engines.node ">=20"`), or why it is unknown. */
  source: string;
}

export const unknownNodeTarget: NodeTarget = { major: undefined, source: 'no engines.node, .nvmrc, .node-version or @types/node says which Node runs it' };

/** Release line codenames `.nvmrc` may name (`lts/iron`). */
const ltsCodenames: Readonly<Record<string, number>> = {
  argon: 4, boron: 6, carbon: 8, dubnium: 10, erbium: 12, fermium: 14, gallium: 16, hydrogen: 18, iron: 20, jod: 22, krypton: 24,
};

/**
 * The lowest major a semver range allows (`>=20` -> 20, `^22.3` -> 22, `18 || >=20` -> 18), or
 * undefined when the range has no lower bound (`*`, `<22`) or is not one npm understands.
 */
export function minimumMajorOfRange(range: string): number | undefined {
  let lowest: number | undefined;
  for (const alternative of range.split('||')) {
    const bound = lowerBoundOfComparatorSet(alternative.trim());
    if (bound === undefined) return undefined;
    lowest = lowest === undefined ? bound : Math.min(lowest, bound);
  }
  return lowest;
}

/** The lower bound (as a major) of comparators that must all hold: `>=18.0.0 <21`, `20 - 22`. */
function lowerBoundOfComparatorSet(set: string): number | undefined {
  const hyphen = /^v?(\d+)(?:\.[\dxX*]+)*\s+-\s+\S+$/.exec(set);
  if (hyphen) return Number(hyphen[1]);
  let bound: number | undefined;
  for (const comparator of set.split(/\s+/).filter(Boolean)) {
    const match = /^(>=|>|<=|<|=|\^|~>?)?\s*v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+][\w.-]*)?$/.exec(comparator);
    if (!match) return undefined;
    const [, operator = '', majorText, minorText] = match;
    if (operator === '<' || operator === '<=') continue;
    if (!/^\d+$/.test(majorText)) continue; // `*`, `x`: no bound from this comparator
    let major = Number(majorText);
    // `>20` and `>20.x` exclude all of 20; `>20.1` does not.
    if (operator === '>' && (minorText === undefined || !/^\d+$/.test(minorText))) major += 1;
    bound = bound === undefined ? major : Math.max(bound, major);
  }
  return bound;
}

/** The major a `.nvmrc` / `.node-version` names (`v26.1.0`, `20`, `lts/iron`); undefined for `lts/*`, `node`. */
export function majorOfVersionFile(text: string): number | undefined {
  const first = text.split(/\r?\n/).map((line) => line.replace(/#.*$/, '').trim()).find(Boolean);
  if (!first) return undefined;
  const numeric = /^v?(\d+)(?:\.\d+){0,2}$/.exec(first);
  if (numeric) return Number(numeric[1]);
  const lts = /^lts\/([a-z]+)$/i.exec(first);
  return lts ? ltsCodenames[lts[1].toLowerCase()] : undefined;
}

/** Reads the target Node major for directories, caching the answer until `invalidate()`. */
export class NodeTargetResolver {
  private readonly byDirectory = new Map<string, NodeTarget>();

  /** Whether a change of this file can change a target. */
  static isSourceFile(file: string): boolean {
    const base = path.basename(file);
    return base === 'package.json' || base === '.nvmrc' || base === '.node-version';
  }

  invalidate(): void {
    this.byDirectory.clear();
  }

  /** The target of code whose project lives in `directory` (the tsconfig's folder, or the file's). */
  targetFor(directory: string): NodeTarget {
    const absolute = path.resolve(directory);
    let target = this.byDirectory.get(absolute);
    if (!target) {
      target = fromEngines(absolute) ?? fromVersionFile(absolute) ?? fromTypesPackage(absolute) ?? unknownNodeTarget;
      this.byDirectory.set(absolute, target);
    }
    return target;
  }
}

function* upFrom(directory: string): Iterable<string> {
  for (let dir = directory; ; dir = path.dirname(dir)) {
    yield dir;
    if (path.dirname(dir) === dir) return;
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest package.json that declares `engines.node`. */
function fromEngines(directory: string): NodeTarget | undefined {
  for (const dir of upFrom(directory)) {
    const manifest = path.join(dir, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const engines = readJson(manifest)?.engines;
    const range = typeof engines === 'object' && engines !== null ? (engines as Record<string, unknown>).node : undefined;
    if (typeof range !== 'string') continue;
    const major = minimumMajorOfRange(range);
    return major === undefined ? undefined : { major, source: `engines.node "${range}"` };
  }
  return undefined;
}

function fromVersionFile(directory: string): NodeTarget | undefined {
  for (const dir of upFrom(directory)) {
    for (const name of ['.nvmrc', '.node-version']) {
      const file = path.join(dir, name);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const major = majorOfVersionFile(text);
      return major === undefined ? undefined : { major, source: `${name} "${text.trim().split(/\r?\n/)[0]}"` };
    }
  }
  return undefined;
}

function fromTypesPackage(directory: string): NodeTarget | undefined {
  for (const dir of upFrom(directory)) {
    const manifest = path.join(dir, 'node_modules', '@types', 'node', 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const version = readJson(manifest)?.version;
    const major = typeof version === 'string' ? /^(\d+)\./.exec(version)?.[1] : undefined;
    return major === undefined ? undefined : { major: Number(major), source: `@types/node ${String(version)}` };
  }
  return undefined;
}
