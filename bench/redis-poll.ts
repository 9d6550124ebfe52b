// What polling a Redis target's streams costs: the real StreamPoller (src/live/streamPoller.ts)
// against its own redis-server (test/support/redisServer.ts, a free loopback port) holding one
// stream of 1,000,000 entries with 100 consumer groups, each with 1,000 pending entries.
//   1. Per poll: wall time (the poller's own figure, median and worst) and commands, counted by the
//      server (INFO commandstats before and after, less the INFO calls of this script), and the
//      server's CPU time (INFO cpu used_cpu_user + used_cpu_sys, less its idle rate).
//   2. O(groups): the same with 10, 100, 300 and 1,000 groups (maxGroupsPerStream raised to 1,000
//      for these rows; by default a poll reads at most 100 groups a stream).
//   3. The peer: a concurrent `redis-benchmark` XADD load (its own stream, MAXLEN ~ 100000, 50
//      clients, pipelines of 16) with no poller, with the poller at its default interval (2 s) and
//      polling back to back, interleaved round by round with the order rotating; each round's
//      requests/s is divided by the same round's rate without the poller and the table gives the
//      medians of those ratios.
//   npx tsx bench/redis-poll.ts [--rounds 9] [--seconds 5] [--polls 20] [--entries 1000000]
// Needs redis-server and redis-benchmark (Debian redis-server, redis-tools). On a shared machine run
// it under `flock /tmp/bounded-cpu.lock`. Results go to bench/results/redis-poll-<time>.json.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { StreamPoller, type StreamPollerLimits, type StreamPollResult } from '../src/live/streamPoller';
import { defaultRedisPollIntervalMs } from '../src/shared/settings';
import { TimeSeriesStore } from '../src/live/timeSeries';
import { launchRedisServer } from '../test/support/redisServer';

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? Number(process.argv[at + 1]) : fallback;
}

const rounds = argument('--rounds', 9);
const seconds = argument('--seconds', 5);
const pollsPerMeasure = argument('--polls', 20);
const entries = argument('--entries', 1_000_000);
const groups = 100;
const pendingPerGroup = 1000;
const scaleGroups = [10, 100, 300, 1000];
const stream = 'bench:orders';
const loadStream = 'bench:load';

interface PollFigures {
  groups: number;
  polls: number;
  /** Counted by the server. */
  commandsPerPoll: number;
  /** As the poller counts them. */
  reportedCommandsPerPoll: number;
  commandsByName: Record<string, number>;
  medianMs: number;
  worstMs: number;
  pollMs: number[];
  /** Server CPU per poll, less what the idle server spends in the same time. */
  serverCpuMsPerPoll: number;
  groupsRead: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const line of (await admin.info('commandstats')).split('\r\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match) calls.set(match[1], Number(match[2]));
  }
  return calls;
}

/** The server's CPU time so far (user + sys), in ms. */
async function serverCpuMs(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

async function buildStream(admin: Redis): Promise<void> {
  const chunk = 100_000;
  for (let added = 0; added < entries; added += chunk) {
    await admin.eval("for i = 1, tonumber(ARGV[1]) do redis.call('XADD', KEYS[1], '*', 'order', ARGV[2] + i, 'state', 'new') end return 1", 1, stream, Math.min(chunk, entries - added), added);
  }
}

/** Groups g<from>..g<to-1>, created at 0, each handed 1,000 entries by XREADGROUP (pending until acked). */
async function addGroups(admin: Redis, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += 10) {
    const pipeline = admin.pipeline();
    for (let group = start; group < Math.min(to, start + 10); group++) {
      pipeline.xgroup('CREATE', stream, `g${group}`, '0');
      pipeline.xreadgroup('GROUP', `g${group}`, 'worker-1', 'COUNT', pendingPerGroup, 'STREAMS', stream, '>');
    }
    const replies = await pipeline.exec();
    const failed = replies?.find(([error]) => error);
    if (failed) throw failed[0];
  }
}

function newPoller(url: string, intervalMs: number, limits: Partial<StreamPollerLimits>, onPoll?: (result: StreamPollResult) => void): StreamPoller {
  return new StreamPoller({
    target: { name: 'bench', url, streams: [stream], keyPatterns: [], pollIntervalMs: intervalMs },
    series: new TimeSeriesStore({ maxKeys: 10_000, maxPointsPerKey: 1000, maxAgeMs: 600_000 }),
    limits,
    ...(onPoll ? { onPoll } : {}),
    // Fractions of a millisecond for durationMs (series timestamps stay on the wall clock).
    now: () => performance.timeOrigin + performance.now(),
  });
}

async function waitFor(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function measurePolls(admin: Redis, url: string, groupCount: number, limits: Partial<StreamPollerLimits>): Promise<PollFigures> {
  // The idle server's CPU rate, to take out of the polls' figure.
  const idleStarted = performance.now();
  const idleCpuBefore = await serverCpuMs(admin);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleCpuPerMs = ((await serverCpuMs(admin)) - idleCpuBefore) / (performance.now() - idleStarted);

  const results: StreamPollResult[] = [];
  const before = await commandCalls(admin);
  const cpuBefore = await serverCpuMs(admin);
  const started = performance.now();
  const poller = newPoller(url, 100, limits, (result) => results.push(result));
  poller.start();
  await waitFor(`${pollsPerMeasure} polls`, () => results.length >= pollsPerMeasure, 120_000);
  await poller.stop();
  const elapsed = performance.now() - started;
  const cpuAfter = await serverCpuMs(admin);
  const after = await commandCalls(admin);
  const polls = results.length;
  const byName: Record<string, number> = {};
  let total = 0;
  for (const [name, calls] of after) {
    // INFO: this script's commandstats and cpu reads (and the poller's ready check), not the polls.
    if (name === 'info') continue;
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) {
      byName[name] = delta / polls;
      total += delta;
    }
  }
  const pollMs = results.map((result) => result.durationMs);
  const groupsRead = results[results.length - 1].streams[0]?.groups.length ?? 0;
  if (groupsRead !== Math.min(groupCount, limits.maxGroupsPerStream ?? 100)) throw new Error(`the poll read ${groupsRead} groups of ${groupCount}`);
  return {
    groups: groupCount,
    polls,
    commandsPerPoll: total / polls,
    reportedCommandsPerPoll: results.reduce((sum, result) => sum + result.commands, 0) / polls,
    commandsByName: byName,
    medianMs: median(pollMs),
    worstMs: Math.max(...pollMs),
    pollMs: pollMs.map((ms) => Number(ms.toFixed(2))),
    serverCpuMsPerPoll: (cpuAfter - cpuBefore - idleCpuPerMs * elapsed) / polls,
    groupsRead,
  };
}

/** One redis-benchmark run of `requests` XADDs; its requests/s. */
function xaddLoad(port: number, requests: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-p', String(port), '-n', String(requests), '-c', '50', '-P', '16', '--csv', 'xadd', loadStream, 'MAXLEN', '~', '100000', '*', 'f', 'v'];
    const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const rps = /^"xadd[^"]*","([\d.]+)"/m.exec(output);
      if (code !== 0 || !rps) reject(new Error(`redis-benchmark failed (${code}): ${output}`));
      else resolve(Number(rps[1]));
    });
  });
}

interface LoadMode {
  name: string;
  /** undefined: no poller. */
  intervalMs?: number;
}

const loadModes: LoadMode[] = [
  { name: 'no poller' },
  { name: `poller every ${defaultRedisPollIntervalMs} ms (default)`, intervalMs: defaultRedisPollIntervalMs },
  { name: 'poller back to back (every 1 ms)', intervalMs: 1 },
];

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0];
  const server = await launchRedisServer();
  const admin = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  admin.on('error', () => undefined);
  try {
    let took = performance.now();
    await buildStream(admin);
    await addGroups(admin, 0, groups);
    process.stderr.write(`built ${entries} entries, ${groups} groups of ${pendingPerGroup} pending in ${((performance.now() - took) / 1000).toFixed(1)} s\n`);

    const atDefault = await measurePolls(admin, server.url, groups, {});
    process.stderr.write(`default limits, ${groups} groups: ${atDefault.commandsPerPoll} commands, median ${atDefault.medianMs.toFixed(1)} ms, worst ${atDefault.worstMs.toFixed(1)} ms\n`);

    // The peer: redis-benchmark's XADD rate with and without the poller.
    took = performance.now();
    const warmRate = await xaddLoad(server.port, 500_000);
    const requests = Math.round((warmRate * seconds) / 16) * 16;
    process.stderr.write(`warm-up: ${Math.round(warmRate)} XADD/s in ${((performance.now() - took) / 1000).toFixed(1)} s; ${requests} requests a round\n`);
    const rates = new Map<string, number[]>(loadModes.map((mode) => [mode.name, []]));
    const ratios = new Map<string, number[]>(loadModes.map((mode) => [mode.name, []]));
    const pollsDuring = new Map<string, number[]>(loadModes.map((mode) => [mode.name, []]));
    for (let round = 1; round <= rounds; round++) {
      const order = loadModes.map((_, i) => loadModes[(i + round - 1) % loadModes.length]);
      const roundRates = new Map<string, number>();
      for (const mode of order) {
        let polls = 0;
        let polled = false;
        let counting = false;
        const poller =
          mode.intervalMs !== undefined
            ? newPoller(server.url, mode.intervalMs, {}, () => {
                polled = true;
                if (counting) polls++;
              })
            : undefined;
        poller?.start();
        // From its first poll on: the load then meets the poller's next ones at its interval.
        if (poller) await waitFor('the first poll', () => polled, 10_000);
        counting = true;
        const rate = await xaddLoad(server.port, requests);
        counting = false;
        await poller?.stop();
        rates.get(mode.name)!.push(rate);
        roundRates.set(mode.name, rate);
        pollsDuring.get(mode.name)!.push(polls);
        process.stderr.write(`round ${round}: ${mode.name}: ${Math.round(rate)} XADD/s${poller ? `, ${polls} polls` : ''}\n`);
      }
      for (const mode of loadModes) ratios.get(mode.name)!.push(roundRates.get(mode.name)! / roundRates.get(loadModes[0].name)!);
    }

    // O(groups): more groups on the same stream, each with its 1,000 pending entries.
    const scale: PollFigures[] = [];
    for (let group = 0; group < groups; group++) await admin.xgroup('DESTROY', stream, `g${group}`);
    let present = 0;
    for (const count of scaleGroups) {
      await addGroups(admin, present, count);
      present = count;
      const figures = await measurePolls(admin, server.url, count, { maxGroupsPerStream: 1000 });
      scale.push(figures);
      process.stderr.write(`${count} groups: ${figures.commandsPerPoll} commands, median ${figures.medianMs.toFixed(1)} ms, worst ${figures.worstMs.toFixed(1)} ms\n`);
    }
    const loadAtEnd = os.loadavg()[0];

    const fixed = (value: number, digits = 1) => value.toFixed(digits);
    console.log(`\nRedis ${/redis_version:(\S+)/.exec(await admin.info('server'))?.[1]}, a stream of ${entries.toLocaleString('en')} entries, ${groups} groups with ${pendingPerGroup.toLocaleString('en')} pending each; Node ${process.version}, ${os.cpus().length} CPUs, 1-minute load ${fixed(loadAtStart)} at the start, ${fixed(loadAtEnd)} at the end`);
    console.log(`\npoll (default limits), ${atDefault.polls} polls 100 ms apart:`);
    console.log(`  commands per poll  ${atDefault.commandsPerPoll} (server's count; the poller counts ${atDefault.reportedCommandsPerPoll}): ${Object.entries(atDefault.commandsByName).map(([name, calls]) => `${name} ${calls}`).join(', ')}`);
    console.log(`  ms per poll        median ${fixed(atDefault.medianMs)}, worst ${fixed(atDefault.worstMs)} (the first, JIT-cold: ${fixed(atDefault.pollMs[0])})`);
    console.log(`  server CPU         ${fixed(atDefault.serverCpuMsPerPoll, 2)} ms a poll: ${fixed((atDefault.serverCpuMsPerPoll / defaultRedisPollIntervalMs) * 100, 2)}% of one core at the default interval (${defaultRedisPollIntervalMs} ms)`);

    const width = Math.max(...loadModes.map((mode) => mode.name.length));
    console.log(`\n${'redis-benchmark XADD'.padEnd(width)}  XADD/s (median)  ratio (median of rounds)  polls a round   (${rounds} rounds of ${requests.toLocaleString('en')} requests, -c 50 -P 16)`);
    const loadRows = loadModes.map((mode) => ({
      mode: mode.name,
      xaddPerSecond: Math.round(median(rates.get(mode.name)!)),
      ratio: Number(median(ratios.get(mode.name)!).toFixed(4)),
      rounds: rates.get(mode.name)!.map(Math.round),
      roundRatios: ratios.get(mode.name)!.map((ratio) => Number(ratio.toFixed(3))),
      polls: pollsDuring.get(mode.name)!,
    }));
    for (const row of loadRows) {
      const change = row.ratio === 1 ? '' : row.ratio < 1 ? `${fixed((1 - row.ratio) * 100)}% slower` : `${fixed((row.ratio - 1) * 100)}% faster (noise)`;
      console.log(`${row.mode.padEnd(width)}  ${String(row.xaddPerSecond).padStart(15)}  ${fixed(row.ratio, 3).padStart(8)} ${change.padEnd(16)}  ${row.mode === loadModes[0].name ? '' : median(row.polls)}`);
    }

    // Back to back the cost is large enough to measure: the throughput lost per poll a second, scaled to the default interval.
    const backToBack = loadRows[2];
    const backToBackPollsPerSecond = median(backToBack.polls.map((polls, round) => polls / (requests / backToBack.rounds[round])));
    const lostPerPollPerSecond = (1 - backToBack.ratio) / backToBackPollsPerSecond;
    console.log(`back to back: ${fixed(backToBackPollsPerSecond)} polls a second cost ${fixed((1 - backToBack.ratio) * 100)}%: ${fixed(lostPerPollPerSecond * 100, 2)}% per poll a second, so ${fixed((lostPerPollPerSecond * 1000 * 100) / defaultRedisPollIntervalMs, 2)}% at one poll every ${defaultRedisPollIntervalMs} ms (the poller's own CPU on these 2 cores included)`);

    console.log(`\nO(groups) (maxGroupsPerStream 1000), ${pollsPerMeasure} polls each:`);
    console.log('groups  commands/poll  commands/group  median ms  worst ms  ms/group  server CPU ms/poll');
    for (const row of scale) {
      console.log(`${String(row.groups).padStart(6)}  ${String(row.commandsPerPoll).padStart(13)}  ${fixed(row.commandsPerPoll / row.groups, 2).padStart(14)}  ${fixed(row.medianMs).padStart(9)}  ${fixed(row.worstMs).padStart(8)}  ${fixed(row.medianMs / row.groups, 3).padStart(8)}  ${fixed(row.serverCpuMsPerPoll, 2).padStart(18)}`);
    }

    const results = path.join(__dirname, 'results');
    fs.mkdirSync(results, { recursive: true });
    const file = path.join(results, `redis-poll-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify({ node: process.version, cpus: os.cpus().length, loadAtStart, loadAtEnd, entries, groups, pendingPerGroup, rounds, requestsPerRound: requests, poll: atDefault, load: loadRows, backToBackPollsPerSecond, lostPerPollPerSecond, scale }, null, 2)}\n`);
    console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  } finally {
    admin.disconnect();
    await server.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
