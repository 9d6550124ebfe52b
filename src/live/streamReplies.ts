// Parsing of the Redis Streams replies the stream poller reads: XINFO STREAM, XINFO GROUPS,
// XINFO CONSUMERS, the XPENDING summary and the extended XPENDING page. Replies come as RESP2
// arrays (flat field/value lists for XINFO). Fields a Redis version lacks (6.x: no `lag`, no
// `entries-read`; before 7.2: no `inactive`) come out as undefined; a `lag` Redis reports as nil
// comes out as null ("unknown"), never 0. Odd values (a number as a string, a negative count)
// are read as far as they make sense and otherwise left undefined: parsing never throws on them.

export interface StreamInfoReply {
  length: number;
  /** Id of the first entry held, undefined when the stream is empty. */
  firstEntryId?: string;
  lastEntryId?: string;
  /** The id of the last entry ever added (entries deleted or trimmed since included). */
  lastGeneratedId?: string;
  /** Entries ever added (Redis >= 7.0). */
  entriesAdded?: number;
  groups: number;
}

export interface GroupInfoReply {
  name: string;
  consumers: number;
  pending: number;
  lastDeliveredId: string;
  /** Entries the group has read (Redis >= 7.0); undefined when Redis does not report it, null when nil. */
  entriesRead: number | null | undefined;
  /** Entries not yet delivered to the group (Redis >= 7.0); null when Redis cannot tell ("unknown"), undefined when it does not report lag at all. */
  lag: number | null | undefined;
}

export interface ConsumerInfoReply {
  name: string;
  pending: number;
  /** ms since the consumer's last attempted interaction (read or claim). */
  idleMs: number;
  /** ms since its last successful interaction (Redis >= 7.2; -1 when it never had one); undefined before 7.2. */
  inactiveMs?: number;
}

export interface PendingSummaryReply {
  count: number;
  smallestId?: string;
  greatestId?: string;
  perConsumer: { consumer: string; pending: number }[];
}

export interface PendingEntryReply {
  id: string;
  consumer: string;
  idleMs: number;
  deliveryCount: number;
}

export function parseStreamInfo(reply: unknown): StreamInfoReply {
  const fields = fieldsOf(reply, 'XINFO STREAM');
  const entryId = (name: string): string | undefined => {
    const entry = fields.get(name);
    return Array.isArray(entry) && typeof entry[0] === 'string' ? entry[0] : undefined;
  };
  return {
    length: countOf(fields.get('length')) ?? 0,
    firstEntryId: entryId('first-entry'),
    lastEntryId: entryId('last-entry'),
    lastGeneratedId: stringOf(fields.get('last-generated-id')),
    entriesAdded: countOf(fields.get('entries-added')),
    groups: countOf(fields.get('groups')) ?? 0,
  };
}

export function parseGroupsInfo(reply: unknown): GroupInfoReply[] {
  return listOf(reply, 'XINFO GROUPS').flatMap((item) => {
    if (!isFieldList(item)) return [];
    const fields = fieldsOf(item, 'XINFO GROUPS');
    const name = stringOf(fields.get('name'));
    if (name === undefined) return [];
    return [
      {
        name,
        consumers: countOf(fields.get('consumers')) ?? 0,
        pending: countOf(fields.get('pending')) ?? 0,
        lastDeliveredId: stringOf(fields.get('last-delivered-id')) ?? '0-0',
        entriesRead: nullableCountOf(fields, 'entries-read'),
        lag: nullableCountOf(fields, 'lag'),
      },
    ];
  });
}

export function parseConsumersInfo(reply: unknown): ConsumerInfoReply[] {
  return listOf(reply, 'XINFO CONSUMERS').flatMap((item) => {
    if (!isFieldList(item)) return [];
    const fields = fieldsOf(item, 'XINFO CONSUMERS');
    const name = stringOf(fields.get('name'));
    if (name === undefined) return [];
    const inactive = integerOf(fields.get('inactive'));
    return [{ name, pending: countOf(fields.get('pending')) ?? 0, idleMs: countOf(fields.get('idle')) ?? 0, ...(inactive !== undefined ? { inactiveMs: inactive } : {}) }];
  });
}

/** `XPENDING key group`: [count, smallest id, greatest id, [[consumer, count], ...]] (nils when none). */
export function parsePendingSummary(reply: unknown): PendingSummaryReply {
  const items = listOf(reply, 'XPENDING');
  const perConsumer = Array.isArray(items[3])
    ? items[3].flatMap((pair) => {
        if (!Array.isArray(pair)) return [];
        const consumer = stringOf(pair[0]);
        const pending = countOf(pair[1]);
        return consumer === undefined || pending === undefined ? [] : [{ consumer, pending }];
      })
    : [];
  return { count: countOf(items[0]) ?? 0, smallestId: stringOf(items[1]), greatestId: stringOf(items[2]), perConsumer };
}

/** `XPENDING key group [IDLE ms] start end count`: [[id, consumer, idle ms, delivery count], ...]. */
export function parsePendingEntries(reply: unknown): PendingEntryReply[] {
  return listOf(reply, 'XPENDING').flatMap((item) => {
    if (!Array.isArray(item)) return [];
    const id = stringOf(item[0]);
    const consumer = stringOf(item[1]);
    if (id === undefined || consumer === undefined) return [];
    return [{ id, consumer, idleMs: countOf(item[2]) ?? 0, deliveryCount: countOf(item[3]) ?? 0 }];
  });
}

/** The ms time part of a stream id (`1700000000000-3`), undefined when it is not one. */
export function entryIdTimeMs(id: string): number | undefined {
  const match = /^(\d+)-\d+$/.exec(id);
  if (!match) return undefined;
  const ms = Number(match[1]);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Orders stream ids (`ms-seq`) numerically; ids that are not ones compare as strings. */
export function compareEntryIds(a: string, b: string): number {
  const pa = /^(\d+)-(\d+)$/.exec(a);
  const pb = /^(\d+)-(\d+)$/.exec(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  const [msA, seqA, msB, seqB] = [BigInt(pa[1]), BigInt(pa[2]), BigInt(pb[1]), BigInt(pb[2])];
  if (msA !== msB) return msA < msB ? -1 : 1;
  return seqA === seqB ? 0 : seqA < seqB ? -1 : 1;
}

function isFieldList(item: unknown): boolean {
  return Array.isArray(item) || item instanceof Map;
}

function listOf(reply: unknown, command: string): unknown[] {
  if (reply === null || reply === undefined) return [];
  if (!Array.isArray(reply)) throw new TypeError(`${command} replied with ${typeof reply}, not an array`);
  return reply;
}

/** A flat [field, value, field, value, ...] reply (RESP2), or a map (RESP3), as a Map. */
function fieldsOf(reply: unknown, command: string): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (reply instanceof Map) {
    for (const [key, value] of reply) if (typeof key === 'string') fields.set(key, value);
    return fields;
  }
  const items = listOf(reply, command);
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = stringOf(items[i]);
    if (key !== undefined) fields.set(key, items[i + 1]);
  }
  return fields;
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

function integerOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A count is a whole number of at least 0. */
function countOf(value: unknown): number | undefined {
  const n = integerOf(value);
  return n !== undefined && n >= 0 ? n : undefined;
}

/** Absent: undefined (the version lacks the field). Nil: null (unknown). Otherwise a count, or null when it is not one. */
function nullableCountOf(fields: Map<string, unknown>, name: string): number | null | undefined {
  if (!fields.has(name)) return undefined;
  const value = fields.get(name);
  if (value === null || value === undefined) return null;
  return countOf(value) ?? null;
}
