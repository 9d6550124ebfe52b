// Which file a document stands for: its path for `file:` documents, a virtual path for untitled
// editors (so they get the inferred project), nothing for config JSON and other schemes.
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAnalysableFile } from '../analyzer/workspace';

const untitledExtensions: Readonly<Record<string, string>> = {
  typescript: '.ts',
  typescriptreact: '.tsx',
  javascript: '.js',
  javascriptreact: '.jsx',
};

/** Untitled documents live here; the folder never exists, so no tsconfig is found for them. */
const untitledFolder = path.join(os.tmpdir(), 'bounded-untitled');

/** The analysable file behind a document, or undefined when Bounded does not analyse it. */
export function analysableFileOf(uri: string, languageId: string): string | undefined {
  if (uri.startsWith('file:')) {
    const file = filePathOf(uri);
    return file !== undefined && isAnalysableFile(file) ? file : undefined;
  }
  if (uri.startsWith('untitled:')) {
    const extension = untitledExtensions[languageId];
    if (!extension) return undefined;
    const name = decodeURIComponent(uri.slice('untitled:'.length)).replace(/[^\w.-]/g, '_');
    return path.join(untitledFolder, `${name}${extension}`);
  }
  return undefined;
}

/** The path of a `file:` URI, or undefined for other schemes. */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function fileUriOf(file: string): string {
  return pathToFileURL(file).href;
}

/** tsconfig*.json / jsconfig*.json, whose problems are pushed rather than pulled. */
export function isConfigFile(file: string): boolean {
  return /^(tsconfig|jsconfig).*\.json$/.test(path.basename(file));
}
