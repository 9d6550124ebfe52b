// uncleared-interval: a `setInterval` (or a `setTimeout` that reschedules its own function) whose
// handle is dropped, or kept but never given to `clearInterval`/`clearTimeout` nor `.unref()`ed.
// Such a timer runs until the process ends: it keeps the process alive after `server.close()`, keeps
// its closure (a socket, a cache) in memory, and, started per connection or per request, piles up.
import { ts } from 'ts-morph';
import { declarationOf, enclosingFunction, type FunctionWithBody, functionName, InvocationScopes, isFunctionWithBody, isWithin, type RepeatedScope } from '../invocationScopes';
import { skipOuterExpressions } from '../expressions';
import type { FixSpec, Rule, RuleContext } from '../rule';

/** Methods that end an object's life: the place to clear its timers. */
const stopMethods = ['stop', 'close', 'dispose', 'destroy', 'shutdown', 'end', 'terminate', 'disconnect', 'quit'];
/** Events a connection emits on every way it ends. */
const alwaysEmittedOnEnd = new Set(['close', 'disconnect']);
const listenerMethods = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener', 'addEventListener']);
const clearFunctions = new Set(['clearInterval', 'clearTimeout']);

type TimerKind = 'setInterval' | 'setTimeout';

export const unclearedIntervalRule: Rule = {
  id: 'uncleared-interval',
  family: 'async',
  meta: {
    description: 'A setInterval (or self-rescheduling setTimeout) whose handle is dropped or never cleared nor unref()ed.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/uncleared-interval.md',
    fixable: true,
    requiresTypes: false,
  },
  create(ctx) {
    let scopes: InvocationScopes | undefined;
    const getScopes = (): InvocationScopes => (scopes ??= new InvocationScopes(ctx.sourceFile, ctx.catalogue));
    const timerNames = new Set(['setInterval', 'setTimeout', ...ctx.catalogue.localNames('timers')]);
    return {
      nodes: {
        [ts.SyntaxKind.CallExpression]: (node) => checkCall(ctx, node as ts.CallExpression, timerNames, getScopes),
      },
    };
  },
};

function checkCall(ctx: RuleContext, call: ts.CallExpression, timerNames: ReadonlySet<string>, getScopes: () => InvocationScopes): void {
  const callee = skipOuterExpressions(call.expression);
  const calleeName = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  if (calleeName === undefined || !timerNames.has(calleeName)) return;
  const api = ctx.catalogue.resolve(callee);
  if (!api || (api.module !== 'global' && api.module !== 'timers') || (api.name !== 'setInterval' && api.name !== 'setTimeout')) return;
  const kind: TimerKind = api.name;
  if (kind === 'setTimeout' && !isUnguardedSelfReschedule(call)) return;
  const handle = handleOf(call);
  if (handle.kind === 'handled') return;
  const scope = getScopes().repeatedScopeOf(call);
  if (handle.kind === 'discarded') {
    reportDiscarded(ctx, call, kind, handle.statement, scope);
    return;
  }
  const uses = handleUses(ctx, handle);
  if (uses.escapes || uses.unrefed) return;
  const clearType = kind === 'setInterval' ? 'clearInterval' : 'clearTimeout';
  if (uses.clears.length === 0) {
    reportNeverCleared(ctx, call, kind, handle, scope, clearType);
    return;
  }
  const partial = scope ? partialClearEvents(uses.clears, scope) : undefined;
  if (partial) reportPartiallyCleared(ctx, call, handle, scope as RepeatedScope, partial, clearType);
}

type Handle =
  | { kind: 'handled' }
  | { kind: 'discarded'; statement: ts.ExpressionStatement }
  | { kind: 'variable'; name: string; declaration: ts.Node | undefined; at: ts.Identifier }
  | { kind: 'field'; name: string; target: ts.PropertyAccessExpression };

/** Where the timer's handle goes. Anything but a statement, a variable or a field hands it on. */
function handleOf(call: ts.CallExpression): Handle {
  let node: ts.Node = call;
  while (ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent) || ts.isNonNullExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node) return { kind: 'handled' }; // `.unref()`, `.ref()`, ...
  if (ts.isExpressionStatement(parent)) return { kind: 'discarded', statement: parent };
  if (ts.isVariableDeclaration(parent) && parent.initializer === node && ts.isIdentifier(parent.name)) return { kind: 'variable', name: parent.name.text, declaration: parent, at: parent.name };
  if (ts.isBinaryExpression(parent) && parent.right === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isExpressionStatement(parent.parent)) {
    const left = skipOuterExpressions(parent.left);
    if (ts.isIdentifier(left)) return { kind: 'variable', name: left.text, declaration: declarationOf(left), at: left };
    if (ts.isPropertyAccessExpression(left)) return { kind: 'field', name: left.name.text, target: left };
  }
  return { kind: 'handled' };
}

interface HandleUses {
  clears: ts.Node[];
  unrefed: boolean;
  /** Passed, returned or stored elsewhere: someone else may clear it. */
  escapes: boolean;
}

/** Every use of the handle where it can be cleared: a variable in its scope, a field anywhere in the file. */
function handleUses(ctx: RuleContext, handle: Extract<Handle, { kind: 'variable' | 'field' }>): HandleUses {
  const uses: HandleUses = { clears: [], unrefed: false, escapes: false };
  const region = handle.kind === 'variable' ? (handle.declaration && enclosingFunction(handle.declaration)) ?? ctx.sourceFile : handle.target.expression.kind === ts.SyntaxKind.ThisKeyword ? (owningClass(handle.target) ?? ctx.sourceFile) : ctx.sourceFile;
  const visit = (node: ts.Node): void => {
    if (handle.kind === 'variable' && ts.isIdentifier(node) && node.text === handle.name && node !== handle.at && isReference(node) && (!handle.declaration || declarationOf(node) === handle.declaration)) {
      classifyUse(node, uses);
    } else if (handle.kind === 'field' && ts.isPropertyAccessExpression(node) && node.name.text === handle.name && node !== handle.target) {
      classifyUse(node, uses);
    }
    ts.forEachChild(node, visit);
  };
  visit(region);
  return uses;
}

function classifyUse(use: ts.Expression, uses: HandleUses): void {
  let node: ts.Node = use;
  while (ts.isParenthesizedExpression(node.parent) || ts.isNonNullExpression(node.parent) || ts.isAsExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) {
    const callee = skipOuterExpressions(parent.expression);
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
    if (clearFunctions.has(name)) uses.clears.push(parent);
    else uses.escapes = true;
    return;
  }
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
    if (parent.name.text === 'unref') uses.unrefed = true;
    else if (parent.name.text === 'close') uses.clears.push(parent); // Timeout#close() clears it too
    return;
  }
  if (ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) return; // reassigned
  if (ts.isIfStatement(parent) || ts.isPrefixUnaryExpression(parent) || ts.isBinaryExpression(parent) || ts.isConditionalExpression(parent) || ts.isTypeOfExpression(parent) || ts.isExpressionStatement(parent) || ts.isDeleteExpression(parent)) return;
  uses.escapes = true;
}

function isReference(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === identifier) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isVariableDeclaration(parent) || ts.isParameter(parent)) && parent.name === identifier) return false;
  return true;
}

/**
 * A connection's timer cleared only in listeners of events that do not fire on every way the
 * connection ends (`'end'`, `'error'`, `'timeout'`): returns those events. A clear in `'close'`, in
 * straight-line code, in a `finally` or in a helper covers every path.
 */
function partialClearEvents(clears: ts.Node[], scope: RepeatedScope): string[] | undefined {
  const events = new Set<string>();
  for (const clear of clears) {
    const event = listenerEventOf(clear, scope.node);
    if (event === undefined || alwaysEmittedOnEnd.has(event)) return undefined;
    events.add(event);
  }
  return [...events];
}

/** The event of the listener (inside `scope`) the node runs in, or undefined when it is not in one. */
function listenerEventOf(node: ts.Node, scope: ts.Node): string | undefined {
  for (let fn = enclosingFunction(node); fn && isWithin(fn, scope) && fn !== scope; fn = enclosingFunction(fn)) {
    const call = fn.parent;
    if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression) || !listenerMethods.has(call.expression.name.text)) continue;
    const event = call.arguments[0];
    if (event && ts.isStringLiteralLike(event)) return event.text;
  }
  return undefined;
}

/** `function poll() { ...; setTimeout(poll, ms); }` with no condition around the rescheduling. */
function isUnguardedSelfReschedule(call: ts.CallExpression): boolean {
  const callback = call.arguments[0];
  if (!callback) return false;
  for (let fn = enclosingFunction(call); fn; fn = enclosingFunction(fn)) {
    const name = functionName(fn);
    if (!name || !callsFunction(callback, name, ts.isMethodDeclaration(fn))) continue;
    return !isConditional(call, fn);
  }
  return false;
}

/** `poll`, `this.poll`, `() => poll()`, `() => void this.poll()`, `this.poll.bind(this)`. */
function callsFunction(callback: ts.Expression, name: string, isMethod: boolean): boolean {
  const node = skipOuterExpressions(callback);
  const names = (expr: ts.Expression): boolean => {
    const inner = skipOuterExpressions(expr);
    if (isMethod) return ts.isPropertyAccessExpression(inner) && inner.expression.kind === ts.SyntaxKind.ThisKeyword && inner.name.text === name;
    return ts.isIdentifier(inner) && inner.text === name;
  };
  if (names(node)) return true;
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'bind') return names(node.expression.expression);
  if (!ts.isArrowFunction(node) && !ts.isFunctionExpression(node)) return false;
  let found = false;
  const visit = (child: ts.Node): void => {
    if (found) return;
    // A self-call under a condition (`if (!done) exec()`) is a loop with an exit, not an endless chain.
    if (ts.isCallExpression(child) && names(child.expression)) found = !isConditional(child, node);
    else ts.forEachChild(child, visit);
  };
  visit(node.body);
  return found;
}

/** The rescheduling is stoppable: under an `if`/`?:`/`&&`/`||`/`catch`, or after an early `return` guard. */
function isConditional(call: ts.CallExpression, fn: FunctionWithBody): boolean {
  for (let node: ts.Node = call.parent; node !== fn && !ts.isSourceFile(node); node = node.parent) {
    if (ts.isIfStatement(node) || ts.isConditionalExpression(node) || ts.isCatchClause(node) || (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || node.operatorToken.kind === ts.SyntaxKind.BarBarToken))) return true;
  }
  let guarded = false;
  const visit = (node: ts.Node): void => {
    if (guarded || (node !== fn.body && isFunctionWithBody(node))) return;
    if (ts.isIfStatement(node) && containsReturn(node.thenStatement)) guarded = true;
    else ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return guarded;
}

function containsReturn(statement: ts.Statement): boolean {
  return ts.isReturnStatement(statement) || (ts.isBlock(statement) && statement.statements.some(ts.isReturnStatement));
}

function reportDiscarded(ctx: RuleContext, call: ts.CallExpression, kind: TimerKind, statement: ts.ExpressionStatement, scope: RepeatedScope | undefined): void {
  const fixes: FixSpec[] = [];
  const owner = owningClass(call);
  const stop = owner && stopMethod(owner);
  if (owner && stop) fixes.push(keepInNewFieldFix(ctx, owner, stop, statement, kind));
  if (!enclosingFunction(call)) fixes.push({ title: 'unref() it: a process-lifetime timer that does not keep the process alive', preferred: false, edits: [{ start: call.end, end: call.end, newText: '.unref()' }] });
  const what = kind === 'setInterval' ? '`setInterval` handle is dropped' : 'This `setTimeout` reschedules its own function and its handle is dropped';
  const where = scope ? `; it starts again in ${scope.description}, so the timers pile up` : '';
  const advice = stop ? `Keep the handle and clear it in \`${stop.name.getText(ctx.sourceFile)}()\`.` : enclosingFunction(call) ? 'Keep the handle and clear it where its owner shuts down.' : 'Keep the handle and clear it on shutdown, or `.unref()` it.';
  ctx.report({
    node: call,
    message: `${what}, so nothing can stop the timer${where}. It keeps the process alive after shutdown and keeps running its work. ${advice}`,
    fixes,
  });
}

function reportNeverCleared(ctx: RuleContext, call: ts.CallExpression, kind: TimerKind, handle: Extract<Handle, { kind: 'variable' | 'field' }>, scope: RepeatedScope | undefined, clearType: string): void {
  const fixes: FixSpec[] = [];
  const label = handle.kind === 'field' ? `\`${handle.target.getText(ctx.sourceFile)}\`` : `\`${handle.name}\``;
  let advice: string;
  if (handle.kind === 'field' && handle.target.expression.kind === ts.SyntaxKind.ThisKeyword) {
    const owner = owningClass(call);
    const stop = owner && stopMethod(owner);
    if (stop) fixes.push(clearFirstFix(ctx, stop, `${clearType}(this.${handle.name});`));
    advice = stop ? `Clear it in \`${stop.name.getText(ctx.sourceFile)}()\`.` : 'Clear it where its owner shuts down.';
  } else if (scope) {
    const fix = clearOnCloseFix(ctx, scope, `${clearType}(${handle.name});`);
    if (fix) fixes.push(fix);
    advice = "Clear it when the connection closes (its 'close' listener).";
  } else {
    advice = enclosingFunction(call) ? 'Clear it when the work it serves ends.' : 'Clear it on shutdown, or `.unref()` it.';
    if (!enclosingFunction(call) && handle.kind === 'variable') fixes.push({ title: 'unref() it: a process-lifetime timer that does not keep the process alive', preferred: false, edits: [{ start: call.end, end: call.end, newText: '.unref()' }] });
  }
  const where = scope ? ` It starts again in ${scope.description}, so every run leaves one behind.` : '';
  ctx.report({
    node: call,
    message: `${label} holds a ${kind} that is never cleared nor unref()ed: it runs until the process exits and keeps it alive after shutdown.${where} ${advice}`,
    fixes,
  });
}

function reportPartiallyCleared(ctx: RuleContext, call: ts.CallExpression, handle: Extract<Handle, { kind: 'variable' | 'field' }>, scope: RepeatedScope, events: string[], clearType: string): void {
  const fixes: FixSpec[] = [];
  const fix = handle.kind === 'variable' ? clearOnCloseFix(ctx, scope, `${clearType}(${handle.name});`) : undefined;
  if (fix) fixes.push(fix);
  const listed = events.map((event) => `'${event}'`).join(' and ');
  ctx.report({
    node: call,
    message: `This timer, started in ${scope.description}, is cleared only on ${listed}, which does not fire on every way a connection ends: the others leave it running forever. Clear it on 'close', which always fires.`,
    fixes,
  });
}

function owningClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let fn = enclosingFunction(node); fn; fn = enclosingFunction(fn)) {
    if (ts.isArrowFunction(fn)) continue;
    return ts.isMethodDeclaration(fn) && ts.isClassLike(fn.parent) ? fn.parent : undefined;
  }
  return undefined;
}

function stopMethod(owner: ts.ClassLikeDeclaration): (ts.MethodDeclaration & { body: ts.Block }) | undefined {
  for (const name of stopMethods) {
    const method = owner.members.find((member): member is ts.MethodDeclaration & { body: ts.Block } => ts.isMethodDeclaration(member) && member.body !== undefined && ts.isIdentifier(member.name) && member.name.text === name);
    if (method) return method;
  }
  return undefined;
}

function indentOf(ctx: RuleContext, node: ts.Node): string {
  const text = ctx.sourceFile.text;
  const start = node.getStart(ctx.sourceFile);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, start))?.[0] ?? '';
}

/** `clearInterval(...)` as the first statement of a method or listener body. */
function clearFirstFix(ctx: RuleContext, fn: { body: ts.Block }, statement: string): FixSpec {
  const body = fn.body;
  const first = body.statements[0];
  const at = first ? first.getStart(ctx.sourceFile) : body.getStart(ctx.sourceFile) + 1;
  const outer = indentOf(ctx, body);
  const newText = first ? `${statement}\n${indentOf(ctx, first)}` : `\n${outer}  ${statement}\n${outer}`;
  return { title: `Clear the timer: ${statement}`, preferred: true, edits: [{ start: at, end: at, newText }] };
}

/** The connection's `'close'` listener in the scope, when it has a block body: clear the timer there. */
function clearOnCloseFix(ctx: RuleContext, scope: RepeatedScope, statement: string): FixSpec | undefined {
  let listener: (ts.ArrowFunction | ts.FunctionExpression) | undefined;
  const visit = (node: ts.Node): void => {
    if (listener) return;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && listenerMethods.has(node.expression.name.text)) {
      const [event, fn] = node.arguments;
      if (event && ts.isStringLiteralLike(event) && alwaysEmittedOnEnd.has(event.text) && fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isBlock(fn.body)) {
        listener = fn;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(scope.node);
  if (!listener || !ts.isBlock(listener.body)) return undefined;
  return clearFirstFix(ctx, { body: listener.body }, statement);
}

/** Keeps a dropped handle in a new field and clears it first thing in the stop method. */
function keepInNewFieldFix(ctx: RuleContext, owner: ts.ClassLikeDeclaration, stop: ts.MethodDeclaration & { body: ts.Block }, statement: ts.ExpressionStatement, kind: TimerKind): FixSpec {
  const field = freeFieldName(owner, kind === 'setInterval' ? 'interval' : 'timer');
  const clearType = kind === 'setInterval' ? 'clearInterval' : 'clearTimeout';
  const edits: FixSpec['edits'] = [];
  if (!ctx.isJavaScript) {
    const firstMember = owner.members[0];
    const indent = firstMember ? indentOf(ctx, firstMember) : '  ';
    const at = firstMember ? firstMember.getStart(ctx.sourceFile) : owner.members.pos;
    edits.push({ start: at, end: at, newText: `private ${field}: ReturnType<typeof ${kind}> | undefined;\n${indent}` });
  }
  const start = statement.getStart(ctx.sourceFile);
  edits.push({ start, end: start, newText: `this.${field} = ` });
  const clear = clearFirstFix(ctx, stop, `${clearType}(this.${field});`);
  edits.push(...clear.edits);
  return { title: `Keep the handle in this.${field} and clear it in ${stop.name.getText(ctx.sourceFile)}()`, preferred: true, edits };
}

function freeFieldName(owner: ts.ClassLikeDeclaration, base: string): string {
  const taken = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) taken.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(owner);
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}${n}`;
    if (!taken.has(name)) return name;
  }
}
