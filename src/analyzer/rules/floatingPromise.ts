// floating-promise: an expression statement whose value is a promise (or any thenable) that is not
// awaited, returned, `void`ed, or given a rejection handler. Its rejection becomes an
// unhandledRejection (which ends the process by default since Node 15) and nothing waits for it.
import { ts } from 'ts-morph';
import type { FixSpec, Rule, RuleContext } from '../rule';

/** Calls whose promise is meant to float: node:test's test functions (they report their own failures). */
const builtinAllowed: ReadonlyArray<{ module: string; names: readonly string[] }> = [
  {
    module: 'test',
    names: ['default', 'test', 'it', 'describe', 'suite', 'test.describe', 'test.it', 'test.suite', 'test.test', 'test.only', 'test.skip', 'test.todo', 'describe.only', 'describe.skip', 'describe.todo', 'it.only', 'it.skip', 'it.todo', 'suite.only', 'suite.skip', 'suite.todo'],
  },
];

export const floatingPromiseRule: Rule = {
  id: 'floating-promise',
  family: 'async',
  meta: {
    description: 'A promise used as a statement is neither awaited, returned, voided nor given a rejection handler.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/floating-promise.md',
    fixable: true,
    requiresTypes: true,
    options: {
      allowedCalls: {
        schema: {
          type: 'array',
          items: { type: 'string' },
          default: [],
          markdownDescription: 'Calls whose promise may float, beside `node:test`\'s `test`/`it`/`describe`/`suite`. Each entry is `module#export` (`mocha#it`, `./jobs#schedule` is not supported: name a package) or the name of a global function (`startServer`).',
        },
      },
    },
  },
  create(ctx) {
    const allowed = parseAllowed(ctx.options.allowedCalls);
    return {
      nodes: {
        [ts.SyntaxKind.ExpressionStatement]: (node) => checkStatement(ctx, node as ts.ExpressionStatement, allowed),
      },
    };
  },
};

interface AllowedCalls {
  byModule: Map<string, Set<string>>;
  globals: Set<string>;
}

function parseAllowed(option: unknown): AllowedCalls {
  const byModule = new Map<string, Set<string>>();
  const globals = new Set<string>();
  for (const entry of builtinAllowed) byModule.set(entry.module, new Set(entry.names));
  for (const item of Array.isArray(option) ? option : []) {
    if (typeof item !== 'string' || item.trim() === '') continue;
    const hash = item.indexOf('#');
    if (hash < 0) {
      globals.add(item.trim());
      continue;
    }
    const module = item.slice(0, hash).replace(/^node:/, '');
    const names = byModule.get(module) ?? new Set<string>();
    names.add(item.slice(hash + 1));
    byModule.set(module, names);
  }
  return { byModule, globals };
}

function checkStatement(ctx: RuleContext, statement: ts.ExpressionStatement, allowed: AllowedCalls): void {
  const expression = statement.expression;
  if (isCheapNonPromise(expression)) return;
  const problem = findUnhandled(ctx, expression, allowed);
  if (!problem) return;
  const fixes: FixSpec[] = [];
  if (canAwaitHere(ctx, statement)) {
    fixes.push({
      title: 'Await it',
      preferred: true,
      edits: [{ start: expression.getStart(ctx.sourceFile), end: expression.getStart(ctx.sourceFile), newText: needsParensForAwait(expression) ? 'await (' : 'await ' }, ...(needsParensForAwait(expression) ? [{ start: expression.end, end: expression.end, newText: ')' }] : [])],
    });
  }
  fixes.push(detachFix(ctx, expression));
  ctx.report({
    node: expression,
    message: `${describe(ctx, expression)} is neither awaited nor handled: a rejection becomes an unhandledRejection (which ends the process by default) and nothing waits for it to finish.`,
    fixes,
  });
}

/** Expressions that cannot be promises, skipped before asking the checker. */
function isCheapNonPromise(expression: ts.Expression): boolean {
  switch (expression.kind) {
    case ts.SyntaxKind.AwaitExpression:
    case ts.SyntaxKind.VoidExpression:
    case ts.SyntaxKind.DeleteExpression:
    case ts.SyntaxKind.PostfixUnaryExpression:
    case ts.SyntaxKind.PrefixUnaryExpression:
    case ts.SyntaxKind.StringLiteral:
    case ts.SyntaxKind.NumericLiteral:
    case ts.SyntaxKind.TypeOfExpression:
    case ts.SyntaxKind.YieldExpression:
      return true;
    case ts.SyntaxKind.BinaryExpression: {
      const operator = (expression as ts.BinaryExpression).operatorToken.kind;
      // Assignments store the promise somewhere: not a floating statement.
      return operator >= ts.SyntaxKind.FirstAssignment && operator <= ts.SyntaxKind.LastAssignment;
    }
    default:
      return false;
  }
}

/** Returns the sub-expression that floats, or undefined when the statement is handled or not a promise. */
function findUnhandled(ctx: RuleContext, node: ts.Expression, allowed: AllowedCalls): ts.Expression | undefined {
  const expression = skipParens(node);
  if (ts.isAwaitExpression(expression) || ts.isVoidExpression(expression)) return undefined;
  if (ts.isConditionalExpression(expression)) {
    return findUnhandled(ctx, expression.whenTrue, allowed) ?? findUnhandled(ctx, expression.whenFalse, allowed);
  }
  if (ts.isBinaryExpression(expression)) {
    const operator = expression.operatorToken.kind;
    if (operator === ts.SyntaxKind.CommaToken) return findUnhandled(ctx, expression.left, allowed) ?? findUnhandled(ctx, expression.right, allowed);
    if (operator === ts.SyntaxKind.AmpersandAmpersandToken || operator === ts.SyntaxKind.BarBarToken || operator === ts.SyntaxKind.QuestionQuestionToken) {
      return findUnhandled(ctx, expression.right, allowed);
    }
  }
  if (ts.isCallExpression(expression) && cannotReturnThenable(ctx.checker, expression)) return undefined;
  if (!isThenable(ctx.checker, ctx.checker.getTypeAtLocation(expression))) return undefined;
  if (ts.isCallExpression(expression)) {
    if (hasRejectionHandler(ctx.checker, expression)) return undefined;
    const callee = skipParens(expression.expression);
    // `p.finally(f)` rejects when `p` does: handled only when `p` is.
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'finally') {
      return isThenable(ctx.checker, ctx.checker.getTypeAtLocation(callee.expression)) ? findUnhandled(ctx, callee.expression, allowed) : expression;
    }
    if (isAllowedCall(ctx, callee, allowed)) return undefined;
  }
  return expression;
}

/**
 * The cheap question first: can any signature of the callee return a thenable? Asking for the
 * callee's type avoids resolving the call (overloads, argument inference), which is most of what a
 * call's type costs. Only a signature whose declared return type has no `then` and no type
 * parameters settles it; anything else goes to the full check.
 */
function cannotReturnThenable(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  const signatures = checker.getTypeAtLocation(call.expression).getCallSignatures();
  if (signatures.length === 0) return false;
  return signatures.every((signature) => isSettledNonThenable(checker.getReturnTypeOfSignature(signature)));
}

function isSettledNonThenable(type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Instantiable)) return false;
  if (type.isUnionOrIntersection()) return type.types.every(isSettledNonThenable);
  if (type.flags & (primitiveFlags | ts.TypeFlags.Never)) return true;
  return type.getProperty('then') === undefined;
}

function hasRejectionHandler(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  const callee = skipParens(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const method = callee.name.text;
  if (method === 'catch') return call.arguments.length >= 1 && isRejectionHandler(checker, call.arguments[0]);
  if (method === 'then') return call.arguments.length >= 2 && isRejectionHandler(checker, call.arguments[1]);
  return false;
}

/** A handler that may be undefined at run time (`.catch(options.onError)`) handles nothing then. */
function isRejectionHandler(checker: ts.TypeChecker, node: ts.Expression): boolean {
  const expression = skipParens(node);
  if (expression.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(expression) && expression.text === 'undefined')) return false;
  if (ts.isArrowFunction(expression) || ts.isFunctionExpression(expression)) return true;
  const type = checker.getTypeAtLocation(expression);
  const members = type.isUnion() ? type.types : [type];
  return !members.some((member) => member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void));
}

function isAllowedCall(ctx: RuleContext, callee: ts.Expression, allowed: AllowedCalls): boolean {
  if (ts.isIdentifier(callee) && allowed.globals.has(callee.text)) return true;
  const ref = ctx.catalogue.resolve(callee);
  if (!ref) return false;
  return allowed.byModule.get(ref.module)?.has(ref.name) ?? false;
}

const primitiveFlags = ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.EnumLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void;

/** A type is thenable when it, or any member of a union, has a callable `then` (any and unknown are not). */
export function isThenable(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) return false;
  if (type.isUnion()) return type.types.some((member) => isThenable(checker, member));
  if (type.flags & primitiveFlags) return false;
  const then = type.getProperty('then');
  if (!then) return false;
  const thenType = checker.getTypeOfSymbol(then);
  return thenType.getCallSignatures().length > 0 || (thenType.isUnion() && thenType.types.some((t) => t.getCallSignatures().length > 0));
}

function skipParens(node: ts.Expression): ts.Expression {
  let expression = node;
  while (ts.isParenthesizedExpression(expression)) expression = expression.expression;
  return expression;
}

/**
 * `await` is legal and changes nothing callers rely on only inside a function that is already async,
 * or at the top level of an ES module compiled for a target that allows top-level await.
 */
function canAwaitHere(ctx: RuleContext, node: ts.Node): boolean {
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

function needsParensForAwait(expression: ts.Expression): boolean {
  const inner = skipParens(expression);
  if (inner !== expression) return false;
  return !(ts.isCallExpression(inner) || ts.isNewExpression(inner) || ts.isIdentifier(inner) || ts.isPropertyAccessExpression(inner) || ts.isElementAccessExpression(inner) || ts.isTaggedTemplateExpression(inner));
}

/** `void expr.catch((error) => { console.error(error); })`: detached on purpose, rejection still seen. */
function detachFix(ctx: RuleContext, expression: ts.Expression): FixSpec {
  const start = expression.getStart(ctx.sourceFile);
  const text = ctx.sourceFile.text.slice(start, expression.end);
  const wrapped = needsParensForMember(expression) ? `(${text})` : text;
  const parameter = ctx.isJavaScript ? 'error' : '(error: unknown)';
  const hasCatch = ctx.checker.getTypeAtLocation(expression).getProperty('catch') !== undefined;
  const handler = `${parameter} => { console.error(error); }`;
  const handled = hasCatch ? `${wrapped}.catch(${handler})` : `${wrapped}.then(undefined, ${handler})`;
  return {
    title: 'Mark as intentionally detached: void ….catch(…)',
    preferred: false,
    edits: [{ start, end: expression.end, newText: `void ${handled}` }],
  };
}

function needsParensForMember(expression: ts.Expression): boolean {
  return !(ts.isCallExpression(expression) || ts.isIdentifier(expression) || ts.isPropertyAccessExpression(expression) || ts.isElementAccessExpression(expression) || ts.isParenthesizedExpression(expression));
}

function describe(ctx: RuleContext, expression: ts.Expression): string {
  const inner = skipParens(expression);
  if (ts.isCallExpression(inner)) {
    const callee = inner.expression.getText(ctx.sourceFile);
    const short = callee.length > 60 ? `${callee.slice(0, 57)}...` : callee;
    return `The promise returned by \`${short}(…)\``;
  }
  return 'This promise';
}
