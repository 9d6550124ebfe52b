// unawaited-promise-variable: a promise created into a `const`/`let` that, on some path to the end
// of its scope, is never awaited, returned, passed on, stored or given a rejection handler. Its
// rejection becomes an unhandledRejection and nothing waits for the work. typescript-eslint leaves
// these alone (#6766, #3359): floating-promise only sees expression statements.
//
// The flow analysis is syntactic and conservative: any later mention of the variable counts as
// handling it, and constructs it does not model precisely end the search without a finding. Only
// a variable that the analysis finds leaking is shown to the type checker.
import { ts } from 'ts-morph';
import { skipOuterExpressions } from '../expressions';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { cannotReturnThenable, isThenable } from '../thenables';
import { canAwaitHere, needsParensForAwait, needsParensForMember } from './fixText';

export const unawaitedPromiseVariableRule: Rule = {
  id: 'unawaited-promise-variable',
  family: 'async',
  meta: {
    description: 'A promise kept in a local variable is, on some path, never awaited, returned, passed on, stored nor given a rejection handler.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/unawaited-promise-variable.md',
    fixable: true,
    requiresTypes: true,
  },
  create(ctx) {
    const candidates: Candidate[] = [];
    return {
      nodes: {
        [ts.SyntaxKind.VariableStatement]: (node) => collectCandidates(node as ts.VariableStatement, candidates),
      },
      end: () => {
        if (candidates.length === 0) return;
        const mentions = indexMentions(ctx.sourceFile, new Set(candidates.map((c) => c.declaration.name.text)));
        for (const candidate of candidates) checkCandidate(ctx, candidate, mentions.get(candidate.declaration.name.text) ?? []);
      },
    };
  },
};

type Scope = ts.Block | ts.SourceFile | ts.ModuleBlock;

interface Candidate {
  declaration: ts.VariableDeclaration & { name: ts.Identifier; initializer: ts.Expression };
  statement: ts.VariableStatement;
  scope: Scope;
}

/** A way out of the variable's scope on which the promise is still unhandled. */
type Leak = { kind: 'return' | 'throw' | 'break' | 'continue'; node: ts.Statement } | { kind: 'end' };

function collectCandidates(statement: ts.VariableStatement, candidates: Candidate[]): void {
  const scope = statement.parent;
  if (!ts.isBlock(scope) && !ts.isSourceFile(scope) && !ts.isModuleBlock(scope)) return;
  const flags = statement.declarationList.flags;
  if (!(flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) || (flags & ts.NodeFlags.Using) === ts.NodeFlags.Using) return;
  if (ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DeclareKeyword)) return;
  for (const declaration of statement.declarationList.declarations) {
    if (!ts.isIdentifier(declaration.name) || !declaration.initializer) continue;
    if (!createsUnhandledPromise(declaration.initializer)) continue;
    candidates.push({ declaration: declaration as Candidate['declaration'], statement, scope });
  }
}

/** Array methods whose result is already held elsewhere (a queue, a list): the variable only borrows it. */
const arrayRetrievalMethods = new Set(['at', 'find', 'findLast', 'pop', 'shift']);
/** Lookups that are retrievals when the receiver is a collection (`cache.get(key)`), not `http.get(url)`. */
const keyedRetrievalMethods = new Set(['get', 'peek']);

/**
 * Cheap syntactic filter: the initializer may create a new promise that nothing else holds. Aliases
 * of existing promises (`const p = this.pending`, `queue.shift()`) and chains that end in a
 * rejection handler are left out before the checker is asked.
 */
function createsUnhandledPromise(node: ts.Expression): boolean {
  const expression = skipOuterExpressions(node);
  if (ts.isConditionalExpression(expression)) {
    const branches = [expression.whenTrue, expression.whenFalse].map(skipOuterExpressions);
    return branches.some(createsUnhandledPromise) && branches.every((b) => createsUnhandledPromise(b) || isNullish(b));
  }
  // Of constructors only `new Promise(…)`: asking the type of every `new Map()` costs more than the rare thenable class finds.
  if (ts.isNewExpression(expression)) return ts.isIdentifier(expression.expression) && expression.expression.text === 'Promise';
  if (ts.isTaggedTemplateExpression(expression)) return true;
  if (!ts.isCallExpression(expression)) return false;
  let call: ts.CallExpression = expression;
  // `p.finally(f)` rejects when `p` does.
  while (ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'finally' && ts.isCallExpression(skipOuterExpressions(call.expression.expression))) {
    call = skipOuterExpressions(call.expression.expression) as ts.CallExpression;
  }
  const callee = call.expression;
  // A plain IIFE (`(() => { … })()`) computes a value; its type would cost inferring the body.
  const invoked = skipOuterExpressions(callee);
  if ((ts.isArrowFunction(invoked) || ts.isFunctionExpression(invoked)) && !isAsyncFunction(invoked)) return false;
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    if (method === 'catch' && call.arguments.length >= 1) return false;
    if (method === 'then' && call.arguments.length >= 2) return false;
    if (arrayRetrievalMethods.has(method)) return false;
  }
  return true;
}

/** Cheapest questions first: a declared type, or a callee that cannot return a thenable, settle it. */
function holdsPromise(ctx: RuleContext, declaration: Candidate['declaration']): boolean {
  const checker = ctx.checker;
  if (declaration.type) return isThenable(checker, checker.getTypeFromTypeNode(declaration.type));
  const initializer = skipOuterExpressions(declaration.initializer);
  if (isAsyncIife(initializer)) return true;
  if (cannotBeThenable(checker, initializer)) return false;
  if (isCollectionLookup(ctx, initializer)) return false;
  return isThenable(checker, checker.getTypeAtLocation(declaration.name));
}

/** Settled from the callees' declared return types, without resolving the calls. */
function cannotBeThenable(checker: ts.TypeChecker, expression: ts.Expression): boolean {
  if (ts.isConditionalExpression(expression)) return [expression.whenTrue, expression.whenFalse].map(skipOuterExpressions).every((branch) => isNullish(branch) || cannotBeThenable(checker, branch));
  if (!ts.isCallExpression(expression)) return false;
  return cannotReturnThenable(checker, expression) || returnsOnlyPrimitives(checker, expression);
}

/** `cannotReturnThenable` leaves template literal types (viem's `0x${string}`) to the full check; they are strings. */
function returnsOnlyPrimitives(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  const signatures = checker.getTypeAtLocation(call.expression).getCallSignatures();
  if (signatures.length === 0) return false;
  return signatures.every((signature) => {
    const type = checker.getReturnTypeOfSignature(signature);
    return (type.isUnion() ? type.types : [type]).every((member) => member.flags & primitiveFlags);
  });
}

const primitiveFlags = ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void;

/** `inflight.get(key)` on something with `has` (a Map, an LRU cache): the promise lives there. */
function isCollectionLookup(ctx: RuleContext, expression: ts.Expression): boolean {
  if (!ts.isCallExpression(expression) || !ts.isPropertyAccessExpression(expression.expression)) return false;
  if (!keyedRetrievalMethods.has(expression.expression.name.text)) return false;
  const receiver = ctx.checker.getNonNullableType(ctx.checker.getTypeAtLocation(expression.expression.expression));
  return receiver.getProperty('has') !== undefined;
}

function isAsyncFunction(fn: ts.ArrowFunction | ts.FunctionExpression): boolean {
  return (ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false) && !fn.asteriskToken;
}

/** `(async () => { … })()` is a promise: no need to infer its body's type. */
function isAsyncIife(expression: ts.Expression): boolean {
  if (!ts.isCallExpression(expression)) return false;
  const invoked = skipOuterExpressions(expression.expression);
  return (ts.isArrowFunction(invoked) || ts.isFunctionExpression(invoked)) && isAsyncFunction(invoked);
}

function isNullish(expression: ts.Expression): boolean {
  return expression.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(expression) && expression.text === 'undefined');
}

/**
 * Start positions of the identifiers that may mention each name, in source order. Matching by
 * text over-counts (a shadowing variable counts too), which only ever removes findings.
 */
function indexMentions(sourceFile: ts.SourceFile, names: ReadonlySet<string>): Map<string, ts.Identifier[]> {
  const mentions = new Map<string, ts.Identifier[]>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      if (names.has(node.text) && !isNonReferenceName(node)) {
        const list = mentions.get(node.text) ?? [];
        list.push(node);
        mentions.set(node.text, list);
      }
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return mentions;
}

/** Names that are not a reference to a variable: `a.p`, `{ p: 1 }`, `p() {}`, labels. */
function isNonReferenceName(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent)) return parent.name === node;
  if (ts.isQualifiedName(parent)) return parent.right === node;
  if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent) || ts.isPropertySignature(parent) || ts.isMethodSignature(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent) || ts.isEnumMember(parent)) {
    return parent.name === node;
  }
  return ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent);
}

function checkCandidate(ctx: RuleContext, candidate: Candidate, allMentions: readonly ts.Identifier[]): void {
  const { declaration, statement, scope } = candidate;
  const mentions = allMentions.filter((m) => m !== declaration.name && m.pos >= scope.pos && m.end <= scope.end);
  // Mentioned before (hoisted functions) or within its own statement (`q = p`): not followed.
  if (mentions.some((m) => m.pos < statement.end)) return;
  // Reassigned: which promise a later mention handles is not followed.
  if (mentions.some(isAssignmentTarget)) return;
  const flow = new PathFinder(mentions.map((m) => m.getStart(ctx.sourceFile)));
  const statements = scope.statements;
  const open = flow.sequence(statements.slice(statements.indexOf(statement) + 1), true);
  const leaks: Leak[] = [...flow.leaks];
  if (open) leaks.push({ kind: 'end' });
  const unused = mentions.length === 0;
  if (leaks.length === 0 && !unused) return;
  if (!holdsPromise(ctx, declaration)) return;

  const name = declaration.name.text;
  const why = 'a rejection becomes an unhandledRejection (which ends the process by default) and nothing waits for the work to finish';
  const message = unused
    ? `\`${name}\` holds ${describeInitializer(ctx, declaration.initializer)} but it is never awaited or handled: ${why}. Await it, or attach a .catch if it is meant to run detached.`
    : `\`${name}\` holds a promise that is not awaited when ${leaks.slice(0, 3).map((leak) => describeLeak(ctx, leak, scope)).join(', when ')}${leaks.length > 3 ? ' (and more)' : ''}: on that path ${why}. Await it (or attach a .catch) there too.`;
  ctx.report({ node: declaration.name, message, fixes: fixesFor(ctx, candidate, mentions, leaks) });
}

/**
 * Follows the statements after the declaration with one bit: may control be here with the promise
 * still unhandled ("open")? Any mention closes it; so do constructs it does not follow precisely
 * (a loop or switch that mentions the variable). Exits taken while open are leaks.
 */
class PathFinder {
  readonly leaks: Leak[] = [];
  private loops = 0;
  private breakables = 0;
  /** Try blocks with a catch clause around the current statement: a throw there goes to the catch. */
  private catches = 0;

  constructor(private readonly mentionStarts: readonly number[]) {}

  sequence(statements: readonly ts.Statement[], open: boolean): boolean {
    let current = open;
    for (const statement of statements) {
      if (!current) return false;
      current = this.statement(statement);
    }
    return current;
  }

  /** Called while open; returns whether control may leave the statement normally, still open. */
  private statement(node: ts.Statement): boolean {
    if (ts.isBlock(node)) return this.sequence(node.statements, true);
    if (ts.isReturnStatement(node)) {
      if (!this.mentions(node)) this.leaks.push({ kind: 'return', node });
      return false;
    }
    if (ts.isThrowStatement(node)) {
      if (this.catches === 0 && !this.mentions(node)) this.leaks.push({ kind: 'throw', node });
      return false;
    }
    if (ts.isBreakStatement(node)) {
      if (!node.label && this.breakables === 0) this.leaks.push({ kind: 'break', node });
      return false;
    }
    if (ts.isContinueStatement(node)) {
      if (!node.label && this.loops === 0) this.leaks.push({ kind: 'continue', node });
      return false;
    }
    if (ts.isIfStatement(node)) {
      if (this.mentions(node.expression)) return false;
      const thenOpen = this.statement(node.thenStatement);
      const elseOpen = node.elseStatement ? this.statement(node.elseStatement) : true;
      return thenOpen || elseOpen;
    }
    if (ts.isIterationStatement(node, false)) return this.loop(node);
    if (ts.isSwitchStatement(node)) {
      if (this.mentions(node.expression)) return false;
      this.breakables++;
      for (const clause of node.caseBlock.clauses) this.sequence(clause.statements, true);
      this.breakables--;
      return !this.mentions(node.caseBlock);
    }
    if (ts.isTryStatement(node)) return this.tryStatement(node);
    if (ts.isLabeledStatement(node)) {
      this.statement(node.statement);
      return !this.mentions(node);
    }
    return !this.mentions(node);
  }

  private loop(node: ts.IterationStatement): boolean {
    if (loopHeader(node).some((part) => part && this.mentions(part))) return false;
    this.loops++;
    this.breakables++;
    this.statement(node.statement);
    this.loops--;
    this.breakables--;
    if (this.mentions(node)) return false;
    // After `while (true)` or `for (;;)` only a `break` gets there: not followed.
    return !isEndless(node);
  }

  private tryStatement(node: ts.TryStatement): boolean {
    // Every way out of try and catch runs finally: a mention there handles them all.
    if (node.finallyBlock && this.mentions(node.finallyBlock)) return false;
    if (node.catchClause) this.catches++;
    const tryOpen = this.statement(node.tryBlock);
    if (node.catchClause) this.catches--;
    // After a mention in try, the catch may run with the promise handled or not: not followed.
    const catchOpen = node.catchClause && !this.mentions(node.tryBlock) ? this.statement(node.catchClause.block) : false;
    const open = tryOpen || catchOpen;
    return node.finallyBlock && open ? this.statement(node.finallyBlock) : open;
  }

  private mentions(node: ts.Node): boolean {
    const starts = this.mentionStarts;
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (starts[middle] < node.pos) low = middle + 1;
      else high = middle;
    }
    return low < starts.length && starts[low] < node.end;
  }
}

/** The parts evaluated before the body first runs. */
function loopHeader(node: ts.IterationStatement): Array<ts.Node | undefined> {
  if (ts.isForStatement(node)) return [node.initializer, node.condition];
  if (ts.isForInStatement(node) || ts.isForOfStatement(node)) return [node.initializer, node.expression];
  if (ts.isWhileStatement(node)) return [node.expression];
  return [];
}

function isEndless(node: ts.IterationStatement): boolean {
  if (ts.isForStatement(node)) return !node.condition || node.condition.kind === ts.SyntaxKind.TrueKeyword;
  return (ts.isWhileStatement(node) || ts.isDoStatement(node)) && node.expression.kind === ts.SyntaxKind.TrueKeyword;
}

function describeInitializer(ctx: RuleContext, initializer: ts.Expression): string {
  const inner = skipOuterExpressions(initializer);
  if (ts.isCallExpression(inner)) {
    const callee = inner.expression.getText(ctx.sourceFile);
    return `the promise returned by \`${callee.length > 60 ? `${callee.slice(0, 57)}...` : callee}(…)\``;
  }
  return 'a promise';
}

function lineOf(ctx: RuleContext, position: number): number {
  return ctx.sourceFile.getLineAndCharacterOfPosition(position).line + 1;
}

function describeLeak(ctx: RuleContext, leak: Leak, scope: Scope): string {
  switch (leak.kind) {
    case 'return':
      return `the function returns at line ${lineOf(ctx, leak.node.getStart(ctx.sourceFile))}`;
    case 'throw':
      return `the function throws at line ${lineOf(ctx, leak.node.getStart(ctx.sourceFile))}`;
    case 'break':
      return `\`break\` leaves at line ${lineOf(ctx, leak.node.getStart(ctx.sourceFile))}`;
    case 'continue':
      return `the loop continues at line ${lineOf(ctx, leak.node.getStart(ctx.sourceFile))}`;
    case 'end':
      if (ts.isSourceFile(scope)) return 'the module ends';
      return `${ts.isFunctionLike(scope.parent) ? 'the function' : 'its block'} ends at line ${lineOf(ctx, scope.end)}`;
  }
}

function fixesFor(ctx: RuleContext, candidate: Candidate, mentions: readonly ts.Identifier[], leaks: readonly Leak[]): FixSpec[] {
  const { declaration, statement } = candidate;
  const initializer = declaration.initializer;
  const source = ctx.sourceFile.text;
  const initText = source.slice(initializer.getStart(ctx.sourceFile), initializer.end);
  const awaitable = canAwaitHere(ctx, statement);
  const fixes: FixSpec[] = [];
  const alone = statement.declarationList.declarations.length === 1;
  if (mentions.length === 0 && alone) {
    const statementRange = { start: statement.getStart(ctx.sourceFile), end: statement.end };
    if (awaitable) {
      const awaited = needsParensForAwait(initializer) ? `await (${initText});` : `await ${initText};`;
      fixes.push({ title: 'Await it where it is created', preferred: true, edits: [{ ...statementRange, newText: awaited }] });
    }
    fixes.push({ title: 'Mark as intentionally detached: void ….catch(…)', edits: [{ ...statementRange, newText: `void ${withCatch(ctx, initializer, initText)};` }] });
    return fixes;
  }
  // Awaiting before a `throw` would replace its error with the promise's: not offered there.
  if (awaitable && mentions.length > 0 && leaks.every((leak) => leak.kind !== 'throw')) {
    const name = declaration.name.text;
    const edits = leaks.map((leak) => awaitBeforeLeaving(ctx, leak, candidate.scope, statement, name)).filter((e) => e !== undefined);
    if (edits.length === leaks.length) fixes.push({ title: `Await \`${name}\` before leaving on ${leaks.length === 1 ? 'that path' : 'those paths'}`, edits });
  }
  // `.catch` widens the type to Promise<T | void>: offered only where nothing reads the value.
  if (!declaration.type && mentions.every(isValueDiscarded)) {
    fixes.push({ title: 'Attach .catch so a rejection is logged', edits: [{ start: initializer.getStart(ctx.sourceFile), end: initializer.end, newText: withCatch(ctx, initializer, initText) }] });
  }
  return fixes;
}

function isAssignmentTarget(mention: ts.Identifier): boolean {
  let node: ts.Node = mention;
  // Destructuring assignments: `[p] = ...`, `({ p } = ...)`.
  while (ts.isParenthesizedExpression(node.parent) || ts.isArrayLiteralExpression(node.parent) || ts.isShorthandPropertyAssignment(node.parent) || ts.isObjectLiteralExpression(node.parent) || ts.isSpreadElement(node.parent)) node = node.parent;
  const parent = node.parent;
  if (ts.isBinaryExpression(parent)) {
    const operator = parent.operatorToken.kind;
    return parent.left === node && operator >= ts.SyntaxKind.FirstAssignment && operator <= ts.SyntaxKind.LastAssignment;
  }
  return (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) && (parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken);
}

/** `await p;` or `void p` as a statement: the settled value is not read. */
function isValueDiscarded(mention: ts.Identifier): boolean {
  const parent = mention.parent;
  return (ts.isAwaitExpression(parent) || ts.isVoidExpression(parent)) && ts.isExpressionStatement(parent.parent);
}

/** `init.catch(handler)`; `?.` when the value may be undefined (`flag ? load() : undefined`). */
function withCatch(ctx: RuleContext, initializer: ts.Expression, initText: string): string {
  const wrapped = needsParensForMember(initializer) ? `(${initText})` : initText;
  const handler = `${ctx.isJavaScript ? 'error' : '(error: unknown)'} => { console.error(error); }`;
  const type = ctx.checker.getTypeAtLocation(initializer);
  const promise = ctx.checker.getNonNullableType(type);
  const access = promise === type ? '.' : '?.';
  return promise.getProperty('catch') !== undefined ? `${wrapped}${access}catch(${handler})` : `${wrapped}${access}then(undefined, ${handler})`;
}

function awaitBeforeLeaving(ctx: RuleContext, leak: Leak, scope: Scope, declarationStatement: ts.Statement, name: string): FixSpec['edits'][number] | undefined {
  const source = ctx.sourceFile.text;
  if (leak.kind === 'end') {
    if (ts.isSourceFile(scope)) return { start: scope.end, end: scope.end, newText: `${source.endsWith('\n') ? '' : '\n'}await ${name};\n` };
    const brace = scope.end - 1;
    const lineStart = source.lastIndexOf('\n', brace - 1) + 1;
    if (source.slice(lineStart, brace).trim() !== '') return { start: brace, end: brace, newText: `await ${name}; ` };
    return { start: lineStart, end: lineStart, newText: `${indentationAt(source, declarationStatement.getStart(ctx.sourceFile))}await ${name};\n` };
  }
  const start = leak.node.getStart(ctx.sourceFile);
  const parent = leak.node.parent;
  if (ts.isBlock(parent) || ts.isSourceFile(parent) || ts.isModuleBlock(parent) || ts.isCaseOrDefaultClause(parent)) {
    const lineStart = source.lastIndexOf('\n', start - 1) + 1;
    const onOwnLine = source.slice(lineStart, start).trim() === '';
    return { start, end: start, newText: onOwnLine ? `await ${name};\n${source.slice(lineStart, start)}` : `await ${name}; ` };
  }
  return { start, end: leak.node.end, newText: `{ await ${name}; ${source.slice(start, leak.node.end)} }` };
}

function indentationAt(source: string, position: number): string {
  const lineStart = source.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))?.[0] ?? '';
}
