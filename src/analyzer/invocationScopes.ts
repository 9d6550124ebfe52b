// Invocation scopes: the two questions rules about per-call resources ask of a piece of code.
// "Does this run many times?": request handlers (express/fastify/koa routes and middleware, the
// `http.createServer` callback), listeners of events that fire repeatedly (`'request'`,
// `'connection'`, `'message'`, ...), unbounded loops (`while`, `for (;;)`, `for await`), timer and
// stream/queue consumer callbacks, and the
// functions of the same file called from any of those. "Does this object outlive it?": module-level
// bindings, `process`, `this.*` fields, imported values, a signal passed in by the caller, and what
// was declared outside the repeated code. The answers are syntactic (no checker), so they hold in
// plain JS and before `npm install`; the catalogue names the well-known APIs.
import { ts } from 'ts-morph';
import type { ApiCatalogue } from './catalogue';
import { skipOuterExpressions } from './expressions';

export type RepeatKind = 'request handler' | 'event listener' | 'loop body' | 'timer callback' | 'consumer callback' | 'called repeatedly';

export interface RepeatedScope {
  /** The function, or the loop statement, whose code runs many times. */
  node: ts.Node;
  kind: RepeatKind;
  /** For messages: "the 'connection' listener", "the loop on line 47", "the POST handler". */
  description: string;
}

/** Functions whose body is code (not overload signatures). */
export type FunctionWithBody = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

/** Events that fire again and again on one emitter: each firing runs the listener anew. */
const repeatingEvents = new Set(['request', 'connection', 'secureConnection', 'message', 'data', 'upgrade', 'stream', 'session', 'line', 'checkContinue', 'job', 'task']);
const listenerMethods = new Set(['on', 'addListener', 'prependListener', 'addEventListener']);
const routeMethods = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'head', 'options', 'use']);
const webModules = new Set(['express', 'fastify', 'koa']);
const consumerMethods = new Set(['subscribe', 'consume', 'process']);
const consumerProperties = new Set(['eachMessage', 'eachBatch']);
const catalogueCallbackApis = new Set(['createServer', 'createSecureServer', 'setInterval']);

export function isFunctionWithBody(node: ts.Node): node is FunctionWithBody {
  return (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) && node.body !== undefined;
}

/** The innermost function containing `node` (not `node` itself). */
export function enclosingFunction(node: ts.Node): FunctionWithBody | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (isFunctionWithBody(current)) return current;
  }
  return undefined;
}

export class InvocationScopes {
  private readonly repeated = new Map<ts.Node, RepeatedScope | null>();
  private references: Map<string, ts.Identifier[]> | undefined;

  constructor(
    private readonly sourceFile: ts.SourceFile,
    private readonly catalogue: ApiCatalogue,
  ) {}

  /** The nearest code around `node` that runs many times, or undefined when it runs a bounded number of times. */
  repeatedScopeOf(node: ts.Node): RepeatedScope | undefined {
    let child: ts.Node = node;
    for (let current = node.parent; current; child = current, current = current.parent) {
      if (isLoop(current) && child === current.statement && this.loopRepeats(current) && !leavesLoopAfter(node, current)) {
        return { node: current, kind: 'loop body', description: `the loop on line ${this.lineOf(current)}` };
      }
      if (isFunctionWithBody(current)) {
        const scope = this.repeatedFunction(current);
        if (scope) return scope;
        // A callback created inside repeated code (a promise executor, a `.then`) runs with it: keep going.
      }
    }
    return undefined;
  }

  /** Why the function `fn` runs many times, or undefined. */
  repeatedFunction(fn: FunctionWithBody): RepeatedScope | undefined {
    const known = this.repeated.get(fn);
    if (known !== undefined) return known ?? undefined;
    this.repeated.set(fn, null); // in progress: recursion through call sites ends here
    const scope = this.findRepeatedFunction(fn);
    this.repeated.set(fn, scope ?? null);
    return scope;
  }

  /**
   * Does the object `expr` evaluates to outlive one run of `scope` (a repeated scope's node, or a
   * function)? Module-level bindings, imports, `process`, `this` fields, bindings declared outside
   * `scope`, and a signal the caller passed in do; objects created inside `scope` and the fresh
   * arguments of a request handler or listener (`req`, `socket`) do not.
   */
  outlives(expr: ts.Expression, scope: ts.Node, depth = 0, signalLike = isSignalLike(expr)): boolean {
    const root = rootOf(expr);
    if (root.kind === ts.SyntaxKind.ThisKeyword) return thisIsAnInstance(root);
    if (!ts.isIdentifier(root)) return false;
    if (root.text === 'globalThis') return true;
    const declaration = declarationOf(root);
    if (!declaration) return root.text === 'process' && this.catalogue.is(root, 'global', 'process');
    if (isImport(declaration)) return true;
    if (!isWithin(declaration, scope)) return true;
    if (ts.isParameter(declaration) || (ts.isBindingElement(declaration) && enclosingParameter(declaration))) {
      const parameter = ts.isParameter(declaration) ? declaration : enclosingParameter(declaration);
      if (parameter?.parent !== scope) return false;
      const kind = isFunctionWithBody(scope) ? this.repeatedFunction(scope)?.kind : undefined;
      if (kind === 'request handler' || kind === 'event listener' || kind === 'consumer callback' || kind === 'timer callback') return false;
      return signalLike;
    }
    const variable = ts.isBindingElement(declaration) ? destructuredVariable(declaration) : declaration;
    if (variable && ts.isVariableDeclaration(variable) && variable.initializer && depth < 4 && !isLoopVariable(variable)) {
      // `const signal = options.signal`, `const { signal } = options`: the object it came from decides.
      return this.outlives(aliasedExpression(variable.initializer), scope, depth + 1, signalLike);
    }
    return false;
  }

  private findRepeatedFunction(fn: FunctionWithBody): RepeatedScope | undefined {
    const position = callbackPosition(fn);
    if (position) {
      const kind = this.callbackKind(position.call, position.index);
      if (kind) return { node: fn, kind, description: this.describeCallback(position.call, kind) };
    }
    if (ts.isPropertyAssignment(fn.parent) && ts.isIdentifier(fn.parent.name) && consumerProperties.has(fn.parent.name.text)) {
      return { node: fn, kind: 'consumer callback', description: `the \`${fn.parent.name.text}\` callback` };
    }
    for (const site of this.referenceSites(fn)) {
      const outer = ts.isCallExpression(site.parent) && site.parent.expression === site ? this.repeatedScopeOf(site.parent) : this.asCallbackArgument(site);
      if (outer) return { node: fn, kind: 'called repeatedly', description: `${functionName(fn) ?? 'this function'}, called from ${outer.description}` };
    }
    return undefined;
  }

  /** A reference passed as a callback (`app.get('/', handler)`, `emitter.on('message', onMessage)`). */
  private asCallbackArgument(reference: ts.Expression): RepeatedScope | undefined {
    const call = reference.parent;
    if (!ts.isCallExpression(call)) return undefined;
    const index = call.arguments.indexOf(reference);
    if (index < 0) return undefined;
    const kind = this.callbackKind(call, index);
    return kind ? { node: call, kind, description: this.describeCallback(call, kind) } : undefined;
  }

  /** What a function passed as argument `index` of `call` is, when it is called many times. */
  private callbackKind(call: ts.CallExpression, index: number): RepeatKind | undefined {
    const callee = skipOuterExpressions(call.expression);
    if (ts.isPropertyAccessExpression(callee)) {
      const method = callee.name.text;
      const receiver = callee.expression;
      if (listenerMethods.has(method) && index === 1) {
        const event = call.arguments[0];
        if (event && ts.isStringLiteralLike(event) && repeatingEvents.has(event.text)) return 'event listener';
      }
      if (routeMethods.has(method) && index > 0 && isRoutePath(call.arguments[0])) return 'request handler';
      if (routeMethods.has(method) && (index > 0 || method === 'use' || isRouteCall(receiver)) && this.isWebApp(receiver)) return 'request handler';
      if (method === 'addHook' && this.isWebApp(receiver)) return 'request handler';
      if (consumerMethods.has(method)) return 'consumer callback';
    }
    // Ask the catalogue only about the few names it could answer for (it may ask the type checker).
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
    if (!catalogueCallbackApis.has(name)) return undefined;
    const api = this.catalogue.resolve(callee);
    if (api && (api.module === 'http' || api.module === 'https' || api.module === 'http2') && (api.name === 'createServer' || api.name === 'createSecureServer')) return 'request handler';
    if (api && (api.module === 'net' || api.module === 'tls') && api.name === 'createServer') return 'event listener';
    if (api && (api.module === 'global' || api.module === 'timers') && api.name === 'setInterval' && index === 0) return 'timer callback';
    return undefined;
  }

  /** An express/fastify/koa application or router: created by the package's factory, or `app.route(path)`. */
  private isWebApp(expr: ts.Expression): boolean {
    const node = skipOuterExpressions(expr);
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'route') return this.isWebApp(callee.expression);
      const root = rootOf(callee);
      const declaration = ts.isIdentifier(root) ? declarationOf(root) : undefined;
      if (!declaration || !isImport(declaration)) return false;
      const api = this.catalogue.resolve(callee);
      return api !== undefined && webModules.has(api.module);
    }
    if (!ts.isIdentifier(node)) return false;
    const declaration = declarationOf(node);
    return declaration !== undefined && ts.isVariableDeclaration(declaration) && declaration.initializer !== undefined && (ts.isCallExpression(skipOuterExpressions(declaration.initializer)) || ts.isNewExpression(skipOuterExpressions(declaration.initializer))) && this.isWebApp(declaration.initializer);
  }

  private describeCallback(call: ts.CallExpression, kind: RepeatKind): string {
    const callee = skipOuterExpressions(call.expression);
    const first = call.arguments[0];
    const line = this.lineOf(call);
    if (kind === 'event listener' && first && ts.isStringLiteralLike(first)) return `the '${first.text}' listener on line ${line}`;
    if (kind === 'request handler' && ts.isPropertyAccessExpression(callee)) {
      const route = first && ts.isStringLiteralLike(first) ? ` ${first.text}` : '';
      return `the ${callee.name.text.toUpperCase()}${route} handler on line ${line}`;
    }
    if (kind === 'request handler') return `the request handler on line ${line}`;
    if (kind === 'event listener') return `the connection listener on line ${line}`;
    if (kind === 'timer callback') return `the interval callback on line ${line}`;
    if (kind === 'loop body') return `the loop on line ${line}`;
    return `the consumer callback on line ${line}`;
  }

  /**
   * Loops that run without a bound: `while`, `do`, `for (;;)`, `for await` over a stream. A loop over
   * a collection runs once per element of something that exists already: it repeats only as often as
   * the function around it, which is judged on its own.
   */
  private loopRepeats(loop: ts.IterationStatement): boolean {
    if (!enclosingFunction(loop)) return false; // start-up code at module level runs once
    if (ts.isForOfStatement(loop)) return loop.awaitModifier !== undefined;
    if (ts.isForInStatement(loop)) return false;
    if (ts.isForStatement(loop)) return loop.condition === undefined;
    return true;
  }

  /** Where the function is referenced by name in this file: calls, callbacks, `this.method`. */
  private referenceSites(fn: FunctionWithBody): ts.Expression[] {
    const name = functionName(fn);
    if (!name) return [];
    if (ts.isMethodDeclaration(fn)) {
      const owner = fn.parent;
      return (this.getReferences().get(name) ?? [])
        .map((identifier) => identifier.parent)
        .filter((parent): parent is ts.PropertyAccessExpression => ts.isPropertyAccessExpression(parent) && parent.expression.kind === ts.SyntaxKind.ThisKeyword && isWithin(parent, owner));
    }
    return (this.getReferences().get(name) ?? []).filter((identifier) => {
      const parent = identifier.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.name === identifier) return false;
      return declarationOf(identifier) === declarationNode(fn);
    });
  }

  private getReferences(): Map<string, ts.Identifier[]> {
    if (this.references) return this.references;
    const references = new Map<string, ts.Identifier[]>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && isExpressionPosition(node)) {
        const list = references.get(node.text);
        if (list) list.push(node);
        else references.set(node.text, [node]);
      }
      ts.forEachChild(node, visit);
    };
    visit(this.sourceFile);
    this.references = references;
    return references;
  }

  private lineOf(node: ts.Node): number {
    return this.sourceFile.getLineAndCharacterOfPosition(node.getStart(this.sourceFile)).line + 1;
  }
}

/** A signal by its name: `signal`, `options.signal`, `init.abortSignal`. */
export function isSignalLike(expr: ts.Expression): boolean {
  const node = skipOuterExpressions(expr);
  const name = ts.isIdentifier(node) ? node.text : ts.isPropertyAccessExpression(node) ? node.name.text : undefined;
  return name !== undefined && /signal$/i.test(name);
}

function isLoop(node: ts.Node): node is ts.IterationStatement {
  return ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node);
}

/** `...; return;` right after the statement holding `node` in the loop body: it runs once per loop, not per iteration. */
function leavesLoopAfter(node: ts.Node, loop: ts.IterationStatement): boolean {
  for (let current: ts.Node = node; current !== loop; current = current.parent) {
    const parent = current.parent;
    if (!ts.isBlock(parent) || !ts.isStatement(current)) continue;
    const next = parent.statements[parent.statements.indexOf(current) + 1];
    if (next && (ts.isReturnStatement(next) || ts.isBreakStatement(next) || ts.isThrowStatement(next))) return true;
  }
  return false;
}

function isLoopVariable(declaration: ts.VariableDeclaration): boolean {
  const list = declaration.parent;
  return ts.isVariableDeclarationList(list) && (ts.isForOfStatement(list.parent) || ts.isForInStatement(list.parent));
}

/** `app.route('/orders')`, whose `.get(handler)` takes the handler first. */
function isRouteCall(expr: ts.Expression): boolean {
  const node = skipOuterExpressions(expr);
  return ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'route';
}

function isRoutePath(expr: ts.Expression | undefined): boolean {
  return expr !== undefined && ts.isStringLiteralLike(expr) && expr.text.startsWith('/');
}

/** The call a function is passed to, and at which argument. */
function callbackPosition(fn: FunctionWithBody): { call: ts.CallExpression; index: number } | undefined {
  let node: ts.Node = fn;
  while (ts.isParenthesizedExpression(node.parent)) node = node.parent;
  const call = node.parent;
  if (!ts.isCallExpression(call)) return undefined;
  const index = call.arguments.indexOf(node as ts.Expression);
  return index < 0 ? undefined : { call, index };
}

export function functionName(fn: FunctionWithBody): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return fn.parent.name.text;
  return undefined;
}

/** The declaration a reference to the function by name resolves to. */
function declarationNode(fn: FunctionWithBody): ts.Node {
  return (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) ? fn.parent : fn;
}

/** The identifier or `this` an access chain starts from: `shutdown` in `shutdown.signal`. */
function rootOf(expr: ts.Expression): ts.Expression {
  let node = skipOuterExpressions(expr);
  while (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) node = skipOuterExpressions(node.expression);
  return node;
}

/** What an alias stands for: `options.signal ?? fallback` is `options.signal`. */
function aliasedExpression(initializer: ts.Expression): ts.Expression {
  const node = skipOuterExpressions(initializer);
  if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || node.operatorToken.kind === ts.SyntaxKind.BarBarToken)) return node.left;
  return node;
}

/** `this` inside a class member (through arrows) is the instance, which outlives each call. */
function thisIsAnInstance(node: ts.Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isArrowFunction(current)) continue;
    if (isFunctionWithBody(current) || ts.isPropertyDeclaration(current) || ts.isClassStaticBlockDeclaration(current)) return ts.isClassLike(current.parent);
  }
  return false;
}

function isImport(declaration: ts.Node): boolean {
  return ts.isImportSpecifier(declaration) || ts.isImportClause(declaration) || ts.isNamespaceImport(declaration) || ts.isImportEqualsDeclaration(declaration) || (ts.isVariableDeclaration(declaration) && declaration.initializer !== undefined && isRequireCall(declaration.initializer));
}

function isRequireCall(expr: ts.Expression): boolean {
  const node = skipOuterExpressions(expr);
  if (ts.isPropertyAccessExpression(node)) return isRequireCall(node.expression);
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require';
}

/** The variable declaration a destructured binding belongs to: `const { signal } = options`. */
export function destructuredVariable(element: ts.BindingElement): ts.VariableDeclaration | undefined {
  let node: ts.Node = element;
  while (ts.isBindingElement(node) || ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) node = node.parent;
  return ts.isVariableDeclaration(node) ? node : undefined;
}

function enclosingParameter(element: ts.BindingElement): ts.ParameterDeclaration | undefined {
  for (let current: ts.Node = element.parent; current; current = current.parent) {
    if (ts.isParameter(current)) return current;
    if (!ts.isBindingElement(current) && !ts.isObjectBindingPattern(current) && !ts.isArrayBindingPattern(current)) return undefined;
  }
  return undefined;
}

export function isWithin(node: ts.Node, ancestor: ts.Node): boolean {
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (current === ancestor) return true;
  }
  return false;
}

function isExpressionPosition(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isFunctionDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isClassDeclaration(parent)) && parent.name === identifier) return false;
  return !ts.isTypeReferenceNode(parent);
}

/**
 * The declaration an identifier refers to, found by walking the enclosing scopes: parameters,
 * block-level `const`/`let`/`var`, function and class declarations, loop and catch variables,
 * imports. Undefined for globals.
 */
export function declarationOf(identifier: ts.Identifier): ts.Node | undefined {
  const name = identifier.text;
  for (let scope: ts.Node | undefined = identifier.parent; scope; scope = scope.parent) {
    const found = declarationIn(scope, name);
    if (found) return found;
  }
  return undefined;
}

function declarationIn(scope: ts.Node, name: string): ts.Node | undefined {
  if (isFunctionWithBody(scope) || ts.isFunctionDeclaration(scope)) {
    for (const parameter of scope.parameters) {
      const found = bindingNamed(parameter.name, name, parameter);
      if (found) return found;
    }
    if (ts.isFunctionExpression(scope) && scope.name?.text === name) return scope;
  }
  if (ts.isCatchClause(scope) && scope.variableDeclaration) return bindingNamed(scope.variableDeclaration.name, name, scope.variableDeclaration);
  if ((ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) && scope.initializer && ts.isVariableDeclarationList(scope.initializer)) {
    for (const declaration of scope.initializer.declarations) {
      const found = bindingNamed(declaration.name, name, declaration);
      if (found) return found;
    }
  }
  if (ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope)) {
    for (const statement of scope.statements) {
      const found = statementDeclares(statement, name);
      if (found) return found;
    }
  }
  return undefined;
}

function statementDeclares(statement: ts.Statement, name: string): ts.Node | undefined {
  if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations) {
      const found = bindingNamed(declaration.name, name, declaration);
      if (found) return found;
    }
  }
  if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name?.text === name) return statement;
  if (ts.isImportDeclaration(statement) && statement.importClause) {
    const clause = statement.importClause;
    if (clause.name?.text === name) return clause;
    const named = clause.namedBindings;
    if (named && ts.isNamespaceImport(named) && named.name.text === name) return named;
    if (named && ts.isNamedImports(named)) return named.elements.find((element) => element.name.text === name);
  }
  if (ts.isImportEqualsDeclaration(statement) && statement.name.text === name) return statement;
  return undefined;
}

/** The declaration binding `name` in a (possibly destructuring) binding name. */
function bindingNamed(binding: ts.BindingName, name: string, declaration: ts.Node): ts.Node | undefined {
  if (ts.isIdentifier(binding)) return binding.text === name ? declaration : undefined;
  for (const element of binding.elements) {
    if (ts.isOmittedExpression(element)) continue;
    const found = bindingNamed(element.name, name, element);
    if (found) return found;
  }
  return undefined;
}
