// unbounded-pool: a connection pool or HTTP agent created without an explicit ceiling, or without a
// bound on how long (or how many) callers wait for a connection: pg `Pool`/pg-pool, mysql2
// `createPool` and pool-cluster `add`, generic-pool `createPool`, undici `Pool`/`BalancedPool`/`Agent`,
// `http(s).Agent` with `keepAlive: true`, mongodb `MongoClient`. With N replicas the database sees
// N x the pool's ceiling, and a pool that waits forever turns an exhausted pool into a hung service.
// Options are followed through consts and spreads; options the code does not state are not judged.
import { ts } from 'ts-morph';
import { skipOuterExpressions } from '../expressions';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { booleanValue, insertProperties, isMissing, resolveOptions, type ResolvedOptions } from '../optionObjects';

const defaultQueueLimit = 100;
const poolModules = /['"](?:node:)?(?:pg|pg-pool|mysql2|mysql2\/promise|generic-pool|undici|https?|mongodb)['"]/;
const constructorNames = new Set(['Pool', 'BalancedPool', 'Agent', 'MongoClient']);

/** Which setting a missing bound's fix takes its value from. */
type BoundValue = 'max' | 'acquireTimeout' | 'queueLimit';

interface Bound {
  /** Any of these keys states the bound. */
  keys: readonly string[];
  /** The key the fix inserts, its value, and the environment variable it reads when the file reads its config from `process.env`. */
  insert: string;
  value: BoundValue;
  envVar: string;
  /** What the library does without it. */
  withoutIt: string;
}

interface PoolApi {
  /** How the message names the API. */
  label: string;
  /** Where its options are: an argument index, or `last` (mysql2's `cluster.add([id,] config)`). */
  optionsIndex: number | 'last';
  ceiling?: Bound;
  waiting?: Bound;
  /** Options that make the API a pool at all (`http.Agent` without `keepAlive` pools nothing). */
  appliesTo?: (ctx: RuleContext, options: ResolvedOptions) => boolean | undefined;
  /** Other ways the options bound the waiting (`waitForConnections: false`). */
  waitingBoundedBy?: (ctx: RuleContext, options: ResolvedOptions) => boolean;
  /** A connection string may carry options as query parameters (mysql2, mongodb). */
  readsUrlParameters?: boolean;
}

const pgCeiling: Bound = {
  keys: ['max'],
  insert: 'max',
  value: 'max',
  envVar: 'PG_POOL_MAX',
  withoutIt: 'it opens up to 10 connections per process, so N replicas hold 10 x N against the server\'s `max_connections`',
};
const pgWaiting: Bound = {
  keys: ['connectionTimeoutMillis'],
  insert: 'connectionTimeoutMillis',
  value: 'acquireTimeout',
  envVar: 'PG_CONNECTION_TIMEOUT_MS',
  withoutIt: '`connectionTimeoutMillis` is 0 by default, so when every connection is busy `connect()` and `query()` wait forever',
};
const pgPool: PoolApi = { label: 'pg `Pool`', optionsIndex: 0, ceiling: pgCeiling, waiting: pgWaiting };

const mysqlCeiling: Bound = {
  keys: ['connectionLimit'],
  insert: 'connectionLimit',
  value: 'max',
  envVar: 'MYSQL_CONNECTION_LIMIT',
  withoutIt: 'it opens up to 10 connections per process, so N replicas hold 10 x N against the server\'s `max_connections`',
};
const mysqlWaiting: Bound = {
  keys: ['queueLimit'],
  insert: 'queueLimit',
  value: 'queueLimit',
  envVar: 'MYSQL_QUEUE_LIMIT',
  withoutIt: '`queueLimit` is 0 by default, so when every connection is busy requests queue without limit and each waits as long as it takes',
};
const mysqlPool = (label: string, optionsIndex: number | 'last'): PoolApi => ({
  label,
  optionsIndex,
  ceiling: mysqlCeiling,
  waiting: mysqlWaiting,
  waitingBoundedBy: (ctx, options) => optionBoolean(ctx, options, 'waitForConnections') === false,
  readsUrlParameters: true,
});

const genericPool: PoolApi = {
  label: 'generic-pool `createPool`',
  optionsIndex: 1,
  ceiling: { keys: ['max'], insert: 'max', value: 'max', envVar: 'POOL_MAX', withoutIt: '`max` defaults to 1, so every caller queues behind a single resource' },
  waiting: {
    keys: ['acquireTimeoutMillis', 'maxWaitingClients'],
    insert: 'acquireTimeoutMillis',
    value: 'acquireTimeout',
    envVar: 'POOL_ACQUIRE_TIMEOUT_MS',
    withoutIt: 'with neither `acquireTimeoutMillis` nor `maxWaitingClients`, `acquire()` waits forever and the queue of waiting callers grows without limit',
  },
};

const undiciConnections: Bound = {
  keys: ['connections'],
  insert: 'connections',
  value: 'max',
  envVar: 'HTTP_POOL_CONNECTIONS',
  withoutIt: 'by default it opens as many sockets as there are concurrent requests, so a burst or a slow upstream becomes thousands of sockets',
};

const httpAgent = (module: string): PoolApi => ({
  label: `\`${module}.Agent\` with \`keepAlive\``,
  optionsIndex: 0,
  ceiling: {
    keys: ['maxSockets', 'maxTotalSockets'],
    insert: 'maxSockets',
    value: 'max',
    envVar: 'HTTP_MAX_SOCKETS',
    withoutIt: '`maxSockets` and `maxTotalSockets` default to Infinity, so every concurrent request opens another socket and a burst or a slow upstream becomes thousands of sockets',
  },
  appliesTo: (ctx, options) => optionBoolean(ctx, options, 'keepAlive'),
});

const mongoClient: PoolApi = {
  label: 'mongodb `MongoClient`',
  optionsIndex: 1,
  waiting: {
    keys: ['waitQueueTimeoutMS', 'timeoutMS'],
    insert: 'waitQueueTimeoutMS',
    value: 'acquireTimeout',
    envVar: 'MONGO_WAIT_QUEUE_TIMEOUT_MS',
    withoutIt: '`maxPoolSize` caps each server\'s pool at 100, but `waitQueueTimeoutMS` is 0 by default: when the pool is exhausted an operation waits for a connection forever',
  },
  readsUrlParameters: true,
};

/** The APIs by `module#export`, as the catalogue names them. */
const constructors = new Map<string, PoolApi>([
  ['pg#Pool', pgPool],
  ['pg-pool#default', pgPool],
  ['pg-pool#', pgPool],
  ['undici#Pool', { label: 'undici `Pool`', optionsIndex: 1, ceiling: undiciConnections }],
  ['undici#BalancedPool', { label: 'undici `BalancedPool`', optionsIndex: 1, ceiling: undiciConnections }],
  ['undici#Agent', { label: 'undici `Agent`', optionsIndex: 0, ceiling: { ...undiciConnections, withoutIt: 'by default each origin gets as many sockets as there are concurrent requests to it, so a burst or a slow upstream becomes thousands of sockets' } }],
  ['http#Agent', httpAgent('http')],
  ['https#Agent', httpAgent('https')],
  ['mongodb#MongoClient', mongoClient],
]);
const factories = new Map<string, PoolApi>([
  ['mysql2#createPool', mysqlPool('mysql2 `createPool`', 0)],
  ['mysql2/promise#createPool', mysqlPool('mysql2 `createPool`', 0)],
  ['generic-pool#createPool', genericPool],
]);
const clusterAdd = mysqlPool('mysql2 pool cluster `add`', 'last');

export const unboundedPoolRule: Rule = {
  id: 'unbounded-pool',
  family: 'pools',
  meta: {
    description: 'A connection pool or keep-alive agent (pg, mysql2, generic-pool, undici, http.Agent, mongodb) without an explicit ceiling or without a bound on waiting for a connection.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/unbounded-pool.md',
    fixable: true,
    requiresTypes: true,
    options: {
      queueLimit: {
        schema: {
          type: 'integer',
          minimum: 1,
          default: defaultQueueLimit,
          markdownDescription: 'The `queueLimit` the fix writes for a mysql2 pool (how many callers may wait for a connection before `getConnection` fails). Ceilings and acquire timeouts come from `#bounded.pools.defaultMax#` and `#bounded.pools.acquireTimeoutMs#`.',
        },
      },
    },
  },
  create(ctx) {
    if (!poolModules.test(ctx.sourceFile.text)) return { nodes: {} };
    const queueLimit = typeof ctx.options.queueLimit === 'number' && ctx.options.queueLimit >= 1 ? Math.floor(ctx.options.queueLimit) : defaultQueueLimit;
    const values: Record<BoundValue, number> = { max: ctx.deployment.pools.defaultMax, acquireTimeout: ctx.deployment.pools.acquireTimeoutMs, queueLimit };
    const readsEnv = /\bprocess\.env\b/.test(ctx.sourceFile.text);
    const check = (call: ts.NewExpression | ts.CallExpression, reportEnd: number, api: PoolApi): void => checkPool(ctx, call, reportEnd, api, values, readsEnv);
    return {
      nodes: {
        [ts.SyntaxKind.NewExpression]: (node) => {
          const expression = node as ts.NewExpression;
          const target = skipOuterExpressions(expression.expression);
          if (!mayNamePool(ctx, target)) return;
          const api = apiOf(ctx, target, constructors);
          if (api) check(expression, target.end, api);
        },
        [ts.SyntaxKind.CallExpression]: (node) => {
          const call = node as ts.CallExpression;
          const callee = skipOuterExpressions(call.expression);
          const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
          if (name === 'add' && ts.isPropertyAccessExpression(callee) && isPoolCluster(ctx, callee.expression)) check(call, callee.end, clusterAdd);
          else if (name === 'createPool' || (ts.isIdentifier(callee) && ctx.catalogue.importedAs(callee.text) !== undefined)) {
            const api = apiOf(ctx, callee, factories);
            if (api) check(call, callee.end, api);
          }
        },
      },
    };
  },
};

/** A cheap look at a `new` target before the catalogue: a known class name, or a name the file imports (`Pool as UndiciPool`). */
function mayNamePool(ctx: RuleContext, target: ts.Expression): boolean {
  if (ts.isPropertyAccessExpression(target)) return constructorNames.has(target.name.text);
  if (!ts.isIdentifier(target)) return false;
  return constructorNames.has(target.text) || ctx.catalogue.importedAs(target.text) !== undefined;
}

function apiOf(ctx: RuleContext, expression: ts.Expression, table: ReadonlyMap<string, PoolApi>): PoolApi | undefined {
  const ref = ctx.catalogue.resolve(expression);
  return ref ? table.get(`${ref.module}#${ref.name}`) : undefined;
}

/** `cluster` in `cluster.add(...)` is a const made by mysql2's `createPoolCluster()`. */
function isPoolCluster(ctx: RuleContext, receiver: ts.Expression): boolean {
  const node = skipOuterExpressions(receiver);
  if (!ts.isIdentifier(node) || (!ctx.catalogue.importsModule('mysql2') && !ctx.catalogue.importsModule('mysql2/promise'))) return false;
  const declaration = ctx.checker.getSymbolAtLocation(node)?.valueDeclaration;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer || (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) === 0) return false;
  const call = skipOuterExpressions(declaration.initializer);
  if (!ts.isCallExpression(call)) return false;
  const ref = ctx.catalogue.resolve(call.expression);
  return ref !== undefined && (ref.module === 'mysql2' || ref.module === 'mysql2/promise') && ref.name === 'createPoolCluster';
}

function checkPool(ctx: RuleContext, call: ts.NewExpression | ts.CallExpression, reportEnd: number, api: PoolApi, values: Record<BoundValue, number>, readsEnv: boolean): void {
  const args: readonly ts.Expression[] = call.arguments ?? [];
  if (args.some((arg) => ts.isSpreadElement(arg))) return;
  const index = api.optionsIndex === 'last' ? Math.max(args.length - 1, 0) : api.optionsIndex;
  const argument = args[index];
  const url = api.readsUrlParameters ? connectionString(args[0]) : undefined;
  const urlIsOptions = url !== undefined && index === 0;
  const options = urlIsOptions ? resolveOptions(ctx.checker, undefined, ctx.sourceFile) : resolveOptions(ctx.checker, argument, ctx.sourceFile);
  if (!options) return; // a parameter, a call's result: not guessed at
  if (api.appliesTo && api.appliesTo(ctx, options) !== true) return;
  const isStated = (bound: Bound | undefined): boolean =>
    bound === undefined || bound.keys.some((key) => !isMissing(options, key) || (url !== undefined && new RegExp(`[?&]${key}=`, 'i').test(url)));
  const missing: Bound[] = [];
  if (api.ceiling && !isStated(api.ceiling)) missing.push(api.ceiling);
  if (api.waiting && !isStated(api.waiting) && !api.waitingBoundedBy?.(ctx, options)) missing.push(api.waiting);
  if (missing.length === 0) return;

  const names = missing.map((bound) => bound.keys.map((key) => `\`${key}\``).join('/'));
  const properties = missing.map((bound) => propertyText(bound, values[bound.value], readsEnv));
  ctx.report({
    start: call.getStart(ctx.sourceFile),
    end: reportEnd,
    message: `${api.label} without ${names.join(' or ')}: ${missing.map((bound) => bound.withoutIt).join('; ')}. Set ${missing.length > 1 ? 'both' : 'it'} explicitly${api.readsUrlParameters ? ' (in the options or the connection string)' : ''}.`,
    fixes: call.arguments ? fix(ctx, call.arguments, index, argument, properties, urlIsOptions) : [],
  });
}

/** A boolean option's value as written, through a const, or through a shorthand (`{ keepAlive }`) naming a const. */
function optionBoolean(ctx: RuleContext, options: ResolvedOptions, key: string): boolean | undefined {
  const value = options.properties.get(key);
  if (!value) return undefined;
  if (ts.isShorthandPropertyAssignment(value.parent) && value.parent.name === value) {
    const declaration = ctx.checker.getShorthandAssignmentValueSymbol(value.parent)?.valueDeclaration;
    const isConst = declaration !== undefined && ts.isVariableDeclaration(declaration) && (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) !== 0;
    return isConst && declaration.initializer ? booleanValue(ctx.checker, declaration.initializer) : undefined;
  }
  return booleanValue(ctx.checker, value);
}

/** The text of a connection string written as a literal. */
function connectionString(argument: ts.Expression | undefined): string | undefined {
  const node = argument && skipOuterExpressions(argument);
  return node && ts.isStringLiteralLike(node) ? node.text : undefined;
}

function propertyText(bound: Bound, value: number, readsEnv: boolean): string {
  return readsEnv ? `${bound.insert}: Number(process.env.${bound.envVar} ?? ${value})` : `${bound.insert}: ${value}`;
}

/** Adds the properties: into the options literal, or as a new options argument (preferred); around a const or a URL (not preferred). */
function fix(ctx: RuleContext, args: ts.NodeArray<ts.Expression>, index: number, argument: ts.Expression | undefined, properties: string[], isUrl: boolean): FixSpec[] {
  const source = ctx.sourceFile;
  const title = `Set ${properties.map((text) => text.replace(/:.*/, '')).join(' and ')}`;
  if (!argument) {
    if (index !== args.length) return [];
    const previous = args[index - 1];
    const start = previous ? previous.end : args.pos;
    return [{ title, preferred: true, edits: [{ start, end: start, newText: `${previous ? ', ' : ''}{ ${properties.join(', ')} }` }] }];
  }
  const options = skipOuterExpressions(argument);
  if (ts.isObjectLiteralExpression(options)) return [{ title, preferred: true, edits: [insertProperties(source, options, properties)] }];
  const start = argument.getStart(source);
  const wrapped = isUrl ? `{ uri: ${argument.getText(source)}, ${properties.join(', ')} }` : `{ ...${argument.getText(source)}, ${properties.join(', ')} }`;
  return [{ title: `${title} here`, edits: [{ start, end: argument.end, newText: wrapped }] }];
}
