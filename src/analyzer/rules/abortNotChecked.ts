// abort-not-checked: a loop in an async function that has an AbortSignal (the same signals
// signal-not-forwarded sees) awaits work on every iteration, yet never checks the signal
// (`signal.aborted`, `throwIfAborted()`, `signal.reason`) and never hands it to that work. When the
// caller gives up, the loop keeps going: page after page, retry after retry, for nobody.
import { ts } from 'ts-morph';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { enclosingFunction, isAbortSignalType, localSources, mentionsSignal, parameterSources, type SignalSource } from '../signalSources';
import { skipParentheses } from '../expressions';
import { indentationAt, indentedLines, indentUnit, lineStartOf } from './fixText';

type Loop = ts.ForStatement | ts.ForInStatement | ts.ForOfStatement | ts.WhileStatement | ts.DoStatement;
type FunctionWithBody = ts.FunctionLikeDeclaration & { body: ts.ConciseBody };

/** A signal a function has, with the parameter or variable declaring it. */
interface SignalDeclaration {
  source: SignalSource;
  declaration: ts.Node;
  fn: FunctionWithBody;
}

/** A signal the loop can check, with the expression that checks it. */
interface CheckableSignal {
  /** How the message names it: `signal`, `options.signal`. */
  text: string;
  /** The check the fix inserts (`signal.throwIfAborted()`), or undefined when the signal's type has no `throwIfAborted`. */
  check: string | undefined;
}

export const abortNotCheckedRule: Rule = {
  id: 'abort-not-checked',
  family: 'cancellation',
  meta: {
    description: 'A loop in an async function that has an AbortSignal awaits work on every iteration but never checks the signal nor passes it to that work: a cancelled request keeps looping.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/abort-not-checked.md',
    fixable: true,
    requiresTypes: true,
  },
  create(ctx) {
    const loops: Loop[] = [];
    const visitLoop = (node: ts.Node): void => {
      if (isCandidateLoop(node as Loop)) loops.push(node as Loop);
    };
    return {
      nodes: {
        [ts.SyntaxKind.ForStatement]: visitLoop,
        [ts.SyntaxKind.ForInStatement]: visitLoop,
        [ts.SyntaxKind.ForOfStatement]: visitLoop,
        [ts.SyntaxKind.WhileStatement]: visitLoop,
        [ts.SyntaxKind.DoStatement]: visitLoop,
      },
      end: () => {
        if (loops.length === 0) return;
        const signals = new SignalsInScope(ctx);
        for (const loop of loops) checkLoop(ctx, loop, signals);
      },
    };
  },
};

/** The signals each function has, its parameters' and its locals', asked for only where a candidate loop is. */
class SignalsInScope {
  private readonly byFunction = new Map<ts.Node, SignalDeclaration[]>();

  constructor(private readonly ctx: RuleContext) {}

  of(fn: FunctionWithBody): SignalDeclaration[] {
    const cached = this.byFunction.get(fn);
    if (cached) return cached;
    // Locals first, as signal-not-forwarded orders them: `const { signal } = options` is the name the function chose.
    const found: SignalDeclaration[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
      if (ts.isVariableDeclaration(node)) for (const source of localSources(node, this.ctx.checker)) found.push({ source, declaration: node, fn });
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(fn.body, visit);
    for (const source of parameterSources(this.ctx, fn)) {
      const parameter = parameterDeclaring(fn, source.root);
      if (parameter) found.push({ source, declaration: parameter, fn });
    }
    this.byFunction.set(fn, found);
    return found;
  }
}

/**
 * Cheap syntactic filter: the outermost loop of an async function (an inner loop is judged with the
 * loop it runs in), awaiting on each iteration, not yielding to a consumer that can stop it.
 */
function isCandidateLoop(loop: Loop): boolean {
  for (let current = loop.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) {
      if (!isAsync(current) || !('body' in current) || !current.body) return false;
      break;
    }
    if (ts.isIterationStatement(current, false)) return false;
    if (ts.isSourceFile(current)) return false;
  }
  let awaits = ts.isForOfStatement(loop) && loop.awaitModifier !== undefined;
  let yields = false;
  const visit = (node: ts.Node): void => {
    if (yields || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isYieldExpression(node)) yields = true;
    else if (ts.isAwaitExpression(node) && !leavesLoopAfter(node, loop)) awaits = true;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(loop, visit);
  return awaits && !yields;
}

function checkLoop(ctx: RuleContext, loop: Loop, signals: SignalsInScope): void {
  const candidates: SignalDeclaration[] = [];
  const scopes: FunctionWithBody[] = [];
  const loopStart = loop.getStart(ctx.sourceFile);
  for (let fn = enclosingFunction(loop); fn && hasBody(fn); fn = enclosingFunction(fn)) {
    scopes.push(fn);
    // A local counts when declared before the loop, not per iteration inside it.
    candidates.push(...signals.of(fn).filter((c) => !ts.isVariableDeclaration(c.declaration) || c.declaration.end <= loopStart));
  }
  if (candidates.length === 0) return;
  const sources = candidates.map((c) => c.source);
  if (handlesSignal(ctx, loop, sources, scopes)) return;
  if (candidates.some((c) => listensForAbort(c.fn.body))) return;
  const signal = candidates.map((c) => checkableSignal(ctx, c.source, c.declaration, c.fn)).find((s) => s !== undefined);
  if (!signal) return;
  const fix = signal.check ? checkFix(ctx, loop, signal.check) : undefined;
  ctx.report({
    ...loopHead(ctx.sourceFile, loop),
    // The whole loop is what it is about: signal-not-forwarded's finding on a call in it is the same problem.
    covers: loop,
    message: `This loop awaits work on every iteration but never checks \`${signal.text}\` nor passes it on: when the caller gives up (client gone, timeout, shutdown) it keeps looping, holding work and connections for a request nobody waits for. ${signal.check ? `Call \`${signal.check}\` at the top of the loop body` : `Check \`${signal.text}.aborted\` on each iteration`}, or pass \`${signal.text}\` to the awaited calls.`,
    fixes: fix ? [fix] : [],
  });
}

/** Where the loop starts, up to the end of its header: `while (cursor)`, `for await (const x of xs)`, `do`. */
function loopHead(sourceFile: ts.SourceFile, loop: Loop): { start: number; end: number } {
  const start = loop.getStart(sourceFile);
  if (ts.isDoStatement(loop)) return { start, end: start + 'do'.length };
  const closeParen = loop.getChildren(sourceFile).find((child) => child.kind === ts.SyntaxKind.CloseParenToken);
  return { start, end: closeParen ? closeParen.getEnd() : loop.statement.getFullStart() };
}

/**
 * The loop looks at the signal or hands it over: `.aborted` / `throwIfAborted()` / `signal.reason`
 * anywhere in it (its condition too), a call given the signal, or awaited work tied to the signal
 * another way (see `tiedToSignal`).
 */
function handlesSignal(ctx: RuleContext, loop: Loop, sources: SignalSource[], scopes: readonly FunctionWithBody[]): boolean {
  const signalTexts = new Set(sources.map((s) => (s.property ? `${s.root}.${s.property}` : s.root)));
  const visit = (node: ts.Node): boolean => {
    if (ts.isPropertyAccessExpression(node)) {
      const name = node.name.text;
      if (name === 'aborted' || name === 'throwIfAborted') return true;
      if (name === 'reason' && isSignalExpression(ctx, node.expression, signalTexts)) return true;
    }
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments && mentionsSignal(node.arguments, sources)) return true;
    return ts.forEachChild(node, visit) ?? false;
  };
  if (visit(loop)) return true;
  const holders = new Set(sources.filter((s) => s.property).map((s) => s.root));
  return awaitedWork(loop).some((work) => tiedToSignal(ctx, work, holders, scopes, visit, 0));
}

/** What the loop awaits: the operands of its `await`s (outside nested functions) and a `for await`'s iterable. */
function awaitedWork(loop: Loop): ts.Expression[] {
  const work: ts.Expression[] = ts.isForOfStatement(loop) && loop.awaitModifier ? [loop.expression] : [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isAwaitExpression(node)) work.push(node.expression);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(loop, visit);
  return work;
}

/**
 * Awaited work that stops with the signal without being handed it in the loop: reading the body of the
 * request that holds the signal (`request.body.getReader()`, `for await (const chunk of req)`), a local
 * made with the signal (`const lines = createInterface({ input: createReadStream(path, { signal }) })`),
 * or a closure of the function that passes or checks it (`const handle = async (v) => handler(v, { ...options })`).
 */
function tiedToSignal(ctx: RuleContext, work: ts.Expression, holders: ReadonlySet<string>, scopes: readonly FunctionWithBody[], handles: (node: ts.Node) => boolean, depth: number): boolean {
  let root: ts.Expression = work;
  // `request.body ?? []`
  if (ts.isBinaryExpression(root) && (root.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || root.operatorToken.kind === ts.SyntaxKind.BarBarToken)) root = root.left;
  for (;;) {
    if (ts.isPropertyAccessExpression(root) && ts.isIdentifier(root.expression) && holders.has(root.expression.text) && root.name.text === 'body') return true;
    if (ts.isCallExpression(root) || ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root) || ts.isParenthesizedExpression(root) || ts.isNonNullExpression(root)) root = root.expression;
    else break;
  }
  if (!ts.isIdentifier(root)) return false;
  if (holders.has(root.text)) return skipParentheses(work) === root;
  if (depth > 2) return false;
  const declaration = ctx.checker.getSymbolAtLocation(root)?.valueDeclaration;
  if (!declaration || !scopes.some((fn) => declaration.pos >= fn.body.pos && declaration.end <= fn.body.end)) return false;
  if (ts.isFunctionDeclaration(declaration)) return declaration.body !== undefined && handles(declaration.body);
  if (!ts.isVariableDeclaration(declaration) || !declaration.initializer) return false;
  const init = declaration.initializer;
  if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return handles(init.body);
  return handles(init) || tiedToSignal(ctx, init, holders, scopes, handles, depth + 1);
}

function isSignalExpression(ctx: RuleContext, expression: ts.Expression, signalTexts: ReadonlySet<string>): boolean {
  const text = expression.getText(ctx.sourceFile).replace(/\?\./g, '.');
  return signalTexts.has(text) || /(^|\.)(signal|abortSignal)$/.test(text);
}

/** An abort listener (`addEventListener('abort', ...)`, `once(signal, 'abort')`, `onabort =`) in the function: it may stop the loop its own way. */
function listensForAbort(body: ts.Node): boolean {
  const visit = (node: ts.Node): boolean => {
    if (ts.isCallExpression(node) && node.arguments.some((a) => ts.isStringLiteralLike(a) && a.text === 'abort')) return true;
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'onabort') return true;
    return ts.forEachChild(node, visit) ?? false;
  };
  return visit(body);
}

/** The parameter of `fn` that declares `name`, itself or in a destructuring pattern. */
function parameterDeclaring(fn: FunctionWithBody, name: string): ts.Node | undefined {
  const declares = (binding: ts.BindingName): ts.Node | undefined => {
    if (ts.isIdentifier(binding)) return binding.text === name ? binding : undefined;
    for (const element of binding.elements) {
      if (ts.isOmittedExpression(element)) continue;
      const found = declares(element.name);
      if (found) return found;
    }
    return undefined;
  };
  for (const parameter of fn.parameters) {
    const found = declares(parameter.name);
    if (found) return found;
  }
  return undefined;
}

/**
 * The source as a checkable AbortSignal, or undefined when its type says it is something else
 * (a `signal: NodeJS.Signals` parameter). Optional parts are reached with `?.`.
 */
function checkableSignal(ctx: RuleContext, source: SignalSource, declaration: ts.Node, fn: FunctionWithBody): CheckableSignal | undefined {
  const { checker } = ctx;
  const name = ts.isVariableDeclaration(declaration) ? declaration.name : declaration;
  const rootType = checker.getTypeAtLocation(name);
  const rootOptional = isOptionalParameter(declaration) || mayBeMissing(rootType);
  let signalType: ts.Type;
  let signalOptional: boolean;
  if (source.property) {
    if (isUntyped(rootType)) {
      const text = `${source.root}${rootOptional || new RegExp(`(?<![\\w$.])${source.root.replace(/\$/g, '\\$')}\\?\\.`).test(fn.body.getText(ctx.sourceFile)) ? '?.' : '.'}${source.property}`;
      return { text, check: `${text}?.throwIfAborted()` };
    }
    const property = checker.getNonNullableType(rootType).getProperty(source.property);
    if (!property) return undefined;
    signalType = checker.getTypeOfSymbol(property);
    signalOptional = (property.flags & ts.SymbolFlags.Optional) !== 0 || mayBeMissing(signalType);
  } else {
    signalType = rootType;
    signalOptional = rootOptional;
  }
  const text = source.property ? `${source.root}${rootOptional ? '?.' : '.'}${source.property}` : source.root;
  if (isUntyped(signalType)) return { text, check: `${text}?.throwIfAborted()` };
  const signal = checker.getNonNullableType(signalType);
  if (!isAbortSignalType(signal)) return undefined;
  const chained = rootOptional && source.property !== undefined;
  const canThrow = signal.isUnion() ? signal.types.every((t) => t.getProperty('throwIfAborted')) : signal.getProperty('throwIfAborted') !== undefined;
  return { text, check: canThrow ? `${text}${signalOptional || chained ? '?.' : '.'}throwIfAborted()` : undefined };
}

function isOptionalParameter(declaration: ts.Node): boolean {
  return ts.isIdentifier(declaration) && ts.isParameter(declaration.parent) && declaration.parent.questionToken !== undefined;
}

function mayBeMissing(type: ts.Type): boolean {
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)) !== 0);
}

function isUntyped(type: ts.Type): boolean {
  return (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
}

/** `signal.throwIfAborted()` as the first statement of the loop body; a body without braces gets them. */
function checkFix(ctx: RuleContext, loop: Loop, expression: string): FixSpec | undefined {
  const { sourceFile } = ctx;
  const check = `${expression};`;
  const text = sourceFile.text;
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const body = loop.statement;
  const title = `Check the signal on each iteration: ${check}`;
  const lineOf = (position: number): number => sourceFile.getLineAndCharacterOfPosition(position).line;
  if (ts.isBlock(body)) {
    const open = body.getStart(sourceFile);
    const first = body.statements[0];
    if (!first) {
      const multiline = lineOf(body.end) !== lineOf(open);
      const inner = indentationAt(sourceFile, loop.getStart(sourceFile)) + indentUnit(sourceFile);
      return { title, preferred: true, edits: [{ start: open + 1, end: open + 1, newText: multiline ? `${newline}${inner}${check}` : ` ${check} ` }] };
    }
    if (lineOf(first.getStart(sourceFile)) === lineOf(open)) return { title, preferred: true, edits: [{ start: open + 1, end: open + 1, newText: ` ${check}` }] };
    // On its own line after `{`, indented like the body's first line (leading comments stay with their statement).
    const at = sourceFile.getPositionOfLineAndCharacter(lineOf(open) + 1, 0);
    const inner = indentationAt(sourceFile, first.getStart(sourceFile));
    return { title, preferred: true, edits: [{ start: at, end: at, newText: `${inner}${check}${newline}` }] };
  }
  const indent = indentationAt(sourceFile, loop.getStart(sourceFile));
  const inner = indent + indentUnit(sourceFile);
  const bodyStart = body.getStart(sourceFile);
  let head = '';
  let statement: string;
  if (lineOf(bodyStart) !== lineOf(body.pos)) {
    // Already on its own line(s) under the loop head: keep them (and comments before them) as written;
    // a comment ending the loop head's line follows the new `{`.
    const nextLine = sourceFile.getPositionOfLineAndCharacter(lineOf(body.pos) + 1, 0);
    head = text.slice(body.pos, nextLine).trim();
    statement = text.slice(nextLine, body.end);
  } else {
    // A comment between the loop head and a body on the same line: leave the rewrite to the user.
    if (text.slice(body.pos, bodyStart).trim() !== '') return undefined;
    const firstLineEnd = lineOf(body.end) === lineOf(bodyStart) ? body.end : text.indexOf('\n', bodyStart);
    const rest = firstLineEnd < body.end ? `${newline}${indentedLines(sourceFile, [body], firstLineEnd + 1, body.end, indentUnit(sourceFile), new Set()).replace(/\n/g, newline)}` : '';
    statement = `${inner}${text.slice(bodyStart, firstLineEnd).replace(/\r$/, '')}${rest}`;
  }
  return { title, preferred: true, edits: [{ start: body.pos, end: body.end, newText: ` {${head ? ` ${head}` : ''}${newline}${inner}${check}${newline}${statement}${newline}${indent}}` }] };
}

/** An await that runs once on the way out of the loop: `return await x`, or followed in its block by `return`/`throw`/`break`. */
function leavesLoopAfter(node: ts.AwaitExpression, loop: Loop): boolean {
  let child: ts.Node = node;
  for (let current = node.parent; current && current !== loop; child = current, current = current.parent) {
    if (ts.isReturnStatement(current) || ts.isThrowStatement(current)) return true;
    if (ts.isBlock(current) || ts.isCaseClause(current) || ts.isDefaultClause(current)) {
      const statements = current.statements;
      const from = statements.indexOf(child as ts.Statement);
      if (from >= 0 && statements.slice(from + 1).some((s) => ts.isReturnStatement(s) || ts.isThrowStatement(s) || (ts.isBreakStatement(s) && breaksOut(s, loop)))) return true;
    }
  }
  return false;
}

/** A `break` that leaves `loop`: labelled, or unlabelled with no inner loop or switch in between. */
function breaksOut(statement: ts.BreakStatement, loop: Loop): boolean {
  if (statement.label) return true;
  for (let current = statement.parent; current && current !== loop; current = current.parent) {
    if (ts.isIterationStatement(current, false) || ts.isSwitchStatement(current)) return false;
  }
  return true;
}

function isAsync(fn: ts.SignatureDeclaration): boolean {
  return ts.canHaveModifiers(fn) && (ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false);
}

function hasBody(fn: ts.SignatureDeclaration): fn is FunctionWithBody {
  return 'body' in fn && fn.body !== undefined;
}
