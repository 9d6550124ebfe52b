// `bounded check` as a user runs it: the built CLI (bin/bounded.js -> dist/cli.js) on fixture
// projects, in all three formats, with --fix, and its exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import Ajv from 'ajv-draft-04';
import { scratchFolder } from '../support/scratchFolder';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'bounded.js');
const scratch = scratchFolder('cli');
const temp = scratch.root;
const write = scratch.write;

function bounded(cwd: string, ...args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.error, undefined, `bounded ${args.join(' ')} ran`);
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const service = `interface Events { emit(name: string): boolean }

async function record(event: string): Promise<void> {
  if (event === '') throw new Error('empty');
}

export async function handle(events: Events): Promise<void> {
  record('request');
  events.emit('done');
}

export function schedule(): void {
  record('tick');
}
`;

interface JsonReport {
  version: number;
  findings: Array<{ rule: string; severity: string; file: string; line: number; column: number; endLine: number; endColumn: number; message: string; fixes: Array<{ title: string; preferred: boolean; edits: Array<{ file: string; line: number; column: number; endLine: number; endColumn: number; newText: string }> }> }>;
  stats: { files: number; durationMs: number };
}

describe('bounded check', () => {
  let project: string;
  before(() => {
    assert.ok(fs.existsSync(path.join(root, 'dist', 'cli.js')), 'the CLI is built (npm run build)');
    project = path.join(temp, 'project');
    write('project/tsconfig.json', JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: [] }, include: ['src'] }));
    write('project/src/service.ts', service);
    write('project/src/clean.ts', 'export const ok = 1;\n');
  });

  it('prints findings as text and exits 1 when warnings remain', () => {
    const result = bounded(project, 'check');
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /src\/service\.ts\n/);
    assert.match(result.stdout, /\n {2}8:3 {2}warning {2}The promise returned by `record\(…\)`.* {2}floating-promise\n/);
    assert.match(result.stdout, /\n {2}13:3 {2}warning/);
    assert.match(result.stdout, /2 problems \(0 errors, 2 warnings, 0 info\) in 2 files/);
  });

  it('prints exactly one JSON document with 1-based positions and files as given', () => {
    const result = bounded(project, 'check', 'src/service.ts', '--format', 'json');
    assert.equal(result.status, 1);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.version, 1);
    assert.equal(report.stats.files, 1);
    assert.ok(report.stats.durationMs >= 0);
    assert.deepEqual(
      report.findings.map(({ rule, severity, file, line, column, endLine, endColumn }) => ({ rule, severity, file, line, column, endLine, endColumn })),
      [
        { rule: 'floating-promise', severity: 'warning', file: 'src/service.ts', line: 8, column: 3, endLine: 8, endColumn: 20 },
        { rule: 'floating-promise', severity: 'warning', file: 'src/service.ts', line: 13, column: 3, endLine: 13, endColumn: 17 },
      ],
    );
    const [inAsync, inSync] = report.findings;
    assert.deepEqual(inAsync.fixes.map((f) => [f.title, f.preferred]), [['Await it', true], ['Mark as intentionally detached: void ….catch(…)', false]]);
    assert.deepEqual(inAsync.fixes[0].edits, [{ file: 'src/service.ts', line: 8, column: 3, endLine: 8, endColumn: 3, newText: 'await ' }]);
    assert.deepEqual(inSync.fixes.map((f) => f.title), ['Mark as intentionally detached: void ….catch(…)'], 'no await where the function is not async');
    assert.equal(inSync.fixes[0].edits[0].newText, "void record('tick').catch((error: unknown) => { console.error(error); })");
  });

  it('prints SARIF 2.1.0 that validates against the SARIF schema', () => {
    const result = bounded(project, 'check', '--format', 'sarif');
    assert.equal(result.status, 1);
    const log = JSON.parse(result.stdout) as { version: string; runs: Array<{ tool: { driver: { rules: Array<{ id: string; helpUri: string }> } }; results: Array<{ ruleId: string; level: string; fixes?: unknown[]; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }> };
    const schema = JSON.parse(fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    assert.ok(run.tool.driver.rules.some((r) => r.id === 'floating-promise' && r.helpUri.endsWith('docs/rules/floating-promise.md')));
    assert.deepEqual(run.results.map((r) => [r.ruleId, r.level, r.locations[0].physicalLocation.artifactLocation.uri, r.locations[0].physicalLocation.region.startLine]), [
      ['floating-promise', 'warning', 'src/service.ts', 8],
      ['floating-promise', 'warning', 'src/service.ts', 13],
    ]);
    assert.ok(run.results[0].fixes && run.results[0].fixes.length === 2);
  });

  it('exits 0 on a clean project and with --max-warnings above the count', () => {
    assert.equal(bounded(project, 'check', 'src/clean.ts').status, 0);
    assert.equal(bounded(project, 'check', '--max-warnings', '2').status, 0);
    assert.equal(bounded(project, 'check', '--max-warnings', '1').status, 1);
  });

  it('--rule sets severities: error fails, off and info pass', () => {
    const asError = bounded(project, 'check', '--rule', 'floating-promise=error', '--format', 'json');
    assert.equal(asError.status, 1);
    assert.ok((JSON.parse(asError.stdout) as JsonReport).findings.every((f) => f.severity === 'error'));
    assert.equal(bounded(project, 'check', '--rule', 'floating-promise=off').status, 0);
    const asInfo = bounded(project, 'check', '--rule=floating-promise=info', '--format', 'json');
    assert.equal(asInfo.status, 0);
    assert.ok((JSON.parse(asInfo.stdout) as JsonReport).findings.every((f) => f.severity === 'info'));
  });

  it('exits 2 with a message naming the problem on usage and configuration errors', () => {
    const cases: Array<[string[], RegExp]> = [
      [['check', '--format', 'xml'], /Unknown format "xml"/],
      [['check', '--rule', 'no-such-rule=error'], /Unknown rule "no-such-rule"/],
      [['check', '--rule', 'floating-promise=loud'], /Unknown severity "loud"/],
      [['check', '--max-warnings', 'many'], /--max-warnings takes a whole number/],
      [['check', '--bogus'], /Unknown option "--bogus"/],
      [['check', 'src/missing.ts'], /No such file or folder: src\/missing\.ts/],
      [['check', '--project', 'tsconfig.missing.json'], /tsconfig\.missing\.json does not exist/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const result = bounded(project, ...args);
      assert.equal(result.status, 2, `${args.join(' ')} -> 2`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '', `${args.join(' ')} prints no report`);
    }
  });

  it('reports a broken tsconfig, still analyses its files, and exits 2', () => {
    write('broken/tsconfig.json', '{ "compilerOptions": { "strict": true ');
    write('broken/src/service.ts', service);
    const result = bounded(path.join(temp, 'broken'), 'check', '--format', 'json');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /configuration error in tsconfig\.json/);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.findings[0].rule, 'config-error');
    assert.equal(report.findings[0].file, 'tsconfig.json');
    assert.equal(report.findings.filter((f) => f.rule === 'floating-promise').length, 2);
    const broken = bounded(path.join(temp, 'broken'), 'check', '--project', 'tsconfig.json');
    assert.equal(broken.status, 2, 'an unreadable --project is a configuration error');
    assert.match(broken.stderr, /tsconfig\.json/);
  });

  it('--project analyses that config\'s files with its settings', () => {
    write('multi/tsconfig.json', JSON.stringify({ compilerOptions: { strict: true, types: [] }, include: ['api'] }));
    write('multi/tsconfig.worker.json', JSON.stringify({ compilerOptions: { strict: true, types: [] }, include: ['worker'] }));
    write('multi/api/a.ts', service);
    write('multi/worker/w.ts', service);
    const result = bounded(path.join(temp, 'multi'), 'check', '--project', 'tsconfig.worker.json', '--format', 'json');
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.deepEqual([...new Set(report.findings.map((f) => f.file))], ['worker/w.ts']);
    assert.equal(report.stats.files, 1);
  });

  it('--fix applies the preferred fixes, reports them, and leaves the file compiling', () => {
    const dir = path.join(temp, 'fix');
    write('fix/tsconfig.json', JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, noEmit: true, types: [] }, include: ['src'] }));
    const file = write('fix/src/service.ts', service);
    const result = bounded(dir, 'check', '--fix', '--format', 'json');
    assert.match(result.stderr, /fixed 1 problem in src\/service\.ts/);
    const fixed = fs.readFileSync(file, 'utf8');
    assert.match(fixed, /\n {2}await record\('request'\);\n/);
    assert.match(fixed, /\n {2}record\('tick'\);\n/, 'the non-preferred detach fix is not applied');
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.deepEqual(report.findings.map((f) => f.line), [13], 'what remains is reported');
    assert.equal(result.status, 1);
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `tsc after --fix: ${tsc.stdout}`);
  });

  it('--fix keeps a file unchanged when a fix would add compile errors', () => {
    // `await` inside a non-async arrow nested in an async function would not compile: the rule
    // must not offer it there, and if any fix broke compiling, --fix would revert it.
    const dir = path.join(temp, 'nofix');
    write('nofix/tsconfig.json', JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: [] }, include: ['src'] }));
    const source = `async function load(): Promise<number> { return 1; }\nexport async function outer(): Promise<void> {\n  [1, 2].forEach(() => {\n    load();\n  });\n}\n`;
    const file = write('nofix/src/a.ts', source);
    const result = bounded(dir, 'check', '--fix');
    assert.equal(fs.readFileSync(file, 'utf8'), source);
    assert.equal(result.status, 1);
    assert.doesNotMatch(result.stderr, /fixed/);
  });
});

describe('bounded check --load-balancer', () => {
  const dir = path.join(temp, 'load-balancer');
  before(() => {
    write('load-balancer/tsconfig.json', JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, noEmit: true, types: [] }, include: ['src'] }));
    write('load-balancer/package.json', JSON.stringify({ name: 'api', private: true, engines: { node: '>=20' } }));
    write('load-balancer/src/fastify.d.ts', "declare module 'fastify' {\n  export default function fastify(options?: { logger?: boolean; keepAliveTimeout?: number }): { server: unknown };\n}\n");
    write('load-balancer/src/app.ts', "import Fastify from 'fastify';\n\nexport const app = Fastify({ logger: true });\n");
  });

  const keepAliveFindings = (...args: string[]): JsonReport['findings'] => {
    const result = bounded(dir, 'check', '--format', 'json', ...args);
    assert.notEqual(result.status, 2, result.stderr);
    return (JSON.parse(result.stdout) as JsonReport).findings.filter((f) => f.rule === 'server-keep-alive');
  };

  it("reports Fastify's default 72 s behind gcp (600 s) but not behind the default aws-alb (60 s)", () => {
    assert.deepEqual(keepAliveFindings(), []);
    assert.deepEqual(keepAliveFindings('--load-balancer', 'nginx'), []);
    const gcp = keepAliveFindings('--load-balancer', 'gcp');
    assert.deepEqual(gcp.map((f) => `${f.line}:${f.column}`), ['3:20']);
    assert.match(gcp[0].message, /72 s \(Fastify's default\), not above the Google Cloud load balancer idle timeout \(600 s\)/);
    const custom = keepAliveFindings('--load-balancer', 'custom', '--load-balancer-idle-timeout', '90000');
    assert.match(custom[0]?.message ?? '', /not above the load balancer idle timeout \(90 s\)/);
  });

  it('exits 2 on an unknown load balancer and on an idle timeout without custom', () => {
    const cases: Array<[string[], RegExp]> = [
      [['check', '--load-balancer', 'f5'], /Unknown load balancer "f5"/],
      [['check', '--load-balancer-idle-timeout', '30000'], /--load-balancer-idle-timeout applies to --load-balancer custom/],
      [['check', '--load-balancer', 'gcp', '--load-balancer-idle-timeout', '30000'], /--load-balancer-idle-timeout applies to --load-balancer custom/],
    ];
    for (const [args, message] of cases) {
      const result = bounded(dir, ...args);
      assert.equal(result.status, 2, `${args.join(' ')} -> 2`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '', `${args.join(' ')} prints no report`);
    }
  });
});

describe('bounded check --pool-max / --pool-acquire-timeout / --upstream-idle-timeout', () => {
  it('the fixes insert the bounds given on the command line', () => {
    const dir = path.join(temp, 'pools');
    write('pools/tsconfig.json', JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, noEmit: true, types: [] }, include: ['src'] }));
    write('pools/src/pg.d.ts', "declare module 'pg' {\n  export class Pool {\n    constructor(options?: { connectionString?: string; max?: number; connectionTimeoutMillis?: number });\n  }\n}\n");
    const file = write('pools/src/db.ts', "import { Pool } from 'pg';\n\nexport const pool = new Pool({ connectionString: 'postgres://db/orders' });\n");
    const result = bounded(dir, 'check', '--fix', '--pool-max', '4', '--pool-acquire-timeout', '2000');
    assert.notEqual(result.status, 2, result.stderr);
    assert.match(fs.readFileSync(file, 'utf8'), /new Pool\(\{ connectionString: 'postgres:\/\/db\/orders', max: 4, connectionTimeoutMillis: 2000 \}\)/);
  });

  it('judges agent idle timeouts against --upstream-idle-timeout', () => {
    const dir = path.join(temp, 'upstream');
    write('upstream/tsconfig.json', JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, noEmit: true, types: ['node'], typeRoots: [path.join(root, 'node_modules/@types')] }, include: ['src'] }));
    write('upstream/src/agent.ts', "import https from 'node:https';\nimport { RetryAgent } from 'undici';\nexport const agent = new https.Agent({ keepAlive: true, timeout: 8000, maxSockets: 10 });\nexport type Retry = RetryAgent;\n");
    const findings = (...args: string[]) => (JSON.parse(bounded(dir, 'check', '--format', 'json', ...args).stdout) as JsonReport).findings.filter((f) => f.rule === 'agent-keep-alive');
    assert.deepEqual(findings(), []);
    assert.match(findings('--upstream-idle-timeout', '5000')[0]?.message ?? '', /keeps idle sockets for 8 s, not shorter than the upstream's idle timeout \(5 s/);
    assert.equal(bounded(dir, 'check', '--pool-max', 'ten').status, 2);
  });
});
