// `bounded check [paths...] [--project <tsconfig>] [--format text|json|sarif] [--fix]
//                [--rule <id>=<severity>] [--max-warnings N]`
// Exit codes: 0 nothing at or above warning remains (within --max-warnings), 1 findings remain,
// 2 usage or configuration errors.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ruleIds } from '../analyzer/registry';
import type { Finding } from '../analyzer/findings';
import { applyFixesToText, preferredEdits } from '../analyzer/applyFixes';
import { AnalysisWorkspace } from '../analyzer/workspace';
import { defaultDeployment, isLoadBalancerKind, isSeverityLevel, loadBalancerKinds, type DeploymentSettings, type RulesSettings } from '../shared/settings';
import { commandArgs, UsageError } from './commandArgs';
import { formatJson, formatSarif, formatText, type ReportInput } from './formats';


export interface CheckOptions {
  paths: string[];
  project?: string;
  format: 'text' | 'json' | 'sarif';
  fix: boolean;
  rules: RulesSettings;
  deployment: DeploymentSettings;
  maxWarnings?: number;
}

export const checkUsage = `Usage: bounded check [paths...] [options]

Analyses TypeScript and JavaScript files (default: the current folder).

Options:
  --project <tsconfig>     analyse the files of this tsconfig/jsconfig with its settings
  --format text|json|sarif output format (default: text)
  --fix                    apply the preferred fixes and report what changed
  --rule <id>=<severity>   set a rule's severity: off, info, warning, error (repeatable)
  --load-balancer <kind>   the load balancer in front of the service: aws-alb (default), gcp,
                           nginx, or custom with --load-balancer-idle-timeout <ms>
  --upstream-idle-timeout <ms>  idle timeout of the servers the service calls (default 60000)
  --pool-max <n>           the pool ceiling fixes insert (default 10)
  --pool-acquire-timeout <ms>  the wait for a pooled connection fixes insert (default 5000)
  --max-warnings <N>       exit 0 when there are no errors and at most N warnings
  -h, --help               show this help

Exit codes: 0 no findings at or above warning, 1 findings remain, 2 usage or configuration error.`;

export function parseCheckArgs(args: string[]): CheckOptions {
  const options: CheckOptions = { paths: [], format: 'text', fix: false, rules: {}, deployment: { ...defaultDeployment, pools: { ...defaultDeployment.pools } } };
  const positive = (flag: string, raw: string, unit = ''): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} takes a whole number${unit}, got "${raw}".`);
    return n;
  };
  const milliseconds = (flag: string, raw: string): number => positive(flag, raw, ' of milliseconds');
  let customIdleTimeout = false;
  for (const { arg, flag, inline, value } of commandArgs(args)) {
    switch (flag) {
      case '--project':
      case '-p':
        options.project = value();
        break;
      case '--format':
      case '-f': {
        const format = value();
        if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new UsageError(`Unknown format "${format}": use text, json or sarif.`);
        options.format = format;
        break;
      }
      case '--fix':
        if (inline !== undefined) throw new UsageError('--fix takes no value.');
        options.fix = true;
        break;
      case '--rule': {
        const spec = value();
        const eq = spec.indexOf('=');
        if (eq <= 0) throw new UsageError(`--rule takes <id>=<severity>, got "${spec}".`);
        const id = spec.slice(0, eq);
        const severity = spec.slice(eq + 1);
        if (!ruleIds.has(id)) throw new UsageError(`Unknown rule "${id}". Rules: ${[...ruleIds].join(', ')}.`);
        if (!isSeverityLevel(severity)) throw new UsageError(`Unknown severity "${severity}" for ${id}: use off, info, warning or error.`);
        options.rules[id] = { ...options.rules[id], severity };
        break;
      }
      case '--load-balancer': {
        const kind = value();
        if (!isLoadBalancerKind(kind)) throw new UsageError(`Unknown load balancer "${kind}": use ${loadBalancerKinds.join(', ')}.`);
        options.deployment.loadBalancer = kind;
        break;
      }
      case '--load-balancer-idle-timeout':
        options.deployment.loadBalancerIdleTimeoutMs = milliseconds(flag, value());
        customIdleTimeout = true;
        break;
      case '--upstream-idle-timeout':
        options.deployment.upstreamIdleTimeoutMs = milliseconds(flag, value());
        break;
      case '--pool-max':
        options.deployment.pools.defaultMax = positive(flag, value());
        break;
      case '--pool-acquire-timeout':
        options.deployment.pools.acquireTimeoutMs = milliseconds(flag, value());
        break;
      case '--max-warnings': {
        const raw = value();
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 0) throw new UsageError(`--max-warnings takes a whole number, got "${raw}".`);
        options.maxWarnings = n;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`Unknown option "${arg}".`);
        options.paths.push(arg);
    }
  }
  if (customIdleTimeout && options.deployment.loadBalancer !== 'custom') {
    throw new UsageError('--load-balancer-idle-timeout applies to --load-balancer custom; the others have known idle timeouts.');
  }
  return options;
}

export interface CheckResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function runCheck(options: CheckOptions, cwd = process.cwd()): CheckResult {
  const started = performance.now();
  const stderr: string[] = [];
  const workspace = new AnalysisWorkspace({
    roots: [cwd],
    settings: options.rules,
    deployment: options.deployment,
    log: (level, message) => {
      if (level === 'error') stderr.push(`bounded: ${message}`);
    },
  });

  const given = new Map<string, string>(); // absolute file -> as given on the command line
  for (const p of options.paths) {
    const absolute = path.resolve(cwd, p);
    if (!fs.existsSync(absolute)) throw new UsageError(`No such file or folder: ${p}`);
    if (fs.statSync(absolute).isFile()) given.set(absolute, p);
  }

  let files: string[];
  if (options.project) {
    const configFile = path.resolve(cwd, options.project);
    if (!fs.existsSync(configFile)) throw new UsageError(`The project file ${options.project} does not exist.`);
    const config = workspace.pinConfig(configFile);
    if (config.options === undefined) throw new UsageError(config.problems.map((p) => p.message).join(' '));
    const ofConfig = workspace.filesOfConfig(configFile);
    files = options.paths.length > 0 ? workspace.discoverFiles(options.paths.map((p) => path.resolve(cwd, p))).filter((f) => ofConfig.includes(f) || given.has(f)) : ofConfig;
  } else {
    files = workspace.discoverFiles(options.paths.length > 0 ? options.paths.map((p) => path.resolve(cwd, p)) : [cwd]);
  }

  const display = (file: string): string => given.get(file) ?? (path.relative(cwd, file) || path.basename(file));
  const fixed: Array<{ file: string; count: number }> = [];
  let findings: Finding[] = [];
  for (const file of files) {
    let analysis = workspace.analyseFile(file);
    if (options.fix) {
      const outcome = fixFile(workspace, file, analysis.findings);
      if (outcome.count > 0) {
        fixed.push({ file, count: outcome.count });
        analysis = workspace.analyseFile(file);
      }
      if (outcome.reverted) stderr.push(`bounded: fixes for ${display(file)} were not applied: they would have added compile errors.`);
    }
    findings.push(...analysis.findings);
  }
  const configFindings = workspace.configFindings();
  findings = [...configFindings, ...findings];

  for (const entry of fixed) stderr.push(`bounded: fixed ${entry.count} problem${entry.count === 1 ? '' : 's'} in ${display(entry.file)}`);

  const report: ReportInput = { findings, files: files.length, durationMs: Math.round(performance.now() - started), display, cwd, fixed };
  const stdout = options.format === 'json' ? formatJson(report) : options.format === 'sarif' ? formatSarif(report) : formatText(report);

  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  let exitCode = errors > 0 || warnings > (options.maxWarnings ?? 0) ? 1 : 0;
  if (configFindings.length > 0) {
    exitCode = 2;
    for (const finding of configFindings) stderr.push(`bounded: configuration error in ${display(finding.file)}: ${finding.message}`);
  }
  return { exitCode, stdout, stderr: stderr.length ? `${stderr.join('\n')}\n` : '' };
}

/**
 * Applies the preferred fixes to a file (a few passes, as fixes can uncover others) and keeps them
 * only if the file has no more compile errors than before.
 */
function fixFile(workspace: AnalysisWorkspace, file: string, initial: Finding[]): { count: number; reverted: boolean } {
  const original = fs.readFileSync(file, 'utf8');
  const errorsBefore = workspace.compileErrorCount(file);
  let text = original;
  let count = 0;
  let findings = initial;
  for (let pass = 0; pass < 5; pass++) {
    const edits = preferredEdits(findings.filter((f) => f.file === file));
    if (edits.applied === 0) break;
    text = applyFixesToText(text, edits.edits);
    count += edits.applied;
    workspace.setOverlay(file, text);
    findings = workspace.analyseFile(file).findings;
  }
  if (count === 0) return { count: 0, reverted: false };
  const errorsAfter = workspace.compileErrorCount(file);
  workspace.removeOverlay(file);
  if (errorsAfter > errorsBefore) return { count: 0, reverted: true };
  fs.writeFileSync(file, text);
  workspace.fileChanged(file, 'changed');
  return { count, reverted: false };
}
