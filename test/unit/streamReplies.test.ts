// Parsing of XINFO STREAM / GROUPS / CONSUMERS and XPENDING replies as ioredis returns them (RESP2),
// including nil lag, fields a Redis version lacks, and odd values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareEntryIds, entryIdTimeMs, parseConsumersInfo, parseGroupsInfo, parsePendingEntries, parsePendingSummary, parseStreamInfo } from '../../src/live/streamReplies';

describe('stream replies', () => {
  it('reads XINFO STREAM of Redis 7.0, and of an empty stream', () => {
    const reply = ['length', 3, 'radix-tree-keys', 1, 'radix-tree-nodes', 2, 'last-generated-id', '3-0', 'max-deleted-entry-id', '0-0', 'entries-added', 3, 'recorded-first-entry-id', '1-0', 'groups', 2, 'first-entry', ['1-0', ['n', '1']], 'last-entry', ['3-0', ['n', '3']]];
    assert.deepEqual(parseStreamInfo(reply), { length: 3, firstEntryId: '1-0', lastEntryId: '3-0', lastGeneratedId: '3-0', entriesAdded: 3, groups: 2 });
    assert.deepEqual(parseStreamInfo(['length', 0, 'last-generated-id', '0-0', 'groups', 0, 'first-entry', null, 'last-entry', null]), { length: 0, firstEntryId: undefined, lastEntryId: undefined, lastGeneratedId: '0-0', entriesAdded: undefined, groups: 0 });
  });

  it('reads XINFO GROUPS: lag as a count, nil lag as null (unknown), no lag field (6.x) as undefined', () => {
    const reply = [
      ['name', 'workers', 'consumers', 2, 'pending', 4, 'last-delivered-id', '6-0', 'entries-read', 6, 'lag', 4],
      ['name', 'late', 'consumers', 0, 'pending', 0, 'last-delivered-id', '5-0', 'entries-read', null, 'lag', null],
      ['name', 'old', 'consumers', 1, 'pending', 0, 'last-delivered-id', '0-0'],
    ];
    assert.deepEqual(parseGroupsInfo(reply), [
      { name: 'workers', consumers: 2, pending: 4, lastDeliveredId: '6-0', entriesRead: 6, lag: 4 },
      { name: 'late', consumers: 0, pending: 0, lastDeliveredId: '5-0', entriesRead: null, lag: null },
      { name: 'old', consumers: 1, pending: 0, lastDeliveredId: '0-0', entriesRead: undefined, lag: undefined },
    ]);
  });

  it('reads odd values as far as they make sense: counts as strings, negative or non-numeric lag as unknown, groups without a name dropped', () => {
    const reply = [
      ['name', 'a', 'consumers', '3', 'pending', '-1', 'last-delivered-id', '1-0', 'entries-read', '7', 'lag', -2],
      ['name', Buffer.from('b'), 'lag', 'many'],
      ['consumers', 1],
      'not a group',
    ];
    assert.deepEqual(parseGroupsInfo(reply), [
      { name: 'a', consumers: 3, pending: 0, lastDeliveredId: '1-0', entriesRead: 7, lag: null },
      { name: 'b', consumers: 0, pending: 0, lastDeliveredId: '0-0', entriesRead: undefined, lag: null },
    ]);
    assert.deepEqual(parseGroupsInfo(null), []);
    assert.throws(() => parseGroupsInfo('OK'), /XINFO GROUPS replied with string/);
  });

  it('reads XINFO CONSUMERS with inactive (7.2) and without (7.0)', () => {
    assert.deepEqual(
      parseConsumersInfo([
        ['name', 'alice', 'pending', 4, 'idle', 1200],
        ['name', 'bob', 'pending', 0, 'idle', 10, 'inactive', -1],
      ]),
      [
        { name: 'alice', pending: 4, idleMs: 1200 },
        { name: 'bob', pending: 0, idleMs: 10, inactiveMs: -1 },
      ],
    );
  });

  it('reads the XPENDING summary, empty or with consumers', () => {
    assert.deepEqual(parsePendingSummary([0, null, null, null]), { count: 0, smallestId: undefined, greatestId: undefined, perConsumer: [] });
    assert.deepEqual(parsePendingSummary([5, '3-0', '9-0', [['alice', '4'], ['bob', '1'], ['broken']]]), {
      count: 5,
      smallestId: '3-0',
      greatestId: '9-0',
      perConsumer: [
        { consumer: 'alice', pending: 4 },
        { consumer: 'bob', pending: 1 },
      ],
    });
  });

  it('reads the extended XPENDING page with delivery counts', () => {
    assert.deepEqual(parsePendingEntries([['3-0', 'alice', 5000, 6], ['4-0', 'bob', 12, 1], ['x']]), [
      { id: '3-0', consumer: 'alice', idleMs: 5000, deliveryCount: 6 },
      { id: '4-0', consumer: 'bob', idleMs: 12, deliveryCount: 1 },
    ]);
  });

  it('orders entry ids numerically and reads their time', () => {
    assert.equal(compareEntryIds('10-0', '9-5'), 1);
    assert.equal(compareEntryIds('9-10', '9-9'), 1);
    assert.equal(compareEntryIds('5-0', '5-0'), 0);
    assert.equal(compareEntryIds('18446744073709551615-0', '1-0'), 1);
    assert.equal(entryIdTimeMs('1700000000000-3'), 1_700_000_000_000);
    assert.equal(entryIdTimeMs('nope'), undefined);
  });
});
