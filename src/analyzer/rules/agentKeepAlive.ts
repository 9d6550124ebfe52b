// agent-keep-alive: an outgoing HTTP agent that opens a new connection for every request (a
// node:http(s) Agent without `keepAlive: true`), or that keeps idle connections at least as long as
// the upstream does (so a request goes out on a socket the upstream is closing: ECONNRESET), and
// keep-alive agents in a project where nothing retries an idempotent request after a reset.
import { ts } from 'ts-morph';
import type { ApiRef } from '../catalogue';
import { booleanValue, insertProperties, isMissing, numericValue, resolveOptions, type ResolvedOptions } from '../optionObjects';
import type { FixSpec, Rule, RuleContext } from '../rule';

type AgentKind = 'node' | 'agentkeepalive' | 'undici';

interface AgentApi {
  kind: AgentKind;
  label: string;
  /** Which argument holds the options. */
  optionsIndex: number;
}

const agentkeepaliveNames = new Set(['', 'default', 'HttpAgent', 'HttpsAgent', 'default.HttpAgent', 'default.HttpsAgent']);
const undiciAgents: Record<string, number> = { Agent: 0, Pool: 1, Client: 1, BalancedPool: 1 };
/** agentkeepalive's free socket timeout when none is given (v4 and later). */
const agentkeepaliveDefaultFreeSocketTimeout = 4000;
/** undici's keepAliveTimeout when none is given. */
const undiciDefaultKeepAliveTimeout = 4000;

export const agentKeepAliveRule: Rule = {
  id: 'agent-keep-alive',
  family: 'keep-alive',
  meta: {
    description:
      'An outgoing HTTP agent that opens a connection per request (no keepAlive), or keeps idle connections as long as the upstream does (ECONNRESET on reuse).',
    defaultSeverity: 'warning',
    docs: 'docs/rules/agent-keep-alive.md',
    fixable: true,
    requiresTypes: true,
    options: {
      requireRetryOnReset: {
        schema: {
          type: 'boolean',
          default: true,
          markdownDescription:
            'Also report keep-alive agents in a project where nothing retries an idempotent request after `ECONNRESET` (no undici `RetryAgent`/`interceptors.retry`, `axios-retry`, `got`, `p-retry`, `async-retry`, and no code handling `ECONNRESET`).',
        },
      },
    },
  },
  create(ctx) {
    return {
      nodes: {
        [ts.SyntaxKind.NewExpression]: (node) => checkNew(ctx, node as ts.NewExpression),
      },
    };
  },
};

function agentApi(ref: ApiRef | undefined): AgentApi | undefined {
  if (!ref) return undefined;
  if ((ref.module === 'http' || ref.module === 'https') && ref.name === 'Agent') return { kind: 'node', label: `${ref.module}.Agent`, optionsIndex: 0 };
  if (ref.module === 'agentkeepalive' && agentkeepaliveNames.has(ref.name)) return { kind: 'agentkeepalive', label: 'agentkeepalive Agent', optionsIndex: 0 };
  if (ref.module === 'undici' && ref.name in undiciAgents) return { kind: 'undici', label: `undici ${ref.name}`, optionsIndex: undiciAgents[ref.name] };
  return undefined;
}

function checkNew(ctx: RuleContext, expression: ts.NewExpression): void {
  const api = agentApi(ctx.catalogue.resolve(expression.expression));
  if (!api) return;
  const args = expression.arguments ?? ts.factory.createNodeArray<ts.Expression>();
  if (api.optionsIndex > 0 && args.length === 0) return; // `new Pool()` without an origin does not compile; nothing to judge
  const options = resolveOptions(ctx.checker, args[api.optionsIndex], ctx.sourceFile);
  if (!options) return; // options from a parameter or a call: not guessed at
  const upstreamMs = ctx.deployment.upstreamIdleTimeoutMs;
  const idleFixMs = Math.min(4000, Math.floor(upstreamMs / 2));
  const insertion = (texts: string[], title: string): FixSpec[] => (options.literal ? [{ title, preferred: true, edits: [insertProperties(ctx.sourceFile, options.literal, texts)] }] : !args[api.optionsIndex] ? [appendOptions(ctx, expression, texts, title)] : []);

  if (api.kind === 'node') {
    const keepAlive = options.properties.get('keepAlive');
    const keepAliveValue = keepAlive ? booleanValue(ctx.checker, keepAlive) : isMissing(options, 'keepAlive') ? false : undefined;
    if (keepAliveValue === undefined) return;
    if (!keepAliveValue) {
      const texts = [
        ...(keepAlive ? [] : ['keepAlive: true']),
        ...(isMissing(options, 'timeout') ? [`timeout: ${formatMs(idleFixMs)}`] : []),
        ...(isMissing(options, 'maxSockets') ? [`maxSockets: ${ctx.deployment.pools.defaultMax}`] : []),
      ];
      const fixes = keepAlive ? replaceValue(ctx, keepAlive, 'true', 'Turn on keepAlive') : insertion(texts, 'Reuse connections: keepAlive with a bounded idle time and maxSockets');
      ctx.report({
        ...head(ctx, expression),
        message: `This ${api.label} has no keepAlive: every request opens a new TCP${api.label.startsWith('https') ? ' and TLS' : ''} connection (added latency, sockets piling up in TIME_WAIT, ephemeral port exhaustion under load). Pass keepAlive: true with a bounded maxSockets and an idle timeout shorter than the upstream's.`,
        fixes,
      });
      return;
    }
    reportIdle(ctx, expression, api, options, 'timeout', undefined, upstreamMs, idleFixMs, insertion);
    return;
  }
  if (api.kind === 'agentkeepalive') {
    const keepAlive = options.properties.get('keepAlive');
    if (keepAlive && booleanValue(ctx.checker, keepAlive) !== true) return; // keep-alive turned off (or unknown): not an idle-time problem
    const key = options.properties.has('freeSocketKeepAliveTimeout') ? 'freeSocketKeepAliveTimeout' : 'freeSocketTimeout';
    reportIdle(ctx, expression, api, options, key, agentkeepaliveDefaultFreeSocketTimeout, upstreamMs, idleFixMs, insertion);
    return;
  }
  reportIdle(ctx, expression, api, options, 'keepAliveTimeout', undiciDefaultKeepAliveTimeout, upstreamMs, idleFixMs, insertion);
}

/**
 * A keep-alive agent: its idle timeout (`key`, or `defaultMs` when not given; no default means idle
 * sockets are kept until the upstream closes them) must be shorter than the upstream's.
 */
function reportIdle(
  ctx: RuleContext,
  expression: ts.NewExpression,
  api: AgentApi,
  options: ResolvedOptions,
  key: string,
  defaultMs: number | undefined,
  upstreamMs: number,
  idleFixMs: number,
  insertion: (texts: string[], title: string) => FixSpec[],
): void {
  const given = options.properties.get(key);
  const idleMs = given ? numericValue(ctx.checker, given) : isMissing(options, key) ? defaultMs ?? Infinity : undefined;
  if (idleMs === undefined) return;
  const retryNote = ctx.options.requireRetryOnReset === true && !projectRetriesResets(ctx.program) ? retryMessage : '';
  if (idleMs >= upstreamMs || idleMs <= 0) {
    const held =
      idleMs === Infinity || idleMs <= 0
        ? 'keeps idle sockets until the upstream closes them (unless the upstream sends a Keep-Alive: timeout hint; load balancers do not)'
        : `keeps idle sockets for ${formatSeconds(idleMs)}`;
    const fixes = given ? replaceValue(ctx, given, formatMs(idleFixMs), `Retire idle sockets after ${formatSeconds(idleFixMs)}`) : insertion([`${key}: ${formatMs(idleFixMs)}`], `Retire idle sockets after ${formatSeconds(idleFixMs)}`);
    ctx.report({
      ...head(ctx, expression),
      message: `This ${api.label} ${held}, not shorter than the upstream's idle timeout (${formatSeconds(upstreamMs)}, bounded.upstreamIdleTimeoutMs): a request sent on a socket the upstream is closing fails with ECONNRESET. Set ${key} below it.${retryNote}`,
      fixes,
    });
    return;
  }
  if (retryNote) {
    ctx.report({
      ...head(ctx, expression),
      message: `This ${api.label} reuses connections, and nothing in the project retries a request whose reused connection was reset (ECONNRESET), which happens whenever the upstream closes an idle socket as a request goes out.${retryNote}`,
    });
  }
}

const retryMessage =
  ' Retry idempotent requests (GET, HEAD, PUT, DELETE) once on ECONNRESET: undici RetryAgent / interceptors.retry, axios-retry, or a small wrapper.';

/** Text that shows a project retrying requests after a reset somewhere. */
const retryMarkers = ['RetryAgent', 'RetryHandler', 'interceptors.retry', 'ECONNRESET', 'axios-retry', 'p-retry', 'async-retry', "from 'got'", 'from "got"', "require('got')", 'require("got")'];
const retriesByProgram = new WeakMap<ts.Program, boolean>();

/** Whether any of the project's own files configures retries (looked up once per program). */
function projectRetriesResets(program: ts.Program): boolean {
  let retries = retriesByProgram.get(program);
  if (retries === undefined) {
    retries = program.getSourceFiles().some((file) => !file.isDeclarationFile && !/[\\/]node_modules[\\/]/.test(file.fileName) && retryMarkers.some((marker) => file.text.includes(marker)));
    retriesByProgram.set(program, retries);
  }
  return retries;
}

/** `new http.Agent`: where the finding is shown, short of a multi-line options object. */
function head(ctx: RuleContext, expression: ts.NewExpression): { start: number; end: number } {
  return { start: expression.getStart(ctx.sourceFile), end: expression.expression.end };
}

function replaceValue(ctx: RuleContext, value: ts.Expression, text: string, title: string): FixSpec[] {
  if (value.getSourceFile() !== ctx.sourceFile) return [];
  return [{ title, preferred: true, edits: [{ start: value.getStart(ctx.sourceFile), end: value.end, newText: text }] }];
}

/** `new http.Agent()` → `new http.Agent({ ... })`. */
function appendOptions(ctx: RuleContext, expression: ts.NewExpression, texts: string[], title: string): FixSpec {
  const object = `{ ${texts.join(', ')} }`;
  if (expression.arguments === undefined) return { title, preferred: true, edits: [{ start: expression.end, end: expression.end, newText: `(${object})` }] };
  const at = expression.arguments.end;
  return { title, preferred: true, edits: [{ start: at, end: at, newText: object }] };
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${String(ms).replace(/(\d)(?=(\d{3})+$)/g, '$1_')}` : String(ms);
}

function formatSeconds(ms: number): string {
  return ms === Infinity ? 'forever' : `${ms / 1000} s`;
}
