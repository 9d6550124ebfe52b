// Whole-project analysis benchmark: Bounded's `check` against its peers on bench/.corpus, all in one
// run. Each round runs every tool once, in turn; a tool's figures are the medians over the rounds of
// its wall time and of its peak resident memory (summed over its process tree, polled from /proc:
// oxlint runs tsgolint as a child process). Prints a table with ratios against the floor,
// typescript-eslint and oxlint-tsgolint, then compares the floating promises each tool reports by
// file:line, and writes every run to bench/results/.
//   npx tsx bench/check.ts [--runs N]      (after bench/setup.sh)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { rules } from '../src/analyzer/registry';

const benchDir = __dirname;
const repoRoot = join(benchDir, '..');
const corpusDir = join(benchDir, '.corpus');
const corpusTsconfig = join(corpusDir, 'tsconfig.json');
const binDir = join(benchDir, 'node_modules', '.bin');
const rssPollMs = 50;

/** What a tool reports: its floating promises as corpus-relative file:line, the times of its phases, a note. */
interface ToolOutput {
  findings: string[];
  phasesMs?: Record<string, number>;
  note?: string;
}

interface Tool {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  /** Reads a finished run; throws, with the reason, when the run failed. */
  read(run: ProcessResult): ToolOutput;
}

interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  peakRssBytes: number;
}

interface Run {
  wallMs: number;
  peakRssBytes: number;
  output: ToolOutput;
}

interface ToolResult {
  tool: Tool;
  runs: Run[];
  unavailable?: string;
}

function parseRuns(argv: string[]): number {
  const at = argv.indexOf('--runs');
  if (at === -1) return 3;
  const runs = Number(argv[at + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number of at least 1');
  return runs;
}

function listSources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name))
    .sort();
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** Fails a run whose exit code says the tool did not finish (0 and 1 both mean it did: 1 is "found something"). */
function requireFinished(run: ProcessResult): void {
  if (run.code !== 0 && run.code !== 1) throw new Error(`exit ${run.code}: ${firstLine(run.stderr) || firstLine(run.stdout)}`);
}

/** `file` is absolute or relative to `base`, the folder the tool ran in. */
function corpusLocation(base: string, file: string, line: number): string {
  return `${relative(corpusDir, resolve(base, file))}:${line}`;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${name} ${count}`).join(', ');
}

function tools(): Tool[] {
  const floor: Tool = {
    name: 'floor',
    command: process.execPath,
    args: ['--import', 'tsx', join(benchDir, 'floor.ts'), corpusTsconfig],
    cwd: repoRoot,
    read(run) {
      if (run.code !== 0) throw new Error(`exit ${run.code}: ${firstLine(run.stderr)}`);
      const report = JSON.parse(run.stdout) as { programMs: number; queryMs: number; expressionStatements: number; thenableAt: string[] };
      return {
        findings: report.thenableAt,
        phasesMs: { program: report.programMs, queries: report.queryMs },
        note: `findings are the thenable expression statements, of ${report.expressionStatements}`,
      };
    },
  };
  const typescriptEslint: Tool = {
    name: 'typescript-eslint',
    command: join(binDir, 'eslint'),
    args: ['--config', join(benchDir, 'eslint.config.mjs'), '--format', 'json', corpusDir],
    cwd: benchDir,
    read(run) {
      requireFinished(run);
      const results = JSON.parse(run.stdout) as Array<{ filePath: string; messages: Array<{ ruleId: string | null; line: number; fatal?: boolean }> }>;
      const messages = results.flatMap((result) => result.messages.map((message) => ({ ...message, filePath: result.filePath })));
      const fatal = messages.filter((message) => message.fatal).length;
      return {
        findings: messages
          .filter((message) => message.ruleId === '@typescript-eslint/no-floating-promises')
          .map((message) => corpusLocation(benchDir, message.filePath, message.line)),
        note: fatal > 0 ? `${fatal} files failed to parse` : undefined,
      };
    },
  };
  // oxlint walks folders through the .gitignore files above them, which ignore .corpus: it is given the files.
  const oxlintTsgolint: Tool = {
    name: 'oxlint-tsgolint',
    command: join(binDir, 'oxlint'),
    args: ['--config', join(benchDir, 'oxlintrc.json'), '--disable-nested-config', '--type-aware', '--format', 'json', ...listSources(corpusDir)],
    cwd: benchDir,
    read(run) {
      requireFinished(run);
      const report = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; filename: string; labels: Array<{ span: { line: number } }> }> };
      return {
        findings: report.diagnostics
          .filter((diagnostic) => diagnostic.code === 'typescript(no-floating-promises)')
          .map((diagnostic) => corpusLocation(benchDir, diagnostic.filename, diagnostic.labels[0]?.span.line ?? 0)),
      };
    },
  };
  // All rules, floating-promise alone, and all but the cancellation family (whose signal-not-forwarded
  // follows calls across files): a rule family must not make analysis more than 1.5x slower.
  const onlyFloatingPromise = rules.filter((rule) => rule.id !== 'floating-promise').flatMap((rule) => ['--rule', `${rule.id}=off`]);
  const withoutCancellation = rules.filter((rule) => rule.family === 'cancellation').flatMap((rule) => ['--rule', `${rule.id}=off`]);
  const bounded = boundedTool('bounded', []);
  const boundedFloatingOnly = boundedTool('bounded (floating-promise only)', onlyFloatingPromise);
  const boundedWithoutCancellation = boundedTool('bounded (without cancellation rules)', withoutCancellation);
  return [floor, typescriptEslint, oxlintTsgolint, bounded, boundedFloatingOnly, boundedWithoutCancellation];
}

function boundedTool(name: string, extraArgs: string[]): Tool {
  return {
    name,
    command: process.execPath,
    args: [join(repoRoot, 'bin', 'bounded.js'), 'check', '--project', corpusTsconfig, '--format', 'json', ...extraArgs],
    cwd: repoRoot,
    read(run) {
      requireFinished(run);
      const report = JSON.parse(run.stdout) as {
        version: number;
        findings: Array<{ rule: string; file: string; line: number }>;
        stats: { files: number; durationMs: number };
      };
      if (report.version !== 1 || !Array.isArray(report.findings)) throw new Error('not a version 1 report');
      return {
        findings: report.findings
          .filter((finding) => finding.rule === 'floating-promise')
          .map((finding) => corpusLocation(repoRoot, finding.file, finding.line)),
        phasesMs: { 'stats.durationMs': report.stats.durationMs },
        note: `${report.stats.files} files; all findings: ${countBy(report.findings, (finding) => finding.rule) || 'none'}`,
      };
    },
  };
}

/** Resident memory of a process and all its descendants, in bytes; 0 once it has ended. */
function processTreeRss(rootPid: number): number {
  let total = 0;
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    try {
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) total += Number(rss[1]) * 1024;
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        if (children) pending.push(...children.split(' ').map(Number));
      }
    } catch {
      // The process ended while it was being read.
    }
  }
  return total;
}

function runProcess(tool: Tool): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(tool.command, tool.args, { cwd: tool.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakRssBytes = 0;
    const poll = setInterval(() => {
      if (child.pid !== undefined) peakRssBytes = Math.max(peakRssBytes, processTreeRss(child.pid));
    }, rssPollMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', (error) => {
      clearInterval(poll);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code: code ?? -1, stdout, stderr, wallMs: performance.now() - started, peakRssBytes });
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function megabytes(bytes: number): string {
  return String(Math.round(bytes / 2 ** 20));
}

async function runAll(toolList: Tool[], rounds: number): Promise<ToolResult[]> {
  const results: ToolResult[] = toolList.map((tool) => ({ tool, runs: [] }));
  for (let round = 1; round <= rounds; round += 1) {
    for (const result of results) {
      if (result.unavailable !== undefined) continue;
      process.stderr.write(`round ${round}/${rounds}: ${result.tool.name} ... `);
      try {
        const run = await runProcess(result.tool);
        result.runs.push({ wallMs: run.wallMs, peakRssBytes: run.peakRssBytes, output: result.tool.read(run) });
        process.stderr.write(`${seconds(run.wallMs)} s, ${megabytes(run.peakRssBytes)} MB\n`);
      } catch (error) {
        result.unavailable = error instanceof Error ? error.message : String(error);
        process.stderr.write(`unavailable (${result.unavailable})\n`);
      }
    }
  }
  return results;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
}

function printTable(results: ToolResult[]): void {
  const measured = results.filter((result) => result.unavailable === undefined && result.runs.length > 0);
  const figures = new Map(measured.map((result) => [
    result.tool.name,
    { wallMs: median(result.runs.map((run) => run.wallMs)), rssBytes: median(result.runs.map((run) => run.peakRssBytes)) },
  ]));
  const references = [
    { name: 'floor', label: 'floor' },
    { name: 'typescript-eslint', label: 'ts-eslint' },
    { name: 'oxlint-tsgolint', label: 'oxlint' },
  ];
  const ratio = (value: number, reference: string, of: 'wallMs' | 'rssBytes'): string => {
    const base = figures.get(reference)?.[of];
    return base ? (value / base).toFixed(2) : '–';
  };
  const ratioHeaders = references.map((reference) => `×${reference.label}`);
  const header = ['tool', 'wall s', ...ratioHeaders, 'peak RSS MB', ...ratioHeaders, 'findings'];
  const rows = measured.map((result) => {
    const { wallMs, rssBytes } = figures.get(result.tool.name) as { wallMs: number; rssBytes: number };
    return [
      result.tool.name,
      seconds(wallMs),
      ...references.map((reference) => ratio(wallMs, reference.name, 'wallMs')),
      megabytes(rssBytes),
      ...references.map((reference) => ratio(rssBytes, reference.name, 'rssBytes')),
      String(lastOutput(result)?.findings.length ?? 0),
    ];
  });
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i].length)));
  process.stdout.write(`${pad(header, widths)}\n`);
  for (const row of rows) process.stdout.write(`${pad(row, widths)}\n`);
  process.stdout.write('\n');
  for (const result of results) {
    if (result.unavailable !== undefined) {
      process.stdout.write(`${result.tool.name}: unavailable (${result.unavailable})\n`);
    } else {
      const walls = result.runs.map((run) => seconds(run.wallMs)).join(', ');
      const phases = Object.keys(result.runs[0]?.output.phasesMs ?? {})
        .map((phase) => `${phase} ${seconds(median(result.runs.map((run) => run.output.phasesMs?.[phase] ?? 0)))} s`);
      const note = lastOutput(result)?.note;
      const details = [phases.length > 0 ? `median ${phases.join(', ')}` : '', note ?? ''].filter(Boolean).map((text) => `; ${text}`).join('');
      process.stdout.write(`${result.tool.name}: runs ${walls} s${details}\n`);
    }
  }
}

/** The findings are those of the last run: each tool reports the same ones every run. */
function lastOutput(result: ToolResult): ToolOutput | undefined {
  return result.runs.at(-1)?.output;
}

function printFindingComparison(results: ToolResult[]): void {
  const referenceResult = results.find((result) => result.tool.name === 'typescript-eslint');
  const reference = referenceResult && lastOutput(referenceResult);
  if (!reference) return;
  const referenceSet = new Set(reference.findings);
  process.stdout.write(`\nfloating promises by file:line, against typescript-eslint's ${referenceSet.size}:\n`);
  for (const result of results) {
    const output = lastOutput(result);
    if (result.tool.name === 'typescript-eslint' || !output) continue;
    const found = new Set(output.findings);
    const onlyHere = [...found].filter((location) => !referenceSet.has(location));
    const missed = [...referenceSet].filter((location) => !found.has(location));
    process.stdout.write(`  ${result.tool.name}: ${found.size - onlyHere.length} shared, ${onlyHere.length} only here, ${missed.length} missed\n`);
    const shown = 10;
    for (const location of onlyHere.slice(0, shown)) process.stdout.write(`    + ${location}\n`);
    for (const location of missed.slice(0, shown)) process.stdout.write(`    - ${location}\n`);
    if (onlyHere.length > shown || missed.length > shown) process.stdout.write(`    (first ${shown} of each; all in the results file)\n`);
  }
}

function writeResults(results: ToolResult[], machine: string): string {
  const dir = join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `check-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const record = {
    date: new Date().toISOString(),
    machine,
    tools: results.map((result) => ({
      name: result.tool.name,
      unavailable: result.unavailable,
      runs: result.runs.map((run) => ({ wallMs: Math.round(run.wallMs), peakRssBytes: run.peakRssBytes, phasesMs: run.output.phasesMs })),
      note: lastOutput(result)?.note,
      findings: lastOutput(result)?.findings,
    })),
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

async function main(): Promise<void> {
  const rounds = parseRuns(process.argv.slice(2));
  if (!existsSync(corpusTsconfig) || !existsSync(binDir)) throw new Error('no corpus or no bench/node_modules: run bash bench/setup.sh first');
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  process.stdout.write(`corpus: ${listSources(corpusDir).length} files in ${relative(repoRoot, corpusDir)}; ${rounds} runs each; ${machine}\n`);
  const loadAtStart = loadavg()[0].toFixed(1);
  const results = await runAll(tools(), rounds);
  process.stdout.write(`load average (1 min) at start ${loadAtStart}, at end ${loadavg()[0].toFixed(1)}: other work on the machine skews the figures\n\n`);
  printTable(results);
  printFindingComparison(results);
  process.stdout.write(`\nruns written to ${relative(repoRoot, writeResults(results, machine))}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
