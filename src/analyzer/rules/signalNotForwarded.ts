// signal-not-forwarded: an AbortSignal is in scope (a `signal` parameter, `options.signal`, a
// Fetch-style `Request`'s `.signal`, a local AbortController) and the function calls something that
// takes a signal (fetch, undici, promise timers, `events.once`, stream and fs promises, child
// processes, axios, or one of the project's own functions whose declaration takes one) without it.
// When the caller gives up, that work keeps running: sockets, timers and processes outlive the request.
// Like Go's contextcheck it follows the chain: a call to an own function that takes no signal but
// (up to three calls down) drops one is reported at that call, naming the chain.
import { ts } from 'ts-morph';
import { ApiCatalogue, type ApiRef } from '../catalogue';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { skipParentheses } from '../expressions';
import { insertProperties, numericValue, propertyKey } from '../optionObjects';
import { bindingPropertyName, declaredSignalMember, enclosingFunction, isAbortSignalTypeNode, localSources, mentionsSignal, parameterSources, propertyNameText, signalNames, type SignalSource } from '../signalSources';

/** Where a known API takes its signal: the options argument's index, or the last object argument. */
/** Where the options go: an argument index, the last object argument, or node:http's `(url?, options?, callback?)`. */
type OptionsPosition = number | 'last-object' | 'http';

const platformApis: ReadonlyMap<string, OptionsPosition> = new Map<string, OptionsPosition>([
  ['global#fetch', 1],
  ['undici#request', 1],
  ['undici#fetch', 1],
  ['undici#stream', 1],
  ['undici#pipeline', 1],
  ['timers/promises#setTimeout', 2],
  ['timers/promises#setInterval', 2],
  ['timers/promises#setImmediate', 1],
  ['events#once', 2],
  ['events#on', 2],
  ['stream/promises#pipeline', 'last-object'],
  ['stream/promises#finished', 1],
  ['fs/promises#readFile', 1],
  ['fs/promises#writeFile', 2],
  ['fs/promises#appendFile', 2],
  ['fs#promises.readFile', 1],
  ['fs#promises.writeFile', 2],
  ['fs#promises.appendFile', 2],
  ['child_process#exec', 1],
  ['child_process#execFile', 'last-object'],
  ['child_process#spawn', 'last-object'],
  ['child_process#fork', 'last-object'],
  ['readline#Interface.question', 1],
  ['readline/promises#Interface.question', 1],
  ['http#request', 'http'],
  ['http#get', 'http'],
  ['https#request', 'http'],
  ['https#get', 'http'],
  ['axios#default', 0],
  ['axios#', 0],
  ['axios#request', 0],
  ['axios#get', 1],
  ['axios#delete', 1],
  ['axios#head', 1],
  ['axios#options', 1],
  ['axios#post', 2],
  ['axios#put', 2],
  ['axios#patch', 2],
]);

export const signalNotForwardedRule: Rule = {
  id: 'signal-not-forwarded',
  family: 'cancellation',
  meta: {
    description: 'A function has an AbortSignal but calls an API or one of its own functions that takes a signal without passing it: the call outlives the cancellation.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/signal-not-forwarded.md',
    fixable: true,
    requiresTypes: true,
    supersedes: ['request-without-timeout', 'abort-not-checked'],
  },
  create(ctx) {
    const declared = new Map<ts.Node, SignalSource[]>();
    const fromParameters = new Map<ts.Node, SignalSource[]>();
    const sourcesOf = (fn: ts.SignatureDeclaration): SignalSource[] => {
      let own = fromParameters.get(fn);
      if (!own) fromParameters.set(fn, (own = parameterSources(ctx, fn)));
      // The function's own locals first (`const { signal: abortSignal } = opts`): they are the names it chose.
      return [...(declared.get(fn) ?? []), ...own];
    };
    let chains: SignalChains | undefined;
    const chainsOf = (): SignalChains => (chains ??= signalChainsOf(ctx.program, ctx.checker));
    return {
      nodes: {
        [ts.SyntaxKind.VariableDeclaration]: (node) => {
          const sources = localSources(node as ts.VariableDeclaration, ctx.checker);
          const fn = sources.length > 0 ? enclosingFunction(node) : undefined;
          if (fn) declared.set(fn, [...(declared.get(fn) ?? []), ...sources]);
        },
        [ts.SyntaxKind.CallExpression]: (node) => checkCall(ctx, node as ts.CallExpression, sourcesOf, chainsOf),
      },
    };
  },
};

function checkCall(ctx: RuleContext, call: ts.CallExpression, sourcesOf: (fn: ts.SignatureDeclaration) => SignalSource[], chainsOf: () => SignalChains): void {
  // Nearest function first: its signal is the one the fix passes.
  const sources: SignalSource[] = [];
  for (let fn = enclosingFunction(call); fn; fn = enclosingFunction(fn)) sources.push(...sourcesOf(fn));
  if (sources.length === 0) return;
  if (mentionsSignal(call.arguments, sources)) return;
  const callee = resolveCallee(ctx, call);
  if (!callee) return;
  const source = sources[0];
  const signalText = source.property ? `${source.root}.${source.property}` : source.root;
  const target = callee.target;
  if (!target) {
    if (callee.declaration) reportChain(ctx, call, callee.declaration, chainsOf(), signalText);
    return;
  }
  const dropped = droppedSignal(call, target);
  if (!dropped) return;
  const fixes: FixSpec[] = [];
  if (dropped.options) {
    const text = propertyText(target.property, source, signalText);
    fixes.push({ title: `Pass the signal: ${text}`, preferred: true, edits: [insertProperties(ctx.sourceFile, dropped.options, [text])] });
    const deadlineMs = timeoutOption(ctx, dropped.options);
    if (deadlineMs !== undefined && composesSignals(ctx)) {
      const composed = `${target.property}: AbortSignal.any([${signalText}, AbortSignal.timeout(${deadlineMs})])`;
      fixes.push({ title: `Pass the signal, keeping the call's deadline: ${composed}`, edits: [insertProperties(ctx.sourceFile, dropped.options, [composed])] });
    }
  } else if (target.index === call.arguments.length) fixes.push(insertArgument(call, target.kind === 'positional' ? signalText : `{ ${propertyText(target.property, source, signalText)} }`));
  const shortCallee = calleeLabel(call);
  ctx.report({
    node: call.expression,
    message: `\`${signalText}\` is in scope but \`${shortCallee}(…)\` does not get it${target.name ? ` (${target.name})` : ''}: when the caller gives up (client gone, timeout, shutdown) this call keeps running and holds its socket, timer or process. Pass \`${signalText}\`.`,
    fixes,
  });
}

/** A call of an own function that takes no signal but drops one further down: reported with the chain, no fix (the callee needs a new parameter). */
function reportChain(ctx: RuleContext, call: ts.CallExpression, declaration: ts.FunctionLikeDeclaration, chains: SignalChains, signalText: string): void {
  const below = chains.from(declaration, maxChainDepth - 1);
  if (!below) return;
  const callee = calleeLabel(call);
  const chain = [callee, ...below].map((name) => `\`${name}\``).join(' → ');
  ctx.report({
    node: call.expression,
    message: `\`${signalText}\` stops here: ${chain} could be cancelled but \`${callee}\` takes no signal, so when the caller gives up (client gone, timeout, shutdown) that work keeps running. Give \`${callee}\` a signal parameter and pass it down.`,
  });
}

/** How a call leaves out the signal its callee takes: the argument is missing, or `options`, the literal in its place, lacks it. */
interface DroppedSignal {
  options?: ts.ObjectLiteralExpression;
}

/** Where a call leaves out the signal, in a form the rule can tell; undefined when it may pass one (a variable, a spread, a `signal` property). */
function droppedSignal(call: ts.CallExpression, target: SignalTarget): DroppedSignal | undefined {
  const arg = call.arguments[target.index];
  if (!arg) return {};
  if (target.kind === 'positional') return undefined;
  const options = skipParentheses(arg);
  if (!ts.isObjectLiteralExpression(options)) return undefined;
  return options.properties.some((p) => ts.isSpreadAssignment(p) || (p.name !== undefined && signalNames.has(propertyNameText(p.name) ?? ''))) ? undefined : { options };
}

function calleeLabel(call: ts.CallExpression): string {
  const text = call.expression.getText().replace(/^this\./, '').replace(/\s+/g, '');
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

interface SignalTarget {
  kind: 'positional' | 'options';
  index: number;
  /** The options property that takes the signal (`signal`, `abortSignal`). */
  property: string;
  name?: string;
  /** The callee defaults the signal (`signal = AbortSignal.timeout(5000)`): a call without one still has a deadline. */
  defaulted?: boolean;
}

/** What the rule knows of a callee: where it takes a signal, and the declaration when it is the project's own function. */
interface Callee {
  target?: SignalTarget;
  declaration?: ts.FunctionLikeDeclaration;
}

/** What resolving a callee needs: the file's catalogue, the checker, the program. */
type Resolver = Pick<RuleContext, 'catalogue' | 'checker' | 'program'>;

/** The callee of a call when it is a known API that takes a signal or one of the project's own functions; undefined otherwise (or when it cannot be told). */
function resolveCallee(resolver: Resolver, call: ts.CallExpression): Callee | undefined {
  const ref = resolver.catalogue.resolve(call.expression);
  if (ref && !ref.module.startsWith('.') && !ref.module.startsWith('/')) {
    const target = platformTarget(ref, call);
    return target ? { target } : undefined;
  }
  const declaration = ownDeclaration(resolver, call);
  if (!declaration || declaration.parameters.some((p) => p.dotDotDotToken)) return undefined;
  return { declaration, target: ownTarget(resolver, declaration) };
}

function platformTarget(ref: ApiRef, call: ts.CallExpression): SignalTarget | undefined {
  const position = platformApis.get(`${ref.module}#${ref.name}`);
  if (position === undefined) return undefined;
  if (position === 'http') return httpOptionsTarget(call);
  if (position !== 'last-object') return { kind: 'options', index: position, property: 'signal' };
  const last = call.arguments.length - 1;
  if (last >= 1 && ts.isObjectLiteralExpression(skipParentheses(call.arguments[last]))) return { kind: 'options', index: last, property: 'signal' };
  // No options object (`spawn('ls', ['-l'])`): one goes last, unless an argument may already be options or a callback.
  return call.arguments.every((a) => ts.isArrayLiteralExpression(a) || ts.isStringLiteralLike(a) || ts.isTemplateExpression(a)) ? { kind: 'options', index: call.arguments.length, property: 'signal' } : undefined;
}

/** `http.get(url, { ... }, cb)`, `http.get({ ... }, cb)` or `http.get(url)`: where `signal` goes; undefined for `http.get(url, cb)` and options this rule cannot see. */
function httpOptionsTarget(call: ts.CallExpression): SignalTarget | undefined {
  const [first, second] = call.arguments.map((a) => skipParentheses(a));
  if (second && ts.isObjectLiteralExpression(second)) return { kind: 'options', index: 1, property: 'signal' };
  if (first && ts.isObjectLiteralExpression(first)) return { kind: 'options', index: 0, property: 'signal' };
  if (first && !second && (ts.isStringLiteralLike(first) || ts.isTemplateExpression(first))) return { kind: 'options', index: 1, property: 'signal' };
  return undefined;
}

/** The project's own function or method a call resolves to through the checker (imports, re-exports, class methods). */
function ownDeclaration(resolver: Resolver, call: ts.CallExpression): ts.FunctionLikeDeclaration | undefined {
  const calleeNode = ts.isPropertyAccessExpression(call.expression) ? call.expression.name : call.expression;
  if (!ts.isIdentifier(calleeNode)) return undefined;
  let symbol = resolver.checker.getSymbolAtLocation(calleeNode);
  if (!symbol) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = resolver.checker.getAliasedSymbol(symbol);
  const declaration = symbol.declarations?.map(functionOf).find((fn) => fn !== undefined);
  if (!declaration) return undefined;
  const file = declaration.getSourceFile();
  if (file.isDeclarationFile || resolver.program.isSourceFileFromExternalLibrary(file)) return undefined;
  return declaration;
}

/** Which parameter of an own function takes the signal. */
function ownTarget(resolver: Resolver, declaration: ts.FunctionLikeDeclaration): SignalTarget | undefined {
  const parameters = declaration.parameters;
  for (let index = 0; index < parameters.length; index++) {
    const parameter = parameters[index];
    const name = ts.isIdentifier(parameter.name) ? parameter.name.text : undefined;
    if ((name !== undefined && signalNames.has(name)) || isAbortSignalTypeNode(parameter.type)) return { kind: 'positional', index, property: 'signal', name: `parameter \`${name ?? index + 1}\``, defaulted: parameter.initializer !== undefined };
    const property = declaredSignalMember(resolver.checker, parameter.type);
    if (property) {
      const defaulted = ts.isObjectBindingPattern(parameter.name) && parameter.name.elements.some((element) => bindingPropertyName(element) === property && element.initializer !== undefined);
      return { kind: 'options', index, property, name: `option \`${property}\` of parameter \`${name ?? index + 1}\``, defaulted };
    }
  }
  return undefined;
}

/** How deep the rule follows own functions that take no signal: the caller's call, then two more. */
const maxChainDepth = 3;

const chainsByProgram = new WeakMap<ts.Program, SignalChains>();

/** One cache per program: a new program (any file edited) starts afresh, so an edited callee is seen at every call site. */
function signalChainsOf(program: ts.Program, checker: ts.TypeChecker): SignalChains {
  let chains = chainsByProgram.get(program);
  if (!chains) chainsByProgram.set(program, (chains = new SignalChains(program, checker)));
  return chains;
}

/**
 * The calls by which the project's own functions drop a signal: a function that takes none and calls
 * something that takes one without passing it (fetch, a promise timer, an own function with a signal
 * parameter), directly or through other such functions. Cached per declaration, cycle-safe.
 */
class SignalChains {
  private readonly found = new Map<ts.Node, { depth: number; chain: string[] | undefined }>();
  private readonly catalogues = new Map<ts.SourceFile, ApiCatalogue>();

  constructor(
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
  ) {}

  /** The shortest chain of callees, at most `depth` long, by which `fn` drops a signal; undefined when there is none. */
  from(fn: ts.FunctionLikeDeclaration, depth: number): string[] | undefined {
    const known = this.found.get(fn);
    // A chain found is the shortest within its depth; none found within a depth means none within less.
    if (known) {
      if (known.chain) return known.chain.length <= depth ? known.chain : undefined;
      if (known.depth >= depth) return undefined;
    }
    // While `fn` is being searched, a call back into it (recursion) finds nothing.
    this.found.set(fn, { depth: Number.POSITIVE_INFINITY, chain: undefined });
    const chain = this.search(fn, depth);
    this.found.set(fn, { depth, chain });
    return chain;
  }

  private search(fn: ts.FunctionLikeDeclaration, depth: number): string[] | undefined {
    const resolver: Resolver = { program: this.program, checker: this.checker, catalogue: this.catalogueOf(fn.getSourceFile()) };
    const deeper: Array<{ call: ts.CallExpression; declaration: ts.FunctionLikeDeclaration }> = [];
    for (const call of callsMadeBy(fn)) {
      if (mentionsSignal(call.arguments, [])) continue;
      const callee = resolveCallee(resolver, call);
      if (!callee) continue;
      if (callee.target) {
        if (!callee.target.defaulted && droppedSignal(call, callee.target)) return [calleeLabel(call)];
      } else if (callee.declaration && callee.declaration !== fn) {
        deeper.push({ call, declaration: callee.declaration });
      }
    }
    if (depth <= 1) return undefined;
    let shortest: string[] | undefined;
    for (const { call, declaration } of deeper) {
      const below = this.from(declaration, depth - 1);
      if (below && (!shortest || below.length + 1 < shortest.length)) shortest = [calleeLabel(call), ...below];
    }
    return shortest;
  }

  private catalogueOf(file: ts.SourceFile): ApiCatalogue {
    let catalogue = this.catalogues.get(file);
    if (!catalogue) this.catalogues.set(file, (catalogue = new ApiCatalogue(file, () => this.checker)));
    return catalogue;
  }
}

/**
 * The calls a function makes when it runs: those in its body and in callbacks it passes to calls
 * (`items.map(...)`, `new Promise(...)`), not in functions it only defines or returns, nor in
 * callbacks that get a signal of their own.
 */
function callsMadeBy(fn: ts.FunctionLikeDeclaration): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) {
      const isCallback = (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && (ts.isCallExpression(node.parent) || ts.isNewExpression(node.parent)) && node.parent.arguments?.includes(node);
      if (!isCallback || hasSignalParameter(node)) return;
    } else if (ts.isClassLike(node)) {
      return;
    } else if (ts.isCallExpression(node)) {
      calls.push(node);
    }
    ts.forEachChild(node, visit);
  };
  if (fn.body) ts.forEachChild(fn.body, visit);
  return calls;
}

function hasSignalParameter(fn: ts.SignatureDeclaration): boolean {
  return fn.parameters.some((parameter) => {
    if (isAbortSignalTypeNode(parameter.type)) return true;
    if (ts.isIdentifier(parameter.name)) return signalNames.has(parameter.name.text);
    return ts.isObjectBindingPattern(parameter.name) && parameter.name.elements.some((element) => signalNames.has(bindingPropertyName(element) ?? ''));
  });
}

/** The function a declaration declares: a function or method, or a variable or property holding an arrow or function expression. */
function functionOf(declaration: ts.Declaration): ts.FunctionLikeDeclaration | undefined {
  if (ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration) || ts.isFunctionExpression(declaration) || ts.isArrowFunction(declaration)) return declaration;
  if ((ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) || ts.isPropertyAssignment(declaration)) && declaration.initializer) {
    const init = skipParentheses(declaration.initializer);
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
  }
  return undefined;
}

function propertyText(property: string, source: SignalSource, signalText: string): string {
  return !source.property && source.root === property ? property : `${property}: ${signalText}`;
}

function insertArgument(call: ts.CallExpression, text: string): FixSpec {
  const args = call.arguments;
  const position = args.hasTrailingComma ? args.end - 1 : args.end;
  const prefix = args.length === 0 ? '' : ', ';
  return { title: `Pass the signal: ${text}`, preferred: true, edits: [{ start: position, end: position, newText: `${prefix}${text}` }] };
}

/** The call's own `timeout: <ms>` option, when it is a number this rule can read. */
function timeoutOption(ctx: RuleContext, options: ts.ObjectLiteralExpression): number | undefined {
  for (const property of options.properties) {
    if (ts.isPropertyAssignment(property) && propertyKey(property.name) === 'timeout') {
      const ms = numericValue(ctx.checker, property.initializer);
      return ms !== undefined && Number.isInteger(ms) && ms > 0 ? ms : undefined;
    }
  }
  return undefined;
}

const composingFiles = new WeakMap<ts.SourceFile, boolean>();

/** Whether the file's types have `AbortSignal.any` and `AbortSignal.timeout` (Node >= 20.3 with @types/node, or lib dom). */
function composesSignals(ctx: RuleContext): boolean {
  let composes = composingFiles.get(ctx.sourceFile);
  if (composes === undefined) {
    const symbol = ctx.checker.resolveName('AbortSignal', ctx.sourceFile, ts.SymbolFlags.Value, false);
    const type = symbol && ctx.checker.getTypeOfSymbol(symbol);
    composes = type?.getProperty('any') !== undefined && type?.getProperty('timeout') !== undefined;
    composingFiles.set(ctx.sourceFile, composes);
  }
  return composes;
}
