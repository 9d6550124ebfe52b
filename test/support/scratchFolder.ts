// A temporary folder for a test file's fixture projects, removed when the tests end.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

export interface ScratchFolder {
  root: string;
  /** Writes a file (creating its folders) and returns its absolute path. */
  write(relative: string, text: string): string;
}

export function scratchFolder(prefix: string): ScratchFolder {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `bounded-${prefix}-`));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  return {
    root,
    write(relative, text) {
      const file = path.join(root, relative);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      return file;
    },
  };
}
