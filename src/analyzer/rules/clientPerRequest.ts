// client-per-request: a pool, database or Redis client, HTTP agent or SDK client constructed in code
// that runs once per request or per message (a route handler or middleware, an `http.createServer`
// callback, a repeating event's listener, a queue consumer, a Next.js route handler, or a function or
// constructor reached from one of those, also from other files), and not cached for the process.
// Each run opens connections of its own: under load the database or Redis runs out of connections,
// and outgoing agents never reuse a socket.
import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { ApiRef } from '../catalogue';
import { skipOuterExpressions } from '../expressions';
import { declarationOf, enclosingFunction, type InvocationScopes, isCachedForProcess, isWithin, outermostValue, ProjectCallers, type RepeatedScope } from '../invocationScopes';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { freshName, indentationAt, indentUnit, lineStartOf } from './fixText';

interface ClientKind {
  /** How messages name it: "pg Pool". */
  label: string;
  /** What one more of them per request does in production. */
  consequence: string;
  /** Base of the module-level name a fix creates. */
  baseName: string;
  /** Counts only once connected (`new pg.Client()` opens nothing until `connect()`). */
  needsConnect?: boolean;
  /**
   * `MongoClient.connect(url)`: resolves to a new connected client. Shared, it becomes
   * `new MongoClient(url)`, which connects on first use, and the `await` goes.
   */
  staticConnect?: boolean;
  /** `connect()` on an open client throws: a moved client must be connected once, at start-up, by hand. */
  connectsOnce?: boolean;
  /** Why one shared instance is the wrong fix, when it is. */
  notShareable?: string;
}

const pgPool: ClientKind = { label: 'pg Pool', baseName: 'pool', consequence: 'each opens connections of its own, and under load Postgres runs out of them (node-postgres#2264 "sorry, too many clients already")' };
const pgClient: ClientKind = { label: 'pg Client', baseName: 'client', needsConnect: true, consequence: 'each opens its own connection to Postgres, and under load the server runs out of them (node-postgres#2264 "sorry, too many clients already")', notShareable: 'A pg Client is one connection that concurrent requests cannot share: use one module-level `Pool` and `pool.query()` instead' };
const mysqlPool: ClientKind = { label: 'mysql pool', baseName: 'pool', consequence: 'each opens connections of its own, and under load MySQL refuses more ("Too many connections")' };
const mysqlConnection: ClientKind = { label: 'mysql connection', baseName: 'connection', consequence: 'each opens its own connection, and under load MySQL refuses more ("Too many connections")', notShareable: 'One shared connection would run every request\'s queries one at a time: use one module-level `createPool()` instead' };
const postgresJs: ClientKind = { label: '`postgres()` client', baseName: 'sql', consequence: 'each call makes its own pool of up to 10 connections, and under load Postgres runs out of them ("sorry, too many clients already")' };
const redisClient = (label: string): ClientKind => ({ label, baseName: 'redis', connectsOnce: true, consequence: 'each opens its own connection, and under load Redis refuses more (ioredis#1959 "ERR max number of clients reached")' });
const prisma: ClientKind = { label: 'PrismaClient', baseName: 'prisma', consequence: 'each starts its own query engine and connection pool, and under load the database runs out of connections' };
const mongo: ClientKind = { label: 'MongoClient', baseName: 'mongo', consequence: 'each keeps its own connection pool (up to 100) and monitoring sockets, and under load the server runs out of connections' };
const agent = (label: string): ClientKind => ({ label, baseName: 'agent', consequence: 'its sockets are never reused by the next request, so every request opens new connections (a TCP and TLS handshake each) and under load closed sockets pile up until ephemeral ports run out' });
const undiciDispatcher = (label: string): ClientKind => ({ label, baseName: 'dispatcher', consequence: 'its connections are never reused by the next request, so every request opens new ones (a TCP and TLS handshake each) and under load sockets pile up' });
const sdkClient = (label: string): ClientKind => ({ label, baseName: 'client', consequence: 'each builds its own HTTP agent and connection pool, so no connection is reused and under load sockets pile up' });

/** The constructors and factories by `module#export`. */
const clientKinds = new Map<string, ClientKind>([
  ['pg#Pool', pgPool],
  ['pg-pool#default', pgPool],
  ['pg#Client', pgClient],
  ...['mysql2', 'mysql2/promise', 'mysql'].flatMap((module): Array<[string, ClientKind]> => [
    [`${module}#createPool`, mysqlPool],
    [`${module}#createPoolCluster`, { ...mysqlPool, label: 'mysql pool cluster' }],
    [`${module}#createConnection`, mysqlConnection],
  ]),
  ['postgres#default', postgresJs],
  ['ioredis#default', redisClient('ioredis client')],
  ['ioredis#Redis', redisClient('ioredis client')],
  ['ioredis#Cluster', redisClient('ioredis Cluster')],
  ['redis#createClient', redisClient('redis client')],
  ['redis#createCluster', redisClient('redis cluster client')],
  ['@redis/client#createClient', redisClient('redis client')],
  ['@prisma/client#PrismaClient', prisma],
  ['mongodb#MongoClient', mongo],
  ['mongodb#MongoClient.connect', { ...mongo, staticConnect: true }],
  ['http#Agent', agent('http.Agent')],
  ['agentkeepalive#default', agent('agentkeepalive agent')],
  ['agentkeepalive#HttpsAgent', agent('agentkeepalive HttpsAgent')],
  ['https#Agent', agent('https.Agent')],
  ['undici#Pool', undiciDispatcher('undici Pool')],
  ['undici#Agent', undiciDispatcher('undici Agent')],
  ['undici#Client', undiciDispatcher('undici Client')],
  ['undici#BalancedPool', undiciDispatcher('undici BalancedPool')],
  ['openai#default', sdkClient('OpenAI client')],
  ['openai#OpenAI', sdkClient('OpenAI client')],
  ['stripe#default', sdkClient('Stripe client')],
  ['@elastic/elasticsearch#Client', sdkClient('Elasticsearch client')],
]);

/** Names a construction's callee may end in; anything else is not looked up (no checker). */
const constructorNames = new Set(['Pool', 'Client', 'Redis', 'Cluster', 'PrismaClient', 'MongoClient', 'Agent', 'HttpsAgent', 'BalancedPool', 'OpenAI', 'Stripe']);
const factoryNames = new Set(['createPool', 'createPoolCluster', 'createConnection', 'createClient', 'createCluster']);
/** Modules whose default export is itself the client factory or class (`import postgres from 'postgres'`). */
const defaultExportModules = new Set(['postgres', 'ioredis', 'pg-pool', 'openai', 'stripe', 'agentkeepalive']);
/** Methods that close a client: a per-request client is closed per request, a shared one must not be. */
const closeMethods = new Set(['end', 'quit', 'close', 'disconnect', '$disconnect', 'destroy']);
const connectMethods = new Set(['connect']);

export const clientPerRequestRule: Rule = {
  id: 'client-per-request',
  family: 'pools',
  meta: {
    description: 'A pool, database or Redis client, HTTP agent or SDK client created on every request or message (in a handler, middleware, consumer, or a function or constructor they reach) instead of once for the process.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/client-per-request.md',
    fixable: true,
    requiresTypes: true,
  },
  create(ctx) {
    if (isTestFile(ctx.sourceFile.fileName, ctx.program.getCurrentDirectory())) return { nodes: {} };
    const check = (node: ts.Node): void => checkConstruction(ctx, node as ts.NewExpression | ts.CallExpression);
    return { nodes: { [ts.SyntaxKind.NewExpression]: check, [ts.SyntaxKind.CallExpression]: check } };
  },
};

/** `*.test.ts`, `*.spec.js`, or a file under `test/`, `tests/`, `__tests__/` of the project (not of the folders above it). */
function isTestFile(fileName: string, projectDirectory: string): boolean {
  if (/\.(test|spec)\.[cm]?[jt]sx?$/.test(fileName)) return true;
  const relative = path.relative(projectDirectory, fileName).replace(/\\/g, '/');
  return !relative.startsWith('..') && /(^|\/)(__tests__|__mocks__|test|tests)\//.test(relative);
}

function checkConstruction(ctx: RuleContext, construction: ts.NewExpression | ts.CallExpression): void {
  const kind = clientKindOf(ctx, construction);
  if (!kind || isCachedForProcess(construction)) return;
  if (kind.needsConnect && !isConnected(ctx, construction)) return;
  const scopes = ProjectCallers.of(ctx.program, () => ctx.checker).scopesFor(ctx.sourceFile, ctx.catalogue);
  const scope = scopes.perRequestScopeOf(construction);
  if (!scope) return;
  const unit = unitOf(scope);
  const hoist: Hoist = kind.notShareable ? { advice: `${kind.notShareable}.` } : hoistFix(ctx, construction, kind, scopes, unit);
  ctx.report({
    node: construction,
    message: `A new ${kind.label} on every ${unit} (${scope.description}): ${kind.consequence}. ${hoist.advice}`,
    fixes: hoist.fix ? [hoist.fix] : [],
  });
}

function unitOf(scope: RepeatedScope): string {
  const kind = scope.origin ?? scope.kind;
  if (kind === 'consumer callback') return 'message';
  if (kind === 'event listener') return 'event';
  return 'request';
}

/** The client a `new X(...)` or `x(...)` creates, asking the catalogue only about plausible callees. */
function clientKindOf(ctx: RuleContext, construction: ts.NewExpression | ts.CallExpression): ClientKind | undefined {
  const callee = skipOuterExpressions(construction.expression);
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  if (!name) return undefined;
  const isNew = ts.isNewExpression(construction);
  const plausible = isNew ? constructorNames.has(name) || name.endsWith('Client') : factoryNames.has(name) || (name === 'connect' && ts.isPropertyAccessExpression(callee));
  const root = rootIdentifier(callee);
  const imported = root ? ctx.catalogue.importedAs(root.text) : undefined;
  if (!imported) return undefined; // a local class or function of the same name
  if (!plausible && !(ts.isIdentifier(callee) && imported.name === 'default' && defaultExportModules.has(imported.module))) return undefined;
  const api = ctx.catalogue.resolve(callee);
  // `MongoClient.connect(url)` makes a client; `client.connect()` on one (same declaration name) does not.
  if (api && name === 'connect' && !(ts.isPropertyAccessExpression(callee) && ctx.catalogue.is(callee.expression, 'mongodb', 'MongoClient'))) return undefined;
  return api ? kindOfApi(api, isNew) : undefined;
}

function kindOfApi(api: ApiRef, isNew: boolean): ClientKind | undefined {
  if (api.module.startsWith('@aws-sdk/client-') && isNew && api.name.endsWith('Client')) return sdkClient(`AWS SDK ${api.name}`);
  return clientKinds.get(`${api.module}#${api.name}`);
}

function rootIdentifier(expr: ts.Expression): ts.Identifier | undefined {
  let node = skipOuterExpressions(expr);
  while (ts.isPropertyAccessExpression(node)) node = skipOuterExpressions(node.expression);
  return ts.isIdentifier(node) ? node : undefined;
}

/** `new Client().connect()`, or `.connect()` called on what holds it in the same function or class. */
function isConnected(ctx: RuleContext, construction: ts.Expression): boolean {
  const value = outermostValue(construction);
  if (ts.isPropertyAccessExpression(value.parent) && value.parent.name.text === 'connect') return true;
  const holder = holderOf(value);
  if (!holder) return false;
  return methodCallsOn(ctx, holder.text, holder.region, connectMethods).length > 0;
}

interface Holder {
  /** The name or member it is stored in, compacted: `redis`, `this.redis`, `req.db`. */
  text: string;
  /** Where uses of the holder can be: the function for a local, the class for `this.x`, else the file. */
  region: ts.Node;
  declaration?: ts.VariableDeclaration;
}

function holderOf(value: ts.Expression): Holder | undefined {
  const parent = value.parent;
  if (ts.isVariableDeclaration(parent) && parent.initializer === value && ts.isIdentifier(parent.name)) {
    return { text: parent.name.text, region: enclosingFunction(parent) ?? parent.getSourceFile(), declaration: parent };
  }
  if (ts.isBinaryExpression(parent) && parent.right === value && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const text = compact(parent.left.getText());
    return { text, region: (text.startsWith('this.') && enclosingClass(parent)) || parent.getSourceFile() };
  }
  if (ts.isPropertyDeclaration(parent) && parent.initializer === value && ts.isIdentifier(parent.name) && ts.isClassLike(parent.parent)) {
    return { text: `this.${parent.name.text}`, region: parent.parent };
  }
  return undefined;
}

function enclosingClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) if (ts.isClassLike(current)) return current;
  return undefined;
}

function compact(text: string): string {
  return text.replace(/\s+/g, '').replace(/\?\./g, '.');
}

/** Calls `<holder>.<method>(...)` for `methods` inside `region`. */
function methodCallsOn(ctx: RuleContext, holder: string, region: ts.Node, methods: ReadonlySet<string>): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      if (ts.isPropertyAccessExpression(callee) && methods.has(callee.name.text) && compact(callee.expression.getText(ctx.sourceFile)) === holder) calls.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(region);
  return calls;
}

interface Hoist {
  fix?: FixSpec;
  /** What to do instead, for the message: where to create it, or why it cannot simply be moved. */
  advice: string;
}

/**
 * Moves the construction to module scope, after the imports and after the module-level constants
 * its arguments read: the local `const x = new X(...)` itself when its name is free there, else a
 * fresh module-level name that replaces the expression. When its arguments read only `this` (a
 * method of a class made once), it moves to the class's constructor instead. Closing calls on it
 * (`await redis.quit()` in a `finally`) go, since the client is shared now. No fix when it cannot
 * be moved as it is, and the advice says why.
 */
function hoistFix(ctx: RuleContext, construction: ts.NewExpression | ts.CallExpression, kind: ClientKind, scopes: InvocationScopes, unit: string): Hoist {
  const { sourceFile } = ctx;
  const value = outermostValue(construction);
  const holder = holderOf(value);
  if (kind.connectsOnce && holder && methodCallsOn(ctx, holder.text, holder.region, connectMethods).length > 0) {
    return { advice: 'Create it once at module scope, call `connect()` once at start-up, and share it (moving it as it is would call `connect()` again on every run, which rejects on an open client).' };
  }
  const dependency = requestDependency(construction);
  if (dependency.reason) {
    const method = enclosingFunction(construction);
    const inLongLivedInstance = dependency.onlyThis && method !== undefined && ts.isMethodDeclaration(method) && ts.isClassDeclaration(method.parent) && !isStatic(method) && !scopes.perRequestInstantiation(method.parent);
    const fix = inLongLivedInstance && value === construction ? constructorFix(ctx, construction, kind, method, method.parent as ts.ClassDeclaration, holder) : undefined;
    return fix ? { fix, advice: 'Create it once per instance, in the constructor, and reuse it.' } : { advice: dependency.reason };
  }
  const advice = `Create it once at module scope and share it across ${unit}s.`;
  const anchor = insertionAnchor(sourceFile, construction);
  if (anchor === undefined) return { advice };
  const edits: FixSpec['edits'] = [];
  const declaration = holder?.declaration;
  const movable = declaration !== undefined && declaration.initializer === construction && isMovableDeclaration(declaration);
  let name: string;
  const skipLines = new Set<number>();
  if (movable) {
    name = (declaration.name as ts.Identifier).text;
    const statement = declaration.parent.parent as ts.VariableStatement;
    const removal = statementRemoval(sourceFile, statement);
    edits.push(removal);
    for (let line = lineOf(sourceFile, removal.start); line < lineOf(sourceFile, removal.end); line++) skipLines.add(line);
  } else {
    // An awaited construction would become a shared promise, rejected for good if the first try fails.
    if (value !== construction && !(kind.staticConnect && ts.isAwaitExpression(skipParenthesesUp(construction)))) return { advice };
    name = moduleLevelName(sourceFile.text, kind.baseName);
    const replaced = kind.staticConnect ? value : construction;
    edits.push({ start: replaced.getStart(sourceFile), end: replaced.end, newText: name });
  }
  const closes = closeEdits(ctx, holder, skipLines);
  if (!closes) return { advice };
  edits.push(...closes);
  const text = sourceFile.text;
  const position = anchor === null ? firstStatementStart(sourceFile) : anchor.end;
  const declarationText = `const ${name} = ${dedent(sharedConstructionText(sourceFile, construction, kind), indentationAt(sourceFile, construction.getStart(sourceFile)))};`;
  const newText = anchor === null ? `${declarationText}\n\n` : text.startsWith('\n\n', position) || text.startsWith('\r\n\r\n', position) ? `\n\n${declarationText}` : `\n\n${declarationText}\n`;
  edits.push({ start: position, end: position, newText });
  return { fix: finishFix(`Create the ${kind.label} once, at module scope (\`const ${name}\`)`, edits), advice };
}

/** The construction as the module-level declaration writes it: `MongoClient.connect(url)` becomes `new MongoClient(url)`. */
function sharedConstructionText(sourceFile: ts.SourceFile, construction: ts.NewExpression | ts.CallExpression, kind: ClientKind): string {
  const callee = skipOuterExpressions(construction.expression);
  if (!kind.staticConnect || !ts.isPropertyAccessExpression(callee)) return construction.getText(sourceFile);
  const args = construction.arguments?.map((argument) => argument.getText(sourceFile)).join(', ') ?? '';
  return `new ${callee.expression.getText(sourceFile)}(${args})`;
}

/** The nearest parent that is not parentheses. */
function skipParenthesesUp(node: ts.Node): ts.Node {
  let parent = node.parent;
  while (ts.isParenthesizedExpression(parent)) parent = parent.parent;
  return parent;
}

/**
 * A method of a class made once creates the client from the instance's own settings: create it in
 * the constructor instead (at its end, when every field is set), or as the last field when the
 * class has no constructor, and use `this.<field>` in the method.
 */
function constructorFix(ctx: RuleContext, construction: ts.NewExpression | ts.CallExpression, kind: ClientKind, method: ts.MethodDeclaration, cls: ts.ClassDeclaration, holder: Holder | undefined): FixSpec | undefined {
  const { sourceFile } = ctx;
  const name = memberName(cls, holder?.declaration ? holder.text : kind.baseName);
  const type = ctx.isJavaScript ? '' : fieldType(ctx, construction);
  if (type === undefined) return undefined;
  const constructionText = dedent(construction.getText(sourceFile), indentationAt(sourceFile, construction.getStart(sourceFile)));
  const memberIndent = indentationAt(sourceFile, method.getStart(sourceFile));
  const unit = indentUnit(sourceFile);
  const edits: FixSpec['edits'] = [{ start: construction.getStart(sourceFile), end: construction.end, newText: `this.${name}` }];
  const closes = closeEdits(ctx, holder, new Set());
  if (!closes) return undefined;
  edits.push(...closes);
  const ctor = cls.members.find((member): member is ts.ConstructorDeclaration => ts.isConstructorDeclaration(member) && member.body !== undefined);
  const fields = cls.members.filter(ts.isPropertyDeclaration);
  const lastField = fields[fields.length - 1];
  const modifier = ctx.isJavaScript ? '' : 'private readonly ';
  if (ctor?.body) {
    const statements = ctor.body.statements;
    const assignment = `this.${name} = ${constructionText};`;
    if (statements.length > 0) {
      const last = statements[statements.length - 1];
      edits.push({ start: last.end, end: last.end, newText: `\n${indentationAt(sourceFile, last.getStart(sourceFile))}${assignment}` });
    } else {
      edits.push({ start: ctor.body.getStart(sourceFile), end: ctor.body.end, newText: `{\n${memberIndent}${unit}${assignment}\n${memberIndent}}` });
    }
    if (!ctx.isJavaScript) {
      const at = lastField ? lastField.end : cls.members.pos;
      edits.push({ start: at, end: at, newText: `\n${memberIndent}${modifier}${name}: ${type};` });
    }
  } else {
    const at = lastField ? lastField.end : cls.members.pos;
    edits.push({ start: at, end: at, newText: `\n${memberIndent}${modifier}${name} = ${constructionText};` });
  }
  return finishFix(`Create the ${kind.label} once per instance, in the constructor (\`this.${name}\`)`, edits);
}

/** `base`, or `base2`, ...: the first name no member of the class has and no `this.<name>` uses. */
function memberName(cls: ts.ClassDeclaration, base: string): string {
  const text = cls.getText();
  const taken = (name: string): boolean => cls.members.some((member) => member.name !== undefined && member.name.getText() === name) || new RegExp(`this\\.${name}\\b`).test(text);
  let name = base;
  for (let n = 2; taken(name); n++) name = `${base}${n}`;
  return name;
}

/** How a field holding the construction is typed: the imported class, else from `typeof` the callee. */
function fieldType(ctx: RuleContext, construction: ts.NewExpression | ts.CallExpression): string | undefined {
  const callee = skipOuterExpressions(construction.expression);
  if (!ts.isIdentifier(callee) && !ts.isPropertyAccessExpression(callee)) return undefined;
  const text = callee.getText(ctx.sourceFile);
  if (!ts.isNewExpression(construction)) return `ReturnType<typeof ${text}>`;
  const importedClass = ts.isIdentifier(callee) && ctx.catalogue.importedAs(callee.text) !== undefined && !isRequire(declarationOf(callee));
  return importedClass ? text : `InstanceType<typeof ${text}>`;
}

/**
 * Edits removing the per-run closing of a local that holds the client; undefined when it is a
 * field or member closed by its owner's life cycle (`this.redis.quit()` in `close()`), or a close
 * that is not a statement of its own.
 */
function closeEdits(ctx: RuleContext, holder: Holder | undefined, skipLines: ReadonlySet<number>): FixSpec['edits'] | undefined {
  if (!holder) return [];
  const closes = methodCallsOn(ctx, holder.text, holder.region, closeMethods);
  if (closes.length === 0) return [];
  if (holder.text.includes('.') || !holder.declaration) return undefined;
  return closeRemovals(ctx, closes, skipLines);
}

function finishFix(title: string, edits: FixSpec['edits']): FixSpec | undefined {
  const merged = withoutContainedDeletions(edits);
  if (hasOverlap(merged)) return undefined;
  return { title, preferred: true, edits: merged };
}

function isStatic(member: ts.MethodDeclaration): boolean {
  return ts.getModifiers(member)?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ?? false;
}

/** `pool` when the file does not use that word, else a fresh `sharedPool`. */
function moduleLevelName(text: string, base: string): string {
  const plain = freshName(text, base);
  return plain === base ? base : freshName(text, `shared${base[0].toUpperCase()}${base.slice(1)}`);
}

interface Dependency {
  /** Why the arguments cannot be evaluated at module scope, for the message; undefined when they can. */
  reason?: string;
  /** The only thing they depend on is `this`. */
  onlyThis: boolean;
}

/** What the arguments read that module scope does not have: `this`, a parameter or local (the request), a module-level `let`. */
function requestDependency(construction: ts.NewExpression | ts.CallExpression): Dependency {
  let usesThis = false;
  let other: string | undefined;
  const visit = (node: ts.Node): void => {
    if (other || ts.isTypeNode(node)) return;
    if (node.kind === ts.SyntaxKind.ThisKeyword) usesThis = true;
    else if (ts.isIdentifier(node) && isReference(node)) {
      const declaration = declarationOf(node);
      if (declaration && enclosingFunction(declaration) !== undefined) other = `its arguments use \`${node.text}\`, which is local to each run`;
      else if (declaration && ts.isVariableDeclaration(declaration) && !isConstDeclaration(declaration) && !isRequire(declaration)) other = `its arguments read \`${node.text}\`, a module-level variable that may still change`;
      else if (!declaration && node.text === 'arguments') other = 'its arguments read `arguments`';
    }
    if (!other) ts.forEachChild(node, visit);
  };
  construction.arguments?.forEach(visit);
  const why = other ?? (usesThis ? 'its arguments read `this`, the object it belongs to' : undefined);
  if (!why) return { onlyThis: false };
  return { onlyThis: !other, reason: `It cannot simply be moved to module scope: ${why}. Keep one per distinct configuration (a module-level Map keyed by it) or create it at start-up and pass it in.` };
}

function isReference(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === identifier) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === identifier) return false;
  return true;
}

function isConstDeclaration(declaration: ts.VariableDeclaration): boolean {
  return ts.isVariableDeclarationList(declaration.parent) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0;
}

function isRequire(declaration: ts.Node | undefined): boolean {
  if (!declaration || !ts.isVariableDeclaration(declaration)) return false;
  const init = declaration.initializer && skipOuterExpressions(declaration.initializer);
  return init !== undefined && ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'require';
}

/**
 * The top-level statement after which the module-level declaration goes: the last import, or the
 * last module-level constant or class its arguments read if that comes later. `null` for the file's
 * start; undefined when that would be after the code that needs it.
 */
function insertionAnchor(sourceFile: ts.SourceFile, construction: ts.NewExpression | ts.CallExpression): ts.Statement | null | undefined {
  let anchor: ts.Statement | null = null;
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement) || (ts.isVariableStatement(statement) && statement.declarationList.declarations.every(isRequire))) anchor = statement;
  }
  const later = (statement: ts.Statement): void => {
    if (!anchor || statement.end > anchor.end) anchor = statement;
  };
  let contained = false;
  const visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node)) return;
    if (ts.isIdentifier(node) && isReference(node)) {
      const declaration = declarationOf(node);
      const statement = declaration && topLevelStatement(declaration);
      if (statement && !ts.isFunctionDeclaration(statement) && !ts.isImportDeclaration(statement) && !ts.isImportEqualsDeclaration(statement)) {
        if (isWithin(construction, statement)) contained = true;
        later(statement);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(construction);
  if (contained) return undefined;
  return anchor;
}

function topLevelStatement(node: ts.Node): ts.Statement | undefined {
  for (let current: ts.Node = node; current.parent; current = current.parent) {
    if (ts.isSourceFile(current.parent)) return current as ts.Statement;
  }
  return undefined;
}

function firstStatementStart(sourceFile: ts.SourceFile): number {
  const first = sourceFile.statements.find((s) => !(ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression)));
  return first ? first.getStart(sourceFile) : sourceFile.end;
}

/** `const x = new X()` alone in its statement, never reassigned, and `x` free to name a module-level binding. */
function isMovableDeclaration(declaration: ts.VariableDeclaration): boolean {
  const list = declaration.parent;
  if (!ts.isVariableDeclarationList(list) || list.declarations.length !== 1 || !ts.isVariableStatement(list.parent) || !ts.isBlock(list.parent.parent)) return false;
  const name = (declaration.name as ts.Identifier).text;
  let free = true;
  const visit = (node: ts.Node): void => {
    if (!free) return;
    if (ts.isIdentifier(node) && node.text === name && node !== declaration.name) {
      const parent = node.parent;
      const isMemberName = (ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node);
      if (!isMemberName && (declarationOf(node) !== declaration || isAssignmentTarget(node))) free = false;
    }
    ts.forEachChild(node, visit);
  };
  visit(declaration.getSourceFile());
  return free;
}

function isAssignmentTarget(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  return ts.isBinaryExpression(parent) && parent.left === identifier && parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
}

/** The edit deleting a statement, with its line when it stands alone on it. */
function statementRemoval(sourceFile: ts.SourceFile, statement: ts.Statement): FixSpec['edits'][number] {
  const text = sourceFile.text;
  const start = statement.getStart(sourceFile);
  const lineStart = lineStartOf(sourceFile, start);
  let end = statement.end;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  if (text.slice(lineStart, start).trim() === '' && (text[end] === '\n' || text.startsWith('\r\n', end))) {
    return { start: lineStart, end: end + (text[end] === '\r' ? 2 : 1), newText: '' };
  }
  return { start, end: statement.end, newText: '' };
}

/**
 * Edits removing the statements that close the client (`await redis.quit();`). A `finally` left
 * empty goes too, and a `try` left with neither `catch` nor `finally` is unwrapped. Undefined when a
 * close is not a statement of its own (its result is used).
 */
function closeRemovals(ctx: RuleContext, closes: readonly ts.CallExpression[], skipLines: ReadonlySet<number>): FixSpec['edits'] | undefined {
  const { sourceFile } = ctx;
  const statements: ts.Statement[] = [];
  for (const close of closes) {
    const statement = closingStatement(close);
    if (!statement) return undefined;
    statements.push(statement);
  }
  const edits: FixSpec['edits'] = [];
  const handledBlocks = new Set<ts.Block>();
  for (const statement of statements) {
    const block = statement.parent;
    if (ts.isBlock(block) && ts.isTryStatement(block.parent) && block.parent.finallyBlock === block && block.statements.every((s) => statements.includes(s))) {
      if (handledBlocks.has(block)) continue;
      handledBlocks.add(block);
      const tryStatement = block.parent;
      if (tryStatement.catchClause) {
        edits.push({ start: tryStatement.catchClause.end, end: block.end, newText: '' });
      } else {
        const unwrapped = unwrapTry(sourceFile, tryStatement, skipLines);
        if (!unwrapped) return undefined;
        edits.push(unwrapped);
      }
    } else {
      edits.push(statementRemoval(sourceFile, statement));
    }
  }
  return edits;
}

/** `await x.quit();`, `x.quit();`, `void x.quit();`, `x.end().catch(...)`: the statement that is only the close. */
function closingStatement(close: ts.CallExpression): ts.Statement | undefined {
  let node: ts.Node = close;
  for (;;) {
    const parent = node.parent;
    if (ts.isAwaitExpression(parent) || ts.isVoidExpression(parent) || ts.isParenthesizedExpression(parent)) node = parent;
    else if (ts.isPropertyAccessExpression(parent) && parent.expression === node && (parent.name.text === 'catch' || parent.name.text === 'then') && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) node = parent.parent;
    else break;
  }
  return ts.isExpressionStatement(node.parent) ? node.parent : undefined;
}

/** Replaces `try { body }` by the body, one level less indented (skipping lines another edit removes). */
function unwrapTry(sourceFile: ts.SourceFile, tryStatement: ts.TryStatement, skipLines: ReadonlySet<number>): FixSpec['edits'][number] | undefined {
  const body = tryStatement.tryBlock.statements;
  const start = lineStartOf(sourceFile, tryStatement.getStart(sourceFile));
  if (body.length === 0) return { start, end: tryStatement.end, newText: '' };
  if (hasMultiLineTemplate(sourceFile, tryStatement.tryBlock)) return undefined; // re-indenting would change its text
  const unit = indentUnit(sourceFile);
  const first = lineOf(sourceFile, body[0].getStart(sourceFile));
  const last = lineOf(sourceFile, body[body.length - 1].end);
  const lineStarts = sourceFile.getLineStarts();
  const lines: string[] = [];
  for (let line = first; line <= last; line++) {
    if (skipLines.has(line)) continue;
    const lineEnd = line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : sourceFile.text.length;
    const text = sourceFile.text.slice(lineStarts[line], Math.min(lineEnd, line === last ? body[body.length - 1].end : lineEnd)).replace(/\r$/, '');
    lines.push(text.startsWith(unit) ? text.slice(unit.length) : text);
  }
  // The removed lines inside the try are covered by this edit: drop them from the others.
  return { start, end: tryStatement.end, newText: lines.join('\n') };
}

function hasMultiLineTemplate(sourceFile: ts.SourceFile, node: ts.Node): boolean {
  if ((ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) && node.getText(sourceFile).includes('\n')) return true;
  return ts.forEachChild(node, (child) => hasMultiLineTemplate(sourceFile, child) || undefined) ?? false;
}

function dedent(text: string, indentation: string): string {
  if (!indentation) return text;
  return text
    .split('\n')
    .map((line, index) => (index > 0 && line.startsWith(indentation) ? line.slice(indentation.length) : line))
    .join('\n');
}

function lineOf(sourceFile: ts.SourceFile, position: number): number {
  return sourceFile.getLineAndCharacterOfPosition(position).line;
}

/** Drops deletions inside a larger edit that rewrites their text already (a `try` unwrapped around a moved declaration). */
function withoutContainedDeletions(edits: FixSpec['edits']): FixSpec['edits'] {
  return edits.filter((edit) => edit.newText !== '' || !edits.some((other) => other !== edit && other.start <= edit.start && edit.end <= other.end && other.end - other.start > edit.end - edit.start));
}

function hasOverlap(edits: FixSpec['edits']): boolean {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  return sorted.some((edit, index) => index > 0 && edit.start < sorted[index - 1].end);
}
