// The Streams tab in the real VS Code: a password-protected redis-server the suite starts (in the
// extension host's Node), a target in bounded.live.redis.targets without its password, "Attach to
// Redis…" given that url and the password (it keeps the password in SecretStorage under the
// target's name), and the group with its pending entries, lag and consumer shows in the Streams
// tab's DOM, read through the test-only command; the stream named as markup stays text.
import * as assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import * as vscode from 'vscode';
import { launchRedisServer } from '../../support/redisServer';
import { extensionId } from './fixture';
import { waitUntil } from './waitUntil';

const testCommand = 'bounded.test.livePanel';
const markup = '<img src=x onerror=alert(1)>';
const password = 'streams-test-password';

interface RenderedQueryResult {
  elements: Array<{ text: string; ariaLabel?: string; className: string }>;
  images: number;
}

async function texts(selector: string): Promise<string[] | undefined> {
  try {
    const result = await vscode.commands.executeCommand<RenderedQueryResult>(testCommand, { action: 'query', selector });
    return result.elements.map((element) => element.text);
  } catch {
    return undefined;
  }
}

suite('live streams', () => {
  let server: Awaited<ReturnType<typeof launchRedisServer>> | undefined;
  let redis: Redis | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', 0, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    const panels = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('bounded.findings'));
    await vscode.window.tabGroups.close(panels);
    await vscode.workspace.getConfiguration('bounded').update('live.redis.targets', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', undefined, vscode.ConfigurationTarget.Workspace);
    redis?.disconnect();
    await server?.remove();
  });

  test('a settings target and its password from "Attach to Redis…" show the group in the Streams tab', async () => {
    server = await launchRedisServer({ password });
    redis = new Redis(server.port, '127.0.0.1', { password });
    for (let i = 1; i <= 5; i++) await redis.xadd(markup, '*', 'n', String(i));
    await redis.xgroup('CREATE', markup, 'workers', '0');
    await redis.xreadgroup('GROUP', 'workers', 'alice', 'COUNT', 3, 'STREAMS', markup, '>');

    await vscode.workspace
      .getConfiguration('bounded')
      .update('live.redis.targets', [{ name: 'suite-redis', url: server.url, streams: ['*'], pollIntervalMs: 200 }], vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('bounded.showTraces');
    await waitUntil('the target to be refused without its password', async () => ((await texts('#panel-streams .redis-state'))?.[0] === 'auth failed' ? true : undefined));

    const attached = await vscode.commands.executeCommand<{ target?: string; error?: string }>('bounded.attachRedis', { url: server.url, password, streams: '*' });
    assert.deepEqual(attached, { target: 'suite-redis' }, 'the same url is the settings target');

    await waitUntil('the group in the Streams tab', async () => ((await texts('#panel-streams .group-name'))?.includes('workers') ? true : undefined));
    assert.deepEqual(await texts('#panel-streams .redis-state'), ['connected']);
    assert.deepEqual(await texts('#panel-streams .stream-name'), [markup]);
    assert.deepEqual(await texts('#panel-streams .group-pending'), ['3']);
    assert.deepEqual(await texts('#panel-streams .group-lag'), ['2']);
    const consumers = await texts('#panel-streams tr.consumer td');
    assert.deepEqual(consumers?.slice(0, 2), ['alice', '3']);
    const result = await vscode.commands.executeCommand<RenderedQueryResult>(testCommand, { action: 'query', selector: '#panel-streams' });
    assert.equal(result.images, 0, 'the stream named as markup made no <img>');
  });
});
