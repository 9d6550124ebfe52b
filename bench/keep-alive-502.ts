// The keep-alive 502 with real processes: nginx (upstream keepalive 60 s) -> a 10 ms latency relay
// -> a Node app, once with Node's default keepAliveTimeout and once with the fix the
// `server-keep-alive` rule inserts (keepAliveTimeout 65000, headersTimeout 66000), side by side in
// the same run, under the same paced sequential POSTs timed to reach each idle connection as the
// default app closes it (test/support/keepAlive/rig.ts has the design). Prints, per run and in
// total, the 502s and resets each app's senders saw against the requests nginx sent on a connection
// it had kept idle, and how many runs saw at least one 502; writes the runs to bench/results/.
//   npx tsx bench/keep-alive-502.ts [--runs 2] [--duration-ms 40000] [--senders 8] [--delay-ms 10]
// Needs nginx (Debian: apt-get install nginx-light). ~48 s a run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AppResult, type RigResult, nginxVersion, runKeepAliveRig } from '../test/support/keepAlive/rig';

const benchDir = __dirname;
const repoRoot = path.join(benchDir, '..');

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? Number(process.argv[at + 1]) : fallback;
}

const runs = argument('--runs', 2);
const durationMs = argument('--duration-ms', 40_000);
const senders = argument('--senders', 8);
const relayDelayMs = argument('--delay-ms', 10);
/** Around the pace, within the ~20 ms the relay's delay opens on either side of the close. */
const offsetsMs = [-6, -3, 0, 3, 6];

interface Row {
  run: string;
  app: AppResult;
}

function failures(app: AppResult): number {
  return app.requests - (app.outcomes['200'] ?? 0);
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function table(rows: Row[]): string {
  const header = ['run', 'app', 'keepAliveTimeout', 'requests', 'reused idle', '502', 'other failures', 'failed / reused', 'app idle closes (median ms)', 'nginx upstream errors'];
  const body = rows.map(({ run, app }) => {
    const closes = app.idleClosesMs.map(Math.round);
    const failed = failures(app);
    const others = failed - (app.outcomes['502'] ?? 0);
    return [
      run,
      app.app,
      String(app.keepAliveTimeout),
      String(app.requests),
      String(app.reuses.length),
      String(app.outcomes['502'] ?? 0),
      String(others),
      app.reuses.length > 0 ? (app.reuses.filter((reuse) => reuse.outcome !== '200').length / app.reuses.length).toFixed(2) : '-',
      closes.length > 0 ? `${closes.length} (${median(closes)})` : '0',
      String(app.upstreamErrors.length),
    ];
  });
  const lines = [header, header.map(() => '---'), ...body];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function sum(rows: Row[], app: string, of: (result: AppResult) => number): number {
  return rows.filter((row) => row.app.app === app).reduce((total, row) => total + of(row.app), 0);
}

async function main(): Promise<void> {
  const nginx = nginxVersion();
  if (!nginx) throw new Error('nginx is not installed (Debian: apt-get install nginx-light)');
  const loadAtStart = os.loadavg()[0].toFixed(1);
  process.stdout.write(`keep-alive 502: nginx ${nginx}, Node ${process.version}, ${runs} runs of ${durationMs / 1000} s, ${senders} senders per app, relay ${relayDelayMs} ms each way, offsets ${offsetsMs.join('/')} ms\n`);
  const results: RigResult[] = [];
  const rows: Row[] = [];
  for (let run = 1; run <= runs; run++) {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded-keep-alive-502-'));
    try {
      const result = await runKeepAliveRig({ folder, senders, durationMs, relayDelayMs, offsetsMs });
      results.push(result);
      for (const app of result.apps) rows.push({ run: `${run}`, app });
      const [byDefault, fixed] = result.apps;
      process.stdout.write(`run ${run}: ${(result.durationMs / 1000).toFixed(1)} s, pace ${result.paceMs} ms; default ${failures(byDefault)} failed of ${byDefault.reuses.length} reused ${JSON.stringify(byDefault.outcomes)}, fixed ${failures(fixed)} of ${fixed.reuses.length} ${JSON.stringify(fixed.outcomes)}\n`);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }
  process.stdout.write(`load average (1 min) at start ${loadAtStart}, at end ${os.loadavg()[0].toFixed(1)}\n\n${table(rows)}\n\n`);
  for (const app of ['default', 'fixed']) {
    const failed = sum(rows, app, failures);
    const reused = sum(rows, app, (result) => result.reuses.length);
    const runsWithFailure = rows.filter((row) => row.app.app === app && failures(row.app) > 0).length;
    process.stdout.write(`${app}: ${failed} failed requests of ${reused} on reused idle connections (${sum(rows, app, (result) => result.requests)} requests); runs with at least one: ${runsWithFailure}/${runs}\n`);
  }
  const nginxSaid = rows.flatMap((row) => row.app.upstreamErrors)[0];
  if (nginxSaid) process.stdout.write(`nginx's error log, first upstream error: ${nginxSaid.replace(/^\S+ \S+ /, '')}\n`);
  const defaultFailed = sum(rows, 'default', failures);
  const fixedFailed = sum(rows, 'fixed', failures);
  process.stdout.write(`default vs fixed: ${defaultFailed} vs ${fixedFailed} failed requests${fixedFailed > 0 ? ` (${(defaultFailed / fixedFailed).toFixed(1)}x)` : ''}\n`);

  const dir = path.join(benchDir, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `keep-alive-502-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, loadAtStart, durationMs, senders, relayDelayMs, offsetsMs, runs: results }, null, 2)}\n`);
  process.stdout.write(`runs written to ${path.relative(repoRoot, file)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
