// Redis streams linked to their code, in the real VS Code: the fixture workspace's src/orderStream.ts
// produces and consumes `bounded-suite-orders` (a const key). A real redis-server the suite starts,
// a group on that stream that nobody reads while entries keep coming: the stream-backlog finding
// shows as a "Bounded (live)" diagnostic at the xreadgroup call; the stream's row in the Streams tab
// says where it is produced and consumed, and clicking "Consumed at" opens the file at that line.
import * as assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import * as vscode from 'vscode';
import { launchRedisServer } from '../../support/redisServer';
import { extensionId, fixtureUri } from './fixture';
import { clickPanel, closeLivePanels, panelTexts } from './panelProbe';
import { waitUntil } from './waitUntil';

const stream = 'bounded-suite-orders';

function backlogAt(uri: vscode.Uri, line: number): vscode.Diagnostic | undefined {
  return vscode.languages
    .getDiagnostics(uri)
    .find((diagnostic) => diagnostic.source === 'Bounded (live)' && diagnostic.code === 'stream-backlog' && diagnostic.range.start.line === line);
}

suite('live stream sites: a backlog at its consumer, the Streams tab linked to the code', () => {
  let server: Awaited<ReturnType<typeof launchRedisServer>> | undefined;
  let redis: Redis | undefined;
  let producing: ReturnType<typeof setInterval> | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    const bounded = vscode.workspace.getConfiguration('bounded');
    await bounded.update('live.otlp.port', 0, vscode.ConfigurationTarget.Workspace);
    await bounded.update('live.redis.backlogWindowMs', 5000, vscode.ConfigurationTarget.Workspace);
    await bounded.update('live.redis.backlogMinIncrease', 5, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    clearInterval(producing);
    await closeLivePanels();
    const bounded = vscode.workspace.getConfiguration('bounded');
    for (const key of ['live.redis.targets', 'live.redis.backlogWindowMs', 'live.redis.backlogMinIncrease', 'live.otlp.port']) await bounded.update(key, undefined, vscode.ConfigurationTarget.Workspace);
    redis?.disconnect();
    await server?.remove();
  });

  test('a growing backlog shows at the xreadgroup line; "Consumed at" opens it', async () => {
    const uri = fixtureUri('src', 'orderStream.ts');
    const lines = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8').split('\n');
    const readLine = lines.findIndex((text) => text.includes('.xreadgroup('));
    const addLine = lines.findIndex((text) => text.includes('.xadd('));
    assert.ok(readLine > 0 && addLine > 0);

    server = await launchRedisServer();
    redis = new Redis(server.port, '127.0.0.1');
    await redis.xadd(stream, '*', 'id', '0');
    await redis.xgroup('CREATE', stream, 'workers', '0');
    // Entries keep coming and the group never reads: its lag climbs.
    let next = 1;
    producing = setInterval(() => void redis?.xadd(stream, '*', 'id', String(next++)).catch(() => undefined), 100);

    await vscode.workspace.getConfiguration('bounded').update('live.redis.targets', [{ name: 'suite-orders', url: server.url, streams: [stream], pollIntervalMs: 200 }], vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('bounded.showTraces');

    const backlog = await waitUntil('a stream-backlog diagnostic at the xreadgroup call', () => backlogAt(uri, readLine), 30_000);
    assert.match(backlog.message, /^Live: The backlog of group workers on stream bounded-suite-orders is growing/);
    assert.equal(lines[readLine].slice(backlog.range.start.character, backlog.range.end.character), 'xreadgroup');
    assert.equal(
      vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === 'Bounded (live)').length,
      1,
      'only the consume site: not the xadd, not the xack',
    );

    const row = await waitUntil('the stream row to link to its code', async () => (await panelTexts('#panel-streams .stream-sites'))?.[0], 20_000);
    assert.equal(row, `Produced at src/orderStream.ts:${addLine + 1} · Consumed at src/orderStream.ts:${readLine + 1}`);
    assert.deepEqual(await panelTexts('#panel-streams .stream-site-consume'), [`src/orderStream.ts:${readLine + 1}`]);

    assert.equal(await clickPanel('#panel-streams .stream-site-consume', 0), true);
    const editor = await waitUntil('the consumer to open in an editor', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.toString() === uri.toString() ? active : undefined;
    }, 10_000);
    assert.equal(editor.selection.active.line, readLine);
    assert.equal(lines[readLine].slice(editor.selection.active.character).startsWith('xreadgroup'), true, 'at the call');

    // The group catches up (reads everything, acks it) and production stops: the backlog clears.
    clearInterval(producing);
    const reader = new Redis(server.port, '127.0.0.1');
    try {
      const read = (await reader.xreadgroup('GROUP', 'workers', 'suite', 'COUNT', 10_000, 'STREAMS', stream, '>')) as Array<[string, Array<[string, string[]]>]> | null;
      const ids = (read ?? []).flatMap(([, entries]) => entries.map(([id]) => id));
      if (ids.length > 0) await reader.xack(stream, 'workers', ...ids);
    } finally {
      reader.disconnect();
    }
    await waitUntil('the backlog diagnostic to clear', () => (backlogAt(uri, readLine) === undefined ? true : undefined), 30_000);
  });
});
