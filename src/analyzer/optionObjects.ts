// Reading the options object a call or constructor is given (`new Agent({ keepAlive: true })`),
// following a const it is stored in and the spreads it is built from, and writing properties into it.
// What cannot be resolved statically is said to be unknown: rules do not guess about it.
import { ts } from 'ts-morph';
import { skipOuterExpressions } from './expressions';
import { indentationAt } from './rules/fixText';

export interface ResolvedOptions {
  /** The last value given for each key, as written. */
  properties: Map<string, ts.Expression>;
  /** False when part of the object could not be read (a spread of a parameter, a computed key): a key not in `properties` may still be set. */
  complete: boolean;
  /** The object literal in the analysed file that a fix may add properties to, when there is one. */
  literal?: ts.ObjectLiteralExpression;
}

const maxDepth = 5;

/**
 * The options an argument gives: an object literal, a `const` holding one, spreads of those.
 * `undefined` (no argument) is an empty, complete object; anything else that cannot be read is undefined.
 */
export function resolveOptions(checker: ts.TypeChecker, argument: ts.Expression | undefined, sourceFile: ts.SourceFile): ResolvedOptions | undefined {
  if (argument === undefined) return { properties: new Map(), complete: true };
  return resolveObject(checker, argument, sourceFile, 0);
}

function resolveObject(checker: ts.TypeChecker, expression: ts.Expression, sourceFile: ts.SourceFile, depth: number): ResolvedOptions | undefined {
  if (depth > maxDepth) return undefined;
  const node = skipOuterExpressions(expression);
  if (ts.isIdentifier(node)) {
    const initializer = constInitializer(checker, node);
    return initializer ? resolveObject(checker, initializer, sourceFile, depth + 1) : undefined;
  }
  if (!ts.isObjectLiteralExpression(node)) return undefined;
  const properties = new Map<string, ts.Expression>();
  let complete = true;
  for (const property of node.properties) {
    if (ts.isSpreadAssignment(property)) {
      const spread = resolveObject(checker, property.expression, sourceFile, depth + 1);
      if (!spread) {
        complete = false;
        continue;
      }
      for (const [key, value] of spread.properties) properties.set(key, value);
      complete &&= spread.complete;
      continue;
    }
    const name = property.name && propertyKey(property.name);
    if (name === undefined) {
      complete = false;
      continue;
    }
    if (ts.isPropertyAssignment(property)) properties.set(name, property.initializer);
    else if (ts.isShorthandPropertyAssignment(property)) properties.set(name, property.name);
    else properties.set(name, property.name as ts.Expression);
  }
  return { properties, complete, literal: node.getSourceFile() === sourceFile ? node : undefined };
}

/** Whether the key is known to be absent: not given, and nothing unread could give it. */
export function isMissing(options: ResolvedOptions, key: string): boolean {
  return options.complete && !options.properties.has(key);
}

/**
 * A number an expression evaluates to when it is written out: literals, arithmetic, consts (also
 * members of const object literals, `config.server.keepAliveMs`), and numeric literal types.
 */
export function numericValue(checker: ts.TypeChecker, expression: ts.Expression, depth = 0): number | undefined {
  if (depth > maxDepth) return undefined;
  const node = skipOuterExpressions(expression);
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node) && (node.operator === ts.SyntaxKind.MinusToken || node.operator === ts.SyntaxKind.PlusToken)) {
    const operand = numericValue(checker, node.operand, depth + 1);
    return operand === undefined ? undefined : node.operator === ts.SyntaxKind.MinusToken ? -operand : operand;
  }
  if (ts.isBinaryExpression(node)) {
    const left = numericValue(checker, node.left, depth + 1);
    const right = left === undefined ? undefined : numericValue(checker, node.right, depth + 1);
    if (left === undefined || right === undefined) return undefined;
    switch (node.operatorToken.kind) {
      case ts.SyntaxKind.PlusToken:
        return left + right;
      case ts.SyntaxKind.MinusToken:
        return left - right;
      case ts.SyntaxKind.AsteriskToken:
        return left * right;
      case ts.SyntaxKind.SlashToken:
        return right === 0 ? undefined : left / right;
      default:
        return undefined;
    }
  }
  if (ts.isIdentifier(node) || ts.isPropertyAccessExpression(node)) {
    if (ts.isIdentifier(node) && node.text === 'Infinity') return Infinity;
    const declaration = valueDeclaration(checker, node);
    if (declaration && isConstVariable(declaration) && declaration.initializer) return numericValue(checker, declaration.initializer, depth + 1);
    if (declaration && ts.isPropertyAssignment(declaration) && isInConstObject(declaration)) return numericValue(checker, declaration.initializer, depth + 1);
    const type = checker.getTypeAtLocation(node);
    return type.isNumberLiteral() ? type.value : undefined;
  }
  return undefined;
}

/** The declaration a name (or a shorthand property's value, or `a.b`'s member) refers to, through imports. */
export function valueDeclaration(checker: ts.TypeChecker, node: ts.Identifier | ts.PropertyAccessExpression): ts.Declaration | undefined {
  let symbol = ts.isShorthandPropertyAssignment(node.parent) ? checker.getShorthandAssignmentValueSymbol(node.parent) : checker.getSymbolAtLocation(ts.isPropertyAccessExpression(node) ? node.name : node);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return symbol?.valueDeclaration ?? symbol?.declarations?.[0];
}

export function isConstVariable(declaration: ts.Node): declaration is ts.VariableDeclaration {
  return ts.isVariableDeclaration(declaration) && ts.isVariableDeclarationList(declaration.parent) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0;
}

/** A property of an object literal held by a `const` (possibly nested): `config.server.keepAliveMs`. */
function isInConstObject(property: ts.PropertyAssignment): boolean {
  let node: ts.Node = property.parent;
  while (ts.isObjectLiteralExpression(node) || ts.isPropertyAssignment(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node)) node = node.parent;
  return isConstVariable(node);
}

/** `true` / `false` as written, or through a const; undefined otherwise. */
export function booleanValue(checker: ts.TypeChecker, expression: ts.Expression, depth = 0): boolean | undefined {
  if (depth > maxDepth) return undefined;
  const node = skipOuterExpressions(expression);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isIdentifier(node)) {
    const initializer = constInitializer(checker, node);
    return initializer ? booleanValue(checker, initializer, depth + 1) : undefined;
  }
  return undefined;
}

/** The initializer of the `const` an identifier names, when it is one. */
function constInitializer(checker: ts.TypeChecker, identifier: ts.Identifier): ts.Expression | undefined {
  let symbol = checker.getSymbolAtLocation(identifier);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
  if (!ts.isIdentifier(declaration.name)) return undefined;
  const list = declaration.parent;
  if (!ts.isVariableDeclarationList(list) || (list.flags & ts.NodeFlags.Const) === 0) return undefined;
  return declaration.initializer;
}

export function propertyKey(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** An edit adding `texts` as the object literal's last properties, as the literal is laid out. */
export function insertProperties(source: ts.SourceFile, options: ts.ObjectLiteralExpression, texts: readonly string[]): { start: number; end: number; newText: string } {
  const properties = options.properties;
  const last = properties[properties.length - 1];
  if (!last) {
    return { start: options.getStart(source), end: options.end, newText: `{ ${texts.join(', ')} }` };
  }
  const multiLine = source.getLineAndCharacterOfPosition(last.getStart(source)).line !== source.getLineAndCharacterOfPosition(options.getStart(source)).line;
  if (!multiLine) return { start: last.end, end: last.end, newText: texts.map((text) => `, ${text}`).join('') };
  const indent = indentationAt(source, last.getStart(source));
  if (properties.hasTrailingComma) {
    const comma = source.text.indexOf(',', last.end) + 1;
    return { start: comma, end: comma, newText: texts.map((text) => `\n${indent}${text},`).join('') };
  }
  return { start: last.end, end: last.end, newText: texts.map((text) => `,\n${indent}${text}`).join('') };
}
