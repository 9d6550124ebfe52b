// server-keep-alive: an HTTP server whose keepAliveTimeout is not above the idle timeout of the load
// balancer in front of it, or whose headersTimeout is not above its keepAliveTimeout. The load
// balancer keeps idle connections to the app open for its idle timeout; when the app closes one
// first, a request the load balancer sends on it in that moment fails: intermittent 502s.
// Servers: `http(s).createServer`, `new http(s).Server`, Express/Koa `app.listen()`, Nest's
// `app.listen()` (and `app.getHttpServer()`), Fastify's factory (and `fastify.server`). Settings
// count wherever the server goes in the file: later assignments, `this.server`, a factory's callers.
import { ts } from 'ts-morph';
import { skipOuterExpressions } from '../expressions';
import { isConstVariable, numericValue, valueDeclaration } from '../optionObjects';
import { declarationOf, enclosingFunction, type FunctionWithBody, functionName, isFunctionWithBody } from '../invocationScopes';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { loadBalancerIdleTimeoutMs, type LoadBalancerKind } from '../../shared/settings';
import { freshName, indentationAt } from './fixText';

type Framework = 'node' | 'express' | 'koa' | 'nest' | 'fastify';

/** Node's keepAliveTimeout: 5 s up to Node 25, 65 s from Node 26 (nodejs/node#62782). */
const nodeKeepAliveDefault = (major: number | undefined): number => (major !== undefined && major >= 26 ? 65_000 : 5_000);
const fastifyKeepAliveDefault = 72_000;
/** Node's headersTimeout: min(60 s, requestTimeout), requestTimeout 300 s by default. */
const nodeHeadersDefault = 60_000;
/** How much the fix puts the keep-alive above the load balancer's idle timeout. */
const keepAliveMargin = 5_000;
const headersMargin = 1_000;

const loadBalancerNames: Readonly<Record<LoadBalancerKind, string>> = {
  'aws-alb': 'AWS ALB',
  gcp: 'Google Cloud load balancer',
  nginx: 'nginx upstream',
  custom: 'load balancer',
};

/** Methods of an http.Server that return the server itself. */
const chainingMethods = new Set(['listen', 'on', 'once', 'addListener', 'setTimeout']);

export const serverKeepAliveRule: Rule = {
  id: 'server-keep-alive',
  family: 'keep-alive',
  meta: {
    description: "An HTTP server whose keepAliveTimeout is not above the load balancer's idle timeout, or whose headersTimeout is not above its keepAliveTimeout.",
    defaultSeverity: 'warning',
    docs: 'docs/rules/server-keep-alive.md',
    fixable: true,
    requiresTypes: true,
  },
  create(ctx) {
    const fastifyNames = new Set([...ctx.catalogue.localNames('fastify', 'default'), ...ctx.catalogue.localNames('fastify', 'fastify'), ...fastifyModuleNames(ctx.sourceFile)]);
    const check = (node: ts.Node): void => {
      const site = serverSite(ctx, node as ts.CallExpression | ts.NewExpression, fastifyNames);
      if (site) checkSite(ctx, site);
    };
    return { nodes: { [ts.SyntaxKind.CallExpression]: check, [ts.SyntaxKind.NewExpression]: check } };
  },
};

/** `import fastify = require('fastify')` and `const fastify = require('fastify')`: the module itself is the factory. */
function fastifyModuleNames(sourceFile: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const statement of sourceFile.statements) {
    if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference) && ts.isStringLiteral(statement.moduleReference.expression)) {
      if (statement.moduleReference.expression.text === 'fastify') names.push(statement.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer && skipOuterExpressions(declaration.initializer);
        if (ts.isIdentifier(declaration.name) && init && isRequireOf(init, 'fastify')) names.push(declaration.name.text);
      }
    }
  }
  return names;
}

function isRequireOf(expr: ts.Expression, module: string): boolean {
  return ts.isCallExpression(expr) && ts.isIdentifier(expr.expression) && expr.expression.text === 'require' && expr.arguments.length === 1 && ts.isStringLiteralLike(expr.arguments[0]) && expr.arguments[0].text === module;
}

interface ServerSite {
  /** The creating call: where the finding goes. */
  node: ts.CallExpression | ts.NewExpression;
  framework: Framework;
  /** `http.createServer()`, `app.listen()`, `Fastify()`. */
  label: string;
  /** The options object given at creation (createServer, Fastify, FastifyAdapter). */
  options: OptionsArgument;
  /** For Nest: the application, whose `getHttpServer()` is the server too. */
  app?: ts.Identifier;
}

type OptionsArgument = { kind: 'none' } | { kind: 'literal'; object: ts.ObjectLiteralExpression } | { kind: 'unknown' };
const noOptions: OptionsArgument = { kind: 'none' };

function calleeName(expr: ts.Expression): string | undefined {
  const callee = skipOuterExpressions(expr);
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

function serverSite(ctx: RuleContext, node: ts.CallExpression | ts.NewExpression, fastifyNames: ReadonlySet<string>): ServerSite | undefined {
  const name = calleeName(node.expression);
  const callee = skipOuterExpressions(node.expression);
  const args = node.arguments ?? ts.factory.createNodeArray();
  if (ts.isNewExpression(node)) {
    if (name !== 'Server') return undefined;
    const api = ctx.catalogue.resolve(callee);
    if (!api || (api.module !== 'http' && api.module !== 'https') || api.name !== 'Server') return undefined;
    return { node, framework: 'node', label: `\`new ${api.module}.Server()\``, options: nodeServerOptions(ctx, args, api.module) };
  }
  if (name === 'createServer') {
    const api = ctx.catalogue.resolve(callee);
    if (!api || (api.module !== 'http' && api.module !== 'https') || api.name !== 'createServer') return undefined;
    return { node, framework: 'node', label: `\`${api.module}.createServer()\``, options: nodeServerOptions(ctx, args, api.module) };
  }
  if (name === 'listen' && ts.isPropertyAccessExpression(callee)) return listenSite(ctx, node, callee);
  if (isFastifyFactory(ctx, callee, fastifyNames)) {
    const options = optionsArgument(ctx, args[0]);
    if (options.kind === 'literal' && (hasProperty(options.object, 'serverFactory') || isTrueProperty(options.object, 'http2'))) return undefined; // keepAliveTimeout does not apply
    return { node, framework: 'fastify', label: '`Fastify()`', options };
  }
  return undefined;
}

function isFastifyFactory(ctx: RuleContext, callee: ts.Expression, fastifyNames: ReadonlySet<string>): boolean {
  if (ts.isIdentifier(callee)) return fastifyNames.has(callee.text);
  if (ts.isCallExpression(callee)) return isRequireOf(callee, 'fastify'); // require('fastify')({...})
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'fastify') {
    const api = ctx.catalogue.resolve(callee);
    return api?.module === 'fastify' && (api.name === 'fastify' || api.name === 'default.fastify');
  }
  return false;
}

/** createServer's first argument is the options when it is not the request listener. */
function nodeServerOptions(ctx: RuleContext, args: ts.NodeArray<ts.Expression>, module: string): OptionsArgument {
  const first = args[0];
  if (!first) return noOptions;
  const node = skipOuterExpressions(first);
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return noOptions;
  // https.createServer(tlsOptions, listener): the TLS options carry the http options too.
  if (module === 'https' || args.length > 1 || ts.isObjectLiteralExpression(node)) return optionsArgument(ctx, first);
  // A single argument that is not a literal: an Express app or a listener (untyped too), unless its type says options.
  const type = ctx.checker.getTypeAtLocation(node);
  const listener = type.getCallSignatures().length > 0 || (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
  return listener ? noOptions : optionsArgument(ctx, first);
}

/** Options that are not a literal are unknown, unless their type has no timeout property at all (`{ key, cert }`). */
function optionsArgument(ctx: RuleContext, arg: ts.Expression | undefined): OptionsArgument {
  if (!arg) return noOptions;
  const object = objectLiteralOf(ctx, arg);
  if (object) return { kind: 'literal', object };
  const type = ctx.checker.getTypeAtLocation(arg);
  const mayHoldTimeouts = type.getProperty('keepAliveTimeout') !== undefined || type.getProperty('headersTimeout') !== undefined || type.getProperty('http') !== undefined || (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
  return mayHoldTimeouts ? { kind: 'unknown' } : noOptions;
}

/** The object literal an expression is, directly or through a `const`. */
function objectLiteralOf(ctx: RuleContext, expr: ts.Expression): ts.ObjectLiteralExpression | undefined {
  const node = skipOuterExpressions(expr);
  if (ts.isObjectLiteralExpression(node)) return node;
  if (!ts.isIdentifier(node)) return undefined;
  const declaration = valueDeclaration(ctx.checker, node);
  return declaration && isConstVariable(declaration) && declaration.initializer ? objectLiteralOf(ctx, declaration.initializer) : undefined;
}

function hasProperty(object: ts.ObjectLiteralExpression, name: string): boolean {
  return object.properties.some((p) => p.name !== undefined && propertyNameText(p.name) === name);
}

function isTrueProperty(object: ts.ObjectLiteralExpression, name: string): boolean {
  return object.properties.some((p) => ts.isPropertyAssignment(p) && propertyNameText(p.name) === name && p.initializer.kind === ts.SyntaxKind.TrueKeyword);
}

function propertyNameText(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) ? name.text : undefined;
}

/** `app.listen()` of an Express, Koa or Nest application: it returns (or resolves to) the http.Server. */
function listenSite(ctx: RuleContext, call: ts.CallExpression, callee: ts.PropertyAccessExpression): ServerSite | undefined {
  const receiver = skipOuterExpressions(callee.expression);
  const app = applicationOf(ctx, receiver);
  if (!app) return undefined;
  const label = `\`${receiver.getText(ctx.sourceFile)}.listen()\``;
  if (app.framework === 'nest') {
    if (app.adapterOptions) return { node: call, framework: 'fastify', label, options: app.adapterOptions, app: ts.isIdentifier(receiver) ? receiver : undefined };
    return { node: call, framework: 'nest', label, options: noOptions, app: ts.isIdentifier(receiver) ? receiver : undefined };
  }
  return { node: call, framework: app.framework, label, options: noOptions };
}

interface Application {
  framework: 'express' | 'koa' | 'nest';
  /** Nest on Fastify: the FastifyAdapter's options. */
  adapterOptions?: OptionsArgument;
}

function applicationOf(ctx: RuleContext, receiver: ts.Expression): Application | undefined {
  const direct = applicationCreatedBy(ctx, receiver);
  if (direct) return direct;
  if (!ts.isIdentifier(receiver)) return undefined;
  const declaration = declarationOf(receiver);
  const created = declaration && ts.isVariableDeclaration(declaration) && declaration.initializer ? applicationCreatedBy(ctx, declaration.initializer) : undefined;
  // Imported from the project's own files, or made by a factory: its type says which framework made it.
  return created ?? applicationFromType(ctx, receiver);
}

/** `express()`, `new Koa()`, `await NestFactory.create(...)`. */
function applicationCreatedBy(ctx: RuleContext, expr: ts.Expression): Application | undefined {
  let node = skipOuterExpressions(expr);
  if (ts.isAwaitExpression(node)) node = skipOuterExpressions(node.expression);
  if (ts.isCallExpression(node)) {
    const api = ctx.catalogue.resolve(node.expression);
    if (api?.module === 'express' && (api.name === 'default' || api.name === '')) return { framework: 'express' };
    if (api?.module === '@nestjs/core' && api.name === 'NestFactory.create') return nestApplication(ctx, node);
    if (isRequireOf(skipOuterExpressions(node.expression), 'express')) return { framework: 'express' };
  }
  if (ts.isNewExpression(node)) {
    const api = ctx.catalogue.resolve(node.expression);
    if (api?.module === 'koa' && (api.name === 'default' || api.name === '')) return { framework: 'koa' };
  }
  return undefined;
}

function nestApplication(ctx: RuleContext, create: ts.CallExpression): Application {
  for (const arg of create.arguments) {
    const node = skipOuterExpressions(arg);
    if (!ts.isNewExpression(node)) continue;
    const api = ctx.catalogue.resolve(node.expression);
    if (api?.module === '@nestjs/platform-fastify' && api.name === 'FastifyAdapter') return { framework: 'nest', adapterOptions: optionsArgument(ctx, node.arguments?.[0]) };
  }
  return { framework: 'nest' };
}

function applicationFromType(ctx: RuleContext, receiver: ts.Identifier): Application | undefined {
  const symbol = ctx.checker.getTypeAtLocation(receiver).getSymbol();
  const declaration = symbol?.declarations?.[0];
  if (!declaration) return undefined;
  const module = declaringPackage(declaration);
  if (module === 'express' || module === 'express-serve-static-core') return { framework: 'express' };
  if (module === 'koa') return { framework: 'koa' };
  return undefined;
}

/** The package a declaration belongs to: an ambient `declare module "x"`, or its folder under node_modules. */
function declaringPackage(declaration: ts.Declaration): string | undefined {
  for (let node: ts.Node | undefined = declaration.parent; node; node = node.parent) {
    if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) return node.name.text;
  }
  return /\/node_modules\/(?:@types\/)?((?:@[^/]+\/)?[^/]+)\//.exec(declaration.getSourceFile().fileName.replace(/\\/g, '/'))?.[1];
}

/** A value given to a server setting: the number, or undefined when it cannot be worked out. */
interface SettingValue {
  value: number | undefined;
  /** The expression written, which a fix replaces. */
  expression: ts.Expression;
  where: 'options' | 'assignment';
  /** `{ keepAliveTimeout }`: a fix writes `keepAliveTimeout: <value>` in its place. */
  shorthand?: boolean;
}

interface ServerSettings {
  keepAlive?: SettingValue;
  headers?: SettingValue;
  /** The server went where settings may be given that this file does not show. */
  unseen: boolean;
  /** It listens on a loopback address only: no load balancer reaches it. */
  loopback: boolean;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1']);

/** `listen(port, '127.0.0.1')`, `listen({ host: 'localhost', port })`. */
function listensOnLoopback(ctx: RuleContext, call: ts.CallExpression): boolean {
  return call.arguments.some((arg) => {
    const node = skipOuterExpressions(arg);
    if (ts.isStringLiteralLike(node)) return loopbackHosts.has(node.text);
    const object = objectLiteralOf(ctx, node);
    const host = object?.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyNameText(p.name) === 'host');
    return host !== undefined && ts.isStringLiteralLike(host.initializer) && loopbackHosts.has(host.initializer.text);
  });
}

function checkSite(ctx: RuleContext, site: ServerSite): void {
  if (site.framework === 'node' && ts.isExpressionStatement(outermost(site.node).parent)) return; // created and dropped: it never listens
  const settings: ServerSettings = { unseen: false, loopback: ts.isCallExpression(site.node) && calleeName(site.node.expression) === 'listen' && listensOnLoopback(ctx, site.node) };
  if (site.options.kind === 'unknown') settings.unseen = true;
  if (site.options.kind === 'literal') readOptions(ctx, site.options.object, settings, site.framework);
  const tracer = new ServerTracer(ctx, settings);
  if (site.framework === 'fastify' && site.app === undefined) tracer.traceApplication(site.node);
  else tracer.traceServer(site.node);
  if (site.app) tracer.traceNestApplication(site.app);

  if (settings.loopback) return;
  const idle = loadBalancerIdleTimeoutMs(ctx.deployment);
  const keepAlive = effectiveKeepAlive(ctx, site, settings);
  if (keepAlive.value === undefined) return;
  // keepAliveTimeout 0 turns the keep-alive timeout off: the server never closes idle connections.
  const keepAliveTooShort = keepAlive.value !== 0 && keepAlive.value <= idle;
  const headers = settings.headers ? settings.headers.value : settings.unseen ? undefined : nodeHeadersDefault;
  const keepAliveAfterFix = keepAliveTooShort ? idle + keepAliveMargin : keepAlive.value;
  // headersTimeout matters once keepAliveTimeout is chosen: with both defaults it is Node's (or Fastify's) business.
  const chosen = settings.keepAlive !== undefined || settings.headers !== undefined;
  const headersTooShort = chosen && headers !== undefined && keepAlive.value !== 0 && headers <= keepAlive.value;
  if (!keepAliveTooShort && !headersTooShort) return;
  if (keepAliveTooShort && settings.unseen && settings.keepAlive === undefined) return;

  const lb = describeLoadBalancer(ctx, idle);
  const headersOrigin = settings.headers ? `set on line ${lineOf(ctx, settings.headers.expression)}` : "Node's default";
  const message = keepAliveTooShort
    ? `${site.label} gives a server whose keepAliveTimeout is ${seconds(keepAlive.value)} (${keepAlive.origin}), not above the ${lb}: the load balancer reuses connections the server has just closed, which clients see as intermittent 502s. Set keepAliveTimeout above ${seconds(idle)} and headersTimeout above that.`
    : `${site.label} gives a server whose headersTimeout (${seconds(headers ?? 0)}, ${headersOrigin}) is not above its keepAliveTimeout (${seconds(keepAlive.value)}): keep-alive connections can be cut at headersTimeout before the ${lb} ends them, bringing back its 502s. Set headersTimeout above keepAliveTimeout.`;
  const fix = buildFix(ctx, site, settings, {
    keepAlive: keepAliveTooShort ? keepAliveAfterFix : undefined,
    headers: headers !== undefined && headers <= keepAliveAfterFix ? keepAliveAfterFix + headersMargin : undefined,
    comment: `above the ${lb}`,
  });
  // The callee, not the whole call: a listen() with a long callback would underline a page.
  ctx.report({ start: site.node.getStart(ctx.sourceFile), end: site.node.expression.end, message, fixes: fix ? [fix] : [] });
}

function effectiveKeepAlive(ctx: RuleContext, site: ServerSite, settings: ServerSettings): { value: number | undefined; origin: string } {
  if (settings.keepAlive) return { value: settings.keepAlive.value, origin: `set on line ${lineOf(ctx, settings.keepAlive.expression)}` };
  if (site.framework === 'fastify') return { value: fastifyKeepAliveDefault, origin: "Fastify's default" };
  const { major, source } = ctx.nodeTarget;
  const value = nodeKeepAliveDefault(major);
  if (major === undefined) return { value, origin: `Node's default before Node 26; the target Node version is unknown (${source}), so the older default is assumed: declare engines.node` };
  return { value, origin: `Node ${major}'s default, Node version from ${source}` };
}

function lineOf(ctx: RuleContext, node: ts.Node): number {
  return ctx.sourceFile.getLineAndCharacterOfPosition(node.getStart(ctx.sourceFile)).line + 1;
}

function describeLoadBalancer(ctx: RuleContext, idle: number): string {
  return `${loadBalancerNames[ctx.deployment.loadBalancer]} idle timeout (${seconds(idle)})`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function readOptions(ctx: RuleContext, object: ts.ObjectLiteralExpression, settings: ServerSettings, framework: Framework): void {
  for (const property of object.properties) {
    if (ts.isSpreadAssignment(property)) {
      settings.unseen = true;
      continue;
    }
    if (ts.isShorthandPropertyAssignment(property)) {
      const value: SettingValue = { value: numericValue(ctx.checker, property.name), expression: property.name, where: 'options', shorthand: true };
      if (property.name.text === 'keepAliveTimeout') settings.keepAlive = value;
      else if (property.name.text === 'headersTimeout' && framework !== 'fastify') settings.headers = value;
      continue;
    }
    if (!ts.isPropertyAssignment(property)) continue;
    const name = propertyNameText(property.name);
    if (name === 'keepAliveTimeout') settings.keepAlive = { value: numericValue(ctx.checker, property.initializer), expression: property.initializer, where: 'options' };
    else if (name === 'headersTimeout' && framework !== 'fastify') settings.headers = { value: numericValue(ctx.checker, property.initializer), expression: property.initializer, where: 'options' };
    else if (name === 'http' && framework === 'fastify') {
      const http = objectLiteralOf(ctx, property.initializer);
      const headers = http?.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyNameText(p.name) === 'headersTimeout');
      if (headers) settings.headers = { value: numericValue(ctx.checker, headers.initializer), expression: headers.initializer, where: 'options' };
    }
  }
}

/** The number an expression always is: literals, arithmetic, `const`s (in any file), literal types. */
/**
 * Follows a server (or a Fastify/Nest application) through the file: the variable or field that
 * holds it, functions that return it and their callers, functions it is passed to; and collects
 * the keepAliveTimeout/headersTimeout assignments on the way.
 */
class ServerTracer {
  private readonly seen = new Set<ts.Node>();
  private readonly seenFields = new Set<string>();

  constructor(
    private readonly ctx: RuleContext,
    private readonly settings: ServerSettings,
  ) {}

  traceServer(expr: ts.Expression): void {
    this.follow(expr, 'server', 0);
  }

  traceApplication(expr: ts.Expression): void {
    this.follow(expr, 'application', 0);
  }

  /** Nest: `app.getHttpServer()` anywhere the application variable is used is the server. */
  traceNestApplication(app: ts.Identifier): void {
    const declaration = declarationOf(app);
    if (!declaration) return;
    this.followVariable(app.text, declaration, 'application', 0);
  }

  /** A server kept on a field (`this.server`) may be set up in another method: any `<x>.server.keepAliveTimeout = ...` in the file counts. */
  private followField(field: string, kind: 'server' | 'application', depth: number): void {
    const key = `${kind}:${field}`;
    if (this.seenFields.has(key)) return;
    this.seenFields.add(key);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && node.name.text === field && (node.expression.kind === ts.SyntaxKind.ThisKeyword || ts.isIdentifier(node.expression)) && !isAssignmentTarget(node)) this.useOf(node, kind, depth + 1);
      ts.forEachChild(node, visit);
    };
    visit(this.ctx.sourceFile);
  }

  /** Where the value of `expr` goes. */
  private follow(expr: ts.Expression, kind: 'server' | 'application', depth: number): void {
    if (depth > 4 || this.seen.has(expr)) return;
    this.seen.add(expr);
    let node = outermost(expr);
    // `await app.listen()` (Nest resolves to the server), `createServer().listen()` (returns the server).
    for (;;) {
      if (ts.isAwaitExpression(node.parent)) node = outermost(node.parent);
      else if (kind === 'server' && ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node && chainingMethods.has(node.parent.name.text) && ts.isCallExpression(node.parent.parent)) {
        this.listenCall(node.parent.parent);
        node = outermost(node.parent.parent);
      } else break;
    }
    const parent = node.parent;
    if (ts.isVariableDeclaration(parent) && parent.initializer === node) {
      if (ts.isIdentifier(parent.name)) this.followVariable(parent.name.text, parent, kind, depth);
      return;
    }
    if (ts.isBinaryExpression(parent) && parent.right === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = skipOuterExpressions(parent.left);
      const root = ts.isPropertyAccessExpression(left) ? skipOuterExpressions(left.expression) : undefined;
      const declaration = ts.isIdentifier(left) ? declarationOf(left) : undefined;
      if (declaration) this.followVariable((left as ts.Identifier).text, declaration, kind, depth);
      else if (ts.isPropertyAccessExpression(left) && root && (root.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(root) && root.text !== 'module' && root.text !== 'exports'))) this.followField(left.name.text, kind, depth);
      else this.settings.unseen = true;
      return;
    }
    if (ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === node)) {
      const fn = ts.isReturnStatement(parent) ? enclosingFunction(parent) : parent;
      if (fn) this.followCallers(fn, kind, depth);
      return;
    }
    if (ts.isCallExpression(parent) && parent.arguments.includes(node)) {
      this.followArgument(parent, parent.arguments.indexOf(node), kind, depth);
      return;
    }
    if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
      this.useOf(node, kind, depth);
      return;
    }
    if (ts.isExportAssignment(parent) || ts.isShorthandPropertyAssignment(parent) || ts.isPropertyAssignment(parent) || ts.isArrayLiteralExpression(parent)) this.settings.unseen = true;
  }

  private followVariable(name: string, declaration: ts.Node, kind: 'server' | 'application', depth: number): void {
    const region = enclosingFunction(declaration) ?? this.ctx.sourceFile;
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && node.text === name && isReference(node) && declarationOf(node) === declaration) this.useOf(node, kind, depth + 1);
      ts.forEachChild(node, visit);
    };
    visit(region);
  }

  /** One use of the server or application value. */
  private useOf(node: ts.Expression, kind: 'server' | 'application', depth: number): void {
    const outer = outermost(node);
    const parent = outer.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === outer) {
      const member = parent.name.text;
      if (member === 'listen' && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) this.listenCall(parent.parent);
      if (kind === 'application') {
        if (member === 'server') this.serverExpression(parent, depth);
        else if (member === 'getHttpServer' && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) this.serverExpression(parent.parent, depth);
        return;
      }
      if ((member === 'keepAliveTimeout' || member === 'headersTimeout') && isAssignmentTarget(parent)) {
        const assignment = parent.parent as ts.BinaryExpression;
        const value: SettingValue = { value: numericValue(this.ctx.checker, assignment.right), expression: assignment.right, where: 'assignment' };
        if (member === 'keepAliveTimeout') this.settings.keepAlive = value;
        else this.settings.headers = value;
      }
      return;
    }
    this.follow(outer, kind, depth);
  }

  private listenCall(call: ts.CallExpression): void {
    if (ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'listen' && listensOnLoopback(this.ctx, call)) this.settings.loopback = true;
  }

  private serverExpression(expr: ts.Expression, depth: number): void {
    const outer = outermost(expr);
    const parent = outer.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === outer) this.useOf(outer, 'server', depth);
    else this.follow(outer, 'server', depth);
  }

  /** The function returns the server: follow each call of it in this file, or give up when it is called from elsewhere. */
  private followCallers(fn: FunctionWithBody, kind: 'server' | 'application', depth: number): void {
    const name = functionName(fn);
    const declaration = (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) ? fn.parent : fn;
    if (!name || isExported(declaration) || ts.isMethodDeclaration(fn)) {
      // A Fastify application's keep-alive belongs in its factory options, written here.
      if (kind === 'server') this.settings.unseen = true;
      return;
    }
    let calls = 0;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(skipOuterExpressions(node.expression)) && (skipOuterExpressions(node.expression) as ts.Identifier).text === name) {
        calls++;
        this.follow(node, kind, depth + 1);
      }
      ts.forEachChild(node, visit);
    };
    visit(this.ctx.sourceFile);
    if (calls === 0) this.settings.unseen = true;
  }

  /** Passed to a function: one of this file is searched for assignments on its parameter; a package's API sets nothing. */
  private followArgument(call: ts.CallExpression, index: number, kind: 'server' | 'application', depth: number): void {
    const callee = skipOuterExpressions(call.expression);
    const api = this.ctx.catalogue.resolve(callee);
    if (api && !api.module.startsWith('.') && api.module !== 'global') return;
    const fn = ts.isIdentifier(callee) ? localFunction(callee) : undefined;
    const parameter = fn?.parameters[index];
    if (!fn || !parameter || !ts.isIdentifier(parameter.name)) {
      this.settings.unseen = true;
      return;
    }
    this.followVariable(parameter.name.text, parameter, kind, depth);
  }
}

function localFunction(identifier: ts.Identifier): FunctionWithBody | undefined {
  const declaration = declarationOf(identifier);
  if (!declaration) return undefined;
  if (isFunctionWithBody(declaration)) return declaration;
  if (ts.isVariableDeclaration(declaration) && declaration.initializer) {
    const init = skipOuterExpressions(declaration.initializer);
    if (isFunctionWithBody(init)) return init;
  }
  return undefined;
}

function outermost(expr: ts.Expression): ts.Expression {
  let node: ts.Expression = expr;
  while (ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent) || ts.isNonNullExpression(node.parent) || ts.isSatisfiesExpression(node.parent)) node = node.parent;
  return node;
}

function isAssignmentTarget(node: ts.Expression): boolean {
  const parent = node.parent;
  return ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
}

function isReference(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === identifier) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent)) && parent.name === identifier) return false;
  return true;
}

function isExported(declaration: ts.Node): boolean {
  const statement = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
  const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
  return modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
}

interface FixValues {
  keepAlive: number | undefined;
  headers: number | undefined;
  comment: string;
}

/** Replaces written values and inserts the missing settings right after the server is created. */
function buildFix(ctx: RuleContext, site: ServerSite, settings: ServerSettings, values: FixValues): FixSpec | undefined {
  const edits: FixSpec['edits'] = [];
  const missing: Array<['keepAliveTimeout' | 'headersTimeout', number]> = [];
  const apply = (name: 'keepAliveTimeout' | 'headersTimeout', written: SettingValue | undefined, value: number | undefined): boolean => {
    if (value === undefined) return true;
    if (written) {
      if (written.expression.getSourceFile() !== ctx.sourceFile) return false;
      edits.push({ start: written.expression.getStart(ctx.sourceFile), end: written.expression.end, newText: written.shorthand ? `${name}: ${value}` : String(value) });
    } else missing.push([name, value]);
    return true;
  };
  if (!apply('keepAliveTimeout', settings.keepAlive, values.keepAlive)) return undefined;
  const keepAliveOption = settings.keepAlive?.where === 'options' && site.framework !== 'fastify' ? settings.keepAlive.expression.parent : undefined;
  if (values.headers !== undefined && !settings.headers && keepAliveOption && (ts.isPropertyAssignment(keepAliveOption) || ts.isShorthandPropertyAssignment(keepAliveOption)) && keepAliveOption.getSourceFile() === ctx.sourceFile) {
    // Beside keepAliveTimeout in the server's options.
    edits.push({ start: keepAliveOption.end, end: keepAliveOption.end, newText: `, headersTimeout: ${values.headers}` });
  } else if (!apply('headersTimeout', settings.headers, values.headers)) return undefined;
  const statement = enclosingStatement(site.node);
  if (!statement) return undefined;
  const indent = indentationAt(ctx.sourceFile, statement.getStart(ctx.sourceFile));
  if (missing.length > 0) {
    const fastifyKeepAlive = site.framework === 'fastify' && missing.some(([name]) => name === 'keepAliveTimeout');
    if (fastifyKeepAlive) {
      const optionEdit = fastifyOptionEdit(ctx, site, missing.find(([name]) => name === 'keepAliveTimeout')?.[1] ?? 0);
      if (!optionEdit) return undefined;
      edits.push(optionEdit, { start: statement.getStart(ctx.sourceFile), end: statement.getStart(ctx.sourceFile), newText: `// keepAliveTimeout ${values.comment}\n${indent}` });
    }
    const assignments = missing.filter(([name]) => !(fastifyKeepAlive && name === 'keepAliveTimeout'));
    if (assignments.length > 0) {
      const target = serverReference(ctx, site, statement);
      if (!target) return undefined;
      const comment = fastifyKeepAlive ? [] : [assignments.some(([name]) => name === 'keepAliveTimeout') ? `// ${values.comment}` : '// above keepAliveTimeout'];
      const lines = [...(target.before ? [target.before] : []), ...comment, ...assignments.map(([name, value]) => `${target.name}.${name} = ${value};`)];
      edits.push(...target.edits);
      const text = lines.map((line) => `${indent}${line}`).join('\n');
      if (target.before) edits.push({ start: statement.getStart(ctx.sourceFile), end: statement.getStart(ctx.sourceFile), newText: `${text.trimStart()}\n${indent}` });
      else edits.push({ start: statement.end, end: statement.end, newText: `\n${text}` });
    }
  }
  const title = values.keepAlive !== undefined ? `Set keepAliveTimeout to ${seconds(values.keepAlive)}${values.headers !== undefined ? ` and headersTimeout to ${seconds(values.headers)}` : ''}` : `Set headersTimeout to ${seconds(values.headers ?? 0)}`;
  return { title, preferred: true, edits: mergeInsertions(edits) };
}

/** Insertions at one offset, in the order they were made. */
function mergeInsertions(edits: FixSpec['edits']): FixSpec['edits'] {
  const out: FixSpec['edits'] = [];
  for (const edit of edits) {
    const same = out.find((e) => e.start === edit.start && e.end === edit.start && edit.end === edit.start);
    if (same) same.newText += edit.newText;
    else out.push({ ...edit });
  }
  return out;
}

function enclosingStatement(node: ts.Node): ts.Statement | undefined {
  for (let current: ts.Node = node; current.parent; current = current.parent) {
    if (ts.isBlock(current.parent) || ts.isSourceFile(current.parent) || ts.isModuleBlock(current.parent) || ts.isCaseClause(current.parent)) return current as ts.Statement;
    if (isFunctionWithBody(current)) return undefined;
  }
  return undefined;
}

interface ServerReference {
  name: string;
  edits: FixSpec['edits'];
  /** Insert the lines before the statement, after this one (Nest: `const server = app.getHttpServer();` before listening). */
  before?: string;
}

/** How the inserted lines name the server: its variable or field, or a new const capturing it. */
function serverReference(ctx: RuleContext, site: ServerSite, statement: ts.Statement): ServerReference | undefined {
  let node = outermost(site.node);
  if (ts.isAwaitExpression(node.parent)) node = outermost(node.parent);
  while (ts.isPropertyAccessExpression(node.parent) && chainingMethods.has(node.parent.name.text) && ts.isCallExpression(node.parent.parent) && site.framework !== 'fastify') node = outermost(node.parent.parent);
  const parent = node.parent;
  const viaApp = site.framework === 'fastify';
  const suffix = viaApp ? '.server' : '';
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) && parent.parent.parent === statement) return { name: `${parent.name.text}${suffix}`, edits: [] };
  if (ts.isBinaryExpression(parent) && parent.right === node && ts.isExpressionStatement(parent.parent) && parent.parent === statement) {
    const left = skipOuterExpressions(parent.left);
    if (ts.isIdentifier(left) || (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword)) return { name: `${left.getText(ctx.sourceFile)}${suffix}`, edits: [] };
  }
  if (ts.isExpressionStatement(parent) && parent === statement && !viaApp) {
    if (site.framework === 'nest' && site.app) return nestServer(ctx, site.app);
    if (site.framework === 'nest') return undefined;
    const name = freshName(ctx.sourceFile.text, 'server');
    const start = statement.getStart(ctx.sourceFile);
    return { name, edits: [{ start, end: start, newText: `const ${name} = ` }] };
  }
  if (site.framework === 'fastify' && site.app && ts.isExpressionStatement(parent)) return nestServer(ctx, site.app);
  return undefined;
}

function nestServer(ctx: RuleContext, app: ts.Identifier): ServerReference {
  const name = freshName(ctx.sourceFile.text, 'server');
  return { name, edits: [], before: `const ${name} = ${app.text}.getHttpServer();` };
}

/** Adds `keepAliveTimeout` to the Fastify (or FastifyAdapter) options written in this file. */
function fastifyOptionEdit(ctx: RuleContext, site: ServerSite, value: number): FixSpec['edits'][number] | undefined {
  const property = `keepAliveTimeout: ${value}`;
  if (site.options.kind === 'literal') {
    const object = site.options.object;
    if (object.getSourceFile() !== ctx.sourceFile) return undefined;
    const last = object.properties[object.properties.length - 1];
    if (!last) return { start: object.getStart(ctx.sourceFile) + 1, end: object.end - 1, newText: ` ${property} ` };
    const multiline = ctx.sourceFile.getLineAndCharacterOfPosition(object.getStart(ctx.sourceFile)).line !== ctx.sourceFile.getLineAndCharacterOfPosition(last.getStart(ctx.sourceFile)).line;
    const trailingComma = object.properties.hasTrailingComma;
    const text = multiline ? `${trailingComma ? '' : ','}\n${indentationAt(ctx.sourceFile, last.getStart(ctx.sourceFile))}${property}${trailingComma ? ',' : ''}` : `, ${property}`;
    const at = trailingComma ? ctx.sourceFile.text.indexOf(',', last.end) + 1 : last.end;
    return { start: at, end: at, newText: text };
  }
  if (site.options.kind !== 'none' || site.app !== undefined || !ts.isCallExpression(site.node) || site.node.arguments.length > 0) return undefined;
  const open = site.node.arguments.pos;
  return { start: open, end: open, newText: `{ ${property} }` };
}
