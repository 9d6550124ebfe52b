// Where a span's code is: the file and line its `code.*` attributes name (`code.filepath`/
// `code.lineno`, or the newer `code.file.path`/`code.line.number`), else the frames of an
// `exception.stacktrace` event. Only a file inside a workspace folder may be revealed: a service
// can name any path, and the panel must not open files outside the workspace on its say-so.
// Pure (node:path, no vscode import), so it is unit-tested.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttributeValue, LiveSpan } from '../live/spans';

export interface SourceHint {
  /** As the service gave it: absolute, relative, or a file: URL. */
  file: string;
  /** 1-based. */
  line: number;
  from: 'code attributes' | 'stack trace';
}

export type SpanSourceResolution =
  | { found: true; file: string; line: number; from: SourceHint['from'] }
  | { found: false; reason: string };

/** The locations a span names, in the order they are tried. */
export function spanSourceHints(span: LiveSpan): SourceHint[] {
  const hints: SourceHint[] = [];
  for (const [fileKey, lineKey] of [
    ['code.filepath', 'code.lineno'],
    ['code.file.path', 'code.line.number'],
  ] as const) {
    const file = span.attributes[fileKey];
    if (typeof file === 'string' && file.trim() !== '') hints.push({ file: file.trim(), line: lineNumber(span.attributes[lineKey]) ?? 1, from: 'code attributes' });
  }
  for (const event of span.events) {
    const stack = event.attributes['exception.stacktrace'];
    if (typeof stack === 'string') hints.push(...stackFrames(stack));
  }
  return hints;
}

/** The first hint that names a file inside one of the workspace folders (absolute paths). */
export function resolveSpanSource(span: LiveSpan, workspaceFolders: readonly string[]): SpanSourceResolution {
  const hints = spanSourceHints(span);
  if (hints.length === 0) return { found: false, reason: `The span "${span.name}" names no source: no code.filepath/code.file.path attribute and no exception stack trace.` };
  for (const hint of hints) {
    const file = insideWorkspace(hint.file, workspaceFolders);
    if (file !== undefined) return { found: true, file, line: hint.line, from: hint.from };
  }
  return { found: false, reason: `The span "${span.name}" names ${hints[0].file}, which is not inside the workspace: Bounded opens only workspace files.` };
}

/** `at fn (/abs/file.js:12:5)`, `at /abs/file.js:12:5`, `at fn (file:///abs/file.js:12:5)`; Node internals are skipped. */
export function stackFrames(stack: string): SourceHint[] {
  const frames: SourceHint[] = [];
  for (const line of stack.split('\n')) {
    const match = /^\s*at (?:async )?(?:.*?\()?((?:file:\/\/)?[^\s()]+?):(\d+)(?::\d+)?\)?\s*$/.exec(line);
    if (!match || match[1].startsWith('node:') || match[1] === 'native') continue;
    frames.push({ file: match[1], line: Number(match[2]), from: 'stack trace' });
  }
  return frames;
}

/** The absolute path of `file` when it is inside a workspace folder (and not under node_modules); undefined otherwise. */
export function insideWorkspace(file: string, workspaceFolders: readonly string[]): string | undefined {
  let given = file;
  if (given.startsWith('file://')) {
    try {
      given = fileURLToPath(given);
    } catch {
      return undefined;
    }
  }
  const candidates = path.isAbsolute(given) ? [path.normalize(given)] : workspaceFolders.map((folder) => path.resolve(folder, given));
  return candidates.find((candidate) =>
    workspaceFolders.some((folder) => {
      const relative = path.relative(folder, candidate);
      return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) && !relative.split(path.sep).includes('node_modules');
    }),
  );
}

function lineNumber(value: AttributeValue | undefined): number | undefined {
  const line = typeof value === 'string' ? Number(value) : value;
  return typeof line === 'number' && Number.isInteger(line) && line >= 1 ? line : undefined;
}
