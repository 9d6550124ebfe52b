// span-not-ended: an OpenTelemetry span from `tracer.startSpan(...)`, or the span a
// `startActiveSpan(...)` callback receives, that some path (a throw, an early return, the end of the
// block) leaves without `span.end()`. An unended span is never exported, so exactly the failing
// requests go missing from the traces, and the span keeps its attributes and events in memory.
import { ts } from 'ts-morph';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { indentationAt, indentedLines, indentUnit, lineStartOf } from './fixText';
import { skipOuterExpressions } from '../expressions';

const otelModule = '@opentelemetry/api';

export const spanNotEndedRule: Rule = {
  id: 'span-not-ended',
  family: 'async',
  meta: {
    description: 'An OpenTelemetry span is not ended on every path (a throw, an early return): end it in a `finally`.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/span-not-ended.md',
    fixable: true,
    requiresTypes: true,
  },
  create(ctx) {
    let importsOtel: boolean | undefined;
    const fileImportsOtel = (): boolean => (importsOtel ??= ctx.catalogue.importsModule(otelModule));
    return {
      nodes: {
        [ts.SyntaxKind.CallExpression]: (node) => checkCall(ctx, node as ts.CallExpression, fileImportsOtel),
      },
    };
  },
};

function checkCall(ctx: RuleContext, call: ts.CallExpression, fileImportsOtel: () => boolean): void {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return;
  const method = callee.name.text;
  if (method === 'startSpan') {
    if (!startsOtelSpan(ctx, call, fileImportsOtel)) return;
    checkStartSpan(ctx, call);
  } else if (method === 'startActiveSpan') {
    const callback = call.arguments[call.arguments.length - 1];
    if (call.arguments.length < 2 || !callback || !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))) return;
    if (!startsOtelActiveSpan(ctx, call, callback, fileImportsOtel)) return;
    checkActiveSpanCallback(ctx, call, callback);
  }
}

// ---- Recognising OpenTelemetry tracers ----

/** With types: the call returns @opentelemetry/api's `Span`. Without: an OpenTelemetry tracer by import and name. */
function startsOtelSpan(ctx: RuleContext, call: ts.CallExpression, fileImportsOtel: () => boolean): boolean {
  const type = ctx.checker.getTypeAtLocation(call);
  if (!(type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return isOtelSpanType(type);
  return fileImportsOtel() && isTracerLike(ctx, (call.expression as ts.PropertyAccessExpression).expression);
}

function startsOtelActiveSpan(ctx: RuleContext, call: ts.CallExpression, callback: ts.ArrowFunction | ts.FunctionExpression, fileImportsOtel: () => boolean): boolean {
  const callee = call.expression as ts.PropertyAccessExpression;
  const calleeType = ctx.checker.getTypeAtLocation(callee);
  if (!(calleeType.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) && calleeType.getCallSignatures().length > 0) {
    const parameter = callback.parameters[0];
    if (parameter) return isOtelSpanType(ctx.checker.getTypeAtLocation(parameter));
    return ctx.catalogue.resolve(callee)?.module === otelModule;
  }
  return fileImportsOtel() && isTracerLike(ctx, callee.expression);
}

function isOtelSpanType(type: ts.Type): boolean {
  const symbol = type.aliasSymbol ?? type.getSymbol();
  if (!symbol || symbol.getName() !== 'Span') return false;
  return symbol.declarations?.some((d) => /\/node_modules\/@opentelemetry\/api\//.test(d.getSourceFile().fileName.replace(/\\/g, '/'))) ?? false;
}

/** `trace.getTracer(...)` itself, a local initialised with it, or a receiver conventionally named `tracer`. */
function isTracerLike(ctx: RuleContext, receiver: ts.Expression): boolean {
  const expression = skipOuterExpressions(receiver);
  if (isGetTracerCall(ctx, expression)) return true;
  const name = ts.isIdentifier(expression) ? expression.text : ts.isPropertyAccessExpression(expression) ? expression.name.text : undefined;
  if (name === undefined) return false;
  if (/tracer$/i.test(name)) return true;
  if (!ts.isIdentifier(expression)) return false;
  const declaration = ctx.checker.getSymbolAtLocation(expression)?.valueDeclaration;
  return declaration !== undefined && ts.isVariableDeclaration(declaration) && declaration.initializer !== undefined && isGetTracerCall(ctx, skipOuterExpressions(declaration.initializer));
}

function isGetTracerCall(ctx: RuleContext, expression: ts.Expression): boolean {
  if (!ts.isCallExpression(expression)) return false;
  const ref = ctx.catalogue.resolve(expression.expression);
  return ref?.module === otelModule && /(^|\.)getTracer$/.test(ref.name);
}

// ---- Where the span goes ----

function checkStartSpan(ctx: RuleContext, call: ts.CallExpression): void {
  let node: ts.Node = call;
  while (ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent) || ts.isNonNullExpression(node.parent) || ts.isSatisfiesExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if (ts.isExpressionStatement(parent)) {
    ctx.report({ node: call, message: `The span from \`${calleeText(ctx, call)}(…)\` is dropped, so it is never ended: a span that is never ended is never exported. Keep it and call \`span.end()\` in a \`finally\`.` });
    return;
  }
  // Returned, passed on, stored on `this` or in an object: whoever receives it is responsible.
  if (!ts.isVariableDeclaration(parent) || parent.initializer !== node || !ts.isIdentifier(parent.name)) return;
  const statement = parent.parent.parent;
  if (!ts.isVariableStatement(statement)) return;
  const list = statement.parent;
  if (!(ts.isBlock(list) || ts.isSourceFile(list) || ts.isCaseClause(list) || ts.isDefaultClause(list) || ts.isModuleBlock(list))) return;
  const statements = list.statements;
  const region = statements.slice(statements.indexOf(statement) + 1);
  const span = ctx.checker.getSymbolAtLocation(parent.name);
  if (!span) return;
  const leak = findLeak(ctx, span, region, statement.end);
  if (!leak) return;
  ctx.report({
    node: call,
    message: leakMessage(leak),
    fixes: wrapFix(ctx, parent.name.text, span, region, statements.slice(0, statements.indexOf(statement)), !ts.isSourceFile(list)),
  });
}

function checkActiveSpanCallback(ctx: RuleContext, call: ts.CallExpression, callback: ts.ArrowFunction | ts.FunctionExpression): void {
  const parameter = callback.parameters[0];
  if (!parameter) {
    if (/\bgetActiveSpan\b/.test(callback.body.getText(ctx.sourceFile))) return;
    ctx.report({ node: call.expression, message: `The \`${calleeText(ctx, call)}\` callback takes no span parameter, so the span is never ended and never exported. Take \`span\` and call \`span.end()\` in a \`finally\`.` });
    return;
  }
  if (!ts.isIdentifier(parameter.name)) return;
  const span = ctx.checker.getSymbolAtLocation(parameter.name);
  if (!span) return;
  if (!ts.isBlock(callback.body)) {
    if (!mentions(ctx, callback.body, span)) ctx.report({ node: call.expression, message: `The \`${calleeText(ctx, call)}\` callback never ends its span, so it is never exported. Call \`span.end()\` in a \`finally\`.` });
    return;
  }
  const region = callback.body.statements;
  const leak = findLeak(ctx, span, region, callback.body.getStart(ctx.sourceFile) + 1, 'callback');
  if (!leak) return;
  ctx.report({ node: call.expression, message: leakMessage(leak), fixes: wrapFix(ctx, parameter.name.text, span, region, [], true) });
}

interface Leak {
  /** What leaves the span open: `when \`x()\` throws (line 3)`. */
  reason: string;
}

function leakMessage(leak: Leak): string {
  return `This span is not ended ${leak.reason}: a span that is never ended is never exported, so the failing requests go missing from your traces, and it keeps its attributes in memory. Call \`span.end()\` in a \`finally\`.`;
}

function calleeText(ctx: RuleContext, call: ts.CallExpression): string {
  const text = call.expression.getText(ctx.sourceFile);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isSpanReference(ctx: RuleContext, node: ts.Node, span: ts.Symbol): node is ts.Identifier {
  return ts.isIdentifier(node) && node.text === span.getName() && ctx.checker.getSymbolAtLocation(node) === span;
}

function mentions(ctx: RuleContext, root: ts.Node, span: ts.Symbol): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (isSpanReference(ctx, node, span) || (ts.isShorthandPropertyAssignment(node) && node.name.text === span.getName())) found = true;
    else ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

/** `span.end(...)` or `span?.end(...)`. */
function isEndCall(ctx: RuleContext, node: ts.Node, span: ts.Symbol): node is ts.CallExpression {
  return ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'end' && isSpanReference(ctx, skipOuterExpressions(node.expression.expression), span);
}

/**
 * Whether the span leaves the code that owns it: passed to a function (other than an OpenTelemetry
 * API such as `trace.setSpan`), returned, stored, aliased, or ended inside a callback. Then someone
 * else is responsible and the rule stays quiet.
 */
function escapes(ctx: RuleContext, region: readonly ts.Node[], span: ts.Symbol): boolean {
  let escaped = false;
  const visit = (node: ts.Node, nested: boolean): void => {
    if (escaped) return;
    if (ts.isShorthandPropertyAssignment(node) && node.name.text === span.getName()) {
      escaped = true;
      return;
    }
    if (isSpanReference(ctx, node, span)) {
      escaped = isEscapingUse(ctx, node, nested);
      return;
    }
    const inner = nested || ts.isFunctionLike(node);
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  region.forEach((node) => visit(node, false));
  return escaped;
}

function isEscapingUse(ctx: RuleContext, reference: ts.Identifier, nested: boolean): boolean {
  let node: ts.Node = reference;
  while (ts.isParenthesizedExpression(node.parent) || ts.isNonNullExpression(node.parent) || ts.isAsExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node) return nested && parent.name.text === 'end';
  if (ts.isElementAccessExpression(parent) && parent.expression === node) return false;
  if (ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.ExclamationToken) return false;
  if (ts.isTypeOfExpression(parent) || (ts.isIfStatement(parent) && parent.expression === node)) return false;
  if (ts.isBinaryExpression(parent) && isEqualityOperator(parent.operatorToken.kind)) return false;
  if (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) return ctx.catalogue.resolve(parent.expression)?.module !== otelModule;
  return true;
}

function isEqualityOperator(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.EqualsEqualsEqualsToken || kind === ts.SyntaxKind.ExclamationEqualsEqualsToken || kind === ts.SyntaxKind.EqualsEqualsToken || kind === ts.SyntaxKind.ExclamationEqualsToken;
}

function findLeak(ctx: RuleContext, span: ts.Symbol, region: readonly ts.Statement[], regionStart: number, owner: 'block' | 'callback' = 'block'): Leak | undefined {
  if (escapes(ctx, region, span)) return undefined;
  const flow = new SpanFlow(ctx, span, region);
  const state = flow.statements(region, 'open');
  if (flow.leak) return flow.leak;
  if (state !== 'open') return undefined;
  const endPosition = region.length > 0 ? region[region.length - 1].end : regionStart;
  const where = owner === 'callback' ? 'when the callback returns' : region.length === 0 ? 'before it goes out of scope' : 'when the block ends';
  return { reason: `${where} (line ${lineOf(ctx, endPosition)})` };
}

function lineOf(ctx: RuleContext, position: number): number {
  return ctx.sourceFile.getLineAndCharacterOfPosition(position).line + 1;
}

// ---- Paths ----

/** On a path: the span may still be open, is ended on every way here, or the path cannot get here. */
type State = 'open' | 'ended' | 'dead';

function join(a: State, b: State): State {
  if (a === 'dead') return b;
  if (b === 'dead') return a;
  return a === 'open' || b === 'open' ? 'open' : 'ended';
}

type Handler = { kind: 'catch'; entry: State } | { kind: 'finally'; ends: boolean };

/**
 * Follows the statements after the span's creation: where a throw (an explicit one, or any call or
 * `await` that may throw), a return, or a jump out leaves the code with the span possibly open and no
 * enclosing `finally` that ends it, that is the leak (the first one found).
 */
class SpanFlow {
  leak: Leak | undefined;
  private readonly handlers: Handler[] = [];
  private readonly jumps = new Map<ts.Node, State>();

  constructor(
    private readonly ctx: RuleContext,
    private readonly span: ts.Symbol,
    private readonly region: readonly ts.Statement[],
    private readonly silent = false,
  ) {}

  statements(list: readonly ts.Statement[], entry: State): State {
    let state = entry;
    for (const statement of list) state = this.statement(statement, state);
    return state;
  }

  private statement(node: ts.Statement, state: State): State {
    if (state === 'dead') return state;
    if (ts.isBlock(node)) return this.statements(node.statements, state);
    if (ts.isExpressionStatement(node) || ts.isVariableStatement(node)) {
      this.mayThrow(node, state);
      return this.containsEnd(node) ? 'ended' : state;
    }
    if (ts.isIfStatement(node)) {
      this.mayThrow(node.expression, state);
      return join(this.statement(node.thenStatement, state), node.elseStatement ? this.statement(node.elseStatement, state) : state);
    }
    if (ts.isReturnStatement(node)) {
      let after = state;
      if (node.expression) {
        this.mayThrow(node.expression, state);
        if (this.containsEnd(node.expression)) after = 'ended';
      }
      this.exit('return', after, `on the \`return\` at line ${lineOf(this.ctx, node.getStart(this.ctx.sourceFile))}`);
      return 'dead';
    }
    if (ts.isThrowStatement(node)) {
      // `throw new Error(...)` is the throw itself, not a call that may throw first.
      this.mayThrow(ts.isNewExpression(node.expression) ? (node.expression.arguments ?? []) : [node.expression], state);
      this.exit('throw', state, `when the \`throw\` at line ${lineOf(this.ctx, node.getStart(this.ctx.sourceFile))} runs`);
      return 'dead';
    }
    if (ts.isTryStatement(node)) return this.tryStatement(node, state);
    if (ts.isIterationStatement(node, false)) return this.loop(node, state);
    if (ts.isSwitchStatement(node)) return this.switchStatement(node, state);
    if (ts.isLabeledStatement(node)) return join(this.statement(node.statement, state), this.takeJumps(node));
    if (ts.isBreakOrContinueStatement(node)) {
      const target = jumpTarget(node);
      if (target && this.region.some((r) => r.pos <= target.pos && target.end <= r.end)) {
        this.jumps.set(target, join(this.jumps.get(target) ?? 'dead', state));
      } else {
        this.exit('jump', state, `on the \`${node.kind === ts.SyntaxKind.BreakStatement ? 'break' : 'continue'}\` at line ${lineOf(this.ctx, node.getStart(this.ctx.sourceFile))}`);
      }
      return 'dead';
    }
    if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isEmptyStatement(node)) return state;
    this.mayThrow(node, state);
    return state;
  }

  private tryStatement(node: ts.TryStatement, state: State): State {
    const finallyEnds = node.finallyBlock !== undefined && new SpanFlow(this.ctx, this.span, this.region, true).statements(node.finallyBlock.statements, 'open') !== 'open';
    if (node.finallyBlock) this.handlers.push({ kind: 'finally', ends: finallyEnds });
    let after: State;
    if (node.catchClause) {
      const handler: Handler = { kind: 'catch', entry: 'dead' };
      this.handlers.push(handler);
      const afterTry = this.statements(node.tryBlock.statements, state);
      this.handlers.pop();
      after = join(afterTry, this.statements(node.catchClause.block.statements, handler.entry));
    } else {
      after = this.statements(node.tryBlock.statements, state);
    }
    if (!node.finallyBlock) return after;
    this.handlers.pop();
    if (after === 'dead') return 'dead';
    return finallyEnds ? 'ended' : this.statements(node.finallyBlock.statements, after);
  }

  private loop(node: ts.IterationStatement, state: State): State {
    if (ts.isForStatement(node)) {
      if (node.initializer) this.mayThrow(node.initializer, state);
      if (node.condition) this.mayThrow(node.condition, state);
      if (node.incrementor) this.mayThrow(node.incrementor, state);
    } else if (ts.isForOfStatement(node) || ts.isForInStatement(node)) {
      this.mayThrow(node.expression, state);
      if (ts.isForOfStatement(node) && node.awaitModifier) this.exit('throw', state, `when the \`for await\` at line ${lineOf(this.ctx, node.getStart(this.ctx.sourceFile))} rejects`);
    } else if (ts.isWhileStatement(node)) {
      this.mayThrow(node.expression, state);
    }
    const body = this.statement(node.statement, state);
    if (ts.isDoStatement(node)) {
      this.mayThrow(node.expression, join(body, this.jumps.get(node) ?? 'dead'));
      return join(body, this.takeJumps(node));
    }
    const endless = (ts.isWhileStatement(node) && node.expression.kind === ts.SyntaxKind.TrueKeyword) || (ts.isForStatement(node) && !node.condition);
    const jumped = this.takeJumps(node);
    return endless ? jumped : join(join(state, body), jumped);
  }

  private switchStatement(node: ts.SwitchStatement, state: State): State {
    this.mayThrow(node.expression, state);
    let fall: State = 'dead';
    let hasDefault = false;
    for (const clause of node.caseBlock.clauses) {
      if (ts.isDefaultClause(clause)) hasDefault = true;
      else this.mayThrow(clause.expression, state);
      fall = this.statements(clause.statements, join(state, fall));
    }
    return join(join(fall, this.takeJumps(node)), hasDefault ? 'dead' : state);
  }

  private takeJumps(node: ts.Node): State {
    const state = this.jumps.get(node) ?? 'dead';
    this.jumps.delete(node);
    return state;
  }

  /** A throw, return or jump with the span in `state`: a leak unless a handler on the way ends it. */
  private exit(kind: 'throw' | 'return' | 'jump', state: State, reason: string): void {
    if (state !== 'open') return;
    for (let i = this.handlers.length - 1; i >= 0; i--) {
      const handler = this.handlers[i];
      if (handler.kind === 'catch') {
        if (kind !== 'throw') continue;
        handler.entry = join(handler.entry, 'open');
        return;
      }
      if (handler.ends) return;
    }
    if (!this.silent && !this.leak) this.leak = { reason };
  }

  /** The first sub-expression (outside nested functions) that may throw while the span is open. */
  private mayThrow(root: ts.Node | readonly ts.Node[], state: State): void {
    if (state !== 'open' || this.leak) return;
    const thrower = Array.isArray(root) ? root.map((node) => this.findThrower(node)).find((found) => found !== undefined) : this.findThrower(root as ts.Node);
    if (!thrower) return;
    const text = oneLine(thrower.getText(this.ctx.sourceFile));
    const line = lineOf(this.ctx, thrower.getStart(this.ctx.sourceFile));
    this.exit('throw', state, ts.isAwaitExpression(thrower) ? `when \`${text}\` rejects (line ${line})` : `when \`${text}\` throws (line ${line})`);
  }

  private findThrower(root: ts.Node): ts.Node | undefined {
    let found: ts.Node | undefined;
    const visit = (node: ts.Node): void => {
      if (found || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
      if (ts.isAwaitExpression(node) || ts.isNewExpression(node) || ts.isTaggedTemplateExpression(node) || (ts.isCallExpression(node) && !this.isSafeCall(node))) {
        found = node;
        return;
      }
      ts.forEachChild(node, visit);
    };
    visit(root);
    return found;
  }

  /**
   * The span's own methods, `console`, and OpenTelemetry's API (`trace.setSpan`, `context.active`),
   * except the calls that run a callback (`context.with`, `startActiveSpan`).
   */
  private isSafeCall(call: ts.CallExpression): boolean {
    const callee = skipOuterExpressions(call.expression);
    if (ts.isPropertyAccessExpression(callee)) {
      const receiver = skipOuterExpressions(callee.expression);
      if (isSpanReference(this.ctx, receiver, this.span)) return true;
      if (ts.isIdentifier(receiver) && receiver.text === 'console') return true;
    }
    const ref = this.ctx.catalogue.resolve(callee);
    return ref?.module === otelModule && !/(^|\.)(with|bind|startActiveSpan)$/.test(ref.name);
  }

  private containsEnd(root: ts.Node): boolean {
    let found = false;
    const visit = (node: ts.Node): void => {
      if (found || ts.isFunctionLike(node)) return;
      if (isEndCall(this.ctx, node, this.span)) found = true;
      else ts.forEachChild(node, visit);
    };
    visit(root);
    return found;
  }
}

function jumpTarget(node: ts.BreakOrContinueStatement): ts.Node | undefined {
  for (let current = node.parent; current && !ts.isFunctionLike(current) && !ts.isSourceFile(current); current = current.parent) {
    if (node.label) {
      if (ts.isLabeledStatement(current) && current.label.text === node.label.text) return node.kind === ts.SyntaxKind.ContinueStatement ? current.statement : current;
    } else if (ts.isIterationStatement(current, false) || (node.kind === ts.SyntaxKind.BreakStatement && ts.isSwitchStatement(current))) {
      return current;
    }
  }
  return undefined;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 50 ? `${flat.slice(0, 47)}...` : flat;
}

// ---- The fix ----

/**
 * `try { <the statements after the span's creation> } finally { span.end(); }`, dropping the plain
 * `span.end();` statements that become redundant (the last statement, and those right before a
 * `return` or `throw`). Preferred when nothing else moves: no other `end` calls stay, and no
 * declaration in the wrapped statements is visible outside them.
 */
function wrapFix(ctx: RuleContext, name: string, span: ts.Symbol, region: readonly ts.Statement[], before: readonly ts.Statement[], inFunction: boolean): FixSpec[] {
  if (region.length === 0) return [];
  const { sourceFile } = ctx;
  const first = region[0];
  const start = lineStartOf(sourceFile, first.getStart(sourceFile));
  if (sourceFile.text.slice(start, first.getStart(sourceFile)).trim() !== '') return [];
  const last = region[region.length - 1];
  const ends = endStatements(ctx, region, span);
  const removed = ends.filter((statement) => isRedundantEnd(statement, last) && standsAlone(sourceFile, statement));
  const skipLines = new Set<number>();
  for (const statement of removed) {
    const from = sourceFile.getLineAndCharacterOfPosition(statement.getStart(sourceFile)).line;
    const to = sourceFile.getLineAndCharacterOfPosition(statement.end).line;
    for (let line = from; line <= to; line++) skipLines.add(line);
  }
  const kept = removed.some((statement) => statement === last) ? region.slice(0, -1) : region;
  if (kept.length === 0) return [];
  const indent = indentationAt(sourceFile, first.getStart(sourceFile));
  const unit = indentUnit(sourceFile);
  const body = indentedLines(sourceFile, region, start, last.end, unit, skipLines);
  const newText = `${indent}try {\n${body}\n${indent}} finally {\n${indent}${unit}${name}.end();\n${indent}}`;
  const otherEnds = countEndCalls(ctx, region, span) > removed.length;
  return [
    {
      title: `End the span in a finally block`,
      preferred: inFunction && !otherEnds && !movesDeclarations(kept, before),
      edits: [{ start, end: last.end, newText }],
    },
  ];
}

/** Statements `span.end();` (no arguments) anywhere in the region outside nested functions. */
function endStatements(ctx: RuleContext, region: readonly ts.Statement[], span: ts.Symbol): ts.ExpressionStatement[] {
  const found: ts.ExpressionStatement[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) return;
    if (ts.isExpressionStatement(node) && isEndCall(ctx, node.expression, span) && node.expression.arguments.length === 0) found.push(node);
    ts.forEachChild(node, visit);
  };
  region.forEach(visit);
  return found;
}

function countEndCalls(ctx: RuleContext, region: readonly ts.Statement[], span: ts.Symbol): number {
  let count = 0;
  const visit = (node: ts.Node): void => {
    if (isEndCall(ctx, node, span)) count++;
    ts.forEachChild(node, visit);
  };
  region.forEach(visit);
  return count;
}

function isRedundantEnd(statement: ts.ExpressionStatement, last: ts.Statement): boolean {
  if (statement === last) return true;
  const parent = statement.parent;
  if (!(ts.isBlock(parent) || ts.isCaseClause(parent) || ts.isDefaultClause(parent) || ts.isSourceFile(parent))) return false;
  const next = parent.statements[parent.statements.indexOf(statement) + 1];
  return next !== undefined && (ts.isReturnStatement(next) || ts.isThrowStatement(next));
}

/** Nothing else on the statement's lines, so removing the lines removes just the statement. */
function standsAlone(sourceFile: ts.SourceFile, statement: ts.Statement): boolean {
  const start = statement.getStart(sourceFile);
  const lineStart = lineStartOf(sourceFile, start);
  const lineEnd = sourceFile.text.indexOf('\n', statement.end);
  return sourceFile.text.slice(lineStart, start).trim() === '' && sourceFile.text.slice(statement.end, lineEnd < 0 ? undefined : lineEnd).trim() === '';
}

/** Declarations that would change scope inside `try { }`: hoisted ones, or names used by earlier statements. */
function movesDeclarations(kept: readonly ts.Statement[], before: readonly ts.Statement[]): boolean {
  const names = new Set<string>();
  for (const statement of kept) {
    if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement)) return true;
    if (ts.isVariableStatement(statement)) {
      if (!(statement.declarationList.flags & ts.NodeFlags.BlockScoped)) return true;
      for (const declaration of statement.declarationList.declarations) collectNames(declaration.name, names);
    }
  }
  if (names.size === 0) return false;
  let used = false;
  const visit = (node: ts.Node): void => {
    if (used) return;
    if (ts.isIdentifier(node) && names.has(node.text)) used = true;
    else ts.forEachChild(node, visit);
  };
  before.forEach(visit);
  return used;
}

function collectNames(name: ts.BindingName, names: Set<string>): void {
  if (ts.isIdentifier(name)) names.add(name.text);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) collectNames(element.name, names);
}
