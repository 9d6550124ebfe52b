// Whether a file runs as an ES module or as CommonJS, the way Node (and TypeScript's node16/nodenext)
// decide it: .mts/.mjs are ESM, .cts/.cjs CommonJS, others follow the nearest package.json "type".
// (ts-morph's compiler host does not set `impliedNodeFormat`, so the engine works it out itself.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from 'ts-morph';

export type ModuleFormat = 'esm' | 'cjs';

export class ModuleFormatResolver {
  private readonly packageTypeByDir = new Map<string, ModuleFormat>();

  formatOf(sourceFile: ts.SourceFile, options: ts.CompilerOptions): ModuleFormat {
    const file = sourceFile.fileName;
    if (/\.m[jt]s$/.test(file)) return 'esm';
    if (/\.c[jt]s$/.test(file)) return 'cjs';
    const module = options.module;
    if (module !== undefined && module >= ts.ModuleKind.Node16 && module <= ts.ModuleKind.NodeNext) {
      return this.packageType(path.dirname(file));
    }
    if (module === ts.ModuleKind.CommonJS || module === ts.ModuleKind.AMD || module === ts.ModuleKind.UMD || module === ts.ModuleKind.System) return 'cjs';
    return ts.isExternalModule(sourceFile) ? 'esm' : 'cjs';
  }

  private packageType(dir: string): ModuleFormat {
    const cached = this.packageTypeByDir.get(dir);
    if (cached) return cached;
    let format: ModuleFormat = 'cjs';
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        format = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module' ? 'esm' : 'cjs';
      } catch {
        format = 'cjs';
      }
    } else if (path.dirname(dir) !== dir) {
      format = this.packageType(path.dirname(dir));
    }
    this.packageTypeByDir.set(dir, format);
    return format;
  }
}
