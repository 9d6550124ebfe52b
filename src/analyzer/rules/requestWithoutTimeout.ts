// request-without-timeout: an outgoing request given neither an abort signal nor a timeout: `fetch`,
// `http.request`/`http.get`, undici `request`/`stream`/`pipeline`, axios on its default export (no
// timeout by default), `axios.create` without `timeout`, and `new WebSocket` from `ws` without
// `handshakeTimeout`. A slow or silent peer then holds the caller (and its socket) for minutes.
// Options the code passes as a variable or a spread are not resolved: those calls are not reported.
import { ts } from 'ts-morph';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { skipOuterExpressions } from '../expressions';
import { insertProperties, propertyKey } from '../optionObjects';

const defaultTimeoutMs = 10000;
const calleeNames = new Set(['fetch', 'request', 'get', 'stream', 'pipeline', 'post', 'put', 'delete', 'patch', 'head', 'options', 'create']);
const axiosConfigIndex: Record<string, number> = { request: 0, get: 1, delete: 1, head: 1, options: 1, post: 2, put: 2, patch: 2 };
const undiciTimeoutKeys = ['signal', 'headersTimeout', 'bodyTimeout'];

export const requestWithoutTimeoutRule: Rule = {
  id: 'request-without-timeout',
  family: 'cancellation',
  meta: {
    description: 'An outgoing request (fetch, http.request, undici, axios, ws) with neither an abort signal nor a timeout waits as long as the peer keeps it waiting.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/request-without-timeout.md',
    fixable: true,
    requiresTypes: true,
    options: {
      timeoutMs: {
        schema: {
          type: 'integer',
          minimum: 1,
          default: defaultTimeoutMs,
          markdownDescription: 'The timeout, in milliseconds, the fix writes: `signal: AbortSignal.timeout(<ms>)`, axios `timeout`, ws `handshakeTimeout`.',
        },
      },
    },
  },
  create(ctx) {
    const timeoutMs = typeof ctx.options.timeoutMs === 'number' && ctx.options.timeoutMs >= 1 ? Math.floor(ctx.options.timeoutMs) : defaultTimeoutMs;
    const fixer = new Fixer(ctx, timeoutMs);
    const importsClient = /['"](node:)?(https?|undici|axios)['"]/.test(ctx.sourceFile.text);
    const importsWs = /['"]ws['"]/.test(ctx.sourceFile.text);
    return {
      nodes: {
        [ts.SyntaxKind.CallExpression]: (node) => checkCall(ctx, node as ts.CallExpression, fixer, importsClient),
        ...(importsWs ? { [ts.SyntaxKind.NewExpression]: (node: ts.Node) => checkNew(ctx, node as ts.NewExpression, fixer) } : {}),
      },
    };
  },
};

/** What an options argument says: it has one of the keys, it lacks them all, or it cannot be told. */
type OptionsState = 'bounded' | 'missing' | 'unknown';

function checkCall(ctx: RuleContext, call: ts.CallExpression, fixer: Fixer, importsClient: boolean): void {
  const callee = skipOuterExpressions(call.expression);
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  if (name === undefined) return;
  // Only the global fetch needs no import; any other client is imported (possibly renamed: `fetch as undiciFetch`) by this file.
  if (!(name === 'fetch' && mayBeGlobalFetch(callee)) && !(importsClient && (calleeNames.has(name) || ts.isIdentifier(callee)))) return;
  const ref = ctx.catalogue.resolve(callee);
  if (!ref) return;
  const { module } = ref;
  if ((module === 'global' && ref.name === 'fetch') || (module === 'undici' && ref.name === 'fetch')) checkFetch(ctx, call, callee, fixer);
  else if ((module === 'http' || module === 'https') && (ref.name === 'request' || ref.name === 'get')) checkHttp(ctx, call, callee, `${module}.${ref.name}`, fixer);
  else if (module === 'undici' && ['request', 'stream', 'pipeline'].includes(ref.name)) checkUndici(ctx, call, callee, ref.name, fixer);
  else if (module === 'axios') checkAxios(ctx, call, callee, ref.name, fixer);
}

function checkFetch(ctx: RuleContext, call: ts.CallExpression, callee: ts.Expression, fixer: Fixer): void {
  const [input, init] = call.arguments;
  if (!input || ts.isSpreadElement(input)) return;
  if (init) {
    if (optionsState(init, ['signal']) !== 'missing') return;
  } else if (!isUrlLike(ctx, input)) {
    return; // fetch(request): a Request may carry its own signal.
  }
  ctx.report({
    node: callee,
    message: '`fetch` without a `signal`: a slow or silent server holds this call for undici\'s 300 s header and body timeouts (or forever while bytes trickle). Pass `signal: AbortSignal.timeout(ms)`, or the caller\'s signal.',
    fixes: fixer.signal(call, 1),
  });
}

function checkHttp(ctx: RuleContext, call: ts.CallExpression, callee: ts.Expression, api: string, fixer: Fixer): void {
  const [first, second] = call.arguments;
  if (!first || ts.isSpreadElement(first)) return;
  const optionsIndex = isObjectLiteral(first) || !isUrlLike(ctx, first) ? 0 : 1;
  const options = call.arguments[optionsIndex];
  if (options && !(optionsIndex === 1 && isFunction(ctx, second))) {
    if (optionsState(options, ['signal', 'timeout']) !== 'missing') return;
  }
  if (setsTimeoutLater(call)) return;
  ctx.report({
    node: callee,
    message: `\`${api}\` without \`signal\` or \`timeout\`: a server that accepts the connection and never answers keeps this request (and its socket) open indefinitely. Pass \`signal: AbortSignal.timeout(ms)\`, or call \`req.setTimeout(ms, ...)\` and destroy the request.`,
    fixes: fixer.signal(call, optionsIndex, optionsIndex === 1 && isFunction(ctx, second)),
  });
}

function checkUndici(ctx: RuleContext, call: ts.CallExpression, callee: ts.Expression, api: string, fixer: Fixer): void {
  const options = call.arguments[1];
  if (!call.arguments[0] || (options && optionsState(options, undiciTimeoutKeys) !== 'missing')) return;
  ctx.report({
    node: callee,
    message: `undici \`${api}\` without \`signal\`, \`headersTimeout\` or \`bodyTimeout\`: it waits up to 300 s for headers and 300 s between body chunks, holding the caller that long. Pass \`signal: AbortSignal.timeout(ms)\` or the caller's signal.`,
    fixes: fixer.signal(call, 1),
  });
}

function checkAxios(ctx: RuleContext, call: ts.CallExpression, callee: ts.Expression, name: string, fixer: Fixer): void {
  if (name === 'create') {
    const config = call.arguments[0];
    if (config && optionsState(config, ['timeout']) !== 'missing') return;
    ctx.report({
      node: callee,
      message: '`axios.create` without `timeout`: axios waits forever by default, so every request of this instance can hang on a silent server. Set `timeout` (ms).',
      fixes: fixer.property(call, 0, `timeout: ${fixer.timeoutMs}`, `Set timeout: ${fixer.timeoutMs}`, true),
    });
    return;
  }
  let configIndex: number;
  if (name === '' || name === 'default') {
    // axios(config) or axios(url, config).
    const first = call.arguments[0];
    if (!first) return;
    configIndex = isObjectLiteral(first) || !isUrlLike(ctx, first) ? 0 : 1;
  } else {
    const index = axiosConfigIndex[name];
    if (index === undefined) return;
    configIndex = index;
  }
  const config = call.arguments[configIndex];
  if (config && optionsState(config, ['timeout', 'signal', 'cancelToken']) !== 'missing') return;
  if (/\bdefaults\.timeout\s*=/.test(ctx.sourceFile.text)) return; // axios.defaults.timeout = ms bounds the default export.
  ctx.report({
    node: callee,
    message: '`axios` request without `timeout` or `signal`: axios has no timeout by default, so a silent server holds this call forever. Set `timeout` (ms), or use an `axios.create({ timeout })` instance.',
    fixes: fixer.property(call, configIndex, `timeout: ${fixer.timeoutMs}`, `Set timeout: ${fixer.timeoutMs}`, true),
  });
}

function checkNew(ctx: RuleContext, expression: ts.NewExpression, fixer: Fixer): void {
  const target = skipOuterExpressions(expression.expression);
  const targetName = ts.isIdentifier(target) ? target.text : ts.isPropertyAccessExpression(target) ? target.name.text : undefined;
  const args = expression.arguments;
  if (!targetName || !/ws|websocket/i.test(targetName) || !args?.[0] || ts.isSpreadElement(args[0])) return;
  const ref = ctx.catalogue.resolve(target);
  if (!ref || ref.module !== 'ws' || !['', 'default', 'WebSocket'].includes(ref.name)) return;
  // new WebSocket(address, [protocols], [options]): a second argument that is not a protocol list is the options.
  const second = args[1] && skipOuterExpressions(args[1]);
  const isProtocols = second !== undefined && (ts.isArrayLiteralExpression(second) || ts.isStringLiteralLike(second));
  const optionsIndex = second === undefined || !isProtocols ? 1 : 2;
  const options = args[optionsIndex];
  if (options && optionsState(options, ['handshakeTimeout']) !== 'missing') return;
  ctx.report({
    node: expression,
    message: '`ws` WebSocket without `handshakeTimeout`: a server that accepts the TCP connection but never completes the upgrade leaves this socket pending forever. Set `handshakeTimeout` (ms).',
    fixes: fixer.property(expression, optionsIndex, `handshakeTimeout: ${fixer.timeoutMs}`, `Set handshakeTimeout: ${fixer.timeoutMs}`, true),
  });
}

/** `fetch` or `globalThis.fetch`: a name the global may answer to. */
function mayBeGlobalFetch(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return true;
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'globalThis';
}

/** Whether an options argument bounds the request: a key present, all absent, or not an object literal this rule can read. */
function optionsState(argument: ts.Expression, keys: readonly string[]): OptionsState {
  const options = skipOuterExpressions(argument);
  if (!ts.isObjectLiteralExpression(options)) return 'unknown';
  for (const property of options.properties) {
    if (ts.isSpreadAssignment(property)) return 'unknown';
    const name = property.name && propertyKey(property.name);
    if (name === undefined) return 'unknown';
    if (keys.includes(name)) return 'bounded';
  }
  return 'missing';
}

/** A string, template or URL: the target itself, with no options of its own. */
function isUrlLike(ctx: RuleContext, expression: ts.Expression): boolean {
  const node = skipOuterExpressions(expression);
  if (ts.isStringLiteralLike(node) || ts.isTemplateExpression(node)) return true;
  if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL') return true;
  if (ts.isObjectLiteralExpression(node) || ts.isFunctionLike(node)) return false;
  const type = ctx.checker.getTypeAtLocation(node);
  const members = type.isUnion() ? type.types : [type];
  return members.every((member) => (member.flags & ts.TypeFlags.StringLike) !== 0 || member.getSymbol()?.getName() === 'URL');
}

function isObjectLiteral(expression: ts.Expression): boolean {
  return ts.isObjectLiteralExpression(skipOuterExpressions(expression));
}

function isFunction(ctx: RuleContext, expression: ts.Expression | undefined): boolean {
  if (!expression) return false;
  const node = skipOuterExpressions(expression);
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return true;
  return !ts.isObjectLiteralExpression(node) && ctx.checker.getTypeAtLocation(node).getCallSignatures().length > 0;
}

/** `const req = http.get(...); req.setTimeout(...)` in the same function, or `http.get(...).setTimeout(...)`. */
function setsTimeoutLater(call: ts.CallExpression): boolean {
  const parent = call.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name.text === 'setTimeout') return true;
  if (!ts.isVariableDeclaration(parent) || !ts.isIdentifier(parent.name)) return false;
  const variable = parent.name.text;
  let scope: ts.Node = parent;
  while (!ts.isSourceFile(scope) && !ts.isFunctionLike(scope)) scope = scope.parent;
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'setTimeout') {
      const receiver = skipOuterExpressions(node.expression.expression);
      if (ts.isIdentifier(receiver) && receiver.text === variable) found = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

/** Writes the fixes: a property into an options object literal, or a new options argument. */
class Fixer {
  private abortSignalTimeout: boolean | undefined;

  constructor(private readonly ctx: RuleContext, readonly timeoutMs: number) {}

  /** `signal: AbortSignal.timeout(ms)`: preferred where the file's types have `AbortSignal.timeout` (or in JS). */
  signal(call: ts.CallExpression, index: number, insertBefore = false): FixSpec[] {
    return this.property(call, index, `signal: AbortSignal.timeout(${this.timeoutMs})`, `Abort after ${this.timeoutMs} ms with AbortSignal.timeout`, this.hasAbortSignalTimeout(), insertBefore);
  }

  /**
   * Inserts `text` into the object literal at argument `index`, or adds `{ text }` as that argument
   * when it is the next one (or, with `insertBefore`, in front of the argument now at `index`).
   */
  property(call: ts.CallExpression | ts.NewExpression, index: number, text: string, title: string, preferred: boolean, insertBefore = false): FixSpec[] {
    const source = this.ctx.sourceFile;
    const args = call.arguments;
    if (!args) return [];
    const argument = args[index];
    if (argument && insertBefore) {
      const start = argument.getStart(source);
      return [{ title, preferred, edits: [{ start, end: start, newText: `{ ${text} }, ` }] }];
    }
    if (argument) {
      const options = skipOuterExpressions(argument);
      return ts.isObjectLiteralExpression(options) ? [{ title, preferred, edits: [insertProperties(source, options, [text])] }] : [];
    }
    if (index !== args.length) return [];
    const previous = args[index - 1];
    const start = previous ? previous.end : args.pos;
    return [{ title, preferred, edits: [{ start, end: start, newText: `${previous ? ', ' : ''}{ ${text} }` }] }];
  }

  private hasAbortSignalTimeout(): boolean {
    if (this.ctx.isJavaScript) return true;
    if (this.abortSignalTimeout === undefined) {
      const symbol = this.ctx.checker.resolveName('AbortSignal', this.ctx.sourceFile, ts.SymbolFlags.Value, false);
      const type = symbol && this.ctx.checker.getTypeOfSymbol(symbol);
      this.abortSignalTimeout = type?.getProperty('timeout') !== undefined;
    }
    return this.abortSignalTimeout;
  }
}

