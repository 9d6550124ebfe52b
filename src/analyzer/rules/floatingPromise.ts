// floating-promise: an expression statement whose value is a promise (or any thenable) that is not
// awaited, returned, `void`ed, or given a rejection handler. Its rejection becomes an
// unhandledRejection (which ends the process by default since Node 15) and nothing waits for it.
// Also an async callback passed where its promise is ignored (`forEach`, timers, listeners, a
// `new Promise` executor, any parameter typed as returning void): the same rejection, with nowhere to go.
import { ts } from 'ts-morph';
import { skipParentheses } from '../expressions';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { cannotReturnThenable, isThenable } from '../thenables';
import { canAwaitHere, indentationAt, indentedLines, indentUnit, lineStartOf, needsParensForAwait, needsParensForMember } from './fixText';

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
    description: 'A promise is neither awaited, returned, voided nor given a rejection handler: as a statement, or returned by an async callback to an API that ignores it (`forEach`, timers, event listeners).',
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
    let framework: boolean | undefined;
    const importsFramework = (): boolean => (framework ??= [...frameworkModules].some((module) => ctx.catalogue.importsModule(module)));
    return {
      nodes: {
        [ts.SyntaxKind.ExpressionStatement]: (node) => checkStatement(ctx, node as ts.ExpressionStatement, allowed),
        [ts.SyntaxKind.CallExpression]: (node) => checkCallbacks(ctx, node as ts.CallExpression, allowed, importsFramework),
        [ts.SyntaxKind.NewExpression]: (node) => checkCallbacks(ctx, node as ts.NewExpression, allowed, importsFramework),
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
  const expression = skipParentheses(node);
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
    const callee = skipParentheses(expression.expression);
    // `p.finally(f)` rejects when `p` does: handled only when `p` is.
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'finally') {
      return isThenable(ctx.checker, ctx.checker.getTypeAtLocation(callee.expression)) ? findUnhandled(ctx, callee.expression, allowed) : expression;
    }
    if (isAllowedCall(ctx, callee, allowed)) return undefined;
  }
  return expression;
}

function hasRejectionHandler(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  const callee = skipParentheses(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const method = callee.name.text;
  if (method === 'catch') return call.arguments.length >= 1 && isRejectionHandler(checker, call.arguments[0]);
  if (method === 'then') return call.arguments.length >= 2 && isRejectionHandler(checker, call.arguments[1]);
  return false;
}

/** A handler that may be undefined at run time (`.catch(options.onError)`) handles nothing then. */
function isRejectionHandler(checker: ts.TypeChecker, node: ts.Expression): boolean {
  const expression = skipParentheses(node);
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

function describe(ctx: RuleContext, expression: ts.Expression): string {
  const inner = skipParentheses(expression);
  if (ts.isCallExpression(inner)) {
    const callee = inner.expression.getText(ctx.sourceFile);
    const short = callee.length > 60 ? `${callee.slice(0, 57)}...` : callee;
    return `The promise returned by \`${short}(…)\``;
  }
  return 'This promise';
}

// ---- Async callbacks where a void return is expected (typescript-eslint's checksVoidReturn) ----
// An async function (or one returning a promise) handed to an API that ignores what its callback
// returns: the rejection has nowhere to go and becomes an unhandledRejection.

const testFunctionNames = new Set(['it', 'test', 'describe', 'suite', 'context', 'specify', 'before', 'after', 'beforeEach', 'afterEach', 'beforeAll', 'afterAll', 'setup', 'teardown', 'suiteSetup', 'suiteTeardown']);
/** Frameworks whose route handlers and hooks may return promises: they catch the rejections. */
const frameworkModules = new Set(['express', 'fastify', 'fastify-plugin', 'koa', '@koa/router', 'koa-router']);
const frameworkMethods = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options', 'all', 'use', 'route', 'param', 'register', 'addHook', 'setErrorHandler', 'setNotFoundHandler']);
const listenerMethods = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener', 'addEventListener']);
const timerNames = new Set(['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']);
const discardingArrayMethods = new Set(['map', 'filter', 'flatMap']);

type CallbackFunction = ts.ArrowFunction | ts.FunctionExpression;
type AsyncBodyFunction = CallbackFunction | ts.FunctionDeclaration | ts.MethodDeclaration;

/** Where a callback's returned promise is ignored, as the message names it. */
type VoidPosition =
  | { kind: 'forEach' | 'discarded' | 'timer'; name: string }
  | { kind: 'listener'; event: string | undefined }
  | { kind: 'executor' }
  | { kind: 'contextual'; name: string };

function checkCallbacks(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression, allowed: AllowedCalls, importsFramework: () => boolean): void {
  const args = call.arguments;
  if (!args || args.length === 0) return;
  for (let index = 0; index < args.length; index++) {
    const arg = skipParentheses(args[index]);
    const isFunction = ts.isArrowFunction(arg) || ts.isFunctionExpression(arg);
    if (isFunction && arg.asteriskToken) continue;
    const isAsync = isFunction && (ts.getModifiers(arg)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false);
    if (!isAsync && !isFunction && !ts.isIdentifier(arg) && !ts.isPropertyAccessExpression(arg)) continue;
    const known = knownVoidPosition(ctx, call, index);
    // Beyond the known positions only async functions are checked: the rest would cost a type per argument.
    if (!isAsync && !known) continue;
    if (isSafeHost(ctx, call, importsFramework)) return;
    // The callback's own shape first (mostly syntax, so cheap), then the parameter's type.
    if (isAsync ? rejectsOnlyOnSyncThrow(ctx, arg as CallbackFunction) : !returnsUnhandledPromise(ctx, arg, allowed)) continue;
    // A known position stands unless the parameter's type accepts a promise; elsewhere the type must say `void`.
    if (known ? known.kind !== 'discarded' && acceptsPromise(ctx, args[index]) : expectsVoidReturn(ctx, args[index]) !== 'void') continue;
    const position: VoidPosition = known ?? { kind: 'contextual', name: calleeName(ctx, call) };
    ctx.report({
      start: arg.getStart(ctx.sourceFile),
      end: isFunction ? (arg as CallbackFunction).body.pos : arg.end,
      message: callbackMessage(position, isAsync || isFunction),
      fixes: isAsync ? callbackFixes(ctx, arg as CallbackFunction, position) : isFunction && !ts.isBlock((arg as CallbackFunction).body) ? [detachFix(ctx, (arg as CallbackFunction).body as ts.Expression)] : [],
    });
  }
}

function knownVoidPosition(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression, index: number): VoidPosition | undefined {
  const callee = skipParentheses(call.expression);
  if (ts.isNewExpression(call)) return index === 0 && ts.isIdentifier(callee) && callee.text === 'Promise' && ctx.catalogue.is(callee, 'global', 'Promise') ? { kind: 'executor' } : undefined;
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    if (method === 'forEach' && index === 0) return { kind: 'forEach', name: method };
    if (discardingArrayMethods.has(method) && index === 0 && isDiscarded(call)) return { kind: 'discarded', name: method };
    if (listenerMethods.has(method) && index === 1) {
      const event = call.arguments[0];
      return { kind: 'listener', event: event && ts.isStringLiteralLike(event) ? event.text : undefined };
    }
  }
  // Ask the catalogue only about callees named like a timer (`setTimeout`, `timers.setTimeout`).
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  if (index === 0 && name !== undefined && timerNames.has(name)) {
    const ref = ctx.catalogue.resolve(callee);
    if (ref && (ref.module === 'global' || ref.module === 'timers') && timerNames.has(ref.name)) return { kind: 'timer', name: ref.name };
  }
  return undefined;
}

/** The call's value is thrown away: a statement of its own, or `void`ed. */
function isDiscarded(call: ts.CallExpression): boolean {
  let node: ts.Node = call;
  while (ts.isParenthesizedExpression(node.parent)) node = node.parent;
  return ts.isExpressionStatement(node.parent) || ts.isVoidExpression(node.parent);
}

/** Test functions (their runners await the callbacks), and Express/Fastify/Koa routes, middleware and hooks. */
function isSafeHost(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression, importsFramework: () => boolean): boolean {
  let callee = skipParentheses(call.expression);
  if (ts.isPropertyAccessExpression(callee) && testFunctionNames.has(callee.name.text)) return true;
  if (ts.isPropertyAccessExpression(callee) && frameworkMethods.has(callee.name.text)) {
    if (importsFramework()) return true;
    const module = ctx.catalogue.resolve(callee)?.module;
    if (module !== undefined && frameworkModules.has(module)) return true;
  }
  // `it.only(...)`, `describe.each(table)(...)`, `test.skip(...)`: the chain's root names the test function.
  while (ts.isPropertyAccessExpression(callee) || ts.isCallExpression(callee)) callee = skipParentheses(callee.expression);
  return ts.isIdentifier(callee) && testFunctionNames.has(callee.text);
}

/**
 * An async function that can reject only the way a plain function throws: every `await` and `throw`
 * sits in a `try` with a `catch` (or awaits a promise with a rejection handler), and nothing it
 * returns is a promise. Such a callback is no more dangerous than a synchronous one.
 */
function rejectsOnlyOnSyncThrow(ctx: RuleContext, fn: AsyncBodyFunction): boolean {
  const body = fn.body;
  if (!body) return false;
  let safe = true;
  const visit = (node: ts.Node, guarded: boolean): void => {
    if (!safe || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isTryStatement(node)) {
      visit(node.tryBlock, guarded || node.catchClause !== undefined);
      if (node.catchClause) visit(node.catchClause.block, guarded);
      if (node.finallyBlock) visit(node.finallyBlock, guarded);
      return;
    }
    if ((ts.isThrowStatement(node) || (ts.isForOfStatement(node) && node.awaitModifier)) && !guarded) safe = false;
    else if (ts.isAwaitExpression(node) && !guarded && !isSettledValue(ctx, node.expression)) safe = false;
    else if (ts.isReturnStatement(node) && node.expression && !(guarded && ts.isAwaitExpression(skipParentheses(node.expression))) && !isSettledValue(ctx, node.expression)) safe = false;
    ts.forEachChild(node, (child) => visit(child, guarded));
  };
  visit(body, false);
  return safe && (ts.isBlock(body) || isSettledValue(ctx, body));
}

/** A promise with a rejection handler, or a value that is not a promise. */
function isSettledValue(ctx: RuleContext, node: ts.Expression): boolean {
  const expression = skipParentheses(node);
  if (ts.isAwaitExpression(expression)) return isSettledValue(ctx, expression.expression);
  if (ts.isCallExpression(expression) && hasRejectionHandler(ctx.checker, expression)) return true;
  if (ts.isLiteralExpression(expression) || expression.kind === ts.SyntaxKind.TrueKeyword || expression.kind === ts.SyntaxKind.FalseKeyword || expression.kind === ts.SyntaxKind.NullKeyword) return true;
  return !isThenable(ctx.checker, ctx.checker.getTypeAtLocation(expression)) && !(ctx.checker.getTypeAtLocation(expression).flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown));
}

/** A plain function that gives back an unhandled promise: `() => this.refresh()`, or a reference to an async function. */
function returnsUnhandledPromise(ctx: RuleContext, arg: ts.Expression, allowed: AllowedCalls): boolean {
  if (ts.isArrowFunction(arg)) return !ts.isBlock(arg.body) && findUnhandled(ctx, arg.body, allowed) !== undefined;
  if (ts.isFunctionExpression(arg)) return false;
  const signatures = ctx.checker.getTypeAtLocation(arg).getCallSignatures();
  if (!signatures.some((signature) => isThenable(ctx.checker, ctx.checker.getReturnTypeOfSignature(signature)))) return false;
  const declared = declaredFunction(ctx, arg);
  return !(declared && rejectsOnlyOnSyncThrow(ctx, declared));
}

/** The async function a reference names, when it is declared with a body: `const exec = async () => {…}`, `async function exec() {…}`. */
function declaredFunction(ctx: RuleContext, reference: ts.Expression): AsyncBodyFunction | undefined {
  let symbol = ctx.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(reference) ? reference.name : reference);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = ctx.checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration;
  if (!declaration) return undefined;
  const fn = ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) ? declaration.initializer && skipParentheses(declaration.initializer) : declaration;
  if (!fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn))) return undefined;
  const isAsync = ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false;
  return isAsync && fn.body && !fn.asteriskToken ? fn : undefined;
}

/** From the parameter's type: does the callee expect a function returning `void`, and only that? */
function expectsVoidReturn(ctx: RuleContext, arg: ts.Expression): 'void' | 'not-void' | 'unknown' {
  const contextual = ctx.checker.getContextualType(arg);
  if (!contextual || contextual.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return 'unknown';
  const members = contextual.isUnion() ? contextual.types : [contextual];
  const signatures = members.flatMap((member) => member.getCallSignatures());
  if (signatures.length === 0) return 'unknown';
  return signatures.every((signature) => ctx.checker.getReturnTypeOfSignature(signature).flags & ts.TypeFlags.Void) ? 'void' : 'not-void';
}

/** The parameter's type takes a function that may return a promise (`() => Promise<void>`, `() => void | Promise<void>`). */
function acceptsPromise(ctx: RuleContext, arg: ts.Expression): boolean {
  const contextual = ctx.checker.getContextualType(arg);
  if (!contextual) return false;
  const members = contextual.isUnion() ? contextual.types : [contextual];
  return members.some((member) => member.getCallSignatures().some((signature) => isThenable(ctx.checker, ctx.checker.getReturnTypeOfSignature(signature))));
}

function calleeName(ctx: RuleContext, call: ts.CallExpression | ts.NewExpression): string {
  const callee = skipParentheses(call.expression);
  const text = ts.isPropertyAccessExpression(callee) ? callee.name.text : callee.getText(ctx.sourceFile);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function callbackMessage(position: VoidPosition, isFunction: boolean): string {
  const subject = isFunction ? 'this callback' : 'this function';
  const ending = 'becomes an unhandledRejection, which ends the process by default.';
  switch (position.kind) {
    case 'forEach':
      return `\`forEach\` ignores the promise ${subject} returns: a rejection ${ending} Nothing waits for the work either. Use \`for…of\` with \`await\`, or catch errors inside the callback.`;
    case 'discarded':
      return `The promises \`${position.name}\` collects from ${subject} are thrown away: a rejection ${ending} Await \`Promise.all(…)\` of them, or catch errors inside the callback.`;
    case 'timer':
      return `\`${position.name}\` ignores the promise ${subject} returns: a rejection ${ending} Catch errors inside the callback.`;
    case 'listener':
      return `Event emitters and targets ignore the promise a listener returns: a rejection in ${position.event === undefined ? 'this listener' : `this \`'${position.event}'\` listener`} ${ending} Catch errors inside the listener.`;
    case 'executor':
      return 'An async `new Promise` executor: a throw after its first `await` neither rejects this promise nor is caught, so the promise never settles and the error becomes an unhandledRejection, which ends the process by default. Keep the executor synchronous, or catch and `reject`.';
    case 'contextual':
      return `\`${position.name}\` expects a callback that returns nothing and ignores the promise ${subject} returns: a rejection ${ending} Catch errors inside the callback.`;
  }
}

/**
 * Both change what happens to the error (logged, or rejected for an executor, instead of ending the
 * process), so neither is applied automatically.
 */
function callbackFixes(ctx: RuleContext, fn: CallbackFunction, position: VoidPosition): FixSpec[] {
  const { sourceFile } = ctx;
  const reject = position.kind === 'executor' && fn.parameters[1] && ts.isIdentifier(fn.parameters[1].name) ? fn.parameters[1].name.text : undefined;
  const parameter = ctx.isJavaScript ? 'error' : '(error: unknown)';
  const unit = indentUnit(sourceFile);
  const asyncKeyword = ts.getModifiers(fn)?.find((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  if (!asyncKeyword) return [];
  const removeAsync = { start: asyncKeyword.getStart(sourceFile), end: asyncKeyword.end + (/\s/.test(sourceFile.text[asyncKeyword.end] ?? '') ? 1 : 0), newText: '' };
  const fixes: FixSpec[] = [];
  const body = fn.body;
  if (ts.isBlock(body) && body.statements.length > 0) {
    const first = body.statements[0];
    const last = body.statements[body.statements.length - 1];
    const start = lineStartOf(sourceFile, first.getStart(sourceFile));
    if (sourceFile.text.slice(start, first.getStart(sourceFile)).trim() === '') {
      const inner = indentationAt(sourceFile, first.getStart(sourceFile));
      const outer = indentationAt(sourceFile, body.getStart(sourceFile));
      const handle = reject ? `${reject}(error);` : 'console.error(error);';
      fixes.push({
        title: reject ? 'Reject the promise when the executor fails: try { … } catch' : 'Catch errors inside the callback: try { … } catch',
        preferred: false,
        edits: [{ start, end: last.end, newText: `${inner}try {\n${indentedLines(sourceFile, body.statements, start, last.end, unit, new Set())}\n${inner}} catch (error) {\n${inner}${unit}${handle}\n${inner}}` }],
      });
      const handler = reject ?? `${parameter} => {\n${inner}${unit}console.error(error);\n${inner}}`;
      fixes.push({
        title: reject ? 'Run the async work detached and reject on failure: void (async () => { … })().catch(reject)' : 'Run the async work detached: void (async () => { … })().catch(…)',
        preferred: false,
        edits: [
          removeAsync,
          { start: body.getStart(sourceFile), end: body.end, newText: `{\n${inner}void (async () => {\n${indentedLines(sourceFile, body.statements, start, last.end, unit, new Set())}\n${inner}})().catch(${handler});\n${outer}}` },
        ],
      });
    }
  } else if (!ts.isBlock(body)) {
    const handler = reject ?? `${parameter} => { console.error(error); }`;
    fixes.push({
      title: 'Run the async work detached: void (async () => …)().catch(…)',
      preferred: false,
      edits: [removeAsync, { start: body.getStart(sourceFile), end: body.end, newText: `{ void (async () => ${body.getText(sourceFile)})().catch(${handler}); }` }],
    });
  }
  return fixes;
}
