// The Streams tab in the real VS Code: a password-protected redis-server the suite starts (in the
// extension host's Node), a target in bounded.live.redis.targets without its password, "Attach to
// Redis…" given that url and the password (it keeps the password in SecretStorage under the
// target's name), and the group with its pending entries, lag and consumer shows in the Streams
// tab's DOM, read through the test-only command; the stream named as markup stays text.
// A producer adds while a consumer reads a little and never acknowledges: the tab shows pending
// rising, "falling behind" and the group's lag and pending chart drawn. "Forget Redis Target…"
// takes an attached target out of the tab and deletes its password; forgetting the settings
// target's password leaves it in the tab, refused ("auth failed"): the secret is gone. A Redis
// Cluster of three masters (redis-cli --cluster create) as a settings target with `cluster: true`
// and one seed node: the streams of every master show.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { redisClusterSlot } from '../../../src/live/redisClusterSlot';
import * as vscode from 'vscode';
import { launchRedisServer } from '../../support/redisServer';
import { extensionId } from './fixture';
import { closeLivePanels, panelTexts, queryPanel, queryPanelWhenLoaded } from './panelProbe';
import { waitUntil } from './waitUntil';

const markup = '<img src=x onerror=alert(1)>';
const password = 'streams-test-password';

/** A loop of Redis commands while the suite runs (errors once the server is gone are ignored). */
function every(everyMs: number, step: () => Promise<unknown>): { stop(): void } {
  let running = true;
  void (async () => {
    while (running) {
      await step().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return { stop: () => void (running = false) };
}

suite('live streams', () => {
  let server: Awaited<ReturnType<typeof launchRedisServer>> | undefined;
  let redis: Redis | undefined;
  const loops: Array<{ stop(): void }> = [];
  const clusterNodes: Array<Awaited<ReturnType<typeof launchRedisServer>>> = [];
  let cluster: Cluster | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', 0, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    for (const loop of loops) loop.stop();
    await closeLivePanels();
    await vscode.workspace.getConfiguration('bounded').update('live.redis.targets', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', undefined, vscode.ConfigurationTarget.Workspace);
    redis?.disconnect();
    cluster?.disconnect();
    await server?.remove();
    await Promise.all(clusterNodes.map((node) => node.remove()));
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
    await waitUntil('the target to be refused without its password', async () => ((await panelTexts('#panel-streams .redis-state'))?.[0] === 'auth failed' ? true : undefined));

    const attached = await vscode.commands.executeCommand<{ target?: string; error?: string }>('bounded.attachRedis', { url: server.url, password, streams: '*' });
    assert.deepEqual(attached, { target: 'suite-redis' }, 'the same url is the settings target');

    await waitUntil('the group in the Streams tab', async () => ((await panelTexts('#panel-streams .group-name'))?.includes('workers') ? true : undefined));
    assert.deepEqual(await panelTexts('#panel-streams .redis-state'), ['connected']);
    assert.deepEqual(await panelTexts('#panel-streams .stream-name'), [markup]);
    assert.deepEqual(await panelTexts('#panel-streams .group-pending'), ['3']);
    assert.deepEqual(await panelTexts('#panel-streams .group-lag'), ['2']);
    const consumers = await panelTexts('#panel-streams tr.consumer td');
    assert.deepEqual(consumers?.slice(0, 2), ['alice', '3']);
    const result = await queryPanel('#panel-streams');
    assert.equal(result.images, 0, 'the stream named as markup made no <img>');
  });

  test('a producer adding while no one acks: pending rises, "falling behind", and the lag and pending chart', async () => {
    assert.ok(redis && server, 'the first test started Redis');
    const client = redis;
    await client.xadd('jobs', '*', 'n', '0');
    await client.xgroup('CREATE', 'jobs', 'slow', '0');
    loops.push(every(100, () => Promise.all(Array.from({ length: 5 }, () => client.xadd('jobs', '*', 'n', '1')))));
    loops.push(every(100, () => client.xreadgroup('GROUP', 'slow', 'sluggish', 'COUNT', 1, 'STREAMS', 'jobs', '>')));
    const slow = '#panel-streams .stream-group[data-group="slow"]';
    const firstPending = await waitUntil('the slow group in the Streams tab', async () => {
      const [pending] = (await panelTexts(`${slow} .group-pending`)) ?? [];
      return pending !== undefined ? Number(pending) : undefined;
    });
    const throughput = await waitUntil('"falling behind" with pending risen', async () => {
      const [text] = (await panelTexts(`${slow} .group-throughput`)) ?? [];
      const [pending] = (await panelTexts(`${slow} .group-pending`)) ?? [];
      return text !== undefined && /falling behind/.test(text) && Number(pending) > firstPending ? text : undefined;
    });
    const [, reading, adding] = /^reading ([\d.]+)\/s, adding ([\d.]+)\/s: falling behind/.exec(throughput) ?? [];
    assert.ok(Number(reading) < Number(adding), throughput);
    const chart = await waitUntil('the chart drawn', async () => {
      const result = await queryPanelWhenLoaded(`${slow} .group-history canvas`);
      return result !== undefined && result.elements.length > 0 ? result : undefined;
    });
    assert.ok(chart.elements.length > 0, 'uPlot drew a canvas in the real webview');
    const [label] = ((await queryPanel(`${slow} .ts-chart-plot`)).elements ?? []).map((element) => element.ariaLabel);
    assert.match(label ?? '', /^Lag and pending of slow: lag \d+, min \d+ → max \d+; pending \d+/);
  });

  test('"Forget Redis Target…" takes an attached target out of the Streams tab and deletes its password', async () => {
    assert.ok(server, 'the first test started Redis');
    // The same server by another url (database 0 named): a target of its own, attached only (not in the settings).
    const otherUrl = `${server.url}/0`;
    const attached = await vscode.commands.executeCommand<{ target?: string }>('bounded.attachRedis', { url: otherUrl, password, streams: 'jobs' });
    const name = attached.target;
    assert.ok(name !== undefined && name !== 'suite-redis', JSON.stringify(attached));
    await waitUntil('the attached target connected in the Streams tab', async () => {
      const names = await panelTexts('#panel-streams .redis-target-name');
      const states = await panelTexts('#panel-streams .redis-state');
      return names?.includes(name) && states?.[names.indexOf(name)] === 'connected' ? true : undefined;
    });

    const forgotten = await vscode.commands.executeCommand<{ forgotten?: string; wasAttached?: boolean; passwordDeleted?: boolean; stillConfigured?: boolean; message?: string }>('bounded.forgetRedisTarget', { name });
    assert.deepEqual({ ...forgotten, message: undefined }, { forgotten: name, wasAttached: true, stillConfigured: false, passwordDeleted: true, message: undefined });
    assert.match(forgotten.message ?? '', /no longer polled nor kept for this workspace, its password deleted from SecretStorage/);
    await waitUntil('the attached target gone from the Streams tab', async () => {
      const names = await panelTexts('#panel-streams .redis-target-name');
      return names !== undefined && !names.includes(name) && names.includes('suite-redis') ? true : undefined;
    });
    const again = await vscode.commands.executeCommand<{ error?: string }>('bounded.forgetRedisTarget', { name });
    assert.match(again.error ?? '', /No attached Redis target, nor a stored password/);

    // The settings target's password: deleted, the target stays, and Redis now refuses it.
    assert.deepEqual(await panelTexts('#panel-streams .redis-state'), ['connected']);
    const settingsTarget = await vscode.commands.executeCommand<{ passwordDeleted?: boolean; stillConfigured?: boolean }>('bounded.forgetRedisTarget', { name: 'suite-redis' });
    assert.equal(settingsTarget.passwordDeleted, true);
    assert.equal(settingsTarget.stillConfigured, true);
    await waitUntil('the settings target refused without its password', async () => ((await panelTexts('#panel-streams .redis-state'))?.[0] === 'auth failed' ? true : undefined));
    assert.deepEqual(await panelTexts('#panel-streams .redis-target-name'), ['suite-redis']);
  });

  test('a Redis Cluster from the settings (cluster: true, one seed node) shows the streams of every master', async () => {
    for (let i = 0; i < 3; i++) clusterNodes.push(await launchRedisServer({ configLines: ['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 5000'] }));
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...clusterNodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await waitUntil('the cluster ok', async () => {
      const infos = await Promise.all(clusterNodes.map((node) => promisify(execFile)('redis-cli', ['-p', String(node.port), 'cluster', 'info']).then(({ stdout }) => stdout)));
      return infos.every((info) => /cluster_state:ok/.test(info)) ? true : undefined;
    });
    // redis-cli gives the first node slots 0-5460, the second 5461-10922, the third the rest: a stream on each.
    const streams = [0, 1, 2].map((third) => {
      for (let i = 0; ; i++) if (Math.floor(redisClusterSlot(`shard:${i}`) / 5462) === third) return `shard:${i}`;
    });
    cluster = new Cluster([{ host: '127.0.0.1', port: clusterNodes[0].port }]);
    for (const stream of streams) {
      await cluster.xadd(stream, '*', 'n', '1');
      await cluster.xgroup('CREATE', stream, 'workers', '0');
    }
    await vscode.workspace
      .getConfiguration('bounded')
      .update('live.redis.targets', [{ name: 'suite-cluster', url: clusterNodes[0].url, cluster: true, streams: ['shard:*'], pollIntervalMs: 200 }], vscode.ConfigurationTarget.Workspace);
    const shown = await waitUntil('the three streams in the Streams tab', async () => {
      const names = await panelTexts('#panel-streams .redis-target[data-target="suite-cluster"] .stream-name');
      return names !== undefined && names.length === 3 ? names : undefined;
    });
    assert.deepEqual([...shown].sort(), [...streams].sort());
    assert.deepEqual(await panelTexts('#panel-streams .redis-target[data-target="suite-cluster"] .redis-state'), ['connected']);
    assert.deepEqual(await panelTexts('#panel-streams .redis-target[data-target="suite-cluster"] .redis-unreadable'), [], 'no MOVED: each stream read on its master');
  });
});
