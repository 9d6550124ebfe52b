// Text helpers for fixes that write code: indentation as the file writes it (moving statements one
// level deeper leaves lines inside multi-line template literals as they are), fresh names, where
// `await` may be written, and when an expression needs parentheses to take `await` or a member.
import { ts } from 'ts-morph';
import { skipParentheses } from '../expressions';
import type { RuleContext } from '../rule';

/** The whitespace before the first token on the line holding `position`. */
export function indentationAt(sourceFile: ts.SourceFile, position: number): string {
  const lineStart = sourceFile.getPositionOfLineAndCharacter(sourceFile.getLineAndCharacterOfPosition(position).line, 0);
  return /^[ \t]*/.exec(sourceFile.text.slice(lineStart, position))?.[0] ?? '';
}

/** One level of indentation as the file writes it: a tab, or the smallest indent of an indented line (2 by default). */
export function indentUnit(sourceFile: ts.SourceFile): string {
  const match = /^([ \t]+)\S/m.exec(sourceFile.text);
  if (!match) return '  ';
  if (match[1].startsWith('\t')) return '\t';
  return match[1].length >= 2 && match[1].length <= 4 ? match[1] : '  ';
}

/**
 * The source text of the lines from `start` (a line start) to `end`, each indented by `unit` more,
 * leaving out the lines in `skipLines` and not touching lines that begin inside a template literal.
 */
export function indentedLines(sourceFile: ts.SourceFile, statements: readonly ts.Statement[], start: number, end: number, unit: string, skipLines: ReadonlySet<number>): string {
  const templates: Array<[number, number]> = [];
  const collect = (node: ts.Node): void => {
    if (ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) templates.push([node.getStart(sourceFile), node.end]);
    ts.forEachChild(node, collect);
  };
  statements.forEach(collect);
  const lines: string[] = [];
  const lineStarts = sourceFile.getLineStarts();
  const first = sourceFile.getLineAndCharacterOfPosition(start).line;
  const last = sourceFile.getLineAndCharacterOfPosition(end).line;
  for (let line = first; line <= last; line++) {
    if (skipLines.has(line)) continue;
    const lineStart = lineStarts[line];
    const lineEnd = line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : sourceFile.text.length;
    const text = sourceFile.text.slice(lineStart, Math.min(lineEnd, end)).replace(/\r$/, '');
    const insideTemplate = templates.some(([from, to]) => lineStart > from && lineStart < to);
    lines.push(insideTemplate || text.trim() === '' ? text : unit + text);
  }
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.join('\n');
}

/** Start of the line holding `position`. */
export function lineStartOf(sourceFile: ts.SourceFile, position: number): number {
  return sourceFile.getPositionOfLineAndCharacter(sourceFile.getLineAndCharacterOfPosition(position).line, 0);
}

/** `base`, or `base2`, `base3`... : the first that does not occur as a word in `text`. */
export function freshName(text: string, base: string): string {
  let name = base;
  for (let n = 2; new RegExp(`\\b${name}\\b`).test(text); n++) name = `${base}${n}`;
  return name;
}

/** Whether `await` may be written at `node`: its nearest enclosing function is async (not a generator). */
export function isInAsyncFunction(node: ts.Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) {
      const modifiers = ts.canHaveModifiers(current) ? ts.getModifiers(current) : undefined;
      const isGenerator = 'asteriskToken' in current && current.asteriskToken !== undefined;
      return (modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false) && !isGenerator;
    }
  }
  return false;
}

/**
 * `await` is legal and changes nothing callers rely on only inside a function that is already async,
 * or at the top level of an ES module compiled for a target that allows top-level await.
 */
export function canAwaitHere(ctx: RuleContext, node: ts.Node): boolean {
  for (let current: ts.Node = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) {
      if (ts.isClassStaticBlockDeclaration(current)) return false;
      const modifiers = ts.canHaveModifiers(current) ? ts.getModifiers(current) : undefined;
      const isAsync = modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false;
      const isGenerator = 'asteriskToken' in current && current.asteriskToken !== undefined;
      return isAsync && !isGenerator;
    }
    if (ts.isClassStaticBlockDeclaration(current)) return false;
    if (ts.isSourceFile(current)) return allowsTopLevelAwait(ctx);
  }
  return false;
}

function allowsTopLevelAwait(ctx: RuleContext): boolean {
  if (ctx.moduleFormat !== 'esm') return false;
  const { module, target } = ctx.compilerOptions;
  const moduleOk = module === ts.ModuleKind.ES2022 || module === ts.ModuleKind.ESNext || module === ts.ModuleKind.Preserve || (module !== undefined && module >= ts.ModuleKind.Node16 && module <= ts.ModuleKind.NodeNext);
  const targetOk = target === undefined || target >= ts.ScriptTarget.ES2017;
  return moduleOk && targetOk;
}

export function needsParensForAwait(expression: ts.Expression): boolean {
  const inner = skipParentheses(expression);
  if (inner !== expression) return false;
  return !(ts.isCallExpression(inner) || ts.isNewExpression(inner) || ts.isIdentifier(inner) || ts.isPropertyAccessExpression(inner) || ts.isElementAccessExpression(inner) || ts.isTaggedTemplateExpression(inner));
}

export function needsParensForMember(expression: ts.Expression): boolean {
  return !(ts.isCallExpression(expression) || ts.isIdentifier(expression) || ts.isPropertyAccessExpression(expression) || ts.isElementAccessExpression(expression) || ts.isParenthesizedExpression(expression));
}
