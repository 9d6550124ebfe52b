// The API catalogue: tells a rule which well-known API an expression refers to, by import source and
// exported name (`pg` `Pool`, `http` `createServer`, global `fetch`). It answers from the file's
// imports and requires, so it works before `npm install` and in plain JS; when the name is not bound
// by an import it asks the type checker (when declarations are installed) where the symbol is declared.
import { ts } from 'ts-morph';
import { skipOuterExpressions } from './expressions';

/** A reference to an exported API: `module` is normalised (`node:http` -> `http`), `global` for globals. */
export interface ApiRef {
  module: string;
  /** Dotted export path (`Pool`, `promises.readFile`, `default`); `''` is the module namespace itself. */
  name: string;
}

/** The modules the catalogue knows; a rule names them in `is(...)` calls. */
export const knownModules = [
  'http', 'https', 'pg', 'mysql2', 'mysql2/promise', 'generic-pool', 'undici', 'ioredis', 'express', 'fastify',
  'koa', '@opentelemetry/api', 'test', 'timers', 'timers/promises', 'events', 'global',
  'p-limit', 'p-map', 'p-queue', 'p-retry', 'async-retry', 'ws',
  'fs', 'fs/promises', 'stream/promises', 'child_process', 'readline', 'readline/promises', 'axios',
  'pg-pool', 'mongodb', 'os', 'cluster', 'worker_threads', 'piscina', 'workerpool',
  'postgres', 'mysql', 'redis', '@redis/client', '@prisma/client', 'openai', 'stripe', '@elastic/elasticsearch', 'agentkeepalive',
] as const;

/** Globals the catalogue recognises when no local declaration shadows them. */
const knownGlobals = new Set([
  'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate',
  'queueMicrotask', 'process', 'Promise', 'AbortController', 'AbortSignal', 'WebSocket', 'navigator',
]);

export function normaliseModule(specifier: string): string {
  return specifier.startsWith('node:') ? specifier.slice(5) : specifier;
}

interface Binding {
  ref: ApiRef;
  /** `import type { X }`: names a type, never a value. */
  typeOnly?: boolean;
}

export class ApiCatalogue {
  private bindings: Map<string, Binding> | undefined;
  private declaredNames: Set<string> | undefined;

  constructor(
    private readonly sourceFile: ts.SourceFile,
    private readonly getChecker: () => ts.TypeChecker | undefined,
  ) {}

  /** Is `expr` (a callee, a `new` target, an identifier) the export `name` of `module`? */
  is(expr: ts.Expression, module: string, name: string): boolean {
    const ref = this.resolve(expr);
    return ref !== undefined && ref.module === module && ref.name === name;
  }

  /** Whether the file imports or requires `module` at its top level (type-only imports included). */
  importsModule(module: string): boolean {
    const wanted = normaliseModule(module);
    for (const binding of this.getBindings().values()) if (binding.ref.module === wanted) return true;
    return false;
  }

  /** What an imported local name is bound to (`import { setTimeout as sleep }` -> sleep), if it is one. */
  importedAs(local: string): ApiRef | undefined {
    return this.getBindings().get(local)?.ref;
  }

  /** The local names of the named exports of `module` the file imports (not type-only). */
  localNames(module: string, exportName?: string): string[] {
    const wanted = normaliseModule(module);
    const out: string[] = [];
    for (const [local, binding] of this.getBindings()) {
      if (binding.ref.module !== wanted || binding.typeOnly || binding.ref.name === '') continue;
      if (exportName === undefined ? binding.ref.name !== 'default' : binding.ref.name === exportName) out.push(local);
    }
    return out;
  }

  /** Resolves an expression to the API it names, or undefined when it is not an import or global. */
  resolve(expr: ts.Expression): ApiRef | undefined {
    const syntactic = this.resolveSyntactically(expr);
    // A name imported from the project's own files (`./db`) may re-export a package: ask the types.
    if (syntactic && !isRelative(syntactic.module)) return syntactic;
    return this.resolveWithTypes(expr) ?? syntactic;
  }

  private resolveSyntactically(expr: ts.Expression): ApiRef | undefined {
    const node = skipOuterExpressions(expr);
    if (ts.isIdentifier(node)) {
      const binding = this.getBindings().get(node.text);
      if (binding) return binding.ref;
      if (knownGlobals.has(node.text) && !this.isDeclaredLocally(node.text)) return { module: 'global', name: node.text };
      return undefined;
    }
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const member = memberName(node);
      if (member === undefined) return undefined;
      if (ts.isIdentifier(node.expression) && node.expression.text === 'globalThis' && !this.isDeclaredLocally('globalThis')) {
        return knownGlobals.has(member) ? { module: 'global', name: member } : undefined;
      }
      const base = this.resolveSyntactically(node.expression);
      if (!base) return undefined;
      return { module: base.module, name: joinName(base.name, member) };
    }
    if (ts.isCallExpression(node)) {
      const required = requiredModule(node);
      if (required !== undefined) return { module: required, name: '' };
    }
    return undefined;
  }

  private resolveWithTypes(expr: ts.Expression): ApiRef | undefined {
    const checker = this.getChecker();
    if (!checker) return undefined;
    const node = skipOuterExpressions(expr);
    const target = ts.isPropertyAccessExpression(node) ? node.name : node;
    let symbol = checker.getSymbolAtLocation(target);
    if (!symbol) return undefined;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const ref = refOfSymbol(symbol);
    if (ref) return ref;
    // `const Alias = Pool`: a local holding a class from a package is that class.
    const type = checker.getTypeAtLocation(target);
    const typeSymbol = type.getConstructSignatures().length > 0 ? type.getSymbol() : undefined;
    return typeSymbol ? refOfSymbol(typeSymbol) : undefined;
  }

  private isDeclaredLocally(name: string): boolean {
    if (!this.declaredNames) this.declaredNames = collectDeclaredNames(this.sourceFile);
    return this.declaredNames.has(name);
  }

  private getBindings(): Map<string, Binding> {
    if (!this.bindings) this.bindings = collectBindings(this.sourceFile);
    return this.bindings;
  }
}

function refOfSymbol(symbol: ts.Symbol): ApiRef | undefined {
  const declaration = symbol.declarations?.[0];
  if (!declaration) return undefined;
  const module = declaringModule(declaration);
  return module === undefined ? undefined : { module, name: qualifiedExportName(symbol, declaration) };
}

function isRelative(module: string): boolean {
  return module.startsWith('.') || module.startsWith('/');
}

function memberName(node: ts.PropertyAccessExpression | ts.ElementAccessExpression): string | undefined {
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  const arg = node.argumentExpression;
  return ts.isStringLiteralLike(arg) ? arg.text : undefined;
}

function joinName(base: string, member: string): string {
  // `import pg from 'pg'; pg.Pool` and `const pg = require('pg'); pg.Pool` both mean export `Pool`:
  // a CommonJS module's default import is its namespace.
  if (base === '' || base === 'default') return member;
  return `${base}.${member}`;
}

function requiredModule(call: ts.CallExpression): string | undefined {
  if (!ts.isIdentifier(call.expression) || call.expression.text !== 'require') return undefined;
  const arg = call.arguments[0];
  return arg && ts.isStringLiteralLike(arg) ? normaliseModule(arg.text) : undefined;
}

/** Local names bound to imports: ES imports, `import x = require()`, and top-level `require` declarations. */
function collectBindings(sourceFile: ts.SourceFile): Map<string, Binding> {
  const bindings = new Map<string, Binding>();
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const module = normaliseModule(statement.moduleSpecifier.text);
      const clause = statement.importClause;
      if (!clause) continue;
      const clauseTypeOnly = clause.isTypeOnly;
      if (clause.name) bindings.set(clause.name.text, { ref: { module, name: 'default' }, typeOnly: clauseTypeOnly });
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) bindings.set(named.name.text, { ref: { module, name: '' }, typeOnly: clauseTypeOnly });
      if (named && ts.isNamedImports(named)) {
        for (const element of named.elements) {
          const imported = (element.propertyName ?? element.name).text;
          bindings.set(element.name.text, { ref: { module, name: imported }, typeOnly: clauseTypeOnly || element.isTypeOnly });
        }
      }
    } else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference)) {
      const expr = statement.moduleReference.expression;
      if (ts.isStringLiteral(expr)) bindings.set(statement.name.text, { ref: { module: normaliseModule(expr.text), name: '' } });
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bindRequire(declaration, bindings);
    }
  }
  return bindings;
}

function bindRequire(declaration: ts.VariableDeclaration, bindings: Map<string, Binding>): void {
  const init = declaration.initializer && skipOuterExpressions(declaration.initializer);
  if (!init) return;
  let module: string | undefined;
  let path = '';
  if (ts.isCallExpression(init)) {
    module = requiredModule(init);
  } else if (ts.isPropertyAccessExpression(init) && ts.isCallExpression(init.expression)) {
    module = requiredModule(init.expression); // const Pool = require('pg').Pool
    path = init.name.text;
  }
  if (module === undefined) return;
  if (ts.isIdentifier(declaration.name)) {
    bindings.set(declaration.name.text, { ref: { module, name: path } });
  } else if (ts.isObjectBindingPattern(declaration.name)) {
    for (const element of declaration.name.elements) {
      if (!ts.isIdentifier(element.name)) continue;
      const property = element.propertyName && ts.isIdentifier(element.propertyName) ? element.propertyName.text : element.name.text;
      bindings.set(element.name.text, { ref: { module, name: joinName(path, property) } });
    }
  }
}

/** Every name the file declares anywhere (conservative: a shadowing declaration in any scope counts). */
function collectDeclaredNames(sourceFile: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) && ts.isIdentifier(node.name)) names.add(node.name.text);
    else if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name) names.add(node.name.text);
    else if (ts.isImportSpecifier(node) || ts.isImportClause(node) || ts.isNamespaceImport(node)) {
      if (node.name) names.add(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return names;
}

/** The module a declaration belongs to: an ambient `declare module "x"`, a package in node_modules, or `global`. */
function declaringModule(declaration: ts.Declaration): string | undefined {
  for (let node: ts.Node | undefined = declaration.parent; node; node = node.parent) {
    if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) return normaliseModule(node.name.text);
    if (ts.isModuleDeclaration(node) && node.flags & ts.NodeFlags.GlobalAugmentation) return 'global';
  }
  const file = declaration.getSourceFile();
  const fileName = file.fileName.replace(/\\/g, '/');
  const pkg = /\/node_modules\/(?:@types\/)?((?:@[^/]+\/)?[^/]+)\//.exec(fileName);
  const isTypesPackage = /\/node_modules\/@types\//.test(fileName);
  if (pkg && !ts.isExternalModule(file) && !isTypesPackage) return 'global';
  if (pkg) {
    const name = pkg[1];
    // @types/scope__name declares @scope/name.
    if (isTypesPackage && name.includes('__')) return `@${name.replace('__', '/')}`;
    return ts.isExternalModule(file) ? name : 'global';
  }
  if (/\/lib\.[^/]*\.d\.ts$/.test(fileName) || /\/typescript\/lib\//.test(fileName)) return 'global';
  return undefined;
}

function qualifiedExportName(symbol: ts.Symbol, declaration: ts.Declaration): string {
  const parts = [symbol.getName()];
  for (let node: ts.Node | undefined = declaration.parent; node; node = node.parent) {
    if ((ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) && node.name) parts.unshift(node.name.text);
    else if (ts.isModuleDeclaration(node) && ts.isIdentifier(node.name)) parts.unshift(node.name.text);
    else if (ts.isModuleDeclaration(node) || ts.isSourceFile(node)) break;
  }
  return parts.join('.');
}
