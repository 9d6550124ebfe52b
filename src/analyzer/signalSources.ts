// The AbortSignals a function can reach, as the cancellation rules (signal-not-forwarded,
// abort-not-checked) see them: parameters named, typed or destructured as a signal, options that hold
// one (`opts.signal`), a Fetch `Request`, a local AbortController, and whether a call hands one over.
import { ts } from 'ts-morph';
import { skipParentheses } from './expressions';
import type { RuleContext } from './rule';

export const signalNames = new Set(['signal', 'abortSignal']);

/** A signal the function can reach: `signal`, `opts.signal`, `req.signal`, `controller.signal`. */
export interface SignalSource {
  /** The variable that holds the signal, or the object it is a property of. */
  root: string;
  /** The property holding the signal on `root`; undefined when `root` is the signal. */
  property?: string;
}

/** A type that is (or, in a union, may be) the AbortSignal interface. */
export function isAbortSignalType(type: ts.Type): boolean {
  const members = type.isUnion() ? type.types : [type];
  return members.some((member) => member.getSymbol()?.getName() === 'AbortSignal');
}

/** The property of an options type that holds an AbortSignal: `signal` or `abortSignal`. */
export function signalProperty(checker: ts.TypeChecker, type: ts.Type): string | undefined {
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

/** Signals a function receives: `signal`/`abortSignal` or AbortSignal-typed parameters, `{ signal }` (nested, renamed or defaulted), `opts.signal`, a `Request`. */
export function parameterSources(ctx: Pick<RuleContext, 'checker'>, fn: ts.SignatureDeclaration): SignalSource[] {
  const sources: SignalSource[] = [];
  const reads = signalReadsOf(fn);
  for (const parameter of fn.parameters) {
    const typeName = parameter.type && ts.isTypeReferenceNode(parameter.type) ? parameter.type.typeName.getText() : undefined;
    if (ts.isIdentifier(parameter.name)) {
      const name = parameter.name.text;
      if (signalNames.has(name) || typeName === 'AbortSignal') sources.push({ root: name });
      else if (typeName === 'Request' && signalProperty(ctx.checker, ctx.checker.getTypeAtLocation(parameter)) === 'signal') sources.push({ root: name, property: 'signal' });
      else {
        const read = reads.get(name);
        const property = declaredSignalMember(ctx.checker, parameter.type) ?? (read !== undefined && holdsSignal(ctx.checker, parameter.name, read) ? read : undefined);
        if (property) sources.push({ root: name, property });
      }
    } else if (ts.isObjectBindingPattern(parameter.name)) {
      sources.push(...bindingSources(ctx.checker, parameter.name, reads));
    }
  }
  return sources;
}

/**
 * `const controller = new AbortController()`, `const signal = opts.signal`, `const { signal } = init`;
 * given the checker, also holders the function reads a signal from: `const { options: requestOptions } = context`
 * then `requestOptions.signal`.
 */
export function localSources(declaration: ts.VariableDeclaration, checker?: ts.TypeChecker): SignalSource[] {
  // A module-level holder is no function's signal: only locals are worth asking the checker about.
  const fn = checker && enclosingFunction(declaration);
  const reads = fn ? signalReadsOf(fn) : new Map<string, string>();
  const holderChecker = fn ? checker : undefined;
  const init = declaration.initializer && skipParentheses(declaration.initializer);
  if (ts.isIdentifier(declaration.name)) {
    const name = declaration.name.text;
    if (init && ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'AbortController') return [{ root: name, property: 'signal' }];
    if (signalNames.has(name)) return [{ root: name }];
    return holderSource(holderChecker, declaration.name, name, reads);
  }
  return ts.isObjectBindingPattern(declaration.name) ? bindingSources(holderChecker, declaration.name, reads) : [];
}

/** The signals an object pattern binds: `{ signal }`, `{ signal: abortSignal }`, `{ signal = AbortSignal.timeout(5000) }`, `{ options: { signal } }`, and holders read as `holder.signal`. */
function bindingSources(checker: ts.TypeChecker | undefined, pattern: ts.ObjectBindingPattern, reads: Map<string, string>): SignalSource[] {
  return pattern.elements.flatMap((element): SignalSource[] => {
    if (ts.isObjectBindingPattern(element.name)) return bindingSources(checker, element.name, reads);
    if (!ts.isIdentifier(element.name)) return [];
    const name = element.name.text;
    const property = bindingPropertyName(element) ?? '';
    if (signalNames.has(property) || (element.propertyName && signalNames.has(name))) return [{ root: name }];
    return holderSource(checker, element.name, property, reads);
  });
}

/** Names of options objects, the holders worth asking the checker about when the code never reads their signal. */
const optionsName = /(?:options|opts|init|config)$/i;

/**
 * A local that holds a signal: read as `holder.signal` where its type allows one, or named like
 * options (`requestOptions`, `{ options: requestOptions }`) with a type that has an AbortSignal member.
 */
function holderSource(checker: ts.TypeChecker | undefined, holder: ts.Identifier, property: string, reads: Map<string, string>): SignalSource[] {
  if (checker === undefined) return [];
  const read = reads.get(holder.text);
  if (read !== undefined) return holdsSignal(checker, holder, read) ? [{ root: holder.text, property: read }] : [];
  if (!optionsName.test(holder.text) && !optionsName.test(property)) return [];
  const member = signalProperty(checker, checker.getNonNullableType(checker.getTypeAtLocation(holder)));
  return member ? [{ root: holder.text, property: member }] : [];
}

/** The property a binding element takes from the object: `a` in `{ a }`, `{ a: b }`, `{ a = 1 }`. */
export function bindingPropertyName(element: ts.BindingElement): string | undefined {
  if (element.propertyName) return propertyNameText(element.propertyName);
  return ts.isIdentifier(element.name) ? element.name.text : undefined;
}

const readsByFunction = new WeakMap<ts.Node, Map<string, string>>();

/** The names a function's body reads a signal from (`x.signal`, `x?.abortSignal`), each with the property it reads. */
function signalReadsOf(fn: ts.SignatureDeclaration): Map<string, string> {
  const cached = readsByFunction.get(fn);
  if (cached) return cached;
  const reads = new Map<string, string>();
  const text = 'body' in fn && fn.body ? fn.body.getText() : '';
  for (const match of text.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)\??\.(signal|abortSignal)\b/g)) {
    if (!reads.has(match[1])) reads.set(match[1], match[2]);
  }
  readsByFunction.set(fn, reads);
  return reads;
}

/**
 * Whether `holder.<property>` may be an AbortSignal: untyped (plain JS, `any`), or typed with one. A
 * `signal` that is a signal name (`error.signal` of a child process, `'SIGTERM'`) is not.
 */
function holdsSignal(checker: ts.TypeChecker, holder: ts.Identifier, property: string): boolean {
  const type = checker.getNonNullableType(checker.getTypeAtLocation(holder));
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
  return (type.isUnion() ? type.types : [type]).some((member) => {
    const symbol = member.getProperty(property);
    if (!symbol) return false;
    const propertyType = checker.getNonNullableType(checker.getTypeOfSymbol(symbol));
    return (propertyType.flags & ts.TypeFlags.Any) !== 0 || isAbortSignalType(propertyType);
  });
}

/** The call already hands over a signal: the one in scope, its holder, `AbortSignal.*`, or any `signal` property. */
export function mentionsSignal(args: ts.NodeArray<ts.Expression>, sources: SignalSource[]): boolean {
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

/**
 * The member of a written options type that holds a signal (`signal` or `abortSignal`), read from the
 * declarations the type names, one alias or interface deep at a time: asking the checker for each
 * parameter's type would instantiate generic option types all over a large codebase.
 */
export function declaredSignalMember(checker: ts.TypeChecker, type: ts.TypeNode | undefined, depth = 0): string | undefined {
  if (type === undefined || depth > 3) return undefined;
  if (ts.isParenthesizedTypeNode(type)) return declaredSignalMember(checker, type.type, depth);
  if (ts.isTypeLiteralNode(type)) return signalMemberOf(checker, type.members);
  if (ts.isIntersectionTypeNode(type) || ts.isUnionTypeNode(type)) {
    for (const part of type.types) {
      const member = declaredSignalMember(checker, part, depth + 1);
      if (member) return member;
    }
    return undefined;
  }
  if (!ts.isTypeReferenceNode(type)) return undefined;
  let symbol = checker.getSymbolAtLocation(type.typeName);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  for (const declaration of symbol?.declarations ?? []) {
    const member = ts.isInterfaceDeclaration(declaration) ? signalMemberOf(checker, declaration.members) : ts.isTypeAliasDeclaration(declaration) ? declaredSignalMember(checker, declaration.type, depth + 1) : undefined;
    if (member) return member;
  }
  return undefined;
}

function signalMemberOf(checker: ts.TypeChecker, members: ts.NodeArray<ts.TypeElement>): string | undefined {
  for (const member of members) {
    const name = ts.isPropertySignature(member) ? propertyNameText(member.name) : undefined;
    if (name !== undefined && signalNames.has(name) && mayBeSignal(checker, (member as ts.PropertySignature).type)) return name;
  }
  return undefined;
}

/** A member type written as an AbortSignal, or not written: `signal?: boolean` (viem's `withTimeout`) is a flag, not a signal. */
function mayBeSignal(checker: ts.TypeChecker, type: ts.TypeNode | undefined): boolean {
  if (type === undefined || isAbortSignalTypeNode(type)) return true;
  const resolved = checker.getNonNullableType(checker.getTypeFromTypeNode(type));
  return (resolved.flags & ts.TypeFlags.Any) !== 0 || isAbortSignalType(resolved);
}

/** A written type that is `AbortSignal` (or `AbortSignal | undefined`). */
export function isAbortSignalTypeNode(type: ts.TypeNode | undefined): boolean {
  if (type === undefined) return false;
  if (ts.isUnionTypeNode(type)) return type.types.some((part) => isAbortSignalTypeNode(part));
  return ts.isTypeReferenceNode(type) && type.typeName.getText(type.getSourceFile()) === 'AbortSignal';
}

/** The text of an identifier or string-literal property name. */
export function propertyNameText(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** The function, method, accessor or constructor a node is in. */
export function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionDeclaration(current) || ts.isFunctionExpression(current) || ts.isArrowFunction(current) || ts.isMethodDeclaration(current) || ts.isConstructorDeclaration(current) || ts.isGetAccessorDeclaration(current) || ts.isSetAccessorDeclaration(current)) return current;
  }
  return undefined;
}
