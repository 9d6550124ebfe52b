// The shape of a rule: metadata beside a `create` that returns node visitors, typescript-eslint style.
// Rules are listed explicitly in registry.ts; the engine walks each file once and dispatches nodes.
import type { ts } from 'ts-morph';
import type { ApiCatalogue } from './catalogue';
import type { DeploymentSettings } from '../shared/settings';
import type { Fix, Severity } from './findings';
import type { NodeTarget } from './nodeTarget';

export type RuleFamily = 'async' | 'cancellation' | 'pools' | 'keep-alive' | 'engine';

export interface RuleOptionDeclaration {
  /** JSON schema of the option, as it appears under `bounded.rules.<id>.<option>` in package.json. */
  schema: Record<string, unknown> & { default: unknown; markdownDescription: string };
}

export interface RuleMeta {
  description: string;
  defaultSeverity: Severity;
  /** Path of the rule's page, relative to the package root: `docs/rules/<id>.md`. */
  docs: string;
  fixable: boolean;
  /** True when the rule asks the type checker. */
  requiresTypes: boolean;
  options?: Record<string, RuleOptionDeclaration>;
  /**
   * Rules this one is more specific than. One problem gets one finding: where a finding of this
   * rule overlaps one of theirs, theirs is dropped.
   */
  supersedes?: readonly string[];
}

/** A fix as a rule describes it: edits by offset in the analysed file. */
export interface FixSpec {
  title: string;
  preferred?: boolean;
  edits: Array<{ start: number; end: number; newText: string }>;
}

export interface ReportSpec {
  node?: ts.Node;
  start?: number;
  end?: number;
  /**
   * The code the finding is about when it is wider than what the finding underlines (a loop reported
   * at its head): a superseding rule's finding anywhere in it drops this one.
   */
  covers?: ts.Node;
  message: string;
  fixes?: FixSpec[];
}

export interface RuleContext {
  readonly ts: typeof ts;
  readonly sourceFile: ts.SourceFile;
  readonly program: ts.Program;
  /** The checker is created on first use, so purely syntactic rules never pay for it. */
  readonly checker: ts.TypeChecker;
  readonly catalogue: ApiCatalogue;
  readonly compilerOptions: ts.CompilerOptions;
  readonly isJavaScript: boolean;
  /** How Node runs the file: as an ES module or as CommonJS. */
  readonly moduleFormat: 'esm' | 'cjs';
  /** Options merged over the declared defaults. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Where the service runs (load balancer, upstreams, pool bounds), from the `bounded` settings. */
  readonly deployment: Readonly<DeploymentSettings>;
  /** The Node major the project runs on (engines.node, .nvmrc/.node-version, @types/node), read by the workspace. */
  readonly nodeTarget: Readonly<NodeTarget>;
  report(spec: ReportSpec): void;
}

export type NodeVisitor = (node: ts.Node) => void;

export interface RuleVisitors {
  /** Visitors keyed by `ts.SyntaxKind`. */
  nodes: Partial<Record<number, NodeVisitor>>;
  /** Called after the walk, for rules that collect first and decide at the end. */
  end?: () => void;
}

export interface Rule {
  id: string;
  family: RuleFamily;
  meta: RuleMeta;
  create(ctx: RuleContext): RuleVisitors;
}

export type { Fix };
