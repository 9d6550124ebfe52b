// host-cpu-sizing: a worker count taken from the host's CPUs (`os.cpus().length`,
// `os.availableParallelism()`, `navigator.hardwareConcurrency`) and used to fork cluster workers, start
// worker threads (a loop of `new Worker`, piscina `maxThreads`, workerpool `maxWorkers`) or size a
// pool, with no override from configuration. In a container with a CPU quota these report the host's
// cores, not the quota: the Node analogue of Go's GOMAXPROCS-in-containers lesson (automaxprocs).
// A count read from the environment or config, with the CPU count only as a capped fallback, is fine.
import { ts } from 'ts-morph';
import { skipOuterExpressions } from '../expressions';
import type { FixSpec, Rule, RuleContext } from '../rule';

const defaultEnvVar = 'WEB_CONCURRENCY';
const defaultFallbackCap = 4;
/** How many local variables a count is followed through (`const cores = ...; const workers = f(cores)`). */
const maxVariables = 2;
const cpuNames = /\b(?:cpus|availableParallelism|hardwareConcurrency)\b/;
const mathPassThrough = new Set(['min', 'max', 'floor', 'ceil', 'round', 'trunc']);
const arithmetic = new Set([ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken, ts.SyntaxKind.PercentToken]);
const comparisons = new Set([ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.GreaterThanEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken]);

interface SizedApi {
  label: string;
  keys: readonly string[];
  /** A connection pool's own variable; worker pools use the rule's `envVar`. */
  envVar?: string;
}

/** A use the count sizes: how the message names it, and the variable the fix reads instead. */
interface SizedUse {
  what: string;
  flow: CountFlow;
  envVar?: string;
}

/** Options that size workers or connections, by the API (`module#export`) that takes them. */
const sizedApis = new Map<string, SizedApi>([
  ['piscina#default', { label: 'piscina', keys: ['maxThreads', 'minThreads'] }],
  ['piscina#', { label: 'piscina', keys: ['maxThreads', 'minThreads'] }],
  ['piscina#Piscina', { label: 'piscina', keys: ['maxThreads', 'minThreads'] }],
  ['workerpool#pool', { label: 'workerpool', keys: ['maxWorkers', 'minWorkers'] }],
  ['pg#Pool', { label: 'pg `Pool`', keys: ['max'], envVar: 'PG_POOL_MAX' }],
  ['pg-pool#default', { label: 'pg `Pool`', keys: ['max'], envVar: 'PG_POOL_MAX' }],
  ['generic-pool#createPool', { label: 'generic-pool', keys: ['max', 'min'], envVar: 'POOL_MAX' }],
  ['mysql2#createPool', { label: 'mysql2 pool', keys: ['connectionLimit'], envVar: 'MYSQL_CONNECTION_LIMIT' }],
  ['mysql2/promise#createPool', { label: 'mysql2 pool', keys: ['connectionLimit'], envVar: 'MYSQL_CONNECTION_LIMIT' }],
  ['undici#Pool', { label: 'undici `Pool`', keys: ['connections'], envVar: 'HTTP_POOL_CONNECTIONS' }],
  ['undici#Agent', { label: 'undici `Agent`', keys: ['connections'], envVar: 'HTTP_POOL_CONNECTIONS' }],
]);

/** How a CPU count flows to where it is used: whether something configurable overrides it, and whether it is capped. */
interface CountFlow {
  /** The outermost expression the count flows through before it is stored or used. */
  top: ts.Expression;
  /** The fallback branch next to a configured value (`env || <fallback>`), when there is one. */
  fallback?: ts.Expression;
  capped: boolean;
}

export const hostCpuSizingRule: Rule = {
  id: 'host-cpu-sizing',
  family: 'pools',
  meta: {
    description: "A worker or pool count taken from the host's CPU count (os.cpus().length, os.availableParallelism()) with no override from configuration: in a container it is the host's cores, not the CPU quota.",
    defaultSeverity: 'warning',
    docs: 'docs/rules/host-cpu-sizing.md',
    fixable: true,
    requiresTypes: true,
    options: {
      envVar: {
        schema: {
          type: 'string',
          default: defaultEnvVar,
          markdownDescription: 'The environment variable the fix reads the count from (`WEB_CONCURRENCY` is the convention Heroku, throng and many buildpacks use).',
        },
      },
      fallbackCap: {
        schema: {
          type: 'integer',
          minimum: 1,
          default: defaultFallbackCap,
          markdownDescription: 'The cap the fix puts on the CPU-count fallback: `Math.min(<cap>, os.availableParallelism())`.',
        },
      },
    },
  },
  create(ctx) {
    if (!cpuNames.test(ctx.sourceFile.text)) return { nodes: {} };
    const envVar = typeof ctx.options.envVar === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(ctx.options.envVar) ? ctx.options.envVar : defaultEnvVar;
    const cap = typeof ctx.options.fallbackCap === 'number' && ctx.options.fallbackCap >= 1 ? Math.floor(ctx.options.fallbackCap) : defaultFallbackCap;
    const checker = new CpuSizingChecker(ctx, envVar, cap);
    return {
      nodes: {
        [ts.SyntaxKind.CallExpression]: (node) => checker.checkCall(node as ts.CallExpression),
        [ts.SyntaxKind.PropertyAccessExpression]: (node) => checker.checkHardwareConcurrency(node as ts.PropertyAccessExpression),
      },
    };
  },
};

class CpuSizingChecker {
  constructor(
    private readonly ctx: RuleContext,
    private readonly envVar: string,
    private readonly cap: number,
  ) {}

  checkCall(call: ts.CallExpression): void {
    const callee = skipOuterExpressions(call.expression);
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    if (name !== 'cpus' && name !== 'availableParallelism') return;
    const ref = this.ctx.catalogue.resolve(callee);
    if (!ref || ref.module !== 'os' || ref.name !== name) return;
    if (name === 'availableParallelism') {
      this.checkCount(call);
      return;
    }
    const parent = call.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.name.text === 'length') this.checkCount(parent);
    else if (ts.isForOfStatement(parent) && parent.expression === call && this.createsWorkers(parent.statement)) this.reportPerCpu(call, 'a worker per CPU (`for ... of os.cpus()`)');
    else if (ts.isPropertyAccessExpression(parent) && (parent.name.text === 'forEach' || parent.name.text === 'map') && ts.isCallExpression(parent.parent)) {
      const callback = parent.parent.arguments[0];
      if (callback && ts.isFunctionLike(callback) && this.createsWorkers(callback)) this.reportPerCpu(call, `a worker per CPU (\`os.cpus().${parent.name.text}(...)\`)`);
    }
  }

  checkHardwareConcurrency(access: ts.PropertyAccessExpression): void {
    if (access.name.text !== 'hardwareConcurrency') return;
    const ref = this.ctx.catalogue.resolve(access);
    if (ref && ref.module === 'global' && ref.name === 'navigator.hardwareConcurrency') this.checkCount(access);
  }

  /** A CPU count: follow it (through up to two local variables) to a use that sizes workers or a pool. */
  private checkCount(count: ts.Expression): void {
    const flow = climb(count, { top: count, capped: false });
    const sized = this.sizedUse(flow) ?? this.sizedUseThroughVariable(flow, maxVariables);
    if (!sized || (sized.flow.fallback && sized.flow.capped)) return;
    this.report(count, flow, sized);
  }

  private sizedUseThroughVariable(flow: CountFlow, variablesLeft: number): SizedUse | undefined {
    const declaration = flow.top.parent;
    if (variablesLeft === 0) return undefined;
    if (!ts.isVariableDeclaration(declaration) || declaration.initializer !== flow.top || !ts.isIdentifier(declaration.name)) return undefined;
    const symbol = this.ctx.checker.getSymbolAtLocation(declaration.name);
    if (!symbol) return undefined;
    const scope = enclosingScope(declaration);
    const name = declaration.name.text;
    let found: SizedUse | undefined;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if (ts.isIdentifier(node) && node.text === name && node !== declaration.name && this.refersTo(node, symbol)) {
        const use = climb(node, { top: node, capped: flow.capped, fallback: flow.fallback });
        found = this.sizedUse(use) ?? this.sizedUseThroughVariable(use, variablesLeft - 1);
        if (found) return;
      }
      ts.forEachChild(node, visit);
    };
    visit(scope);
    return found;
  }

  private refersTo(identifier: ts.Identifier, symbol: ts.Symbol): boolean {
    const parent = identifier.parent;
    if (ts.isShorthandPropertyAssignment(parent) && parent.name === identifier) return this.ctx.checker.getShorthandAssignmentValueSymbol(parent) === symbol;
    if ((ts.isPropertyAccessExpression(parent) && parent.name === identifier) || (ts.isPropertyAssignment(parent) && parent.name === identifier)) return false;
    return this.ctx.checker.getSymbolAtLocation(identifier) === symbol;
  }

  /** What the count sizes where it is used: a loop that starts workers, an option of a worker pool or connection pool. */
  private sizedUse(flow: CountFlow): SizedUse | undefined {
    const { top } = flow;
    const parent = top.parent;
    if (ts.isBinaryExpression(parent) && comparisons.has(parent.operatorToken.kind)) {
      const loop = parent.parent;
      const isCondition = (ts.isForStatement(loop) && loop.condition === parent) || ((ts.isWhileStatement(loop) || ts.isDoStatement(loop)) && loop.expression === parent);
      if (isCondition && this.createsWorkers(loop.statement)) return { what: this.workerKind(loop.statement, loop), flow };
      return undefined;
    }
    const property = ts.isPropertyAssignment(parent) && parent.initializer === top ? parent : ts.isShorthandPropertyAssignment(parent) && parent.name === top ? parent : undefined;
    if (!property || !ts.isObjectLiteralExpression(property.parent)) return undefined;
    const key = ts.isIdentifier(property.name) || ts.isStringLiteral(property.name) ? property.name.text : undefined;
    const holder = property.parent.parent;
    if (!key || !(ts.isCallExpression(holder) || ts.isNewExpression(holder)) || !holder.arguments?.includes(property.parent)) return undefined;
    if (key === 'length' && ts.isCallExpression(holder) && isArrayFrom(holder)) {
      const callback = holder.arguments[1];
      return callback && ts.isFunctionLike(callback) && this.createsWorkers(callback) ? { what: this.workerKind(callback, holder), flow } : undefined;
    }
    const ref = this.ctx.catalogue.resolve(holder.expression);
    const api = ref && sizedApis.get(`${ref.module}#${ref.name}`);
    return api && api.keys.includes(key) ? { what: `the ${api.label} option \`${key}\``, flow, envVar: api.envVar } : undefined;
  }

  /** Whether `node` forks a cluster worker or a child process, or starts a worker thread. */
  private createsWorkers(node: ts.Node): boolean {
    return this.findWorkerCreation(node) !== undefined;
  }

  /** `the worker threads started on line 12`: `body` creates them, `at` is the loop or call that repeats it. */
  private workerKind(body: ts.Node, at: ts.Node): string {
    const line = this.ctx.sourceFile.getLineAndCharacterOfPosition(at.getStart(this.ctx.sourceFile)).line + 1;
    return this.findWorkerCreation(body) === 'thread' ? `the worker threads started on line ${line}` : `the worker processes forked on line ${line}`;
  }

  private findWorkerCreation(root: ts.Node): 'process' | 'thread' | undefined {
    let kind: 'process' | 'thread' | undefined;
    const visit = (node: ts.Node): void => {
      if (kind) return;
      if (ts.isCallExpression(node) && calleeName(node.expression) === 'fork') {
        const ref = this.ctx.catalogue.resolve(node.expression);
        if (ref && (ref.module === 'cluster' || ref.module === 'child_process') && ref.name === 'fork') kind = 'process';
      } else if (ts.isNewExpression(node) && calleeName(node.expression) !== undefined) {
        const ref = this.ctx.catalogue.resolve(node.expression);
        if (ref && ref.module === 'worker_threads' && ref.name === 'Worker') kind = 'thread';
      }
      ts.forEachChild(node, visit);
    };
    visit(root);
    return kind;
  }

  private report(count: ts.Expression, countFlow: CountFlow, { what, flow: useFlow, envVar = this.envVar }: SizedUse): void {
    const source = this.ctx.sourceFile;
    const text = count.getText(source);
    const consequence = envVar === this.envVar ? 'the service runs far more workers than it has CPU for, each with its own memory and connections' : 'each replica opens connections for cores it does not have';
    const quota = `in a container with a CPU quota (Cloud Run, Kubernetes limits) it is the host's core count, not the quota, so ${consequence}`;
    if (useFlow.fallback) {
      this.ctx.report({
        node: count,
        message: `\`${text}\` is the uncapped fallback for ${what}: when the configured count is unset, ${quota}. Cap the fallback (\`Math.min(${this.cap}, ${text})\`).`,
        fixes: this.fix(useFlow.fallback, `Math.min(${this.cap}, ${useFlow.fallback.getText(source)})`, `Cap the fallback at ${this.cap}`),
      });
      return;
    }
    // The expression to rewrite is where the count is stored or used: the variable's initializer, or the use itself.
    const target = countFlow.top;
    const capped = countFlow.capped ? target.getText(source) : `Math.min(${this.cap}, ${target.getText(source)})`;
    const replacement = `Number(process.env.${envVar}) || ${capped}`;
    this.ctx.report({
      node: count,
      message: `${capitalised(what)} ${what.includes('option') ? 'is' : 'are'} sized from \`${text}\`: ${quota}. Read the count from configuration (\`${envVar}\`) and cap the fallback.`,
      fixes: this.fix(target, needsParentheses(target) ? `(${replacement})` : replacement, `Read the count from ${envVar}, capped at ${this.cap} by default`),
    });
  }

  private reportPerCpu(cpus: ts.CallExpression, what: string): void {
    this.ctx.report({
      node: cpus,
      message: `${capitalised(what)}: in a container with a CPU quota (Cloud Run, Kubernetes limits) \`os.cpus()\` lists the host's cores, not the quota, so the service forks far more workers than it has CPU for. Loop to a count read from configuration (\`${this.envVar}\`) with a capped fallback.`,
    });
  }

  private fix(node: ts.Expression, newText: string, title: string): FixSpec[] {
    const preferred = this.ctx.isJavaScript || this.ctx.checker.resolveName('process', this.ctx.sourceFile, ts.SymbolFlags.Value, false) !== undefined;
    return [{ title, preferred, edits: [{ start: node.getStart(this.ctx.sourceFile), end: node.end, newText }] }];
  }
}

/** Follows a count outwards through arithmetic, `Math.*`, `Number()`, and `a || b` / `a ?? b` / `c ? a : b` with a configured alternative. */
function climb(start: ts.Expression, initial: CountFlow): CountFlow {
  const flow: CountFlow = { ...initial, top: start };
  for (;;) {
    const node = flow.top;
    const parent = node.parent;
    if (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent)) {
      flow.top = parent;
    } else if (ts.isBinaryExpression(parent) && arithmetic.has(parent.operatorToken.kind)) {
      flow.top = parent;
    } else if (ts.isBinaryExpression(parent) && (parent.operatorToken.kind === ts.SyntaxKind.BarBarToken || parent.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)) {
      if (parent.right === node && isConfigured(parent.left) && !flow.fallback) flow.fallback = node;
      flow.top = parent;
    } else if (ts.isConditionalExpression(parent) && parent.condition !== node) {
      const other = parent.whenTrue === node ? parent.whenFalse : parent.whenTrue;
      if (isConfigured(other) && !flow.fallback) flow.fallback = node;
      flow.top = parent;
    } else if (ts.isCallExpression(parent) && parent.arguments.includes(node) && isPassThroughCall(parent)) {
      if (calleeName(parent.expression) === 'min' && parent.arguments.length > 1) flow.capped = true;
      flow.top = parent;
    } else {
      return flow;
    }
  }
}

/** A value that comes from somewhere other than a literal: an environment variable, a config property, a parameter. */
function isConfigured(expression: ts.Expression): boolean {
  const node = skipOuterExpressions(expression);
  return !(ts.isNumericLiteral(node) || ts.isStringLiteralLike(node) || node.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(node) && node.text === 'undefined') || (ts.isPrefixUnaryExpression(node) && ts.isNumericLiteral(node.operand)));
}

/** `Math.min/max/floor/ceil/round/trunc(...)`, `Number(...)`, `parseInt(...)`: the count passes through them. */
function isPassThroughCall(call: ts.CallExpression): boolean {
  const callee = skipOuterExpressions(call.expression);
  if (ts.isIdentifier(callee)) return callee.text === 'Number' || callee.text === 'parseInt';
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Math' && mathPassThrough.has(callee.name.text);
}

function calleeName(expression: ts.Expression): string | undefined {
  const node = skipOuterExpressions(expression);
  return ts.isIdentifier(node) ? node.text : ts.isPropertyAccessExpression(node) ? node.name.text : undefined;
}

function isArrayFrom(call: ts.CallExpression): boolean {
  const callee = skipOuterExpressions(call.expression);
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Array' && callee.name.text === 'from';
}

/** Where a variable's references can be: its function's body, or the file. */
function enclosingScope(declaration: ts.VariableDeclaration): ts.Node {
  for (let node: ts.Node = declaration.parent; node; node = node.parent) {
    if (ts.isFunctionLike(node) || ts.isSourceFile(node)) return node;
  }
  return declaration.getSourceFile();
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whether `a || b` written in place of `node` needs parentheses (`i < (a || b)`). */
function needsParentheses(node: ts.Expression): boolean {
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isParenthesizedExpression(parent) || ts.isReturnStatement(parent)) return false;
  if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.arguments?.includes(node)) return false;
  return true;
}
