// Invocation scopes: the two questions rules about per-call resources ask of a piece of code.
// "Does this run many times?": request handlers (express/fastify/koa routes and middleware, the
// `http.createServer` callback), listeners of events that fire repeatedly (`'request'`,
// `'connection'`, `'message'`, ...), unbounded loops (`while`, `for (;;)`, `for await`), timer and
// stream/queue consumer callbacks, Next.js route handlers (`export async function GET` in route.ts,
// the default export under pages/api), and the functions of the same file called from any of those,
// and the constructors of classes instantiated there. "Does this run once per request or message?"
// is the same question without loops and timers; with `ProjectCallers` it follows calls, `new` and
// callbacks into the other files of the program (type-aware, a few files deep, cached per program).
// "Does this object outlive it?": module-level bindings, `process`, `this.*` fields, imported values,
// a signal passed in by the caller, and what was declared outside the repeated code. Within a file
// the answers are syntactic (no checker), so they hold in plain JS and before `npm install`; the
// catalogue names the well-known APIs.
import * as path from 'node:path';
import { ts } from 'ts-morph';
import { ApiCatalogue } from './catalogue';
import { skipOuterExpressions } from './expressions';

export type RepeatKind = 'request handler' | 'event listener' | 'loop body' | 'timer callback' | 'consumer callback' | 'called repeatedly';

export interface RepeatedScope {
  /** The function, or the loop statement, whose code runs many times. */
  node: ts.Node;
  kind: RepeatKind;
  /** For messages: "the 'connection' listener", "the loop on line 47", "the POST handler". */
  description: string;
  /** For 'called repeatedly': the kind of code at the start of the chain of calls. */
  origin?: RepeatKind;
}

/** Functions whose body is code (not overload signatures). */
export type FunctionWithBody = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

/** Events that fire again and again on one emitter: each firing runs the listener anew. */
const repeatingEvents = new Set(['request', 'connection', 'secureConnection', 'message', 'data', 'upgrade', 'stream', 'session', 'line', 'checkContinue', 'job', 'task']);
const listenerMethods = new Set(['on', 'addListener', 'prependListener', 'addEventListener']);
const routeMethods = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'head', 'options', 'use']);
const webModules = new Set(['express', 'fastify', 'koa']);
const consumerMethods = new Set(['subscribe', 'consume', 'process']);
const consumerProperties = new Set(['eachMessage', 'eachBatch', 'handleMessage', 'handleMessageBatch']);
/** Fastify hooks of the application's life, not of each request: they run once. */
const applicationHooks = new Set(['onReady', 'onListen', 'onClose', 'preClose', 'onRoute', 'onRegister']);
/** NestJS decorators of controller methods that handle one request or one message each. */
const nestHandlerDecorators = new Map<string, RepeatKind>([
  ...['Get', 'Post', 'Put', 'Patch', 'Delete', 'All', 'Head', 'Options', 'Search'].map((name): [string, RepeatKind] => [`@nestjs/common#${name}`, 'request handler']),
  ['@nestjs/microservices#MessagePattern', 'consumer callback'],
  ['@nestjs/microservices#EventPattern', 'consumer callback'],
]);
/** Next.js app router handlers: the HTTP methods a route.ts exports. */
const nextRouteMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** How many files deep "called from" follows calls into other files. */
const maxFileHops = 3;
/** How many references by the same name one search asks the checker about (a name like `query` may have thousands). */
const maxCheckedReferences = 200;
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

/** The kinds of code that run once per request or per message (not loops, not timers). */
const perRequestKinds: ReadonlySet<RepeatKind> = new Set<RepeatKind>(['request handler', 'event listener', 'consumer callback']);
const anyRepeatKinds: ReadonlySet<RepeatKind> = new Set<RepeatKind>(['request handler', 'event listener', 'loop body', 'timer callback', 'consumer callback', 'called repeatedly']);

/**
 * A question asked of the code: "runs many times" (any repeat, loops included) or "runs once per
 * request or message". Each has its own cache; a function is judged once per question.
 */
interface ScopeQuery {
  kinds: ReadonlySet<RepeatKind>;
  loops: boolean;
  /** Results per function or class; null while in progress (recursion through call sites ends there) or when none. */
  cache: Map<ts.Node, RepeatedScope | null>;
  /** Per request only: a call whose result is cached for the process (`pool ??= makePool()`) runs once. */
  skipCachedCalls: boolean;
}

export type ScopeQueryName = 'repeated' | 'per request';

export class InvocationScopes {
  private readonly queries: Record<ScopeQueryName, ScopeQuery> = {
    repeated: { kinds: anyRepeatKinds, loops: true, cache: new Map(), skipCachedCalls: false },
    'per request': { kinds: perRequestKinds, loops: false, cache: new Map(), skipCachedCalls: true },
  };
  private references: Map<string, ts.Identifier[]> | undefined;

  /** `callers`, when given, extends "called from" to the other files of the program (type-aware). */
  constructor(
    private readonly sourceFile: ts.SourceFile,
    private readonly catalogue: ApiCatalogue,
    private readonly callers?: ProjectCallers,
  ) {}

  /** The nearest code around `node` that runs many times, or undefined when it runs a bounded number of times. */
  repeatedScopeOf(node: ts.Node): RepeatedScope | undefined {
    return this.scopeOf(node, 'repeated');
  }

  /**
   * The code around `node` that runs once per request or per message: a request handler or
   * middleware, a listener of a repeating event, a queue/stream consumer callback, or a function or
   * constructor reached from one of those (a constructor through `new`). Loops and timers do not count.
   */
  perRequestScopeOf(node: ts.Node): RepeatedScope | undefined {
    return this.scopeOf(node, 'per request');
  }

  /** Why instances of `cls` are created once per request or message (`new Cls()` in such code), or undefined. */
  perRequestInstantiation(cls: ts.ClassLikeDeclaration): RepeatedScope | undefined {
    return this.instantiationScope(cls, 'per request');
  }

  /** Why the function `fn` runs many times, or undefined. */
  repeatedFunction(fn: FunctionWithBody): RepeatedScope | undefined {
    return this.functionScope(fn, 'repeated');
  }

  /** The scope answering `query` around `node`. */
  private scopeOf(node: ts.Node, query: ScopeQueryName): RepeatedScope | undefined {
    const { loops } = this.queries[query];
    let child: ts.Node = node;
    let crossedFunction = false;
    for (let current = node.parent; current; child = current, current = current.parent) {
      if (loops && isLoop(current) && child === current.statement && this.loopRepeats(current) && !leavesLoopAfter(node, current)) {
        return { node: current, kind: 'loop body', description: `the loop on line ${this.lineOf(current)}` };
      }
      if (isFunctionWithBody(current)) {
        const scope = this.functionScope(current, query);
        if (scope) return scope;
        crossedFunction = true;
        // A callback created inside repeated code (a promise executor, a `.then`) runs with it: keep going.
      } else if (!crossedFunction && ts.isPropertyDeclaration(current) && child === current.initializer && ts.isClassLike(current.parent) && !isStatic(current)) {
        // An instance field's initializer runs with the constructor, once per `new`.
        const scope = this.instantiationScope(current.parent, query);
        if (scope) return scope;
      }
    }
    return undefined;
  }

  private functionScope(fn: FunctionWithBody, query: ScopeQueryName): RepeatedScope | undefined {
    const { cache } = this.queries[query];
    const known = cache.get(fn);
    if (known !== undefined) return known ?? undefined;
    cache.set(fn, null); // in progress: recursion through call sites ends here
    const scope = this.findFunctionScope(fn, query);
    cache.set(fn, scope ?? null);
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

  private findFunctionScope(fn: FunctionWithBody, query: ScopeQueryName): RepeatedScope | undefined {
    const { kinds } = this.queries[query];
    const position = callbackPosition(fn);
    if (position) {
      const kind = this.callbackKind(position.call, position.index);
      if (kind && kinds.has(kind)) return { node: fn, kind, description: this.describeCallback(position.call, kind) };
    }
    if (ts.isPropertyAssignment(fn.parent) && ts.isIdentifier(fn.parent.name)) {
      const property = fn.parent.name.text;
      if (consumerProperties.has(property) && kinds.has('consumer callback')) return { node: fn, kind: 'consumer callback', description: `the \`${property}\` callback` };
      if (property === 'handler' && isRouteOptions(fn.parent.parent) && kinds.has('request handler')) return { node: fn, kind: 'request handler', description: `the route handler on line ${this.lineOf(fn)}` };
    }
    const nest = ts.isMethodDeclaration(fn) ? this.nestHandler(fn) : undefined;
    if (nest && kinds.has(nest.kind)) return nest;
    const nextRoute = nextRouteHandler(fn, this.sourceFile);
    if (nextRoute && kinds.has('request handler')) return { node: fn, kind: 'request handler', description: nextRoute };
    if (ts.isConstructorDeclaration(fn)) return this.instantiationScope(fn.parent, query);
    for (const site of this.referenceSites(fn)) {
      const outer = this.siteScope(site, query);
      if (outer) return calledFrom(fn, `${functionName(fn) ?? 'this function'}, called from ${outer.description}`, outer);
    }
    const name = functionName(fn);
    if (this.callers && name && isExported(fn)) {
      const outer = this.callers.scopeFromOtherFiles(declarationNode(fn), name, 'call', query);
      if (outer) return calledFrom(fn, `${name}, called from ${outer.description}`, outer);
    }
    return undefined;
  }

  /** A NestJS controller method decorated `@Get()`, `@Post()`, ... or `@MessagePattern()`. */
  private nestHandler(method: ts.MethodDeclaration): RepeatedScope | undefined {
    for (const decorator of ts.getDecorators(method) ?? []) {
      const call = decorator.expression;
      if (!ts.isCallExpression(call) || !ts.isIdentifier(call.expression)) continue;
      const api = this.catalogue.importedAs(call.expression.text);
      const kind = api && nestHandlerDecorators.get(`${api.module}#${api.name}`);
      if (kind) return { node: method, kind, description: `the @${api.name} handler \`${functionName(method) ?? 'method'}\`` };
    }
    return undefined;
  }

  /** Why instances of `cls` are created many times: `new Cls()` in repeated code, here or (with callers) in other files. */
  private instantiationScope(cls: ts.ClassLikeDeclaration, query: ScopeQueryName): RepeatedScope | undefined {
    const { cache } = this.queries[query];
    const known = cache.get(cls);
    if (known !== undefined) return known ?? undefined;
    cache.set(cls, null);
    const scope = this.findInstantiationScope(cls, query);
    cache.set(cls, scope ?? null);
    return scope;
  }

  private findInstantiationScope(cls: ts.ClassLikeDeclaration, query: ScopeQueryName): RepeatedScope | undefined {
    const name = cls.name?.text;
    if (!name || !ts.isClassDeclaration(cls)) return undefined;
    for (const identifier of this.getReferences().get(name) ?? []) {
      if (!ts.isNewExpression(identifier.parent) || identifier.parent.expression !== identifier || declarationOf(identifier) !== cls) continue;
      const outer = this.siteScope(identifier, query);
      if (outer) return calledFrom(cls, `the \`${name}\` constructor, run by \`new ${name}()\` in ${outer.description}`, outer);
    }
    if (this.callers && isExported(cls)) {
      const outer = this.callers.scopeFromOtherFiles(cls, name, 'new', query);
      if (outer) return calledFrom(cls, `the \`${name}\` constructor, run by \`new ${name}()\` in ${outer.description}`, outer);
    }
    return undefined;
  }

  /**
   * How often code reached through `site` runs: a call or `new` (the scope around it, unless its
   * result is cached for the process when the question is per request), or a reference passed as
   * a callback.
   */
  siteScope(site: ts.Expression, query: ScopeQueryName): RepeatedScope | undefined {
    const parent = site.parent;
    if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression === site) {
      if (this.queries[query].skipCachedCalls && isCachedForProcess(parent)) return undefined;
      return this.scopeOf(parent, query);
    }
    const callback = this.asCallbackArgument(site);
    return callback && this.queries[query].kinds.has(callback.kind) ? callback : undefined;
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
      if (method === 'addHook' && !isApplicationHook(call.arguments[0]) && this.isWebApp(receiver)) return 'request handler';
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
    if (kind === 'request handler' && ts.isPropertyAccessExpression(callee) && routeMethods.has(callee.name.text)) {
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

/** The scope of a function or class reached from `outer`, remembering what started the chain. */
function calledFrom(node: ts.Node, description: string, outer: RepeatedScope): RepeatedScope {
  return { node, kind: 'called repeatedly', description, origin: outer.origin ?? outer.kind };
}

function isStatic(member: ts.ClassElement): boolean {
  return hasModifier(member, ts.SyntaxKind.StaticKeyword);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false);
}

/** The options object of Fastify's `app.route({ method, url, handler })`. */
function isRouteOptions(node: ts.Node): boolean {
  if (!ts.isObjectLiteralExpression(node) || !ts.isCallExpression(node.parent) || !node.parent.arguments.includes(node)) return false;
  const callee = skipOuterExpressions(node.parent.expression);
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'route' && node.properties.some((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && (p.name.text === 'url' || p.name.text === 'method'));
}

/**
 * A Next.js handler: a route.ts exporting `GET`/`POST`/..., the default export of a file under
 * pages/api, the `middleware` export of middleware.ts. Each runs once per request.
 */
function nextRouteHandler(fn: FunctionWithBody, sourceFile: ts.SourceFile): string | undefined {
  const file = sourceFile.fileName.replace(/\\/g, '/');
  const base = file.slice(file.lastIndexOf('/') + 1);
  const name = functionName(fn);
  if (/^route\.[cm]?[jt]sx?$/.test(base) && name && nextRouteMethods.has(name) && isExported(fn)) return `the Next.js ${name} route handler`;
  if (/\/pages\/api\//.test(file) && isDefaultExport(fn, sourceFile)) return 'the Next.js API route handler';
  if (/^middleware\.[cm]?[jt]s$/.test(base) && name === 'middleware' && isExported(fn)) return 'the Next.js middleware';
  return undefined;
}

function isDefaultExport(fn: FunctionWithBody, sourceFile: ts.SourceFile): boolean {
  if (ts.isExportAssignment(fn.parent)) return true;
  if (ts.isFunctionDeclaration(fn) && hasModifier(fn, ts.SyntaxKind.ExportKeyword) && hasModifier(fn, ts.SyntaxKind.DefaultKeyword)) return true;
  const name = functionName(fn);
  return name !== undefined && sourceFile.statements.some((s) => ts.isExportAssignment(s) && ts.isIdentifier(s.expression) && s.expression.text === name);
}

/** Whether other files can reach the function or class: exported by ES syntax or CommonJS `exports`. */
function isExported(node: FunctionWithBody | ts.ClassDeclaration): boolean {
  if (ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
    return ts.isClassDeclaration(node.parent) && isExported(node.parent);
  }
  const declaration = ts.isClassDeclaration(node) ? node : declarationNode(node);
  if (hasModifier(declaration, ts.SyntaxKind.ExportKeyword)) return true;
  if (ts.isVariableDeclaration(declaration) && ts.isVariableStatement(declaration.parent.parent) && hasModifier(declaration.parent.parent, ts.SyntaxKind.ExportKeyword)) return true;
  const name = ts.isClassDeclaration(node) ? node.name?.text : functionName(node);
  if (!name) return false;
  const sourceFile = node.getSourceFile();
  for (const statement of sourceFile.statements) {
    if (ts.isExportAssignment(statement) && ts.isIdentifier(statement.expression) && statement.expression.text === name) return true;
    if (ts.isExportDeclaration(statement) && !statement.moduleSpecifier && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      if (statement.exportClause.elements.some((element) => (element.propertyName ?? element.name).text === name)) return true;
    }
  }
  return /\bexports\b/.test(sourceFile.text) && new RegExp(`\\bexports\\b[^;]*\\b${name.replace(/\$/g, '\\$')}\\b`).test(sourceFile.text);
}

/**
 * Is the value of `expr` (a call or `new`) kept for the life of the process, so the code making it
 * runs once: stored in a module-level binding or a `this` field with `??=`/`||=` or under a check of
 * that binding (`if (!pool) pool = ...`, `pool ?? (pool = ...)`, `if (pool) return pool;` before),
 * or put in a module-level map (`clients.set(key, ...)`), directly or through a local holding it.
 */
export function isCachedForProcess(expr: ts.Expression): boolean {
  const value = outermostValue(expr);
  const parent = value.parent;
  if (ts.isBinaryExpression(parent) && parent.right === value) {
    if (isCachingAssignment(parent, true)) return true;
    // `pool = new Pool(); pools.set(key, pool)` into a local declared earlier.
    const local = ts.isIdentifier(parent.left) ? declarationOf(parent.left) : undefined;
    const fn = local && enclosingFunction(local);
    return local !== undefined && fn !== undefined && ts.isVariableDeclaration(local) && ts.isIdentifier(local.name) && localIsCached(local, fn);
  }
  if (ts.isCallExpression(parent) && parent.arguments.includes(value)) return isMapSet(parent);
  if (ts.isVariableDeclaration(parent) && parent.initializer === value && ts.isIdentifier(parent.name)) {
    const fn = enclosingFunction(parent);
    return fn !== undefined && localIsCached(parent, fn);
  }
  return false;
}

/** `expr` through the wrappers that keep its value: parentheses, `await`, type assertions. */
export function outermostValue(expr: ts.Expression): ts.Expression {
  let node: ts.Expression = expr;
  while (ts.isParenthesizedExpression(node.parent) || ts.isAwaitExpression(node.parent) || ts.isAsExpression(node.parent) || ts.isNonNullExpression(node.parent) || ts.isSatisfiesExpression(node.parent) || ts.isTypeAssertionExpression(node.parent)) {
    node = node.parent;
  }
  return node;
}

function isCachingAssignment(assignment: ts.BinaryExpression, needsGuard: boolean): boolean {
  const operator = assignment.operatorToken.kind;
  if (operator === ts.SyntaxKind.QuestionQuestionEqualsToken || operator === ts.SyntaxKind.BarBarEqualsToken) return storedForProcess(assignment.left);
  if (operator !== ts.SyntaxKind.EqualsToken || !storedForProcess(assignment.left)) return false;
  return !needsGuard || isGuardedBy(assignment, assignment.left);
}

/** A module-level binding (or a member of one), or a field of an instance outside its constructor. */
function storedForProcess(target: ts.Expression): boolean {
  const root = rootOf(target);
  if (root.kind === ts.SyntaxKind.ThisKeyword) {
    if (!thisIsAnInstance(root)) return false;
    let fn = enclosingFunction(root);
    while (fn && ts.isArrowFunction(fn)) fn = enclosingFunction(fn);
    return fn !== undefined && !ts.isConstructorDeclaration(fn);
  }
  if (!ts.isIdentifier(root)) return false;
  const declaration = declarationOf(root);
  if (!declaration) return root.text === 'globalThis' || root.text === 'global'; // `globalThis.prisma ??= ...`
  return !ts.isParameter(declaration) && enclosingFunction(declaration) === undefined;
}

/** The assignment runs only while `target` is empty: under `if (!target)`, `target ?? (...)`, or after `if (target) return`. */
function isGuardedBy(assignment: ts.Node, target: ts.Expression): boolean {
  const text = compact(target.getText());
  const mentions = (node: ts.Node): boolean => compact(node.getText()).includes(text);
  let child: ts.Node = assignment;
  for (let current = assignment.parent; current && !isFunctionWithBody(current); child = current, current = current.parent) {
    if (ts.isIfStatement(current) && child !== current.expression && mentions(current.expression)) return true;
    if (ts.isConditionalExpression(current) && child !== current.condition && mentions(current.condition)) return true;
    if (ts.isBinaryExpression(current) && child === current.right && (current.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || current.operatorToken.kind === ts.SyntaxKind.BarBarToken) && mentions(current.left)) return true;
    if (ts.isBlock(current)) {
      const before = current.statements.slice(0, current.statements.indexOf(child as ts.Statement));
      if (before.some((s) => ts.isIfStatement(s) && mentions(s.expression) && endsWithReturn(s.thenStatement))) return true;
    }
  }
  return false;
}

function endsWithReturn(statement: ts.Statement): boolean {
  if (ts.isReturnStatement(statement) || ts.isThrowStatement(statement)) return true;
  return ts.isBlock(statement) && statement.statements.some((s) => ts.isReturnStatement(s) || ts.isThrowStatement(s));
}

function compact(text: string): string {
  return text.replace(/\s+/g, '').replace(/\?\./g, '.');
}

/** `clients.set(key, value)` on a map that lives as long as the process. */
function isMapSet(call: ts.CallExpression): boolean {
  const callee = skipOuterExpressions(call.expression);
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'set' && call.arguments.length === 2 && storedForProcess(callee.expression);
}

/** A local holding the value is then cached: `const client = new Redis(); clients.set(key, client)`, `pool = client`. */
function localIsCached(declaration: ts.VariableDeclaration, fn: FunctionWithBody): boolean {
  const name = (declaration.name as ts.Identifier).text;
  let cached = false;
  const visit = (node: ts.Node): void => {
    if (cached) return;
    if (ts.isIdentifier(node) && node.text === name && node !== declaration.name && declarationOf(node) === declaration) {
      const value = outermostValue(node);
      const parent = value.parent;
      if (ts.isBinaryExpression(parent) && parent.right === value && isCachingAssignment(parent, false)) cached = true;
      else if (ts.isCallExpression(parent) && parent.arguments.includes(value) && isMapSet(parent)) cached = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return cached;
}

/**
 * Where functions and classes are used from the other files of one program: the inter-procedural
 * half of the scope questions. Candidate references are found by name (files whose text holds it),
 * and the checker confirms each refers to the declaration. One per program; it keeps each file's
 * `InvocationScopes`, so a file's answers are computed once however many files ask.
 */
export class ProjectCallers {
  private static readonly byProgram = new WeakMap<ts.Program, ProjectCallers>();
  private readonly scopes = new Map<ts.SourceFile, InvocationScopes>();
  private readonly identifiers = new Map<ts.SourceFile, Map<string, ts.Identifier[]>>();
  private files: ts.SourceFile[] | undefined;
  private hops = 0;

  private constructor(
    private readonly program: ts.Program,
    private readonly getChecker: () => ts.TypeChecker,
  ) {}

  static of(program: ts.Program, getChecker: () => ts.TypeChecker): ProjectCallers {
    let callers = ProjectCallers.byProgram.get(program);
    if (!callers) {
      callers = new ProjectCallers(program, getChecker);
      ProjectCallers.byProgram.set(program, callers);
    }
    return callers;
  }

  /** The scopes of `sourceFile`, made with `catalogue` when it is the first to ask. */
  scopesFor(sourceFile: ts.SourceFile, catalogue?: ApiCatalogue): InvocationScopes {
    let scopes = this.scopes.get(sourceFile);
    if (!scopes) {
      scopes = new InvocationScopes(sourceFile, catalogue ?? new ApiCatalogue(sourceFile, this.getChecker), this);
      this.scopes.set(sourceFile, scopes);
    }
    return scopes;
  }

  /**
   * The first scope answering `query` around a call (or `new`, or callback use) of `declaration`,
   * named `name`, in another file; for a method also the same file's calls on other receivers
   * than `this`. Follows at most `maxFileHops` files deep and asks the checker about at most
   * `maxCheckedReferences` references per search.
   */
  scopeFromOtherFiles(declaration: ts.Node, name: string, via: 'call' | 'new', query: ScopeQueryName): RepeatedScope | undefined {
    if (this.hops >= maxFileHops) return undefined;
    this.hops++;
    try {
      const own = declaration.getSourceFile();
      const isMethod = ts.isMethodDeclaration(declaration);
      let checked = 0;
      for (const file of this.projectFiles()) {
        if ((file === own && !isMethod) || !file.text.includes(name)) continue;
        for (const identifier of this.identifiersIn(file).get(name) ?? []) {
          const site = siteOf(identifier, via);
          if (!site || (file === own && ts.isPropertyAccessExpression(site) && site.expression.kind === ts.SyntaxKind.ThisKeyword)) continue;
          if (++checked > maxCheckedReferences) return undefined;
          if (!this.refersTo(identifier, declaration)) continue;
          const scope = this.scopesFor(file).siteScope(site, query);
          if (!scope) continue;
          // "the GET /a handler on line 6 of routes.ts"; a chain of calls names its handler's file at its own hop.
          return file === own || scope.kind === 'called repeatedly' ? scope : { ...scope, description: `${scope.description} of ${path.basename(file.fileName)}` };
        }
      }
      return undefined;
    } finally {
      this.hops--;
    }
  }

  private refersTo(identifier: ts.Identifier, declaration: ts.Node): boolean {
    const checker = this.getChecker();
    let symbol = checker.getSymbolAtLocation(identifier);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol?.declarations?.includes(declaration as ts.Declaration) ?? false;
  }

  private projectFiles(): ts.SourceFile[] {
    this.files ??= this.program.getSourceFiles().filter((file) => !file.isDeclarationFile && !/[\\/]node_modules[\\/]/.test(file.fileName));
    return this.files;
  }

  private identifiersIn(file: ts.SourceFile): Map<string, ts.Identifier[]> {
    let byName = this.identifiers.get(file);
    if (!byName) {
      const found = new Map<string, ts.Identifier[]>();
      const visit = (node: ts.Node): void => {
        if (ts.isIdentifier(node)) {
          const list = found.get(node.text);
          if (list) list.push(node);
          else found.set(node.text, [node]);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
      byName = found;
      this.identifiers.set(file, byName);
    }
    return byName;
  }
}

/** The expression through which `identifier` runs its function: the callee, the `new` target, or a callback argument. */
function siteOf(identifier: ts.Identifier, via: 'call' | 'new'): ts.Expression | undefined {
  const parent = identifier.parent;
  const expression = ts.isPropertyAccessExpression(parent) && parent.name === identifier ? parent : identifier;
  const user = expression.parent;
  if (via === 'new') return ts.isNewExpression(user) && user.expression === expression ? expression : undefined;
  if (ts.isCallExpression(user) && (user.expression === expression || user.arguments.includes(expression))) return expression;
  return undefined;
}

function isApplicationHook(name: ts.Expression | undefined): boolean {
  return name !== undefined && ts.isStringLiteralLike(name) && applicationHooks.has(name.text);
}
