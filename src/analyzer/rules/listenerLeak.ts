// listener-leak: a listener added to an emitter or signal that outlives the code adding it, in code
// that runs many times (a request handler, a loop, a per-message function), with no removal of the
// same function. Every run adds one more listener: memory grows with traffic, each event runs all of
// them, and Node warns only after 10 (EventEmitter) or never (AbortSignal).
import { ts } from 'ts-morph';
import { declarationOf, enclosingFunction, type FunctionWithBody, functionName, InvocationScopes, isSignalLike, isWithin, type RepeatedScope } from '../invocationScopes';
import { skipOuterExpressions } from '../expressions';
import type { FixSpec, Rule, RuleContext } from '../rule';

const addMethods = new Set(['on', 'addListener', 'prependListener', 'addEventListener', 'once', 'prependOnceListener']);
const removeMethods = new Set(['off', 'removeListener', 'removeEventListener', 'removeAllListeners']);
/** Events that fire once in an object's life, if ever: a one-time listener for them stays until then. */
const rareEvents = new Set(['abort', 'exit', 'beforeExit', 'close', 'error', 'end', 'shutdown', 'disconnect']);
/** Methods that set an object up once: a listener added there is added once per object. */
const setUpMethods = new Set(['constructor', 'start', 'init', 'initialize', 'setup', 'connect', 'listen', 'open', 'run', 'main', 'bootstrap', 'register']);

interface Added {
  call: ts.CallExpression;
  scope: RepeatedScope;
}

export const listenerLeakRule: Rule = {
  id: 'listener-leak',
  family: 'async',
  meta: {
    description: 'A listener added, in code that runs many times, to an emitter or signal that outlives it, and never removed.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/listener-leak.md',
    fixable: true,
    requiresTypes: false,
  },
  create(ctx) {
    let scopes: InvocationScopes | undefined;
    const getScopes = (): InvocationScopes => (scopes ??= new InvocationScopes(ctx.sourceFile, ctx.catalogue));
    const added: Added[] = [];
    const removals: ts.CallExpression[] = [];
    return {
      nodes: {
        [ts.SyntaxKind.CallExpression]: (node) => {
          const call = node as ts.CallExpression;
          const callee = skipOuterExpressions(call.expression);
          if (!ts.isPropertyAccessExpression(callee)) return;
          const method = callee.name.text;
          if (removeMethods.has(method)) removals.push(call);
          else if (addMethods.has(method)) {
            const scope = leakingScope(call, callee, getScopes());
            if (scope) added.push({ call, scope });
          }
        },
      },
      end() {
        for (const entry of added) {
          const region = removalRegion(ctx, entry);
          if (!removals.some((removal) => isWithin(removal, region) && removes(ctx, removal, entry.call))) report(ctx, entry);
        }
      },
    };
  },
};

/** The repeated scope a listener leaks out of, or undefined when the add is fine. */
function leakingScope(call: ts.CallExpression, callee: ts.PropertyAccessExpression, scopes: InvocationScopes): RepeatedScope | undefined {
  const [event, listener, options] = call.arguments;
  if (!event || !listener) return undefined;
  if (!isStatementCall(call)) return undefined; // the result is kept: an unsubscribe handle, a chain
  if (options && hasSignalOption(options)) return undefined; // removed when that signal aborts
  // A one-time listener goes away when its event fires: it piles up only for events that fire
  // rarely or never in normal operation (an abort, a signal, shutdown).
  if (isOneTime(call, callee) && !(ts.isStringLiteralLike(event) && isRareEvent(event.text))) return undefined;
  const target = callee.expression;
  const scope = scopes.repeatedScopeOf(call) ?? perOperationScope(call, target);
  if (!scope || !scopes.outlives(target, scope.node) || isMemoizedByTarget(scope.node, target, call)) return undefined;
  return scope;
}

/**
 * An abort listener on a signal the caller passed in (`request(url, { signal })`), or on a field's
 * signal in a method that is not set-up code: the function runs once per operation, and the
 * caller's signal may serve many of them.
 */
function perOperationScope(call: ts.CallExpression, target: ts.Expression): RepeatedScope | undefined {
  const event = call.arguments[0];
  if (!event || !ts.isStringLiteralLike(event) || event.text !== 'abort' || !isSignalLike(target)) return undefined;
  let fn: FunctionWithBody | undefined = enclosingFunction(call);
  while (fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && !ts.isVariableDeclaration(fn.parent) && enclosingFunction(fn)) fn = enclosingFunction(fn);
  if (!fn || ts.isConstructorDeclaration(fn)) return undefined;
  const name = functionName(fn);
  if (name && setUpMethods.has(name)) return undefined;
  const root = rootIdentifierOrThis(target);
  const fromCaller = root !== undefined && ts.isIdentifier(root) && isParameterOf(declarationOf(root), fn);
  const fromField = root?.kind === ts.SyntaxKind.ThisKeyword && ts.isMethodDeclaration(fn) && ts.isClassLike(fn.parent);
  if (!fromCaller && !fromField) return undefined;
  return { node: fn, kind: 'called repeatedly', description: `every call of ${name ? `\`${name}\`` : 'this function'}` };
}

/**
 * Where a removal of this listener can be: inside the repeated code that added it; in the class for
 * a listener on a `this` field; anywhere in the file for a listener function declared at module level.
 */
function removalRegion(ctx: RuleContext, { call, scope }: Added): ts.Node {
  const callee = skipOuterExpressions(call.expression) as ts.PropertyAccessExpression;
  const listener = rootIdentifierOrThis(call.arguments[1]);
  if (listener && ts.isIdentifier(listener) && listener === skipOuterExpressions(call.arguments[1])) {
    const declaration = declarationOf(listener);
    if (declaration && !enclosingFunction(declaration)) return ctx.sourceFile;
  }
  if (rootIdentifierOrThis(callee.expression)?.kind === ts.SyntaxKind.ThisKeyword || listener?.kind === ts.SyntaxKind.ThisKeyword) {
    for (let node: ts.Node | undefined = call.parent; node; node = node.parent) if (ts.isClassLike(node)) return node;
  }
  return scope.node;
}

function rootIdentifierOrThis(expr: ts.Expression): ts.Expression | undefined {
  let node = skipOuterExpressions(expr);
  while (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) node = skipOuterExpressions(node.expression);
  return ts.isIdentifier(node) || node.kind === ts.SyntaxKind.ThisKeyword ? node : undefined;
}

/** A parameter of `fn`, or a local taken from one (`const { signal } = parameters`). */
function isParameterOf(declaration: ts.Node | undefined, fn: FunctionWithBody, depth = 0): boolean {
  for (let node = declaration; node; node = node.parent) {
    if (ts.isParameter(node)) return node.parent === fn;
    if (ts.isVariableDeclaration(node) && node.initializer && depth < 3) {
      const root = rootIdentifierOrThis(node.initializer);
      return root !== undefined && ts.isIdentifier(root) && isParameterOf(declarationOf(root), fn, depth + 1);
    }
    if (!ts.isBindingElement(node) && !ts.isObjectBindingPattern(node) && !ts.isArrayBindingPattern(node)) return false;
  }
  return false;
}

/**
 * `const cached = scopes.get(options.signal); if (cached) return cached;` before the add: the code
 * runs once per target, so it adds one listener per target, not one per call.
 */
function isMemoizedByTarget(scope: ts.Node, target: ts.Expression, add: ts.CallExpression): boolean {
  const key = lastName(target);
  if (!key || !isFunctionLikeWithBody(scope)) return false;
  let memoized = false;
  const visit = (node: ts.Node): void => {
    if (memoized || node.pos >= add.pos) return;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && (node.expression.name.text === 'get' || node.expression.name.text === 'has') && node.arguments.length === 1 && lastName(node.arguments[0]) === key) memoized = hasEarlyReturn(scope, add);
    else ts.forEachChild(node, visit);
  };
  visit(scope);
  return memoized;
}

function isFunctionLikeWithBody(node: ts.Node): node is FunctionWithBody {
  return ts.isFunctionLike(node) && 'body' in node && node.body !== undefined;
}

function lastName(expr: ts.Expression): string | undefined {
  const node = skipOuterExpressions(expr);
  return ts.isIdentifier(node) ? node.text : ts.isPropertyAccessExpression(node) ? node.name.text : undefined;
}

/** An `if (...) return` before the add. */
function hasEarlyReturn(fn: FunctionWithBody, add: ts.CallExpression): boolean {
  const body = fn.body;
  return body !== undefined && ts.isBlock(body) && body.statements.some((statement) => statement.end <= add.pos && ts.isIfStatement(statement) && (ts.isReturnStatement(statement.thenStatement) || (ts.isBlock(statement.thenStatement) && statement.thenStatement.statements.some(ts.isReturnStatement))));
}

function isStatementCall(call: ts.CallExpression): boolean {
  let node: ts.Node = call;
  while (ts.isParenthesizedExpression(node.parent)) node = node.parent;
  return ts.isExpressionStatement(node.parent) || ts.isVoidExpression(node.parent) || (ts.isArrowFunction(node.parent) && node.parent.body === node);
}

function hasSignalOption(options: ts.Expression): boolean {
  const node = skipOuterExpressions(options);
  return ts.isObjectLiteralExpression(node) && node.properties.some((p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === 'signal');
}

/** Does `removal` take the listener `add` added off the same target (same function, or all of the event's)? */
function removes(ctx: RuleContext, removal: ts.CallExpression, add: ts.CallExpression): boolean {
  const removeCallee = skipOuterExpressions(removal.expression) as ts.PropertyAccessExpression;
  const addCallee = skipOuterExpressions(add.expression) as ts.PropertyAccessExpression;
  const sameTarget = textOf(ctx, removeCallee.expression) === textOf(ctx, addCallee.expression);
  if (removeCallee.name.text === 'removeAllListeners') {
    const event = removal.arguments[0];
    return sameTarget && (!event || textOf(ctx, event) === textOf(ctx, add.arguments[0]));
  }
  const listener = skipOuterExpressions(add.arguments[1]);
  if (!ts.isIdentifier(listener) && !ts.isPropertyAccessExpression(listener)) return false;
  const removed = removal.arguments[1];
  return removed !== undefined && textOf(ctx, removed) === textOf(ctx, listener);
}

function textOf(ctx: RuleContext, node: ts.Node): string {
  return node.getText(ctx.sourceFile).replace(/\s+/g, '').replace(/\?\./g, '.');
}

function report(ctx: RuleContext, { call, scope }: Added): void {
  const callee = skipOuterExpressions(call.expression) as ts.PropertyAccessExpression;
  const target = callee.expression.getText(ctx.sourceFile);
  const event = call.arguments[0];
  const eventText = ts.isStringLiteralLike(event) ? `'${event.text}'` : event.getText(ctx.sourceFile);
  const once = isOneTime(call, callee);
  const what = once ? `A one-time ${eventText} listener on \`${target}\` stays registered until that event fires` : `This ${eventText} listener on \`${target}\` is never removed`;
  const fix = removeInFinallyFix(ctx, call, callee);
  ctx.report({
    node: call,
    message: `${what}, and it is added in ${scope.description}, while \`${target}\` lives on: every run adds one more, so memory grows with traffic and each event runs them all. Remove it when the work ends (removeListener/removeEventListener in a finally).`,
    fixes: fix ? [fix] : [],
  });
}

function isOneTime(call: ts.CallExpression, callee: ts.PropertyAccessExpression): boolean {
  return callee.name.text === 'once' || callee.name.text === 'prependOnceListener' || hasOnceOption(call.arguments[2]);
}

function isRareEvent(event: string): boolean {
  return rareEvents.has(event) || /^SIG[A-Z0-9]+$/.test(event);
}

function hasOnceOption(options: ts.Expression | undefined): boolean {
  const node = options && skipOuterExpressions(options);
  return node !== undefined && ts.isObjectLiteralExpression(node) && node.properties.some((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'once' && p.initializer.kind === ts.SyntaxKind.TrueKeyword);
}

/**
 * Wraps the rest of the block after the add in `try { ... } finally { target.remove(event, fn) }`.
 * Preferred when the listener is already a named function and the function is async (its work ends
 * when it returns); an inline listener is first moved to a const (not preferred: it renames code).
 */
function removeInFinallyFix(ctx: RuleContext, call: ts.CallExpression, callee: ts.PropertyAccessExpression): FixSpec | undefined {
  const statement = call.parent;
  if (!ts.isExpressionStatement(statement) || !ts.isBlock(statement.parent)) return undefined;
  const block = statement.parent;
  const rest = block.statements.slice(block.statements.indexOf(statement) + 1);
  if (rest.length === 0) return undefined;
  const text = ctx.sourceFile.text;
  const restStart = text.lastIndexOf('\n', rest[0].getStart(ctx.sourceFile) - 1) + 1;
  const restEnd = rest[rest.length - 1].end;
  const restText = text.slice(restStart, restEnd);
  if (/`[^`]*\n[^`]*`/.test(restText)) return undefined; // re-indenting would change a multi-line template
  const fn = enclosingFunction(call);
  const isAsync = fn !== undefined && (ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async) !== 0;
  const statementStart = statement.getStart(ctx.sourceFile);
  const indent = text.slice(text.lastIndexOf('\n', statementStart - 1) + 1, statementStart);
  if (!/^[ \t]*$/.test(indent)) return undefined;
  const listener = skipOuterExpressions(call.arguments[1]);
  const named = ts.isIdentifier(listener) || ts.isPropertyAccessExpression(listener);
  const edits: FixSpec['edits'] = [];
  let listenerName = listener.getText(ctx.sourceFile);
  if (!named) {
    if (!ts.isArrowFunction(listener) && !ts.isFunctionExpression(listener)) return undefined;
    listenerName = freeName(ctx, listenerNameFor(call.arguments[0]));
    edits.push({ start: statementStart, end: statementStart, newText: `const ${listenerName} = ${listener.getText(ctx.sourceFile)};\n${indent}` });
    edits.push({ start: listener.getStart(ctx.sourceFile), end: listener.end, newText: listenerName });
  }
  const remove = callee.name.text === 'addEventListener' ? 'removeEventListener' : 'removeListener';
  const target = `${callee.expression.getText(ctx.sourceFile)}${callee.questionDotToken ? '?.' : '.'}`;
  const event = call.arguments[0].getText(ctx.sourceFile);
  const body = restText
    .split('\n')
    .map((line) => (line.trim() === '' ? line : `  ${line}`))
    .join('\n');
  edits.push({ start: restStart, end: restEnd, newText: `${indent}try {\n${body}\n${indent}} finally {\n${indent}  ${target}${remove}(${event}, ${listenerName});\n${indent}}` });
  return { title: `Remove the listener when this function ends: finally { ${target}${remove}(…) }`, preferred: named && isAsync, edits };
}

function listenerNameFor(event: ts.Expression): string {
  const text = ts.isStringLiteralLike(event) ? event.text : 'event';
  const words = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const camel = words.map((word) => word[0].toUpperCase() + word.slice(1).toLowerCase()).join('');
  return `on${camel || 'Event'}`;
}

function freeName(ctx: RuleContext, base: string): string {
  const taken = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) taken.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ctx.sourceFile);
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}${n}`;
    if (!taken.has(name)) return name;
  }
}
