// bounded/streamSites from the built language server over stdio, on a fixture project with an
// ioredis producer and consumer and a node-redis one (keys as literals, imported constants and a
// constant object's property): each call site with its stream and role; a key made at run time and
// a call on something that is not a Redis client are left out; an open document's unsaved text counts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type StreamSite, StreamSitesRequest } from '../../src/shared/streamSitesProtocol';
import { LspTestClient, uriOf } from './lspTestClient';

const root = path.join(__dirname, 'fixtures', 'stream-sites');

/** `worker.ts:9 consume orders`: a site as a line to compare, 1-based like an editor. */
function described(site: StreamSite): string {
  return `${path.basename(new URL(site.uri).pathname)}:${site.range.start.line + 1} ${site.role} ${site.stream}`;
}

describe('bounded/streamSites', () => {
  let client: LspTestClient;

  before(async () => {
    client = await LspTestClient.start({ workspaceFolders: [root], settings: () => ({}) });
  });

  after(async () => {
    await client?.stop();
  });

  it('names each xadd, xreadgroup, xack and xautoclaim call with a resolvable key, ioredis and node-redis', async () => {
    const result = await client.connection.sendRequest(StreamSitesRequest.type);
    assert.equal(result.files, 4, 'orders.ts, payments.ts, streamNames.ts, worker.ts');
    assert.deepEqual(result.sites.map(described).sort(), [
      'orders.ts:8 produce orders',
      'payments.ts:13 ack refunds',
      'payments.ts:8 produce refunds',
      'payments.ts:12 consume refunds',
      'worker.ts:11 ack orders',
      'worker.ts:13 reclaim orders',
      'worker.ts:9 consume orders',
    ].sort());
    const read = result.sites.find((site) => site.role === 'consume' && site.stream === 'orders');
    const text = fs.readFileSync(path.join(root, 'worker.ts'), 'utf8').split('\n')[read!.range.start.line];
    assert.equal(text.slice(read!.range.start.character, read!.range.end.character), 'xreadgroup', 'the range is the method name');
  });

  it("answers from an open document's unsaved text", async () => {
    const file = path.join(root, 'orders.ts');
    const text = fs.readFileSync(file, 'utf8').replace("await redis.xadd(ORDERS, '*', 'id', id);", "await redis.xadd(ORDERS, '*', 'id', id);\n  await redis.xadd('audit', '*', 'id', id);");
    const document = await client.open(file, text);
    try {
      const result = await client.connection.sendRequest(StreamSitesRequest.type);
      assert.ok(result.sites.some((site) => site.uri === uriOf(file) && site.stream === 'audit' && site.role === 'produce' && site.range.start.line === 8), 'the unsaved xadd on audit');
    } finally {
      await client.close(document);
    }
  });
});
