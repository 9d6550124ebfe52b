// `bounded watch --inspect <port>` as a user runs it: the built CLI attached to real Node processes
// started with --inspect. JSON summaries per target, a handle-leak finding (with the leak site's
// line) from a process leaking Timeout handles, 'process gone' when the target is killed, and a
// target that keeps serving when the watcher is killed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseWatchArgs } from '../../src/cli/watchCommand';
import { httpGet, leakingTimersService, startInspectedNode, steadyEsmService } from '../support/inspectedNode';
import { waitUntil } from '../support/waitUntil';
import { scratchFolder } from '../support/scratchFolder';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'bounded.js');
const scratch = scratchFolder('watch-inspect');
const leakingScript = scratch.write('leaking.cjs', leakingTimersService);
const steadyScript = scratch.write('steady.mjs', steadyEsmService);
const leakingLine = leakingTimersService.split('\n').findIndex((line) => line.includes('60_000')) + 1;

interface Watcher {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr(): string;
  exited: Promise<number | null>;
}

const watchers = new Set<ChildProcess>();
after(() => {
  for (const child of watchers) child.kill('SIGKILL');
});

function watch(...args: string[]): Watcher {
  const child = spawn(process.execPath, [bin, 'watch', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  watchers.add(child);
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    watchers.delete(child);
    resolve(code);
  }));
  return { child, lines, stderr: () => stderr, exited };
}

interface TargetSummary {
  state: string;
  pid?: number;
  handles: Record<string, number>;
  memory?: { rss: number; heapUsed: number };
  eventLoopDelay?: { p50: number; p99: number };
  leakSites?: { top: Array<{ site: string; type: string }> };
}

function latestTargetSummary(watcher: Watcher, port: number): TargetSummary | undefined {
  for (let i = watcher.lines.length - 1; i >= 0; i--) {
    const line = watcher.lines[i];
    if (line.type !== 'summary') continue;
    return (line.sources as Record<string, TargetSummary | undefined>)[`inspector:${port}`];
  }
  return undefined;
}

describe('bounded watch --inspect', () => {
  before(() => assert.ok(fs.existsSync(path.join(root, 'dist', 'cli.js')), 'the CLI is built (npm run build)'));

  it('parses --inspect, --inspect-interval and --leak-sites, and refuses non-loopback hosts', () => {
    const options = parseWatchArgs(['--inspect', '9229', '--inspect=localhost:9230', '--inspect', '[::1]:9231', '--inspect-interval', '0.5', '--leak-sites', '0.1']);
    assert.deepEqual(options.inspect, [
      { host: '127.0.0.1', port: 9229 },
      { host: 'localhost', port: 9230 },
      { host: '::1', port: 9231 },
    ]);
    assert.equal(options.inspectIntervalMs, 500);
    assert.equal(options.leakSitesSampleRate, 0.1);
    assert.throws(() => parseWatchArgs(['--inspect', '10.0.0.5:9229']), /only attaches on loopback/);
    assert.throws(() => parseWatchArgs(['--inspect', 'abc']), /inspector port/);
    assert.throws(() => parseWatchArgs(['--leak-sites', '2']), /fraction/);
  });

  it('prints summaries and a handle-leak finding at the leaking line; the target keeps serving when the watcher is killed', async () => {
    const target = await startInspectedNode(leakingScript, { inspectPort: 0 });
    after(() => target.kill());
    const port = target.inspectorPort!;
    const watcher = watch('--inspect', String(port), '--inspect-interval', '0.1', '--summary-interval', '0.3', '--leak-window', '2', '--leak-min-rate', '10', '--leak-sites', '1');
    const summary = await waitUntil('a sampling summary with Timeout handles', () => {
      const latest = latestTargetSummary(watcher, port);
      return latest?.state === 'sampling' && (latest.handles.Timeout ?? 0) > 0 && latest.eventLoopDelay !== undefined ? latest : undefined;
    });
    assert.equal(summary.pid, target.pid);
    assert.ok(summary.memory!.rss > 0);
    const handleLeak = await waitUntil('a handle-leak finding on Timeout', () => watcher.lines.find((line) => line.type === 'finding' && line.kind === 'handle-leak' && line.subject === `inspector ${port} Timeout`));
    assert.match(String(handleLeak.message), /Timeout handles\/min/);
    const siteLeak = await waitUntil('a handle-leak finding at the leak site', () => watcher.lines.find((line) => line.type === 'finding' && line.kind === 'handle-leak' && line.location !== undefined));
    assert.deepEqual(siteLeak.location, { file: leakingScript, line: leakingLine });

    watcher.child.kill('SIGKILL');
    await watcher.exited;
    assert.equal(await httpGet(target.httpPort), 200, 'the target still answers');
  });

  it("shows 'process gone' when the target dies, keeps running, and stops cleanly", async () => {
    const target = await startInspectedNode(steadyScript, { inspectPort: 0 });
    const port = target.inspectorPort!;
    const watcher = watch('--inspect', String(port), '--inspect-interval', '0.1', '--summary-interval', '0.2');
    await waitUntil('sampling', () => (latestTargetSummary(watcher, port)?.state === 'sampling' ? true : undefined));
    await target.kill();
    await waitUntil("'process gone'", () => (latestTargetSummary(watcher, port)?.state === 'process gone' ? true : undefined));
    assert.equal(watcher.child.exitCode, null, 'still running');
    watcher.child.kill('SIGTERM');
    assert.equal(await watcher.exited, 0);
    assert.doesNotMatch(watcher.stderr(), /internal error|Unhandled/);
  });

  it('exits 2 with a clear message when no inspector listens on the port', async () => {
    const target = await startInspectedNode(steadyScript);
    after(() => target.kill());
    // The target's HTTP port: something listens, but not an inspector.
    const watcher = watch('--inspect', String(target.httpPort));
    assert.equal(await watcher.exited, 2);
    assert.match(watcher.stderr(), new RegExp(`127\\.0\\.0\\.1:${target.httpPort}/json/list is not the JSON an inspector sends`));
  });
});
