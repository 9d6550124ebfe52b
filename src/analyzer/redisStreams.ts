// Redis Streams consumer-group calls, as stream-never-acked and stream-no-reclaim see them: XREADGROUP
// reads (ioredis `redis.xreadgroup('GROUP', group, consumer, ..., 'STREAMS', key, '>')`, node-redis
// `client.xReadGroup(group, consumer, { key, id })`), XACK calls (`xack(key, group, id)` /
// `xAck(key, group, id)`) and whether the project reclaims stuck entries (XAUTOCLAIM / XCLAIM).
import { ts } from 'ts-morph';
import type { RuleContext } from './rule';
import { isConstVariable, valueDeclaration } from './optionObjects';
import { skipOuterExpressions } from './expressions';

const redisModules = ['ioredis', 'redis', '@redis/client'];
const readMethods = new Set(['xreadgroup', 'xReadGroup']);
const ackMethods = new Set(['xack', 'xAck']);

/** What telling a Redis client call apart needs of a rule's context (the stream-site index has no rule). */
export type RedisCallContext = Pick<RuleContext, 'checker' | 'catalogue'>;

/** An XREADGROUP call on a Redis client. */
export interface GroupRead {
  call: ts.CallExpression;
  callee: ts.PropertyAccessExpression;
  /** The stream keys it reads, as written or through constants; undefined where a key cannot be resolved. */
  keys: Array<string | undefined>;
  /** `NOACK`: entries are acknowledged on delivery, nothing is left pending. */
  noAck: boolean;
}

/** The XREADGROUP read `node` is, or undefined. Cheap name check first, then the client. */
export function groupRead(ctx: RedisCallContext, node: ts.CallExpression): GroupRead | undefined {
  const callee = skipOuterExpressions(node.expression);
  if (!ts.isPropertyAccessExpression(callee) || !readMethods.has(callee.name.text)) return undefined;
  if (!isRedisClient(ctx, callee.expression)) return undefined;
  if (callee.name.text === 'xreadgroup') {
    const args = node.arguments.map((a) => stringValue(ctx.checker, a));
    const streamsAt = args.findIndex((a) => a?.toUpperCase() === 'STREAMS');
    const noAck = args.some((a) => a?.toUpperCase() === 'NOACK');
    if (streamsAt < 0 || node.arguments.some((a) => ts.isSpreadElement(a))) return { call: node, callee, keys: [undefined], noAck };
    const rest = args.slice(streamsAt + 1);
    return { call: node, callee, keys: rest.slice(0, Math.max(1, Math.floor(rest.length / 2))), noAck };
  }
  // node-redis: xReadGroup(group, consumer, { key, id } | [{ key, id }, ...], { NOACK: true, ... })
  const streams = node.arguments[2] ? skipOuterExpressions(node.arguments[2]) : undefined;
  const entries = streams && ts.isArrayLiteralExpression(streams) ? streams.elements : streams ? [streams] : [];
  const keys = entries.map((entry) => {
    const object = skipOuterExpressions(entry);
    if (!ts.isObjectLiteralExpression(object)) return undefined;
    const key = object.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'key');
    if (key && ts.isPropertyAssignment(key)) return stringValue(ctx.checker, key.initializer);
    if (key && ts.isShorthandPropertyAssignment(key)) return stringValue(ctx.checker, key.name);
    return undefined;
  });
  const options = node.arguments[3] ? skipOuterExpressions(node.arguments[3]) : undefined;
  const noAck =
    options !== undefined &&
    ts.isObjectLiteralExpression(options) &&
    options.properties.some((p) => ts.isPropertyAssignment(p) && p.name && ts.isIdentifier(p.name) && p.name.text === 'NOACK' && p.initializer.kind === ts.SyntaxKind.TrueKeyword);
  return { call: node, callee, keys: keys.length > 0 ? keys : [undefined], noAck };
}

/**
 * Whether the code acknowledges entries of `key`: an `xack`/`xAck` call in `scope` whose key is `key`
 * or cannot be resolved (an unknown key may be it), or in a function `scope` calls (in any of the
 * project's files, a few calls deep).
 */
export function acksStream(ctx: RuleContext, scope: ts.Node, key: string | undefined, visited = new Set<ts.Node>(), depth = 0): boolean {
  if (visited.has(scope)) return false;
  visited.add(scope);
  const callees: ts.Expression[] = [];
  const visit = (node: ts.Node): boolean => {
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      if (ts.isPropertyAccessExpression(callee) && ackMethods.has(callee.name.text)) {
        const acked = node.arguments[0] ? stringValue(ctx.checker, node.arguments[0]) : undefined;
        if (key === undefined || acked === undefined || acked === key) return true;
      } else if (ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee)) callees.push(callee);
    }
    return ts.forEachChild(node, visit) ?? false;
  };
  if (visit(scope)) return true;
  if (depth >= 3) return false;
  for (const callee of callees) {
    const body = functionBody(ctx.checker, callee as ts.Identifier | ts.PropertyAccessExpression);
    if (body && acksStream(ctx, body, key, visited, depth + 1)) return true;
  }
  return false;
}

/** The body of the project function `callee` names (`handle`, `this.handle`, an imported helper), if any. */
function functionBody(checker: ts.TypeChecker, callee: ts.Identifier | ts.PropertyAccessExpression): ts.Node | undefined {
  const declaration = valueDeclaration(checker, callee);
  if (!declaration || declaration.getSourceFile().isDeclarationFile) return undefined;
  if ((ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration)) && declaration.body) return declaration.body;
  if ((ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration)) && declaration.initializer) {
    const init = skipOuterExpressions(declaration.initializer);
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init.body;
  }
  return undefined;
}

const reclaimsByProgram = new WeakMap<ts.Program, boolean>();
/** A reclaim call: `redis.xautoclaim(`, `client.xClaim(`, `redis.call('XAUTOCLAIM', ...)`; not a comment naming it. */
const reclaimMarker = /\.x(auto)?claim\s*\(|['"`]x(auto)?claim['"`]/i;

/** Whether any of the project's own files reclaims stuck entries (XAUTOCLAIM / XCLAIM), looked up once per program. */
export function projectReclaims(program: ts.Program): boolean {
  let reclaims = reclaimsByProgram.get(program);
  if (reclaims === undefined) {
    reclaims = program.getSourceFiles().some((file) => !file.isDeclarationFile && !/[\\/]node_modules[\\/]/.test(file.fileName) && reclaimMarker.test(file.text));
    reclaimsByProgram.set(program, reclaims);
  }
  return reclaims;
}

/**
 * The receiver is a Redis client: its type is declared by ioredis or node-redis (a client made in any
 * module of the project), or, untyped, the file imports one of them.
 */
export function isRedisClient(ctx: RedisCallContext, receiver: ts.Expression): boolean {
  const type = ctx.checker.getTypeAtLocation(receiver);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return redisModules.some((module) => ctx.catalogue.importsModule(module));
  const declarations = [type, ...(type.isUnionOrIntersection() ? type.types : [])].flatMap((t) => t.getSymbol()?.declarations ?? []);
  return declarations.some(declaredByRedis);
}

/** A declaration in ioredis's or node-redis's types (installed, or an ambient `declare module 'redis'`). */
function declaredByRedis(declaration: ts.Declaration): boolean {
  if (/[\\/]node_modules[\\/](ioredis|redis|@redis[\\/][^\\/]+)[\\/]/.test(declaration.getSourceFile().fileName)) return true;
  for (let node: ts.Node | undefined = declaration.parent; node; node = node.parent) {
    if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) return redisModules.includes(node.name.text) || node.name.text.startsWith('@redis/');
  }
  return false;
}

/** A string literal, or a `const` (in any module) holding one. */
export function stringValue(checker: ts.TypeChecker, expression: ts.Expression, depth = 0): string | undefined {
  const value = skipOuterExpressions(expression);
  if (ts.isStringLiteralLike(value)) return value.text;
  if (depth > 3 || !(ts.isIdentifier(value) || ts.isPropertyAccessExpression(value))) return undefined;
  const declaration = valueDeclaration(checker, value);
  if (declaration && isConstVariable(declaration) && declaration.initializer) return stringValue(checker, declaration.initializer, depth + 1);
  if (declaration && ts.isPropertyAssignment(declaration)) return stringValue(checker, declaration.initializer, depth + 1);
  return undefined;
}
