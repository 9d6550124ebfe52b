// The settings package.json declares and the settings the code reads must agree.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ruleOptions } from '../../src/analyzer/engine';
import { rules } from '../../src/analyzer/registry';
import { defaultDeployment, defaultLive, isLoopbackHost, loadBalancerIdleTimeoutMs, normaliseLive, normaliseSettings, type DeploymentSettings, type LiveSettings } from '../../src/shared/settings';

/** How each deployment setting is read back from normalised settings. */
const deploymentReaders: Record<string, (deployment: DeploymentSettings) => unknown> = {
  'bounded.loadBalancer': (d) => d.loadBalancer,
  'bounded.loadBalancerIdleTimeoutMs': (d) => d.loadBalancerIdleTimeoutMs,
  'bounded.upstreamIdleTimeoutMs': (d) => d.upstreamIdleTimeoutMs,
  'bounded.pools.defaultMax': (d) => d.pools.defaultMax,
  'bounded.pools.acquireTimeoutMs': (d) => d.pools.acquireTimeoutMs,
};

/** How each live setting is read back from normalised settings. */
const liveReaders: Record<string, (live: LiveSettings) => unknown> = {
  'bounded.live.otlp.host': (l) => l.otlp.host,
  'bounded.live.otlp.port': (l) => l.otlp.port,
  'bounded.live.otlp.autoStart': (l) => l.otlp.autoStart,
  'bounded.live.otlp.maxBodyBytes': (l) => l.otlp.maxBodyBytes,
  'bounded.live.otlp.maxDecompressedBytes': (l) => l.otlp.maxDecompressedBytes,
  'bounded.live.traces.maxSpans': (l) => l.traces.maxSpans,
  'bounded.live.traces.maxAgeMs': (l) => l.traces.maxAgeMs,
  'bounded.live.traces.maxMegabytes': (l) => l.traces.maxMegabytes,
  'bounded.live.redis.targets': (l) => l.redis.targets,
  'bounded.live.redis.deadLetterDeliveries': (l) => l.redis.deadLetterDeliveries,
  'bounded.live.redis.consumerIdleMs': (l) => l.redis.consumerIdleMs,
  'bounded.live.redis.backlogWindowMs': (l) => l.redis.backlogWindowMs,
  'bounded.live.redis.backlogMinIncrease': (l) => l.redis.backlogMinIncrease,
  'bounded.live.inspector.allowNonLoopback': (l) => l.inspector.allowNonLoopback,
  'bounded.live.metrics.targets': (l) => l.metrics.targets,
  'bounded.live.pprof.targets': (l) => l.pprof.targets,
  'bounded.live.notifications': (l) => l.notifications,
};
import { buildConfigurationContribution, declaredSettings } from '../../scripts/settingsSchema';

const root = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Builds the nested object VS Code hands the server for section `bounded` from dotted keys. */
function nest(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const parts = key.replace(/^bounded\./, '').split('.');
    // Rule ids contain dashes but no dots: `rules.<id>.<option>`.
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

describe('settings schema', () => {
  it('package.json declares exactly the generated settings (run `npm run settings:write` after changing them)', () => {
    assert.deepEqual(manifest.contributes.configuration, buildConfigurationContribution());
  });

  it('every declared setting is read by the code, with the declared default', () => {
    const declared = declaredSettings();
    const defaults = Object.fromEntries(declared.map(({ key, schema }) => [key, schema.default]));
    const settings = normaliseSettings(nest(defaults));
    for (const { key, schema } of declared) {
      const rule = /^bounded\.rules\.([\w-]+)\.([\w]+)$/.exec(key);
      if (rule) {
        const [, id, option] = rule;
        const definition = rules.find((r) => r.id === id);
        assert.ok(definition, `${key} names a registered rule`);
        if (option === 'severity') assert.equal(settings.rules[id]?.severity, schema.default, key);
        else assert.deepEqual(ruleOptions(definition, settings.rules)[option], schema.default, key);
      } else if (key === 'bounded.exclude') {
        assert.deepEqual(settings.exclude, schema.default);
      } else if (key === 'bounded.trace.server') {
        assert.equal(settings.trace.server, schema.default);
      } else if (key in liveReaders) {
        assert.deepEqual(liveReaders[key](settings.live), schema.default, key);
      } else if (key in deploymentReaders) {
        assert.deepEqual(deploymentReaders[key](settings.deployment), schema.default, key);
      } else {
        assert.fail(`${key} is declared but nothing reads it`);
      }
    }
  });

  it('every setting key named in the source is declared', () => {
    const declared = new Set(declaredSettings().map((s) => s.key));
    const prefixes = new Set([...declared].flatMap((key) => key.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
    const named: string[] = [];
    for (const file of [...sourceFiles(path.join(root, 'src')), ...sourceFiles(path.join(root, 'webview'))]) {
      const text = fs.readFileSync(file, 'utf8');
      for (const match of text.matchAll(/['"`](bounded\.(?:rules|trace|exclude|live|pools|loadBalancer|upstream)[\w.-]*)['"`]/g)) named.push(`${path.relative(root, file)}: ${match[1]}`);
    }
    const unknown = named.filter((entry) => !prefixes.has(entry.split(': ')[1]));
    assert.deepEqual(unknown, []);
  });

  it('deployment settings are read from the section, and junk falls back to the defaults', () => {
    const given = normaliseSettings({ loadBalancer: 'gcp', loadBalancerIdleTimeoutMs: 30_000, upstreamIdleTimeoutMs: 15_000, pools: { defaultMax: 4, acquireTimeoutMs: 2000 } });
    assert.deepEqual(given.deployment, { loadBalancer: 'gcp', loadBalancerIdleTimeoutMs: 30_000, upstreamIdleTimeoutMs: 15_000, pools: { defaultMax: 4, acquireTimeoutMs: 2000 } });
    assert.equal(loadBalancerIdleTimeoutMs(given.deployment), 600_000);
    assert.equal(loadBalancerIdleTimeoutMs({ ...given.deployment, loadBalancer: 'custom' }), 30_000);
    const junk = normaliseSettings({ loadBalancer: 'haproxy', loadBalancerIdleTimeoutMs: -1, upstreamIdleTimeoutMs: '10', pools: { defaultMax: 2.5 } });
    assert.deepEqual(junk.deployment, defaultDeployment);
  });

  it('live settings are read from the section, and junk falls back to the defaults', () => {
    const given = normaliseLive({ otlp: { host: ' 0.0.0.0 ', port: 0, autoStart: true, maxBodyBytes: 2048, maxDecompressedBytes: 4096 }, traces: { maxSpans: 500, maxAgeMs: 5000, maxMegabytes: 64 } });
    assert.deepEqual(given, { otlp: { host: '0.0.0.0', port: 0, autoStart: true, maxBodyBytes: 2048, maxDecompressedBytes: 4096 }, traces: { maxSpans: 500, maxAgeMs: 5000, maxMegabytes: 64 }, redis: defaultLive.redis, inspector: { allowNonLoopback: false }, metrics: { targets: [] }, pprof: { targets: [] }, notifications: 'errors' });
    assert.equal(normaliseLive({ notifications: 'warningsAndErrors' }).notifications, 'warningsAndErrors');
    assert.equal(normaliseLive({ notifications: 'all' }).notifications, 'errors');
    assert.equal(normaliseLive({ inspector: { allowNonLoopback: true } }).inspector.allowNonLoopback, true);
    assert.equal(normaliseLive({ inspector: { allowNonLoopback: 'yes' } }).inspector.allowNonLoopback, false);
    assert.deepEqual(normaliseLive({ otlp: { host: '', port: 70000, autoStart: 'yes', maxBodyBytes: -1 }, traces: 3 }), defaultLive);
    assert.deepEqual(normaliseLive(undefined), defaultLive);
  });

  it('Redis targets are read from the section: passwords in urls dropped, junk entries skipped', () => {
    const { targets } = normaliseLive({
      redis: {
        targets: [
          { name: ' jobs ', url: 'redis://worker:s3cret@127.0.0.1:6380/2', streams: ['orders', 'jobs:*', 3], pollIntervalMs: 500 },
          { name: 'tls', url: 'rediss://cache.internal:6379', username: 'reader', pollIntervalMs: 5 },
          { name: 'shards', url: 'redis://10.0.0.5:7000', cluster: true },
          { name: 'not-cluster', url: 'redis://10.0.0.6:7000', cluster: 'yes' },
          { name: 'jobs', url: 'redis://127.0.0.1:1' },
          { name: 'http', url: 'http://127.0.0.1:6379' },
          { name: 'nourl' },
          { name: '', url: 'redis://127.0.0.1' },
          'redis://127.0.0.1',
        ],
      },
    }).redis;
    assert.deepEqual(targets, [
      { name: 'jobs', url: 'redis://127.0.0.1:6380/2', username: 'worker', streams: ['orders', 'jobs:*'], pollIntervalMs: 500 },
      { name: 'tls', url: 'rediss://cache.internal:6379', username: 'reader', streams: ['*'], pollIntervalMs: 2000 },
      { name: 'shards', url: 'redis://10.0.0.5:7000', streams: ['*'], pollIntervalMs: 2000, cluster: true },
      { name: 'not-cluster', url: 'redis://10.0.0.6:7000', streams: ['*'], pollIntervalMs: 2000 },
    ]);
    assert.deepEqual(normaliseLive({ redis: { targets: 'redis://x' } }).redis.targets, []);
  });

  it('the Redis thresholds are read from the section, and out-of-range values fall back to the defaults', () => {
    const given = normaliseLive({ redis: { deadLetterDeliveries: 3, consumerIdleMs: 5000, backlogWindowMs: 30_000, backlogMinIncrease: 50 } }).redis;
    assert.deepEqual(given, { targets: [], deadLetterDeliveries: 3, consumerIdleMs: 5000, backlogWindowMs: 30_000, backlogMinIncrease: 50 });
    const junk = normaliseLive({ redis: { deadLetterDeliveries: 1, consumerIdleMs: 999, backlogWindowMs: '60000', backlogMinIncrease: 0.5 } }).redis;
    assert.deepEqual(junk, defaultLive.redis);
  });

  it('metrics and pprof targets are read from the section: the first of a name wins, junk entries skipped', () => {
    const live = normaliseLive({
      metrics: { targets: [{ name: ' api ', url: ' http://127.0.0.1:9100/metrics ', pin: ['http_requests_total', 3, ' '] }, { name: 'api', url: 'http://127.0.0.1:1' }, { name: 'nourl' }, { url: 'http://x' }, 'http://y'] },
      pprof: { targets: [{ name: 'go', url: 'http://127.0.0.1:6060', pin: ['ignored'] }, { name: '', url: 'http://127.0.0.1:6061' }] },
    });
    assert.deepEqual(live.metrics.targets, [{ name: 'api', url: 'http://127.0.0.1:9100/metrics', pin: ['http_requests_total'] }]);
    assert.deepEqual(live.pprof.targets, [{ name: 'go', url: 'http://127.0.0.1:6060' }]);
    assert.deepEqual(normaliseLive({ metrics: { targets: 'http://x' }, pprof: 3 }).metrics.targets, []);
  });

  it('loopback hosts are told apart from the others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '192.168.1.4', 'example.com', '128.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
  });

  it('a rule option given in settings overrides the default and unknown junk is ignored', () => {
    const settings = normaliseSettings({ rules: { 'floating-promise': { severity: 'error', allowedCalls: ['boot'] }, 'unused-suppression': 'off', bogus: 42 }, exclude: 'not-a-list' });
    assert.equal(settings.rules['floating-promise']?.severity, 'error');
    assert.equal(settings.rules['unused-suppression']?.severity, 'off');
    assert.equal(settings.rules.bogus, undefined);
    assert.deepEqual(ruleOptions(rules[0], settings.rules).allowedCalls, ['boot']);
    assert.ok(settings.exclude.includes('**/node_modules/**'));
  });
});
