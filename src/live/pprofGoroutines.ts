// A parser of Go's goroutine profile in its text form (`/debug/pprof/goroutine?debug=1`):
//
//   goroutine profile: total 29
//   25 @ 0x43b496 0x407e9b 0x407998 0x67c1ee 0x46b4a1
//   # labels: {"worker":"poller"}
//   #	0x67c1ed	main.leakedWorker+0x2d	/srv/main.go:37
//   (blank line)
//
// Records of goroutines sharing one stack (and one label set): a count, the program counters, an
// optional labels line and the frames (innermost first, tab-separated, aligned with more tabs). Each
// stack gets a stable id from its frames (function and file:line, not the addresses, which change
// with each build) and labels, so a stack's count can be followed across samples. Lines it cannot
// read are reported with their number and skipped.
import { createHash } from 'node:crypto';

export interface GoroutineFrame {
  pc: string;
  /** `main.leakedWorker`, `net/http.(*conn).serve`. */
  func: string;
  file: string;
  /** 1-based. */
  line: number;
}

export interface GoroutineStack {
  /** Stable across samples and restarts of the same build (and of builds where these lines did not move). */
  id: string;
  count: number;
  pcs: string[];
  labels?: Record<string, string>;
  /** Innermost first. */
  frames: GoroutineFrame[];
}

export interface GoroutineProfile {
  /** From the header; the sum of the counts when there is none. */
  total: number;
  stacks: GoroutineStack[];
  errors: { line: number; message: string }[];
}

/** Frames the stack id is taken from: deep enough to tell callers apart, not the whole stack. */
const idFrames = 16;

export function parseGoroutineProfile(text: string): GoroutineProfile {
  const stacks: GoroutineStack[] = [];
  const errors: GoroutineProfile['errors'] = [];
  let total: number | undefined;
  let current: Omit<GoroutineStack, 'id'> | undefined;
  const finish = () => {
    if (current) stacks.push({ ...current, id: stackId(current) });
    current = undefined;
  };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, '');
    const lineNumber = index + 1;
    if (line.trim() === '') {
      finish();
      continue;
    }
    const header = /^goroutine profile: total (\d+)$/.exec(line);
    if (header) {
      finish();
      total = Number(header[1]);
      continue;
    }
    const record = /^(\d+) @((?: 0x[0-9a-fA-F]+)*)\s*$/.exec(line);
    if (record) {
      finish();
      current = { count: Number(record[1]), pcs: record[2].trim() === '' ? [] : record[2].trim().split(' '), frames: [] };
      continue;
    }
    if (line.startsWith('# labels:')) {
      if (!current) {
        errors.push({ line: lineNumber, message: 'a labels line outside a record' });
        continue;
      }
      const labels = parseLabels(line.slice('# labels:'.length).trim());
      if (labels) current.labels = labels;
      else errors.push({ line: lineNumber, message: `labels that are not {"key":"value",...}: ${line.slice(0, 80)}` });
      continue;
    }
    if (line.startsWith('#')) {
      const frame = /^#\t+(0x[0-9a-fA-F]+)\t+(\S+?)(?:\+0x[0-9a-fA-F]+)?\t+(.+):(\d+)\s*$/.exec(line);
      if (!frame) {
        errors.push({ line: lineNumber, message: `a frame that is not "#\\tpc\\tfunc+offset\\tfile:line": ${line.slice(0, 80)}` });
        continue;
      }
      if (!current) {
        errors.push({ line: lineNumber, message: 'a frame outside a record' });
        continue;
      }
      current.frames.push({ pc: frame[1], func: frame[2], file: frame[3], line: Number(frame[4]) });
      continue;
    }
    errors.push({ line: lineNumber, message: `neither a record ("count @ pcs") nor a frame: ${line.slice(0, 80)}` });
  }
  finish();
  if (total === undefined && stacks.length === 0 && text.trim() !== '') errors.unshift({ line: 1, message: 'not a goroutine profile (no "goroutine profile: total N" header and no records): is this /debug/pprof/goroutine?debug=1?' });
  return { total: total ?? stacks.reduce((sum, stack) => sum + stack.count, 0), stacks, errors };
}

function parseLabels(text: string): Record<string, string> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const labels: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') return undefined;
      labels[key] = value;
    }
    return labels;
  } catch {
    return undefined;
  }
}

function stackId(stack: Omit<GoroutineStack, 'id'>): string {
  const frames = stack.frames.length > 0 ? stack.frames.slice(0, idFrames).map((frame) => `${frame.func} ${frame.file}:${frame.line}`) : stack.pcs;
  const labels = stack.labels ? Object.keys(stack.labels).sort().map((key) => `${key}=${stack.labels![key]}`) : [];
  return createHash('sha256').update([...frames, '', ...labels].join('\n')).digest('hex').slice(0, 12);
}

/**
 * The innermost frame in the program's own code: a function of package main or of a package whose
 * import path starts with a domain (github.com/..., example.com/...), not the runtime or the
 * standard library. Undefined when the stack is all runtime.
 */
export function topUserFrame(stack: Pick<GoroutineStack, 'frames'>): GoroutineFrame | undefined {
  return stack.frames.find((frame) => isUserFunction(frame.func));
}

function isUserFunction(func: string): boolean {
  const lastSlash = func.lastIndexOf('/');
  const packagePath = func.slice(0, lastSlash + 1) + func.slice(lastSlash + 1).split('.')[0];
  const firstElement = packagePath.split('/')[0];
  return packagePath === 'main' || firstElement.includes('.');
}

/** `main.leakedWorker (main.go:37) ← main.serve (main.go:80)`: the stack's top frames, for messages. */
export function describeStack(stack: Pick<GoroutineStack, 'frames'>, frames = 3): string {
  if (stack.frames.length === 0) return '(no frames)';
  return stack.frames
    .slice(0, frames)
    .map((frame) => `${frame.func} (${frame.file.split('/').pop()}:${frame.line})`)
    .join(' ← ');
}
