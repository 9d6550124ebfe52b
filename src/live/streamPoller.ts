// Polls one Redis target's streams, read-only, with bounded and cheap commands only:
//   - streams by name, and by pattern with `SCAN <cursor> MATCH <pattern> COUNT <n> TYPE stream`,
//     at most `maxKeysScannedPerPoll` keys a poll (the cursor resumes on the next poll; the summary
//     says when the cap was reached);
//   - per stream `XINFO STREAM`, `XINFO GROUPS`; per group `XINFO CONSUMERS`, the `XPENDING`
//     summary and one page of `XPENDING key group IDLE <ms> - + <count>` (the oldest stuck entries
//     with their delivery counts). It never reads entries and never writes.
// Each poll keeps the latest snapshot per stream and appends to the TimeSeriesStore under
// `redis:<target>:<stream>[:<group>]:<figure>` (length, entries-added, lag, pending, entries-read).
// A lag Redis reports as nil, or does not report (6.x), is null: "unknown", never 0.
// The connection's state (connecting, connected, auth-failed, gone) is kept; ioredis reconnects with
// backoff, polls wait while it is not connected, and the series carry on when Redis is back.
// A Redis Cluster target (`cluster: true`, the url naming any one node) is read through ioredis's
// Cluster: SCAN runs on every master (each has its own cursor), the per-key commands go to the
// node that holds the key. A master that is down (in the slot map, not connected, or failing its
// SCAN) does not fail the poll: its streams are listed as unreadable with why, a note names it, the
// others are read, and the slot map is refreshed each poll until it is back. A slot that moved
// (resharding: MOVED or ASK) is read through the Cluster, which follows the redirection.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import {
  compareEntryIds,
  entryIdTimeMs,
  parseConsumersInfo,
  parseGroupsInfo,
  parsePendingEntries,
  parsePendingSummary,
  parseStreamInfo,
  type ConsumerInfoReply,
  type PendingEntryReply,
} from './streamReplies';
import { redisClusterSlot } from './redisClusterSlot';
import type { TimeSeriesStore } from './timeSeries';

export interface RedisStreamTarget {
  /** Names the target in series keys, findings and summaries. */
  name: string;
  /** `redis://[user[:password]@]host[:port][/db]` or `rediss://` (TLS). */
  url: string;
  username?: string;
  password?: string;
  /** Stream keys read by name. */
  streams: string[];
  /** SCAN MATCH patterns (`orders:*`); streams found by them are read too. */
  keyPatterns: string[];
  pollIntervalMs: number;
  /** The url is one node of a Redis Cluster; the others are found from it. */
  cluster?: boolean;
}

export interface StreamPollerLimits {
  /** SCAN COUNT summed over a poll's SCAN calls. */
  maxKeysScannedPerPoll: number;
  /** Streams read a poll (by name first, then those found by pattern, in key order). */
  maxStreams: number;
  /** Groups read per stream (XINFO GROUPS lists them all; the rest are counted, not read further). */
  maxGroupsPerStream: number;
  /** The extended XPENDING page: at most this many entries... */
  pendingPageSize: number;
  /** ...idle at least this long (entries handed out just now are not stuck). */
  pendingPageMinIdleMs: number;
  /** A command that takes longer fails the poll (the connection is then judged by ioredis); in a cluster, only its stream's read. */
  commandTimeoutMs: number;
}

export const defaultStreamPollerLimits: StreamPollerLimits = {
  maxKeysScannedPerPoll: 10_000,
  maxStreams: 100,
  maxGroupsPerStream: 100,
  pendingPageSize: 20,
  pendingPageMinIdleMs: 1000,
  commandTimeoutMs: 5000,
};

export type RedisConnectionState = 'connecting' | 'connected' | 'auth-failed' | 'gone';

export interface GroupSnapshot {
  name: string;
  /** As XINFO GROUPS counts them (all, even past the XINFO CONSUMERS reply). */
  consumerCount: number;
  consumers: ConsumerInfoReply[];
  pending: number;
  lastDeliveredId: string;
  entriesRead: number | null;
  /** null: unknown (nil, or a Redis that does not report it); `lagNote` says which. */
  lag: number | null;
  lagNote?: string;
  oldestPendingId?: string;
  /** ms since the oldest pending entry was added (from its id). */
  oldestPendingAgeMs?: number;
  pendingByConsumer: { consumer: string; pending: number }[];
  /** The extended XPENDING page: oldest pending entries idle at least pendingPageMinIdleMs. */
  stuckEntries: PendingEntryReply[];
}

export interface StreamSnapshot {
  target: string;
  stream: string;
  polledAt: number;
  length: number;
  firstEntryId?: string;
  lastEntryId?: string;
  lastGeneratedId?: string;
  entriesAdded?: number;
  groups: GroupSnapshot[];
  /** Groups past maxGroupsPerStream, not read. */
  groupsNotRead: number;
}

export interface StreamPollResult {
  target: string;
  polledAt: number;
  /** The streams read in full this poll. */
  streams: StreamSnapshot[];
  /** Streams asked for by name that do not exist, or keys that are not streams, with why. */
  unreadable: { stream: string; reason: string }[];
  /** Streams found (by name or pattern) past maxStreams, not read. */
  streamsNotRead: number;
  /** True when SCAN stopped at maxKeysScannedPerPoll before a pattern's cursor came round. */
  scanCapReached: boolean;
  commands: number;
  durationMs: number;
  notes: string[];
}

export interface StreamPollerStats {
  state: RedisConnectionState;
  lastError?: string;
  polls: number;
  failedPolls: number;
  lastPoll?: { at: number; durationMs: number; commands: number; streams: number; scanCapReached: boolean };
}

export interface StreamPollerOptions {
  target: RedisStreamTarget;
  series: TimeSeriesStore;
  limits?: Partial<StreamPollerLimits>;
  /** After each poll that read something. */
  onPoll?: (result: StreamPollResult) => void;
  onStateChange?: (state: RedisConnectionState, detail: string | undefined) => void;
  now?: () => number;
}

/** One pattern's SCAN on one node (standalone: the one server; a cluster: each master). */
interface PatternScan {
  pattern: string;
  node: string;
  cursor: string;
  /** Found since the cursor last started from 0. */
  found: Set<string>;
  /** Found in the last complete pass. */
  previous: Set<string>;
}

/** The latest snapshots held, at most (streams vanish from it when they stop being found). */
const maxSnapshotsHeld = 1000;

export class StreamPoller {
  private readonly limits: StreamPollerLimits;
  private readonly now: () => number;
  private redis: Redis | Cluster | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = true;
  private currentState: RedisConnectionState = 'connecting';
  private lastError: string | undefined;
  /** By pattern and node. */
  private readonly scans = new Map<string, PatternScan>();
  private readonly latest = new Map<string, StreamSnapshot>();
  private pollCount = 0;
  private failedPollCount = 0;
  private lastPoll: StreamPollerStats['lastPoll'];
  private lastNotes: string[] = [];
  private lastUnreadable: StreamPollResult['unreadable'] = [];

  constructor(private readonly options: StreamPollerOptions) {
    this.limits = { ...defaultStreamPollerLimits, ...options.limits };
    this.now = options.now ?? Date.now;
    validateTarget(options.target);
  }

  get target(): RedisStreamTarget {
    return this.options.target;
  }

  get state(): RedisConnectionState {
    return this.currentState;
  }

  /** Connects (ioredis retries with backoff for as long as it runs) and polls every pollIntervalMs. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const { target } = this.options;
    const backoff = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 6), 5000);
    const nodeOptions: RedisOptions = {
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      maxRetriesPerRequest: 0,
      connectTimeout: this.limits.commandTimeoutMs,
      commandTimeout: this.limits.commandTimeoutMs,
      // No CLIENT SETINFO: the poller issues only the read commands listed above (and AUTH, INFO for the ready check).
      disableClientInfo: true,
    };
    this.setState('connecting', undefined);
    // Commands fail at once while disconnected (no offline queue): a poll then waits for the next tick.
    const redis = target.cluster
      ? new Cluster([clusterSeedOf(target.url)], { redisOptions: { ...credentialsOf(target.url), ...nodeOptions }, enableOfflineQueue: false, clusterRetryStrategy: backoff })
      : new Redis(target.url, { ...nodeOptions, enableOfflineQueue: false, retryStrategy: backoff });
    this.redis = redis;
    redis.on('node error', (error: Error) => {
      if (isAuthError(error)) this.setState('auth-failed', error.message);
    });
    redis.on('ready', () => this.setState('connected', undefined));
    redis.on('error', (error: Error) => {
      if (isAuthError(error)) this.setState('auth-failed', error.message);
      else if (this.currentState !== 'auth-failed') this.setState(redis.status === 'ready' ? 'connected' : 'gone', error.message);
      else this.lastError = error.message;
    });
    redis.on('close', () => {
      if (this.currentState !== 'auth-failed') this.setState('gone', this.lastError ?? 'connection closed');
    });
    this.schedule(0);
  }

  /** Stops polling and closes the connection (no QUIT: nothing is sent). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    const redis = this.redis;
    this.redis = undefined;
    if (redis) {
      // A socket that is open closes and then ends; one between reconnection attempts just ends.
      const open = redis.status === 'connecting' || redis.status === 'connect' || redis.status === 'ready';
      const ended = open ? new Promise<void>((resolve) => redis.once('end', () => resolve())) : Promise.resolve();
      redis.disconnect(false);
      await Promise.race([ended, new Promise<void>((resolve) => setTimeout(resolve, 1000).unref())]);
      redis.removeAllListeners();
      // An error event after this would otherwise be thrown as unhandled.
      redis.on('error', () => undefined);
    }
  }

  /** The latest snapshot of each stream read, in stream order. */
  snapshots(): StreamSnapshot[] {
    return [...this.latest.values()].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
  }

  stats(): StreamPollerStats {
    return { state: this.currentState, ...(this.lastError !== undefined ? { lastError: this.lastError } : {}), polls: this.pollCount, failedPolls: this.failedPollCount, lastPoll: this.lastPoll };
  }

  notes(): string[] {
    return [...this.lastNotes];
  }

  unreadable(): StreamPollResult['unreadable'] {
    return [...this.lastUnreadable];
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.pollWhenConnected().finally(() => {
        this.polling = undefined;
        this.schedule(this.options.target.pollIntervalMs);
      });
    }, delayMs);
  }

  private async pollWhenConnected(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status !== 'ready') return;
    try {
      const result = await this.poll(redis);
      this.pollCount++;
      // A poll that went through: an earlier failure (a timeout, a denied command) is over.
      if (this.currentState === 'connected') this.lastError = undefined;
      this.lastPoll = { at: result.polledAt, durationMs: result.durationMs, commands: result.commands, streams: result.streams.length, scanCapReached: result.scanCapReached };
      this.lastNotes = result.notes;
      this.lastUnreadable = result.unreadable;
      this.options.onPoll?.(result);
    } catch (error) {
      // The connection went away mid-poll, or a command timed out: ioredis's events say which.
      this.failedPollCount++;
      this.lastError = error instanceof Error ? error.message : String(error);
    }
  }

  private async poll(redis: Redis | Cluster): Promise<StreamPollResult> {
    const started = this.now();
    let commands = 0;
    const scanNodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const nodeKeyOf = (node: Redis) => `${node.options.host}:${node.options.port}`;
    /** Masters the slot map names that ioredis holds no connection to (ioredis drops a node whose connection ends), or whose SCAN failed: down. */
    const unreachable = new Map<string, string>();
    if (redis instanceof Cluster) {
      const connected = new Set(scanNodes.map(nodeKeyOf));
      for (const holders of redis.slots) if (holders?.[0] !== undefined && !connected.has(holders[0])) unreachable.set(holders[0], 'not connected');
    }
    const holderOf = (stream: string) => (redis instanceof Cluster ? redis.slots[redisClusterSlot(stream)]?.[0] : undefined);
    /** A stream's commands go to the master holding its slot (a cluster), or to the one server. */
    const callsFor = (stream: string) => {
      let node: Redis | Cluster = redis;
      if (redis instanceof Cluster) {
        const holder = holderOf(stream);
        node = scanNodes.find((candidate) => nodeKeyOf(candidate) === holder) ?? redis;
      }
      return async (command: string, ...args: (string | number)[]): Promise<unknown> => {
        commands++;
        try {
          return await node.call(command, ...args);
        } catch (error) {
          // The slot moved since ioredis read the slot map (resharding): the Cluster follows MOVED and ASK, and refreshes its map.
          if (!(redis instanceof Cluster) || node === redis || !/^(MOVED|ASK) /.test(error instanceof Error ? error.message : '')) throw error;
          commands++;
          return redis.call(command, ...args);
        }
      };
    };
    const { keys, scanCapReached } = await this.discover(
      scanNodes
        .filter((node) => !unreachable.has(nodeKeyOf(node)))
        .map((node) => ({
          node: nodeKeyOf(node),
          call: async (...args: (string | number)[]) => {
            commands++;
            try {
              return await node.call('SCAN', ...args);
            } catch (error) {
              // One master down fails its own SCAN, not the cluster's poll.
              if (!(redis instanceof Cluster)) throw error;
              unreachable.set(nodeKeyOf(node), error instanceof Error ? error.message : String(error));
              return undefined;
            }
          },
        })),
      [...unreachable.keys()],
    );
    const wanted = keys.slice(0, this.limits.maxStreams);
    const notes = new Set<string>();
    const unreadable: StreamPollResult['unreadable'] = [];
    const streams: StreamSnapshot[] = [];
    for (const stream of wanted) {
      // Found but its master is down: listed as unreadable, and kept in the scans until the master is back.
      const holder = holderOf(stream);
      if (holder !== undefined && unreachable.has(holder)) {
        unreadable.push({ stream, reason: `its master ${holder} is unreachable (${unreachable.get(holder)})` });
        this.latest.delete(stream);
        continue;
      }
      let read: StreamSnapshot | { reason: string };
      try {
        read = await this.readStream(callsFor(stream), stream, notes);
      } catch (error) {
        // A cluster: this stream's master failed (down, or the cluster refuses); the others are still read.
        if (!(redis instanceof Cluster)) throw error;
        unreadable.push({ stream, reason: `unreachable: ${error instanceof Error ? error.message : String(error)}` });
        this.latest.delete(stream);
        continue;
      }
      if ('reason' in read) {
        unreadable.push({ stream, reason: read.reason });
        this.latest.delete(stream);
        for (const scan of this.scans.values()) {
          scan.found.delete(stream);
          scan.previous.delete(stream);
        }
      } else streams.push(read);
    }
    const polledAt = this.now();
    for (const snapshot of streams) {
      snapshot.polledAt = polledAt;
      this.record(snapshot);
    }
    // Snapshots of streams no longer found (deleted, or past the caps) go.
    const read = new Set(streams.map((snapshot) => snapshot.stream));
    for (const stream of this.latest.keys()) if (!read.has(stream)) this.latest.delete(stream);
    if (keys.length > wanted.length) notes.add(`${keys.length - wanted.length} more streams found than the ${this.limits.maxStreams} read a poll`);
    if (scanCapReached) notes.add(`SCAN stopped at ${this.limits.maxKeysScannedPerPoll} keys this poll; it carries on from there next poll`);
    for (const [node, why] of unreachable) notes.add(`master ${node} is unreachable (${why}): its streams are not read`);
    // ioredis re-reads the slot map only on a MOVED: ask for it while a master is down, so one that is back is polled again.
    if (unreachable.size > 0 && redis instanceof Cluster) redis.refreshSlotsCache(() => undefined);
    return { target: this.options.target.name, polledAt, streams, unreadable, streamsNotRead: keys.length - wanted.length, scanCapReached, commands, durationMs: this.now() - started, notes: [...notes] };
  }

  /** The stream keys to read: by name, then found by pattern on each node (this pass and the last complete one). */
  private async discover(nodes: { node: string; call: (...args: (string | number)[]) => Promise<unknown> }[], unreachableNodes: string[]): Promise<{ keys: string[]; scanCapReached: boolean }> {
    const patterned = new Set<string>();
    let budget = this.limits.maxKeysScannedPerPoll;
    let scanCapReached = false;
    const current = new Set<string>();
    for (const pattern of this.options.target.keyPatterns) {
      for (const { node, call } of nodes) {
        const key = `${pattern}\u0000${node}`;
        current.add(key);
        let scan = this.scans.get(key);
        if (scan === undefined) {
          scan = { pattern, node, cursor: '0', found: new Set(), previous: new Set() };
          this.scans.set(key, scan);
        }
        let first = true;
        let failed = false;
        while (budget > 0 && (first || scan.cursor !== '0')) {
          first = false;
          const count = Math.min(budget, 1000);
          budget -= count;
          const reply = await call(scan.cursor, 'MATCH', pattern, 'COUNT', count, 'TYPE', 'stream');
          // undefined: the node failed its SCAN (a cluster master down); what it found before stays, the cursor too.
          if (reply === undefined) {
            failed = true;
            break;
          }
          const [cursor, found] = Array.isArray(reply) ? reply : ['0', []];
          scan.cursor = typeof cursor === 'string' ? cursor : '0';
          if (Array.isArray(found)) for (const stream of found) if (typeof stream === 'string') scan.found.add(stream);
          if (scan.cursor === '0') {
            scan.previous = scan.found;
            scan.found = new Set();
            break;
          }
        }
        if (scan.cursor !== '0' && !failed) scanCapReached = true;
        for (const stream of scan.previous) patterned.add(stream);
        for (const stream of scan.found) patterned.add(stream);
      }
    }
    // A master that is down keeps what its scans found (listed as unreadable); nodes that left the cluster take their scans with them.
    for (const pattern of this.options.target.keyPatterns) {
      for (const node of unreachableNodes) {
        const scan = this.scans.get(`${pattern}\u0000${node}`);
        if (scan === undefined) continue;
        current.add(`${pattern}\u0000${node}`);
        for (const stream of scan.previous) patterned.add(stream);
        for (const stream of scan.found) patterned.add(stream);
      }
    }
    for (const key of this.scans.keys()) if (!current.has(key)) this.scans.delete(key);
    const named = this.options.target.streams;
    const byName = new Set(named);
    return { keys: [...named, ...[...patterned].filter((key) => !byName.has(key)).sort()], scanCapReached };
  }

  private async readStream(call: (command: string, ...args: (string | number)[]) => Promise<unknown>, stream: string, notes: Set<string>): Promise<StreamSnapshot | { reason: string }> {
    let info;
    let groups;
    try {
      // Sent together, so Redis runs them back to back: the stream's entries-added and the groups'
      // lag and entries-read describe one moment (the read rate derives from their difference).
      const [streamReply, groupsReply] = await Promise.all([call('XINFO', 'STREAM', stream), call('XINFO', 'GROUPS', stream)]);
      info = parseStreamInfo(streamReply);
      groups = parseGroupsInfo(groupsReply);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/no such key/i.test(message)) return { reason: 'no such key' };
      if (/WRONGTYPE/.test(message)) return { reason: 'not a stream' };
      throw error;
    }
    const read = groups.slice(0, this.limits.maxGroupsPerStream);
    const now = this.now();
    const snapshots = await Promise.all(
      read.map(async (group): Promise<GroupSnapshot> => {
        const [consumersReply, summaryReply, pageReply] = await Promise.all([
          call('XINFO', 'CONSUMERS', stream, group.name),
          call('XPENDING', stream, group.name),
          call('XPENDING', stream, group.name, 'IDLE', this.limits.pendingPageMinIdleMs, '-', '+', this.limits.pendingPageSize),
        ]);
        const summary = parsePendingSummary(summaryReply);
        let lagNote: string | undefined;
        if (group.lag === undefined) {
          lagNote = 'this Redis (before 7.0) reports no lag or entries-read: lag is unknown';
          notes.add(lagNote);
        } else if (group.lag === null) lagNote = 'Redis cannot compute this group\'s lag: its entries-read is unknown (the group was created or set at an id other than 0, e.g. $, or entries were deleted or trimmed past it)';
        const oldestTime = summary.smallestId !== undefined ? entryIdTimeMs(summary.smallestId) : undefined;
        return {
          name: group.name,
          consumerCount: group.consumers,
          consumers: parseConsumersInfo(consumersReply),
          pending: summary.count,
          lastDeliveredId: group.lastDeliveredId,
          entriesRead: group.entriesRead ?? null,
          lag: group.lag ?? null,
          ...(lagNote !== undefined ? { lagNote } : {}),
          ...(summary.smallestId !== undefined ? { oldestPendingId: summary.smallestId } : {}),
          ...(oldestTime !== undefined ? { oldestPendingAgeMs: Math.max(0, now - oldestTime) } : {}),
          pendingByConsumer: summary.perConsumer,
          stuckEntries: parsePendingEntries(pageReply),
        };
      }),
    );
    return {
      target: this.options.target.name,
      stream,
      polledAt: now,
      length: info.length,
      ...(info.firstEntryId !== undefined ? { firstEntryId: info.firstEntryId } : {}),
      ...(info.lastEntryId !== undefined ? { lastEntryId: info.lastEntryId } : {}),
      ...(info.lastGeneratedId !== undefined ? { lastGeneratedId: info.lastGeneratedId } : {}),
      ...(info.entriesAdded !== undefined ? { entriesAdded: info.entriesAdded } : {}),
      groups: snapshots,
      groupsNotRead: groups.length - read.length,
    };
  }

  private record(snapshot: StreamSnapshot): void {
    const { series } = this.options;
    const prefix = streamSeriesPrefix(snapshot.target, snapshot.stream);
    const t = snapshot.polledAt;
    series.append(`${prefix}:length`, t, snapshot.length);
    if (snapshot.entriesAdded !== undefined) series.append(`${prefix}:entries-added`, t, snapshot.entriesAdded);
    for (const group of snapshot.groups) {
      const groupPrefix = `${prefix}:${group.name}`;
      if (group.lag !== null) series.append(`${groupPrefix}:lag`, t, group.lag);
      series.append(`${groupPrefix}:pending`, t, group.pending);
      if (group.entriesRead !== null) series.append(`${groupPrefix}:entries-read`, t, group.entriesRead);
    }
    this.latest.delete(snapshot.stream);
    while (this.latest.size >= maxSnapshotsHeld) this.latest.delete(this.latest.keys().next().value as string);
    this.latest.set(snapshot.stream, snapshot);
  }

  private setState(state: RedisConnectionState, detail: string | undefined): void {
    if (detail !== undefined) this.lastError = detail;
    if (state === 'connected') this.lastError = undefined;
    if (state === this.currentState) return;
    this.currentState = state;
    this.options.onStateChange?.(state, detail);
  }
}

/** `redis:<target>:<stream>`: the group's series are under `<prefix>:<group>:lag|pending|entries-read`. */
export function streamSeriesPrefix(target: string, stream: string): string {
  return `redis:${target}:${stream}`;
}

/** Whether a stream id is past the group's last delivered one: entries not delivered yet. */
export function hasUndelivered(stream: StreamSnapshot, group: GroupSnapshot): boolean {
  if (group.lag !== null) return group.lag > 0;
  return stream.lastEntryId !== undefined && compareEntryIds(stream.lastEntryId, group.lastDeliveredId) > 0;
}

/** The cluster node the url names, to discover the others from. */
function clusterSeedOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || '6379') };
}

/** The url's user, password and TLS, for each cluster node. */
function credentialsOf(url: string): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const parsed = new URL(url);
  return {
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

function isAuthError(error: Error): boolean {
  return /WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(error.message);
}

function validateTarget(target: RedisStreamTarget): void {
  if (target.name.trim() === '') throw new RangeError('A Redis target needs a name.');
  if (!/^rediss?:\/\//.test(target.url)) throw new RangeError(`A Redis target's url starts with redis:// or rediss://, got "${target.url}".`);
  if (!(target.pollIntervalMs > 0)) throw new RangeError(`pollIntervalMs is a positive number of milliseconds, got ${target.pollIntervalMs}.`);
  if (target.streams.length === 0 && target.keyPatterns.length === 0) throw new RangeError(`Redis target "${target.name}" names no streams and no key patterns.`);
}
