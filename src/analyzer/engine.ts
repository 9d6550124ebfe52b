// Runs the enabled rules over one source file in a single walk, applies severities and suppressions,
// and turns the rules' reports into findings with ranges and fixes.
import { ts } from 'ts-morph';
import { defaultDeployment, type DeploymentSettings, type RulesSettings, type SeverityLevel } from '../shared/settings';
import { ApiCatalogue } from './catalogue';
import type { Finding, Fix, Range, Severity } from './findings';
import { type NodeTarget, unknownNodeTarget } from './nodeTarget';
import { ruleIds, rules as registeredRules } from './registry';
import type { FixSpec, NodeVisitor, ReportSpec, Rule, RuleContext } from './rule';
import { findUnusedSuppressions, unusedSuppressionRule } from './rules/unusedSuppression';
import { applySuppressions, parseSuppressions } from './suppressions';

export interface CancellationToken {
  readonly isCancellationRequested: boolean;
}

export class AnalysisCancelled extends Error {
  constructor() {
    super('analysis cancelled');
  }
}

export interface AnalyseFileInput {
  program: ts.Program;
  sourceFile: ts.SourceFile;
  settings: RulesSettings;
  /** Defaults to the declared defaults of the deployment settings. */
  deployment?: DeploymentSettings;
  /** The Node major the project targets; unknown when not given. */
  nodeTarget?: NodeTarget;
  token?: CancellationToken;
  /** Receives internal errors of a rule; the other rules go on. */
  onRuleError?: (rule: string, error: unknown) => void;
  rules?: readonly Rule[];
  moduleFormat: 'esm' | 'cjs';
}

/** The severity a rule runs with, or undefined when it is off. */
export function effectiveSeverity(rule: Rule, settings: RulesSettings): Severity | undefined {
  const configured: SeverityLevel | undefined = settings[rule.id]?.severity;
  if (configured === 'off') return undefined;
  return configured ?? rule.meta.defaultSeverity;
}

export function ruleOptions(rule: Rule, settings: RulesSettings): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const configured = settings[rule.id] ?? {};
  for (const [name, declaration] of Object.entries(rule.meta.options ?? {})) {
    options[name] = configured[name] !== undefined ? configured[name] : declaration.schema.default;
  }
  return options;
}

export function rangeOf(sourceFile: ts.SourceFile, start: number, end: number): Range {
  const s = sourceFile.getLineAndCharacterOfPosition(start);
  const e = sourceFile.getLineAndCharacterOfPosition(end);
  return { start: { line: s.line, character: s.character }, end: { line: e.line, character: e.character } };
}

const cancellationCheckInterval = 512;

export function analyseSourceFile(input: AnalyseFileInput): Finding[] {
  const { program, sourceFile, settings, token } = input;
  const rules = input.rules ?? registeredRules;
  const findings: Finding[] = [];
  const covered = new Map<Finding, CoveredCode>();
  const isJavaScript = /\.(c|m)?jsx?$/.test(sourceFile.fileName);
  const compilerOptions = program.getCompilerOptions();
  let checker: ts.TypeChecker | undefined;
  const getChecker = (): ts.TypeChecker => (checker ??= program.getTypeChecker());
  const catalogue = new ApiCatalogue(sourceFile, getChecker);

  const active: Array<{ rule: Rule; severity: Severity; visitors: Partial<Record<number, NodeVisitor>>; end?: () => void }> = [];
  for (const rule of rules) {
    if (rule.family === 'engine') continue;
    const severity = effectiveSeverity(rule, settings);
    if (!severity) continue;
    const report = (spec: ReportSpec): void => {
      const finding = toFinding(sourceFile, rule.id, severity, spec);
      findings.push(finding);
      if (spec.covers) covered.set(finding, { start: spec.covers.getStart(sourceFile), end: spec.covers.getEnd() });
    };
    const ctx: RuleContext = {
      ts,
      sourceFile,
      program,
      get checker() {
        return getChecker();
      },
      catalogue,
      compilerOptions,
      isJavaScript,
      moduleFormat: input.moduleFormat,
      options: ruleOptions(rule, settings),
      deployment: input.deployment ?? defaultDeployment,
      nodeTarget: input.nodeTarget ?? unknownNodeTarget,
      report,
    };
    try {
      const created = rule.create(ctx);
      active.push({ rule, severity, visitors: created.nodes, end: created.end });
    } catch (error) {
      input.onRuleError?.(rule.id, error);
    }
  }

  // One walk, dispatching each node to the rules that asked for its kind.
  const dispatch = new Map<number, Array<{ rule: Rule; visit: NodeVisitor }>>();
  for (const entry of active) {
    for (const [kind, visit] of Object.entries(entry.visitors)) {
      if (!visit) continue;
      const list = dispatch.get(Number(kind)) ?? [];
      list.push({ rule: entry.rule, visit });
      dispatch.set(Number(kind), list);
    }
  }
  const failed = new Set<string>();
  let visited = 0;
  const walk = (node: ts.Node): void => {
    if (token && ++visited % cancellationCheckInterval === 0 && token.isCancellationRequested) throw new AnalysisCancelled();
    const handlers = dispatch.get(node.kind);
    if (handlers) {
      for (const { rule, visit } of handlers) {
        if (failed.has(rule.id)) continue;
        try {
          visit(node);
        } catch (error) {
          if (error instanceof AnalysisCancelled || isOperationCancelled(error)) throw error;
          failed.add(rule.id);
          input.onRuleError?.(rule.id, error);
        }
      }
    }
    ts.forEachChild(node, walk);
  };
  if (dispatch.size > 0) walk(sourceFile);
  for (const entry of active) {
    if (!entry.end || failed.has(entry.rule.id)) continue;
    try {
      entry.end();
    } catch (error) {
      input.onRuleError?.(entry.rule.id, error);
    }
  }
  if (token?.isCancellationRequested) throw new AnalysisCancelled();

  return applySuppressionComments(sourceFile, dropSuperseded(findings, rules, covered), settings, new Set(active.filter((a) => !failed.has(a.rule.id)).map((a) => a.rule.id)));
}

/** The code a finding is about, where wider than its range (`ReportSpec.covers`). */
interface CoveredCode {
  start: number;
  end: number;
}

/**
 * Where a more specific rule reported overlapping code, the general rule's finding goes. The general
 * finding's code is its range, or the wider code it covers (a loop underlined at its head).
 */
export function dropSuperseded(findings: Finding[], rules: readonly Rule[], covered: ReadonlyMap<Finding, CoveredCode> = new Map()): Finding[] {
  const supersedes = new Map(rules.filter((r) => r.meta.supersedes?.length).map((r) => [r.id, new Set(r.meta.supersedes)]));
  if (supersedes.size === 0) return findings;
  return findings.filter((finding) => {
    const code = covered.get(finding) ?? finding;
    return !findings.some((other) => other !== finding && supersedes.get(other.rule)?.has(finding.rule) && other.start < code.end && code.start < other.end);
  });
}

function applySuppressionComments(sourceFile: ts.SourceFile, findings: Finding[], settings: RulesSettings, judged: Set<string>): Finding[] {
  const suppressions = parseSuppressions(sourceFile);
  if (suppressions.length === 0) return findings;
  const kept = findings.filter((finding) => !applySuppressions(suppressions, finding.rule, finding.range.start.line));
  const severity = effectiveSeverity(unusedSuppressionRule, settings);
  if (!severity) return kept;
  for (const unused of findUnusedSuppressions(sourceFile.text, suppressions, ruleIds, judged)) {
    kept.push(toFinding(sourceFile, unusedSuppressionRule.id, severity, { start: unused.start, end: unused.end, message: unused.message, fixes: [unused.fix] }));
  }
  return kept;
}

function isOperationCancelled(error: unknown): boolean {
  return error instanceof ts.OperationCanceledException;
}

function toFinding(sourceFile: ts.SourceFile, rule: string, severity: Severity, spec: ReportSpec): Finding {
  const start = spec.node ? spec.node.getStart(sourceFile) : (spec.start ?? 0);
  const end = spec.node ? spec.node.getEnd() : (spec.end ?? start);
  return {
    rule,
    severity,
    file: sourceFile.fileName,
    start,
    end,
    range: rangeOf(sourceFile, start, end),
    message: spec.message,
    fixes: (spec.fixes ?? []).map((fix) => toFix(sourceFile, fix)),
  };
}

function toFix(sourceFile: ts.SourceFile, fix: FixSpec): Fix {
  return {
    title: fix.title,
    preferred: fix.preferred ?? false,
    edits: fix.edits.map((edit) => ({
      file: sourceFile.fileName,
      start: edit.start,
      end: edit.end,
      range: rangeOf(sourceFile, edit.start, edit.end),
      newText: edit.newText,
    })),
  };
}
