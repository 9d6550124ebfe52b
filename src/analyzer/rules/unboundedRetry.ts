// unbounded-retry: a loop or a recursion that retries an async operation after it fails, with no
// attempt limit, no deadline and no abort signal. When the dependency stays down (or the request is
// one it will always reject) it retries forever: a model call retried for hours, a hot loop hammering
// a failing service, a job that never finishes and never reports its error.
import { ts } from 'ts-morph';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { freshName, indentationAt, isInAsyncFunction } from './fixText';
import { skipParentheses } from '../expressions';

export const unboundedRetryRule: Rule = {
  id: 'unbounded-retry',
  family: 'async',
  meta: {
    description: 'A retry loop or retrying recursion around an async operation has no attempt limit, deadline or abort signal.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/unbounded-retry.md',
    fixable: true,
    requiresTypes: false,
    // A retry loop that ignores the caller's signal is this rule's finding; its fix bounds the loop.
    supersedes: ['abort-not-checked'],
    options: {
      maxAttempts: {
        schema: {
          type: 'integer',
          minimum: 1,
          default: 5,
          markdownDescription: 'How many attempts the fix allows before it rethrows the last error.',
        },
      },
    },
  },
  create(ctx) {
    const maxAttempts = typeof ctx.options.maxAttempts === 'number' && ctx.options.maxAttempts >= 1 ? Math.floor(ctx.options.maxAttempts) : 5;
    const checkLoop = (node: ts.Node): void => checkRetryLoop(ctx, node as ts.IterationStatement, maxAttempts);
    return {
      nodes: {
        [ts.SyntaxKind.WhileStatement]: checkLoop,
        [ts.SyntaxKind.DoStatement]: checkLoop,
        [ts.SyntaxKind.ForStatement]: checkLoop,
        [ts.SyntaxKind.CatchClause]: (node) => checkRetryingCatch(ctx, node as ts.CatchClause),
        [ts.SyntaxKind.CallExpression]: (node) => checkRetryingCatchCallback(ctx, node as ts.CallExpression),
      },
    };
  },
};

// ---- loops ----

function checkRetryLoop(ctx: RuleContext, loop: ts.IterationStatement, maxAttempts: number): void {
  const condition = loopCondition(loop);
  const alwaysTrue = condition === undefined || isConstantTrue(condition);
  const flag = alwaysTrue ? undefined : negatedFlag(condition);
  if (!alwaysTrue && !flag) return;
  const tryStatement = retriedTry(loop, flag);
  if (!tryStatement?.catchClause) return;
  if (isBounded(loop)) return;
  const delayed = hasDelayOutside(loop.statement, tryStatement.tryBlock);
  const head = loopHead(ctx, loop);
  ctx.report({
    start: head.start,
    end: head.end,
    message: `This loop retries a failing async operation with no attempt limit, deadline or abort signal${delayed ? '' : ' and no delay between attempts'}: while the dependency fails it retries forever${delayed ? '' : ' as fast as it fails'}, burning quota and hiding the error. Bound the attempts and back off between them (or use p-retry with \`retries\`).`,
    fixes: alwaysTrue ? loopFix(ctx, loop, tryStatement, maxAttempts) : [],
  });
}

function loopCondition(loop: ts.IterationStatement): ts.Expression | undefined {
  if (ts.isWhileStatement(loop) || ts.isDoStatement(loop)) return loop.expression;
  if (ts.isForStatement(loop)) return loop.condition;
  return undefined;
}

function isConstantTrue(expression: ts.Expression): boolean {
  const node = skipParentheses(expression);
  return node.kind === ts.SyntaxKind.TrueKeyword || (ts.isNumericLiteral(node) && Number(node.text) !== 0);
}

/** `while (!done)` / `while (!result)`: the name the try block sets when it succeeds. */
function negatedFlag(condition: ts.Expression): string | undefined {
  const node = skipParentheses(condition);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken && ts.isIdentifier(skipParentheses(node.operand))) return (skipParentheses(node.operand) as ts.Identifier).text;
  if (ts.isBinaryExpression(node) && ts.isIdentifier(node.left) && (node.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken || node.operatorToken.kind === ts.SyntaxKind.EqualsEqualsToken)) {
    const right = node.right;
    if (right.kind === ts.SyntaxKind.FalseKeyword || right.kind === ts.SyntaxKind.NullKeyword || right.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isIdentifier(right) && right.text === 'undefined')) return node.left.text;
  }
  return undefined;
}

/**
 * The try statement of a retry loop: directly in the loop's body, awaiting something, leaving the loop
 * when it succeeds (`break`/`return`, or setting the loop's flag), with a catch that goes round again.
 */
function retriedTry(loop: ts.IterationStatement, flag: string | undefined): ts.TryStatement | undefined {
  const statements = ts.isBlock(loop.statement) ? loop.statement.statements : [loop.statement];
  for (const statement of statements) {
    if (!ts.isTryStatement(statement) || !statement.catchClause) continue;
    if (!containsAwait(statement.tryBlock)) continue;
    const succeeds = flag === undefined ? exitsLoop(statement.tryBlock) : assigns(statement.tryBlock, flag);
    if (succeeds && !alwaysLeaves(statement.catchClause.block)) return statement;
  }
  return undefined;
}

/** A `break` or `return` in the block that leaves the enclosing loop (not an inner loop, switch or function). */
function exitsLoop(block: ts.Block): boolean {
  let found = false;
  const visit = (node: ts.Node, inInner: boolean): void => {
    if (found || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isReturnStatement(node)) found = true;
    else if (ts.isBreakStatement(node) && (!inInner || node.label)) found = true;
    const inner = inInner || ts.isIterationStatement(node, false) || ts.isSwitchStatement(node);
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(block, false);
  return found;
}

function assigns(block: ts.Block, name: string): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionLike(node)) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(node.left) && node.left.text === name) found = true;
    ts.forEachChild(node, visit);
  };
  visit(block);
  return found;
}

/** The catch always leaves (rethrows, returns or breaks): no retry. */
function alwaysLeaves(block: ts.Block): boolean {
  return block.statements.some((statement) => leaves(statement));
}

function leaves(statement: ts.Statement): boolean {
  if (ts.isThrowStatement(statement) || ts.isReturnStatement(statement) || (ts.isBreakStatement(statement) && !statement.label)) return true;
  if (ts.isBlock(statement)) return alwaysLeaves(statement);
  if (ts.isIfStatement(statement)) return statement.elseStatement !== undefined && leaves(statement.thenStatement) && leaves(statement.elseStatement);
  return false;
}

function containsAwait(node: ts.Node): boolean {
  let found = false;
  const visit = (child: ts.Node): void => {
    if (found || ts.isFunctionLike(child)) return;
    if (ts.isAwaitExpression(child) || (ts.isForOfStatement(child) && child.awaitModifier)) found = true;
    else ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

/**
 * Something bounds the loop: a counter that is updated and tested (`attempt++` and `attempt >= max`),
 * a deadline (`Date.now()` / `performance.now()` tested), or an abort signal (`.aborted`, `throwIfAborted()`).
 */
function isBounded(root: ts.Node, passedOn: readonly string[] = []): boolean {
  const updated = new Set<string>(passedOn);
  const tested: ts.Expression[] = [];
  let bounded = false;
  const visit = (node: ts.Node): void => {
    if (bounded || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'aborted') bounded = true;
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
      if (name === 'throwIfAborted') bounded = true;
    }
    if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) {
      updated.add(counterName(node.operand));
    }
    if (ts.isBinaryExpression(node)) {
      const operator = node.operatorToken.kind;
      if (operator === ts.SyntaxKind.PlusEqualsToken || operator === ts.SyntaxKind.MinusEqualsToken) updated.add(counterName(node.left));
      else if (operator === ts.SyntaxKind.EqualsToken && ts.isBinaryExpression(skipParentheses(node.right))) {
        // attempt = attempt + 1
        const right = skipParentheses(node.right) as ts.BinaryExpression;
        if (right.operatorToken.kind === ts.SyntaxKind.PlusToken || right.operatorToken.kind === ts.SyntaxKind.MinusToken) updated.add(counterName(node.left));
      }
    }
    if (ts.isIfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node)) tested.push(node.expression);
    if (ts.isForStatement(node) && node.condition) tested.push(node.condition);
    if (ts.isConditionalExpression(node)) tested.push(node.condition);
    if (ts.isBinaryExpression(node) && isComparison(node.operatorToken.kind)) tested.push(node);
    ts.forEachChild(node, visit);
  };
  visit(root);
  if (bounded) return true;
  return tested.some((condition) => {
    const text = condition.getText();
    if (/\b(Date\.now|performance\.now|hrtime|new Date)\b/.test(text)) return true;
    return [...updated].some((name) => name !== '' && new RegExp(`(^|[^\\w$.])${escapeRegExp(name)}\\b`).test(text));
  });
}

function counterName(node: ts.Expression): string {
  const inner = skipParentheses(node);
  if (ts.isIdentifier(inner)) return inner.text;
  if (ts.isPropertyAccessExpression(inner) && inner.expression.kind === ts.SyntaxKind.ThisKeyword) return `this.${inner.name.text}`;
  return '';
}

function isComparison(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.LessThanToken && kind <= ts.SyntaxKind.ExclamationEqualsEqualsToken && kind !== ts.SyntaxKind.EqualsGreaterThanToken;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.$]/g, (c) => `\\${c}`);
}

/** An await in the loop outside the retried try block (or in its catch): a delay between attempts. */
function hasDelayOutside(body: ts.Statement, tryBlock: ts.Block): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || node === tryBlock || ts.isFunctionLike(node)) return;
    if (ts.isAwaitExpression(node)) found = true;
    else ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

function loopHead(ctx: RuleContext, loop: ts.IterationStatement): { start: number; end: number } {
  const start = loop.getStart(ctx.sourceFile);
  if (ts.isDoStatement(loop)) return { start, end: start + 2 };
  const close = loop.getChildren(ctx.sourceFile).find((child) => child.kind === ts.SyntaxKind.CloseParenToken);
  return { start, end: close ? close.end : loop.statement.getStart(ctx.sourceFile) };
}

/**
 * `while (true)` / `for (;;)` becomes `for (let attempt = 1; ; attempt++)`, and the catch starts with
 * `if (attempt >= N) throw error;` and a jittered exponential backoff (checking a signal in scope).
 * Offered only in an async function, where the catch binds a plain name or none.
 */
function loopFix(ctx: RuleContext, loop: ts.IterationStatement, tryStatement: ts.TryStatement, maxAttempts: number): FixSpec[] {
  if (ts.isDoStatement(loop) || !isInAsyncFunction(loop)) return [];
  const catchClause = tryStatement.catchClause;
  if (!catchClause) return [];
  const declaration = catchClause.variableDeclaration;
  if (declaration && (!ts.isIdentifier(declaration.name) || declaration.type)) return [];
  const source = ctx.sourceFile;
  const sleep = sleepExpression(ctx);
  if (!sleep) return [];
  const loopText = loop.getText(source);
  const attempt = freshName(loopText, 'attempt');
  const error = declaration ? (declaration.name as ts.Identifier).text : freshName(catchClause.block.getText(source), 'error');
  const head = loopHead(ctx, loop);
  const edits: FixSpec['edits'] = [{ start: head.start, end: head.end, newText: `for (let ${attempt} = 1; ; ${attempt}++)` }];
  if (!declaration) {
    const catchKeywordEnd = catchClause.getStart(source) + 'catch'.length;
    edits.push({ start: catchKeywordEnd, end: catchClause.block.getStart(source), newText: ` (${error}) ` });
  }
  const signal = signalInScope(loop);
  const firstStatement = catchClause.block.statements[0];
  const bodyIndent = firstStatement ? indentationAt(source, firstStatement.getStart(source)) : `${indentationAt(source, catchClause.getStart(source))}  `;
  const delay = `Math.min(30_000, 2 ** ${attempt} * 100) * (0.5 + Math.random())`;
  const lines = [`if (${attempt} >= ${maxAttempts}) throw ${error};`, `await ${sleep(delay)};`];
  if (signal) lines.push(`${signal}.throwIfAborted();`);
  const insertAt = catchClause.block.getStart(source) + 1;
  const inserted = lines.map((line) => `\n${bodyIndent}${line}`).join('') + (firstStatement ? '' : `\n${indentationAt(source, catchClause.getStart(source))}`);
  edits.push({ start: insertAt, end: insertAt, newText: inserted });
  return [{ title: `Stop after ${maxAttempts} attempts and back off between them`, preferred: true, edits }];
}

/** How to wait `ms` here: the global setTimeout, or timers/promises' when the file imports it under that name. */
function sleepExpression(ctx: RuleContext): ((ms: string) => string) | undefined {
  const imported = ctx.catalogue.importedAs('setTimeout');
  if (imported) return imported.module === 'timers/promises' && imported.name === 'setTimeout' ? (ms) => `setTimeout(${ms})` : undefined;
  if (/\b(const|let|var|function)\s+setTimeout\b/.test(ctx.sourceFile.text)) return undefined;
  return (ms) => `new Promise((resolve) => setTimeout(resolve, ${ms}))`;
}

/** A parameter named `signal` (or `options.signal`) of the enclosing function, as an expression. */
function signalInScope(node: ts.Node): string | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (!ts.isFunctionLike(current)) continue;
    for (const parameter of current.parameters) {
      if (ts.isIdentifier(parameter.name) && parameter.name.text === 'signal') {
        return parameter.questionToken || parameter.initializer ? 'signal?' : 'signal';
      }
    }
    return undefined;
  }
  return undefined;
}

// ---- recursion ----

/** `catch (error) { return this.send(message); }`: the function calls itself again when it fails. */
function checkRetryingCatch(ctx: RuleContext, catchClause: ts.CatchClause): void {
  const tryStatement = catchClause.parent;
  if (!containsAwait(tryStatement.tryBlock)) return;
  const fn = enclosingFunction(catchClause);
  if (!fn) return;
  const name = functionName(fn);
  if (!name) return;
  const call = findSelfCall(catchClause.block, name);
  if (!call || isBounded(fn.body ?? fn, changedParameters(fn, call))) return;
  reportRecursion(ctx, call, hasAwaitBefore(catchClause.block, call));
}

/** `return fetchQuote(id).catch(() => fetchQuote(id))` inside fetchQuote. */
function checkRetryingCatchCallback(ctx: RuleContext, call: ts.CallExpression): void {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'catch' || call.arguments.length !== 1) return;
  const handler = call.arguments[0];
  if (!ts.isArrowFunction(handler) && !ts.isFunctionExpression(handler)) return;
  const fn = enclosingFunction(call);
  if (!fn) return;
  const name = functionName(fn);
  if (!name) return;
  const selfCall = findSelfCall(handler.body, name);
  if (!selfCall || isBounded(fn.body ?? fn, changedParameters(fn, selfCall))) return;
  reportRecursion(ctx, selfCall, hasAwaitBefore(handler.body, selfCall));
}

function reportRecursion(ctx: RuleContext, call: ts.CallExpression, delayed: boolean): void {
  ctx.report({
    node: call,
    message: `This call retries the failed operation by calling \`${call.expression.getText(ctx.sourceFile)}\` again, with no attempt limit, deadline or abort signal${delayed ? '' : ' and no delay'}: while the dependency fails it retries forever${delayed ? '' : ' as fast as it fails'}. Pass an attempt count and stop at a limit, with backoff between attempts (or use p-retry with \`retries\`).`,
  });
}

/** Parameters the retrying call passes on changed (`send(message, attempt + 1)`): counters when tested. */
function changedParameters(fn: NamedFunction, call: ts.CallExpression): string[] {
  const names: string[] = [];
  fn.parameters.forEach((parameter, index) => {
    const argument = call.arguments[index];
    if (!argument || !ts.isIdentifier(parameter.name)) return;
    const passed = skipParentheses(argument);
    if (!(ts.isIdentifier(passed) && passed.text === parameter.name.text)) names.push(parameter.name.text);
  });
  return names;
}

type NamedFunction = ts.FunctionDeclaration | ts.MethodDeclaration | ts.FunctionExpression | ts.ArrowFunction;

function enclosingFunction(node: ts.Node): NamedFunction | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionDeclaration(current) || ts.isMethodDeclaration(current) || ts.isFunctionExpression(current) || ts.isArrowFunction(current)) return current;
    if (ts.isFunctionLike(current) || ts.isClassLike(current)) return undefined;
  }
  return undefined;
}

/** The name a function calls itself by: its own name, a method's `this.name`, or the variable holding it. */
function functionName(fn: NamedFunction): { name: string; method: boolean } | undefined {
  if (ts.isMethodDeclaration(fn)) return ts.isIdentifier(fn.name) || ts.isPrivateIdentifier(fn.name) ? { name: fn.name.text, method: true } : undefined;
  if ((ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name) return { name: fn.name.text, method: false };
  const parent = fn.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return { name: parent.name.text, method: false };
  if (ts.isPropertyDeclaration(parent) && (ts.isIdentifier(parent.name) || ts.isPrivateIdentifier(parent.name))) return { name: parent.name.text, method: true };
  return undefined;
}

function findSelfCall(root: ts.Node, target: { name: string; method: boolean }): ts.CallExpression | undefined {
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (found || (node !== root && ts.isFunctionLike(node))) return;
    if (ts.isCallExpression(node)) {
      const callee = skipParentheses(node.expression);
      if (target.method && ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword && callee.name.text === target.name) found = node;
      else if (!target.method && ts.isIdentifier(callee) && callee.text === target.name) found = node;
    }
    ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

function hasAwaitBefore(root: ts.Node, call: ts.CallExpression): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || node.pos >= call.pos || (node !== root && ts.isFunctionLike(node))) return;
    if (ts.isAwaitExpression(node) && !(node.expression === call)) found = true;
    ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

// ---- helpers ----

