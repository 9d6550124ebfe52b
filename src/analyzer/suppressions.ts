// Suppression comments:
//   // bounded-disable-next-line <rule>[, <rule>] -- reason
//   // bounded-disable-line <rule>[, <rule>] -- reason
//   /* bounded-disable <rule>[, <rule>] -- reason */   (the whole file)
// With no rule named, a directive covers every rule. A directive (or one rule in it) that suppresses
// nothing is reported as `unused-suppression`.
import { ts } from 'ts-morph';

export type SuppressionKind = 'next-line' | 'line' | 'file';

export interface SuppressionRule {
  id: string;
  /** Offsets of the rule id inside the comment. */
  start: number;
  end: number;
  used: boolean;
}

export interface Suppression {
  kind: SuppressionKind;
  /** Offsets of the whole comment. */
  start: number;
  end: number;
  /** Zero-based line the directive applies to (unused for `file`). */
  targetLine: number;
  /** Empty when the directive names no rule, which covers all rules. */
  rules: SuppressionRule[];
  usedWithoutRules: boolean;
  reason: string | undefined;
}

const directivePattern = /bounded-disable(-next-line|-line)?(?![\w-])/g;

export function parseSuppressions(sourceFile: ts.SourceFile): Suppression[] {
  const text = sourceFile.text;
  if (!text.includes('bounded-disable')) return [];
  const found: Suppression[] = [];
  for (const comment of commentsContaining(sourceFile, 'bounded-disable')) {
    const body = text.slice(comment.pos, comment.end);
    directivePattern.lastIndex = 0;
    const match = directivePattern.exec(body);
    if (!match) continue;
    // The directive must open the comment: `// bounded-disable-line x`, not `// see bounded-disable-line`.
    if (/[^\s*]/.test(body.slice(2, match.index))) continue;
    const isBlock = comment.kind === ts.SyntaxKind.MultiLineCommentTrivia;
    const variant = match[1];
    const kind: SuppressionKind = variant === '-next-line' ? 'next-line' : variant === '-line' ? 'line' : 'file';
    if (kind === 'file' && !isBlock) continue; // a file-level directive is a block comment
    const afterDirective = match.index + match[0].length;
    const contentEnd = isBlock ? body.length - 2 : body.length;
    const rest = body.slice(afterDirective, contentEnd);
    const separator = rest.indexOf('--');
    const ruleText = separator >= 0 ? rest.slice(0, separator) : rest;
    const reason = separator >= 0 ? rest.slice(separator + 2).trim() || undefined : undefined;
    const rules: SuppressionRule[] = [];
    const rulePattern = /[A-Za-z0-9][\w-]*/g;
    for (let m = rulePattern.exec(ruleText); m; m = rulePattern.exec(ruleText)) {
      const start = comment.pos + afterDirective + m.index;
      rules.push({ id: m[0], start, end: start + m[0].length, used: false });
    }
    const line = sourceFile.getLineAndCharacterOfPosition(comment.pos).line;
    found.push({
      kind,
      start: comment.pos,
      end: comment.end,
      targetLine: kind === 'next-line' ? nextCodeLine(sourceFile, comment.end) : line,
      rules,
      usedWithoutRules: false,
      reason,
    });
  }
  return found;
}

/**
 * The line of the first code after a comment, skipping further comment lines, so a directive may
 * stand above a longer explanation.
 */
function nextCodeLine(sourceFile: ts.SourceFile, commentEnd: number): number {
  const text = sourceFile.text;
  let at = commentEnd;
  for (;;) {
    while (at < text.length && /\s/.test(text[at])) at++;
    if (text.startsWith('//', at)) {
      const newline = text.indexOf('\n', at);
      at = newline < 0 ? text.length : newline;
    } else if (text.startsWith('/*', at)) {
      const close = text.indexOf('*/', at + 2);
      at = close < 0 ? text.length : close + 2;
    } else {
      return sourceFile.getLineAndCharacterOfPosition(at).line;
    }
  }
}

/**
 * Comments whose text contains `needle`, found through the parsed tree (so a needle inside a string,
 * template or regular expression is never taken for a comment). Only runs on files whose text
 * contains the needle at all.
 */
function commentsContaining(sourceFile: ts.SourceFile, needle: string): ts.CommentRange[] {
  const text = sourceFile.text;
  const comments: ts.CommentRange[] = [];
  for (let at = text.indexOf(needle); at >= 0; ) {
    const comment = commentAt(sourceFile, at);
    if (comment) comments.push(comment);
    at = text.indexOf(needle, comment ? comment.end : at + needle.length);
  }
  return comments;
}

function commentAt(sourceFile: ts.SourceFile, position: number): ts.CommentRange | undefined {
  const text = sourceFile.text;
  let node: ts.Node = sourceFile;
  for (;;) {
    const children = node.getChildren(sourceFile);
    for (const child of children) {
      // Comments are the trivia between a child's full start and its first token.
      if (position >= child.pos && position < child.getStart(sourceFile)) {
        const ranges = [...(ts.getTrailingCommentRanges(text, child.pos) ?? []), ...(ts.getLeadingCommentRanges(text, child.pos) ?? [])];
        return ranges.find((range) => position >= range.pos && position < range.end);
      }
    }
    const inner = children.find((child) => position >= child.pos && position < child.end);
    if (!inner || inner.kind < ts.SyntaxKind.FirstNode) return undefined; // inside a token: not a comment
    node = inner;
  }
}

/** Marks the directives that cover a finding and says whether it is suppressed. */
export function applySuppressions(suppressions: Suppression[], rule: string, line: number): boolean {
  let suppressed = false;
  for (const suppression of suppressions) {
    if (suppression.kind !== 'file' && suppression.targetLine !== line) continue;
    if (suppression.rules.length === 0) {
      suppression.usedWithoutRules = true;
      suppressed = true;
      continue;
    }
    for (const entry of suppression.rules) {
      if (entry.id === rule) {
        entry.used = true;
        suppressed = true;
      }
    }
  }
  return suppressed;
}
