// unbounded-fan-out: `Promise.all` (and allSettled/any/race) over promises made from a collection whose
// size the code does not bound: a parameter, a request body, a query result, a directory listing.
// Every element starts its work at once, so one large input opens as many queries, sockets or files
// as it has elements: the pool queues, the downstream service throttles, memory grows with the input.
import { ts } from 'ts-morph';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { freshName, indentationAt, isInAsyncFunction } from './fixText';
import { skipOuterExpressions } from '../expressions';

const combinators = new Set(['all', 'allSettled', 'any', 'race']);
/** Array (and string-splitting) methods whose result is as large as their receiver. */
const passThroughMethods = new Set(['split', 'match', 'filter', 'map', 'flatMap', 'flat', 'concat', 'sort', 'reverse', 'toSorted', 'toReversed', 'slice', 'values', 'keys', 'entries']);
const parameterOrigin = 'a parameter';
const awaitedOrigin = 'an awaited result, as large as whatever it returns';
const limiterNames = /^(limit|limiter|throttle|semaphore|mutex|queue|pool)$|Limit(er)?$|Queue$|Semaphore$/;

export const unboundedFanOutRule: Rule = {
  id: 'unbounded-fan-out',
  family: 'async',
  meta: {
    description: 'Promise.all over promises made from a collection of unbounded size starts all of their work at once.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/unbounded-fan-out.md',
    fixable: true,
    requiresTypes: true,
    options: {
      batchSize: {
        schema: {
          type: 'integer',
          minimum: 1,
          default: 10,
          markdownDescription: 'How many operations the fix lets run at once: the batch size of the batched loop, or the `concurrency` given to `p-map`/`p-limit` when the file imports one.',
        },
      },
    },
  },
  create(ctx) {
    const batchSize = typeof ctx.options.batchSize === 'number' && ctx.options.batchSize >= 1 ? Math.floor(ctx.options.batchSize) : 10;
    return {
      nodes: {
        [ts.SyntaxKind.CallExpression]: (node) => checkCall(ctx, node as ts.CallExpression, batchSize),
      },
    };
  },
};

interface FanOut {
  /** The expression the promises are made from. */
  collection: ts.Expression;
  /** Why its size is unbounded, for the message. */
  origin: string;
}

function checkCall(ctx: RuleContext, call: ts.CallExpression, batchSize: number): void {
  const callee = skipOuterExpressions(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !combinators.has(callee.name.text)) return;
  const receiver = skipOuterExpressions(callee.expression);
  const isPromiseName = (ts.isIdentifier(receiver) && receiver.text === 'Promise') || (ts.isPropertyAccessExpression(receiver) && receiver.name.text === 'Promise');
  if (!isPromiseName || call.arguments.length !== 1) return;
  const fanOut = findFanOut(ctx, call.arguments[0]);
  if (!fanOut) return;
  const ref = ctx.catalogue.resolve(callee);
  if (!ref || ref.module !== 'global' || ref.name !== `Promise.${callee.name.text}`) return;
  const collection = fanOut.collection.getText(ctx.sourceFile);
  const shortCollection = collection.length > 40 ? `${collection.slice(0, 37)}...` : collection;
  ctx.report({
    node: call,
    message: `\`Promise.${callee.name.text}\` starts one operation per element of \`${shortCollection}\` (${fanOut.origin}) all at once: a large input opens that many queries or requests together, exhausting pools and throttling downstream services. Bound the concurrency (p-map with \`concurrency\`, p-limit, or batches).`,
    fixes: fixesFor(ctx, call, callee.name.text, batchSize),
  });
}

/** The unbounded collection the argument's promises are made from, or undefined when it is bounded or unknown. */
function findFanOut(ctx: RuleContext, argument: ts.Expression): FanOut | undefined {
  const expression = skipOuterExpressions(argument);
  if (ts.isArrayLiteralExpression(expression)) {
    for (const element of expression.elements) {
      if (!ts.isSpreadElement(element)) continue;
      const inner = findFanOut(ctx, element.expression);
      if (inner) return inner;
    }
    return undefined;
  }
  const mapped = mappedCollection(expression);
  if (mapped) {
    if (!createsWork(mapped.callback) || isLimited(ctx, mapped.callback)) return undefined;
    const origin = unboundedOrigin(ctx, mapped.collection, 0);
    return origin ? { collection: mapped.collection, origin } : undefined;
  }
  if (ts.isIdentifier(expression)) return fanOutOfVariable(ctx, expression);
  return undefined;
}

/** `xs.map(fn)`, `xs.flatMap(fn)`, `Array.from(xs, fn)`: the collection and the callback making each promise. */
function mappedCollection(expression: ts.Expression): { collection: ts.Expression; callback: ts.Expression } | undefined {
  if (!ts.isCallExpression(expression)) return undefined;
  const callee = skipOuterExpressions(expression.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  if ((method === 'map' || method === 'flatMap') && expression.arguments.length >= 1) {
    return { collection: callee.expression, callback: expression.arguments[0] };
  }
  if (method === 'from' && ts.isIdentifier(callee.expression) && callee.expression.text === 'Array' && expression.arguments.length >= 2) {
    return { collection: expression.arguments[0], callback: expression.arguments[1] };
  }
  return undefined;
}

/** A callback that only reads a field (`(job) => job.done`) collects promises that already exist. */
function createsWork(callback: ts.Expression): boolean {
  const fn = skipOuterExpressions(callback);
  if (!ts.isArrowFunction(fn) || !ts.isExpression(fn.body)) return true;
  let body = skipOuterExpressions(fn.body);
  while (ts.isPropertyAccessExpression(body) || ts.isElementAccessExpression(body)) body = skipOuterExpressions(body.expression);
  return !(ts.isIdentifier(body) || ts.isLiteralExpression(body) || body.kind === ts.SyntaxKind.ThisKeyword);
}

/** The callback goes through a concurrency limiter: p-limit's `limit(() => ...)`, p-queue's `queue.add`, a semaphore. */
function isLimited(ctx: RuleContext, callback: ts.Expression): boolean {
  let limited = false;
  const visit = (node: ts.Node): void => {
    if (limited) return;
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      if (name === 'acquire' || name === 'runExclusive' || name === 'schedule') limited = true;
      else if (ts.isIdentifier(callee) && (limiterNames.test(callee.text) || isLimiterInstance(ctx, callee))) limited = true;
      else if (ts.isPropertyAccessExpression(callee) && name === 'add' && ts.isIdentifier(skipOuterExpressions(callee.expression)) && limiterNames.test((skipOuterExpressions(callee.expression) as ts.Identifier).text)) limited = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(callback);
  return limited;
}

/** `const run = pLimit(4)`: a local made by p-limit (resolved through the catalogue). */
function isLimiterInstance(ctx: RuleContext, identifier: ts.Identifier): boolean {
  const declaration = localDeclaration(ctx, identifier);
  const init = declaration?.initializer && skipOuterExpressions(declaration.initializer);
  if (!init || !ts.isCallExpression(init)) return false;
  const ref = ctx.catalogue.resolve(init.expression);
  return ref?.module === 'p-limit';
}

/** `const ps = xs.map(f)` or `const ps = []; for (const x of xs) ps.push(f(x))`. */
function fanOutOfVariable(ctx: RuleContext, identifier: ts.Identifier): FanOut | undefined {
  const declaration = localDeclaration(ctx, identifier);
  const init = declaration?.initializer && skipOuterExpressions(declaration.initializer);
  if (!declaration || !init) return undefined;
  if (!ts.isArrayLiteralExpression(init) || init.elements.length > 0) return findFanOut(ctx, init);
  const scope = enclosingFunctionBody(declaration);
  if (!scope) return undefined;
  let found: FanOut | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'push' && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === identifier.text) {
      const pushed = node.arguments[0];
      const loop = enclosingLoopCollection(node, scope);
      if (pushed && loop && createsWork(pushed) && !isLimited(ctx, pushed)) {
        const origin = unboundedOrigin(ctx, loop, 0);
        if (origin) found = { collection: loop, origin };
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return found;
}

/** The collection iterated by the loop around `node`: `for (const x of xs)`, `for (...; i < xs.length; ...)`, `xs.forEach(...)`. */
function enclosingLoopCollection(node: ts.Node, scope: ts.Node): ts.Expression | undefined {
  for (let current = node.parent; current && current !== scope; current = current.parent) {
    if (ts.isForOfStatement(current) || ts.isForInStatement(current)) return current.expression;
    if (ts.isForStatement(current) && current.condition && ts.isBinaryExpression(current.condition)) {
      const bound = skipOuterExpressions(current.condition.right);
      return ts.isPropertyAccessExpression(bound) && bound.name.text === 'length' ? bound.expression : undefined;
    }
    if (ts.isWhileStatement(current) || ts.isDoStatement(current)) return undefined;
    if (ts.isFunctionLike(current)) {
      const call = current.parent;
      if (ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'forEach') return call.expression.expression;
      return undefined;
    }
  }
  return undefined;
}

/**
 * Why a collection's size is not bounded by the code (a parameter, an awaited result, a listing), or
 * undefined when it is bounded (a literal, a tuple, a slice by a constant) or cannot be told.
 */
function unboundedOrigin(ctx: RuleContext, node: ts.Expression, depth: number): string | undefined {
  if (depth > 6) return undefined;
  const expression = skipOuterExpressions(node);
  if (ts.isArrayLiteralExpression(expression)) {
    for (const element of expression.elements) {
      if (ts.isSpreadElement(element)) {
        const inner = unboundedOrigin(ctx, element.expression, depth + 1);
        if (inner) return inner;
      }
    }
    return undefined;
  }
  if (ts.isObjectLiteralExpression(expression)) {
    // Array.from({ length: n }, worker): a fixed number of workers, unless n is some input's length.
    const length = expression.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(ctx.sourceFile) === 'length');
    return length ? lengthOrigin(ctx, length.initializer, depth + 1) : undefined;
  }
  if (ts.isAwaitExpression(expression)) return awaitedOrigin;
  if (ts.isCallExpression(expression)) {
    const callee = skipOuterExpressions(expression.expression);
    if (ts.isPropertyAccessExpression(callee)) {
      const method = callee.name.text;
      const receiver = skipOuterExpressions(callee.expression);
      if (ts.isIdentifier(receiver) && (receiver.text === 'Object' || receiver.text === 'Array')) {
        return ['keys', 'values', 'entries', 'from'].includes(method) && expression.arguments[0] ? unboundedOrigin(ctx, expression.arguments[0], depth + 1) : undefined;
      }
      if (method === 'slice' && isConstantSlice(expression)) return undefined;
      if (passThroughMethods.has(method)) return unboundedOrigin(ctx, callee.expression, depth + 1);
      if (method === 'readdirSync' || method === 'globSync' || method === 'sync') return 'a file listing';
    }
    return undefined;
  }
  if (ts.isPropertyAccessExpression(expression) || ts.isElementAccessExpression(expression)) {
    if (isTuple(ctx, expression)) return undefined;
    const root = unboundedOrigin(ctx, expression.expression, depth + 1);
    if (!root) return undefined;
    return requestOrParameter(root, expression.getText(ctx.sourceFile));
  }
  if (ts.isIdentifier(expression)) {
    const symbol = ctx.checker.getSymbolAtLocation(expression);
    const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    if (!declaration || declaration.getSourceFile() !== ctx.sourceFile) return undefined;
    if (ts.isParameter(declaration)) return isTuple(ctx, expression) ? undefined : parameterOrigin;
    if (ts.isBindingElement(declaration)) {
      const binding = bindingSource(declaration);
      if (!binding) return undefined;
      if (ts.isParameter(binding)) return isTuple(ctx, expression) ? undefined : requestOrParameter(parameterOrigin, binding.getText(ctx.sourceFile));
      const source = binding.initializer && unboundedOrigin(ctx, binding.initializer, depth + 1);
      return source && !isTuple(ctx, expression) ? requestOrParameter(source, binding.initializer?.getText(ctx.sourceFile) ?? '') : undefined;
    }
    if (ts.isVariableDeclaration(declaration) && declaration.initializer) {
      if (isTuple(ctx, expression)) return undefined;
      return unboundedOrigin(ctx, declaration.initializer, depth + 1);
    }
  }
  return undefined;
}

/**
 * Why `Array.from({ length: n }, ...)` makes an unbounded number of promises: `n` is some input's
 * `length`, or a count read at run time (`Number(await contract.read.count())`). A literal,
 * `Math.min(N, ...)` or a parameter (a worker count chosen by the caller) bounds it.
 */
function lengthOrigin(ctx: RuleContext, node: ts.Expression, depth: number): string | undefined {
  const value = skipOuterExpressions(node);
  if (ts.isPropertyAccessExpression(value) && value.name.text === 'length') return unboundedOrigin(ctx, value.expression, depth + 1);
  if (ts.isCallExpression(value) && ts.isIdentifier(value.expression) && ['Number', 'parseInt', 'BigInt'].includes(value.expression.text) && value.arguments[0]) {
    return lengthOrigin(ctx, value.arguments[0], depth + 1);
  }
  if (ts.isIdentifier(value) || ts.isAwaitExpression(value)) {
    const origin = unboundedOrigin(ctx, value, depth + 1);
    return origin === awaitedOrigin ? 'a count read at run time' : undefined;
  }
  return undefined;
}

/** A parameter read through `.body`, `.query` or `.params` is the request a handler received. */
function requestOrParameter(origin: string, text: string): string {
  return origin === parameterOrigin && /\b(body|query|params)\b/.test(text) ? 'from the request' : origin;
}

/** The parameter or variable declaration a destructured name comes from. */
function bindingSource(element: ts.BindingElement): ts.ParameterDeclaration | ts.VariableDeclaration | undefined {
  let current: ts.Node = element;
  while (ts.isBindingElement(current) || ts.isObjectBindingPattern(current) || ts.isArrayBindingPattern(current)) current = current.parent;
  return ts.isParameter(current) || ts.isVariableDeclaration(current) ? current : undefined;
}

function isConstantSlice(call: ts.CallExpression): boolean {
  const end = call.arguments[1] ?? call.arguments[0];
  if (!end) return false;
  const value = skipOuterExpressions(end);
  const start = call.arguments.length >= 2 ? skipOuterExpressions(call.arguments[0]) : undefined;
  // xs.slice(0, 10) and xs.slice(-5) take at most a constant number of elements.
  if (call.arguments.length >= 2 && start !== undefined) {
    if (ts.isNumericLiteral(value)) return ts.isNumericLiteral(start) || ts.isPrefixUnaryExpression(start);
    // xs.slice(i, i + 10): a batch of constant size.
    return ts.isBinaryExpression(value) && value.operatorToken.kind === ts.SyntaxKind.PlusToken && ts.isNumericLiteral(skipOuterExpressions(value.right)) && skipOuterExpressions(value.left).getText() === start.getText();
  }
  return ts.isPrefixUnaryExpression(value) && value.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(value.operand);
}

function isTuple(ctx: RuleContext, expression: ts.Expression): boolean {
  const type = ctx.checker.getTypeAtLocation(expression);
  const members = type.isUnion() ? type.types : [type];
  return members.every((member) => ctx.checker.isTupleType(member));
}

function localDeclaration(ctx: RuleContext, identifier: ts.Identifier): ts.VariableDeclaration | undefined {
  const symbol = ctx.checker.getSymbolAtLocation(identifier);
  const declaration = symbol?.valueDeclaration;
  return declaration && ts.isVariableDeclaration(declaration) && declaration.getSourceFile() === ctx.sourceFile ? declaration : undefined;
}

function enclosingFunctionBody(node: ts.Node): ts.Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current) || ts.isSourceFile(current)) return current;
  }
  return undefined;
}

// ---- fixes ----

function fixesFor(ctx: RuleContext, call: ts.CallExpression, combinator: string, batchSize: number): FixSpec[] {
  const argument = skipOuterExpressions(call.arguments[0]);
  if (!ts.isCallExpression(argument) || !ts.isPropertyAccessExpression(argument.expression) || argument.expression.name.text !== 'map' || argument.arguments.length !== 1) return [];
  const collection = argument.expression.expression;
  const callback = argument.arguments[0];
  const text = (node: ts.Node): string => node.getText(ctx.sourceFile);
  const pMap = ctx.catalogue.localNames('p-map', 'default')[0];
  if (pMap && combinator === 'all') {
    return [{
      title: `Run at most ${batchSize} at once with p-map`,
      preferred: true,
      edits: [{ start: call.getStart(ctx.sourceFile), end: call.end, newText: `${pMap}(${text(collection)}, ${text(callback)}, { concurrency: ${batchSize} })` }],
    }];
  }
  const pLimit = ctx.catalogue.localNames('p-limit', 'default')[0];
  if (pLimit && combinator === 'all') {
    const limited = pLimitFix(ctx, call, callback, pLimit, batchSize);
    if (limited) return [limited];
  }
  const batched = batchedLoopFix(ctx, call, combinator, collection, callback, batchSize);
  return batched ? [batched] : [];
}

/** `const limit = pLimit(N);` before the statement, and each element's work through it. */
function pLimitFix(ctx: RuleContext, call: ts.CallExpression, callback: ts.Expression, pLimit: string, batchSize: number): FixSpec | undefined {
  const fn = skipOuterExpressions(callback);
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && (fn.parameters.length > 1 || fn.parameters.some((p) => p.dotDotDotToken))) return undefined;
  let statement: ts.Node = call;
  while (!ts.isBlock(statement.parent) && !ts.isSourceFile(statement.parent)) {
    // An arrow's expression body has no statement to put the limiter before.
    if (ts.isFunctionLike(statement.parent) || ts.isCaseClause(statement.parent)) return undefined;
    statement = statement.parent;
  }
  const source = ctx.sourceFile;
  const scopeText = (enclosingFunctionBody(call) ?? source).getText(source);
  const limit = freshName(scopeText, 'limit');
  const start = statement.getStart(source);
  return {
    title: `Run at most ${batchSize} at once with p-limit`,
    preferred: true,
    edits: [
      { start, end: start, newText: `const ${limit} = ${pLimit}(${batchSize});\n${indentationAt(source, start)}` },
      { start: callback.getStart(source), end: callback.end, newText: limitedCallback(source, callback, limit) },
    ],
  };
}

/** `async (x) => body` becomes `(x) => limit(async () => body)`; any other callback `(item) => limit(() => f(item))`. */
function limitedCallback(source: ts.SourceFile, callback: ts.Expression, limit: string): string {
  const fn = skipOuterExpressions(callback);
  if (ts.isArrowFunction(fn)) {
    const isAsync = ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false;
    const head = source.text.slice(isAsync ? fn.modifiers!.end : fn.getStart(source), fn.equalsGreaterThanToken.getStart(source)).trim();
    return `${head} => ${limit}(${isAsync ? 'async ' : ''}() => ${fn.body.getText(source)})`;
  }
  const item = freshName(callback.getText(source), 'item');
  return `(${item}) => ${limit}(() => (${callback.getText(source)})(${item}))`;
}

/**
 * `const r = await Promise.all(xs.map(f));` becomes
 * `const r: T[] = []; for (let batchStart = 0; ...; batchStart += N) r.push(...(await Promise.all(xs.slice(batchStart, batchStart + N).map(f))));`
 * Offered only where that keeps the meaning: awaited as a statement or a single `const`/`let` in an
 * async function, over an array read without side effects, with a callback that ignores the index.
 */
function batchedLoopFix(ctx: RuleContext, call: ts.CallExpression, combinator: string, collection: ts.Expression, callback: ts.Expression, batchSize: number): FixSpec | undefined {
  if (combinator !== 'all' && combinator !== 'allSettled') return undefined;
  const awaited = call.parent;
  if (!ts.isAwaitExpression(awaited) || !isInAsyncFunction(awaited)) return undefined;
  if (!isSideEffectFree(collection) || !ctx.checker.isArrayType(ctx.checker.getNonNullableType(ctx.checker.getTypeAtLocation(collection)))) return undefined;
  const fn = skipOuterExpressions(callback);
  if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) || fn.parameters.length > 1 || fn.parameters.some((p) => p.dotDotDotToken)) return undefined;
  if (ts.isFunctionExpression(fn) && /\bthis\b/.test(fn.body.getText(ctx.sourceFile))) return undefined;
  const statement = awaited.parent;
  const source = ctx.sourceFile;
  const counter = freshName(statement.getText(source), 'batchStart');
  const items = collection.getText(source);
  const batch = `Promise.${combinator}(${items}.slice(${counter}, ${counter} + ${batchSize}).map(${callback.getText(source)}))`;
  const loopHead = `for (let ${counter} = 0; ${counter} < ${items}.length; ${counter} += ${batchSize})`;
  if (ts.isExpressionStatement(statement)) {
    return { title: `Run in batches of ${batchSize}`, preferred: true, edits: [{ start: statement.getStart(source), end: statement.end, newText: `${loopHead} await ${batch};` }] };
  }
  if (!ts.isVariableDeclaration(statement) || !ts.isIdentifier(statement.name) || statement.type) return undefined;
  const list = statement.parent;
  const variableStatement = list.parent;
  if (!ts.isVariableDeclarationList(list) || list.declarations.length !== 1 || !ts.isVariableStatement(variableStatement)) return undefined;
  if (variableStatement.modifiers?.length) return undefined;
  const annotation = ctx.isJavaScript ? '' : resultAnnotation(ctx, awaited);
  if (annotation === undefined) return undefined;
  const keyword = list.flags & ts.NodeFlags.Const ? 'const' : 'let';
  const name = statement.name.text;
  const indent = indentationAt(source, variableStatement.getStart(source));
  return {
    title: `Run in batches of ${batchSize}`,
    preferred: true,
    edits: [{ start: variableStatement.getStart(source), end: variableStatement.end, newText: `${keyword} ${name}${annotation} = [];\n${indent}${loopHead} ${name}.push(...(await ${batch}));` }],
  };
}

/** `: T[]` for the awaited result, or undefined when its type cannot be written here. */
function resultAnnotation(ctx: RuleContext, awaited: ts.AwaitExpression): string | undefined {
  const type = ctx.checker.getTypeAtLocation(awaited);
  if (!ctx.checker.isArrayType(type)) return undefined;
  const element = ctx.checker.getTypeArguments(type as ts.TypeReference)[0];
  if (!element || element.flags & ts.TypeFlags.Any) return undefined;
  const written = ctx.checker.typeToString(element, awaited, ts.TypeFormatFlags.NoTruncation);
  if (/import\(|\.\.\.|typeof /.test(written)) return undefined;
  const needsParens = /[|&]|=>/.test(written.replace(/<.*>|\{.*\}/g, ''));
  return `: ${needsParens ? `(${written})` : written}[]`;
}

function isSideEffectFree(expression: ts.Expression): boolean {
  const node = skipOuterExpressions(expression);
  if (ts.isIdentifier(node) || node.kind === ts.SyntaxKind.ThisKeyword) return true;
  return ts.isPropertyAccessExpression(node) && !node.questionDotToken && isSideEffectFree(node.expression);
}

