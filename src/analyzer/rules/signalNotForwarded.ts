// signal-not-forwarded: an AbortSignal is in scope (a `signal` parameter, `options.signal`, a
// Fetch-style `Request`'s `.signal`, a local AbortController) and the function calls something that
// takes a signal (fetch, undici, promise timers, `events.once`, stream and fs promises, child
// processes, axios, or one of the project's own functions whose declaration takes one) without it.
// When the caller gives up, that work keeps running: sockets, timers and processes outlive the request.
import { ts } from 'ts-morph';
import type { ApiRef } from '../catalogue';
import type { FixSpec, Rule, RuleContext } from '../rule';
import { skipParentheses } from '../expressions';

/** Where a known API takes its signal: the options argument's index, or the last object argument. */
type OptionsPosition = number | 'last-object';

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

const signalNames = new Set(['signal', 'abortSignal']);

/** A signal the function can reach: `signal`, `opts.signal`, `req.signal`, `controller.signal`. */
interface SignalSource {
  /** The variable that holds the signal, or the object it is a property of. */
  root: string;
  /** The property holding the signal on `root`; undefined when `root` is the signal. */
  property?: string;
}

export const signalNotForwardedRule: Rule = {
  id: 'signal-not-forwarded',
  family: 'cancellation',
  meta: {
    description: 'A function has an AbortSignal but calls an API or one of its own functions that takes a signal without passing it: the call outlives the cancellation.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/signal-not-forwarded.md',
    fixable: true,
    requiresTypes: true,
    supersedes: ['request-without-timeout'],
  },
  create(ctx) {
    const declared = new Map<ts.Node, SignalSource[]>();
    const fromParameters = new Map<ts.Node, SignalSource[]>();
    const sourcesOf = (fn: ts.SignatureDeclaration): SignalSource[] => {
      let own = fromParameters.get(fn);
      if (!own) fromParameters.set(fn, (own = parameterSources(ctx, fn)));
      return [...own, ...(declared.get(fn) ?? [])];
    };
    const addDeclared = (node: ts.Node, source: SignalSource): void => {
      const fn = enclosingFunction(node);
      if (!fn) return;
      const list = declared.get(fn) ?? [];
      list.push(source);
      declared.set(fn, list);
    };
    return {
      nodes: {
        [ts.SyntaxKind.VariableDeclaration]: (node) => {
          for (const source of localSources(node as ts.VariableDeclaration)) addDeclared(node, source);
        },
        [ts.SyntaxKind.CallExpression]: (node) => checkCall(ctx, node as ts.CallExpression, sourcesOf),
      },
    };
  },
};

function checkCall(ctx: RuleContext, call: ts.CallExpression, sourcesOf: (fn: ts.SignatureDeclaration) => SignalSource[]): void {
  // Nearest function first: its signal is the one the fix passes.
  const sources: SignalSource[] = [];
  for (let fn = enclosingFunction(call); fn; fn = enclosingFunction(fn)) sources.push(...sourcesOf(fn));
  if (sources.length === 0) return;
  if (mentionsSignal(call.arguments, sources)) return;
  const target = signalTarget(ctx, call);
  if (!target) return;
  const arg = call.arguments[target.index];
  const source = sources[0];
  const signalText = source.property ? `${source.root}.${source.property}` : source.root;
  const fixes: FixSpec[] = [];
  if (target.kind === 'positional') {
    if (arg) return;
    if (target.index === call.arguments.length) fixes.push(insertArgument(call, signalText));
  } else if (!arg) {
    if (target.index === call.arguments.length) fixes.push(insertArgument(call, `{ ${propertyText(target.property, source, signalText)} }`));
  } else {
    const options = skipParentheses(arg);
    if (!ts.isObjectLiteralExpression(options)) return;
    if (options.properties.some((p) => ts.isSpreadAssignment(p) || (p.name !== undefined && signalNames.has(propertyNameText(p.name) ?? '')))) return;
    fixes.push(addProperty(ctx, options, propertyText(target.property, source, signalText)));
  }
  const callee = call.expression.getText(ctx.sourceFile).replace(/^this\./, '');
  const shortCallee = callee.length > 40 ? `${callee.slice(0, 37)}...` : callee;
  ctx.report({
    node: call.expression,
    message: `\`${signalText}\` is in scope but \`${shortCallee}(…)\` does not get it${target.name ? ` (${target.name})` : ''}: when the caller gives up (client gone, timeout, shutdown) this call keeps running and holds its socket, timer or process. Pass \`${signalText}\`.`,
    fixes,
  });
}

interface SignalTarget {
  kind: 'positional' | 'options';
  index: number;
  /** The options property that takes the signal (`signal`, `abortSignal`). */
  property: string;
  name?: string;
}

/** Where the callee takes a signal, or undefined when it takes none (or it cannot be told). */
function signalTarget(ctx: RuleContext, call: ts.CallExpression): SignalTarget | undefined {
  const ref = ctx.catalogue.resolve(call.expression);
  if (ref && !ref.module.startsWith('.') && !ref.module.startsWith('/')) return platformTarget(ref, call);
  return ownTarget(ctx, call);
}

function platformTarget(ref: ApiRef, call: ts.CallExpression): SignalTarget | undefined {
  const position = platformApis.get(`${ref.module}#${ref.name}`);
  if (position === undefined) return undefined;
  if (position !== 'last-object') return { kind: 'options', index: position, property: 'signal' };
  const last = call.arguments.length - 1;
  if (last >= 1 && ts.isObjectLiteralExpression(skipParentheses(call.arguments[last]))) return { kind: 'options', index: last, property: 'signal' };
  // No options object (`spawn('ls', ['-l'])`): one goes last, unless an argument may already be options or a callback.
  return call.arguments.every((a) => ts.isArrayLiteralExpression(a) || ts.isStringLiteralLike(a) || ts.isTemplateExpression(a)) ? { kind: 'options', index: call.arguments.length, property: 'signal' } : undefined;
}

/** The project's own function or method, resolved through the checker: which parameter takes the signal. */
function ownTarget(ctx: RuleContext, call: ts.CallExpression): SignalTarget | undefined {
  const calleeNode = ts.isPropertyAccessExpression(call.expression) ? call.expression.name : call.expression;
  if (!ts.isIdentifier(calleeNode)) return undefined;
  let symbol = ctx.checker.getSymbolAtLocation(calleeNode);
  if (!symbol) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = ctx.checker.getAliasedSymbol(symbol);
  const declaration = symbol.declarations?.map(functionOf).find((fn) => fn !== undefined);
  if (!declaration) return undefined;
  const file = declaration.getSourceFile();
  if (file.isDeclarationFile || ctx.program.isSourceFileFromExternalLibrary(file)) return undefined;
  const parameters = declaration.parameters;
  for (let index = 0; index < parameters.length; index++) {
    const parameter = parameters[index];
    if (parameter.dotDotDotToken) return undefined;
    const name = ts.isIdentifier(parameter.name) ? parameter.name.text : undefined;
    if ((name !== undefined && signalNames.has(name)) || isAbortSignalTypeNode(parameter.type)) return { kind: 'positional', index, property: 'signal', name: `parameter \`${name ?? index + 1}\`` };
    const property = declaredSignalMember(ctx, parameter.type);
    if (property) return { kind: 'options', index, property, name: `option \`${property}\` of parameter \`${name ?? index + 1}\`` };
  }
  return undefined;
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

function isAbortSignalType(type: ts.Type): boolean {
  const members = type.isUnion() ? type.types : [type];
  return members.some((member) => member.getSymbol()?.getName() === 'AbortSignal');
}

/** The property of an options type that holds an AbortSignal: `signal` or `abortSignal`. */
function signalProperty(checker: ts.TypeChecker, type: ts.Type): string | undefined {
  const members = type.isUnion() ? type.types : [type];
  for (const member of members) {
    if (!(member.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection))) continue;
    for (const name of signalNames) {
      const property = member.getProperty(name);
      if (property && isAbortSignalType(checker.getNonNullableType(checker.getTypeOfSymbol(property)))) return name;
    }
  }
  return undefined;
}

/** Signals a function receives: `signal`/`abortSignal` or AbortSignal-typed parameters, `{ signal }`, `opts.signal`, a `Request`. */
function parameterSources(ctx: RuleContext, fn: ts.SignatureDeclaration): SignalSource[] {
  const sources: SignalSource[] = [];
  const body = 'body' in fn && fn.body ? fn.body.getText(ctx.sourceFile) : '';
  for (const parameter of fn.parameters) {
    const typeName = parameter.type && ts.isTypeReferenceNode(parameter.type) ? parameter.type.typeName.getText(ctx.sourceFile) : undefined;
    if (ts.isIdentifier(parameter.name)) {
      const name = parameter.name.text;
      if (signalNames.has(name) || typeName === 'AbortSignal') sources.push({ root: name });
      else if (typeName === 'Request' && signalProperty(ctx.checker, ctx.checker.getTypeAtLocation(parameter)) === 'signal') sources.push({ root: name, property: 'signal' });
      else {
        const property = [...signalNames].find((p) => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}\\??\\.${p}\\b`).test(body)) ?? declaredSignalMember(ctx, parameter.type);
        if (property) sources.push({ root: name, property });
      }
    } else if (ts.isObjectBindingPattern(parameter.name)) {
      for (const element of parameter.name.elements) {
        const property = element.propertyName && ts.isIdentifier(element.propertyName) ? element.propertyName.text : ts.isIdentifier(element.name) ? element.name.text : undefined;
        if (property !== undefined && signalNames.has(property) && ts.isIdentifier(element.name)) sources.push({ root: element.name.text });
      }
    }
  }
  return sources;
}

/** `const controller = new AbortController()`, `const signal = opts.signal`, `const { signal } = init`. */
function localSources(declaration: ts.VariableDeclaration): SignalSource[] {
  const init = declaration.initializer && skipParentheses(declaration.initializer);
  if (ts.isIdentifier(declaration.name)) {
    if (init && ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'AbortController') return [{ root: declaration.name.text, property: 'signal' }];
    if (signalNames.has(declaration.name.text)) return [{ root: declaration.name.text }];
    return [];
  }
  if (ts.isObjectBindingPattern(declaration.name)) {
    return declaration.name.elements.flatMap((element) => {
      const property = element.propertyName && ts.isIdentifier(element.propertyName) ? element.propertyName.text : ts.isIdentifier(element.name) ? element.name.text : undefined;
      return property !== undefined && signalNames.has(property) && ts.isIdentifier(element.name) ? [{ root: element.name.text }] : [];
    });
  }
  return [];
}

/** The call already hands over a signal: the one in scope, its holder, `AbortSignal.*`, or any `signal` property. */
function mentionsSignal(args: ts.NodeArray<ts.Expression>, sources: SignalSource[]): boolean {
  const roots = new Set(sources.map((s) => s.root));
  const signalVariables = new Set(sources.filter((s) => !s.property).map((s) => s.root));
  const visit = (node: ts.Node): boolean => {
    if (ts.isIdentifier(node) && (signalVariables.has(node.text) || node.text === 'AbortSignal')) return true;
    if (ts.isPropertyAccessExpression(node) && signalNames.has(node.name.text)) return true;
    if (ts.isSpreadAssignment(node) || ts.isSpreadElement(node)) {
      const spread = skipParentheses(node.expression);
      if (ts.isIdentifier(spread) && roots.has(spread.text)) return true;
    }
    if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && signalNames.has(propertyNameText(node.name) ?? '')) return true;
    return ts.forEachChild(node, visit) ?? false;
  };
  return args.some((arg) => {
    const inner = skipParentheses(arg);
    if (ts.isIdentifier(inner) && roots.has(inner.text)) return true;
    return visit(arg);
  });
}

function propertyText(property: string, source: SignalSource, signalText: string): string {
  return !source.property && source.root === property ? property : `${property}: ${signalText}`;
}

/**
 * The member of a written options type that holds a signal (`signal` or `abortSignal`), read from the
 * declarations the type names, one alias or interface deep at a time: asking the checker for each
 * parameter's type would instantiate generic option types all over a large codebase.
 */
function declaredSignalMember(ctx: RuleContext, type: ts.TypeNode | undefined, depth = 0): string | undefined {
  if (type === undefined || depth > 3) return undefined;
  if (ts.isParenthesizedTypeNode(type)) return declaredSignalMember(ctx, type.type, depth);
  if (ts.isTypeLiteralNode(type)) return signalMemberOf(type.members);
  if (ts.isIntersectionTypeNode(type) || ts.isUnionTypeNode(type)) {
    for (const part of type.types) {
      const member = declaredSignalMember(ctx, part, depth + 1);
      if (member) return member;
    }
    return undefined;
  }
  if (!ts.isTypeReferenceNode(type)) return undefined;
  let symbol = ctx.checker.getSymbolAtLocation(type.typeName);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = ctx.checker.getAliasedSymbol(symbol);
  for (const declaration of symbol?.declarations ?? []) {
    const member = ts.isInterfaceDeclaration(declaration) ? signalMemberOf(declaration.members) : ts.isTypeAliasDeclaration(declaration) ? declaredSignalMember(ctx, declaration.type, depth + 1) : undefined;
    if (member) return member;
  }
  return undefined;
}

function signalMemberOf(members: ts.NodeArray<ts.TypeElement>): string | undefined {
  for (const member of members) {
    const name = ts.isPropertySignature(member) ? propertyNameText(member.name) : undefined;
    if (name !== undefined && signalNames.has(name)) return name;
  }
  return undefined;
}

/** A written type that is `AbortSignal` (or `AbortSignal | undefined`). */
function isAbortSignalTypeNode(type: ts.TypeNode | undefined): boolean {
  if (type === undefined) return false;
  if (ts.isUnionTypeNode(type)) return type.types.some((part) => isAbortSignalTypeNode(part));
  return ts.isTypeReferenceNode(type) && type.typeName.getText(type.getSourceFile()) === 'AbortSignal';
}

function insertArgument(call: ts.CallExpression, text: string): FixSpec {
  const args = call.arguments;
  const position = args.hasTrailingComma ? args.end - 1 : args.end;
  const prefix = args.length === 0 ? '' : ', ';
  return { title: `Pass the signal: ${text}`, preferred: true, edits: [{ start: position, end: position, newText: `${prefix}${text}` }] };
}

function addProperty(ctx: RuleContext, options: ts.ObjectLiteralExpression, text: string): FixSpec {
  const { sourceFile } = ctx;
  const properties = options.properties;
  if (properties.length === 0) return { title: `Pass the signal: ${text}`, preferred: true, edits: [{ start: options.getStart(sourceFile), end: options.end, newText: `{ ${text} }` }] };
  const last = properties[properties.length - 1];
  const multiline = sourceFile.getLineAndCharacterOfPosition(options.getStart(sourceFile)).line !== sourceFile.getLineAndCharacterOfPosition(last.getStart(sourceFile)).line;
  if (multiline) {
    const lineStart = sourceFile.text.lastIndexOf('\n', last.getStart(sourceFile)) + 1;
    const indentation = sourceFile.text.slice(lineStart, last.getStart(sourceFile));
    const trailing = properties.hasTrailingComma;
    const at = trailing ? sourceFile.text.indexOf(',', last.end) + 1 : last.end;
    return { title: `Pass the signal: ${text}`, preferred: true, edits: [{ start: at, end: at, newText: `${trailing ? '' : ','}\n${indentation}${text}${trailing ? ',' : ''}` }] };
  }
  return { title: `Pass the signal: ${text}`, preferred: true, edits: [{ start: last.end, end: last.end, newText: `, ${text}` }] };
}

function propertyNameText(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionDeclaration(current) || ts.isFunctionExpression(current) || ts.isArrowFunction(current) || ts.isMethodDeclaration(current) || ts.isConstructorDeclaration(current) || ts.isGetAccessorDeclaration(current) || ts.isSetAccessorDeclaration(current)) return current;
  }
  return undefined;
}

