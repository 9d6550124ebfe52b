// Settings shared by the extension, the language server and the CLI.
// Every setting the code reads is declared here or by a rule's `meta.options`; a test checks that
// package.json's `contributes.configuration` declares exactly these (see scripts/settingsSchema.ts).

export type SeverityLevel = 'off' | 'info' | 'warning' | 'error';
export const severityLevels: readonly SeverityLevel[] = ['off', 'info', 'warning', 'error'];

export type TraceLevel = 'off' | 'messages' | 'verbose';

/** The `rules` part of the settings: per rule id, its severity and its options. */
export type RulesSettings = Record<string, RuleSettings | undefined>;

export interface RuleSettings {
  severity?: SeverityLevel;
  [option: string]: unknown;
}

/** The settings of the `bounded` section, as the server receives them for one resource. */
export interface BoundedSettings {
  rules: RulesSettings;
  exclude: string[];
  trace: { server: TraceLevel };
  deployment: DeploymentSettings;
  live: LiveSettings;
}

/** Where and how the live panel receives telemetry (read by the extension host). */
export interface LiveSettings {
  otlp: {
    host: string;
    port: number;
    /** Start receiving when the window opens (trusted workspaces only), not just when the panel opens. */
    autoStart: boolean;
    maxBodyBytes: number;
    maxDecompressedBytes: number;
  };
  traces: { maxSpans: number; maxAgeMs: number };
  redis: { targets: RedisTargetSetting[] };
  /** "Bounded: Attach to Node Process…": a non-loopback inspector needs this and a second confirmation. */
  inspector: { allowNonLoopback: boolean };
}

/** One entry of bounded.live.redis.targets. Its password is in SecretStorage under its name, never here. */
export interface RedisTargetSetting {
  name: string;
  /** redis:// or rediss://, without a password (one given in the url is dropped). */
  url: string;
  username?: string;
  /** Stream names, and SCAN patterns (with * ? or [); none means every stream (`*`). */
  streams: string[];
  pollIntervalMs: number;
}

export const defaultRedisPollIntervalMs = 2000;

/** Idle timeouts of the load balancers the keep-alive rules know (see facts.md). */
export const loadBalancerIdleTimeouts = { 'aws-alb': 60_000, gcp: 600_000, nginx: 60_000 } as const;
export type KnownLoadBalancer = keyof typeof loadBalancerIdleTimeouts;
export type LoadBalancerKind = KnownLoadBalancer | 'custom';
export const loadBalancerKinds: readonly LoadBalancerKind[] = ['aws-alb', 'gcp', 'nginx', 'custom'];

/**
 * Where the analysed service runs, as far as rules need to know it: the load balancer in front of
 * it, the upstreams it calls, and the bounds pools get when a fix inserts them. One per resource,
 * like rule settings.
 */
export interface DeploymentSettings {
  loadBalancer: LoadBalancerKind;
  /** The idle timeout used when `loadBalancer` is `custom`. */
  loadBalancerIdleTimeoutMs: number;
  upstreamIdleTimeoutMs: number;
  pools: { defaultMax: number; acquireTimeoutMs: number };
}

/** The load balancer's idle timeout in ms: the known figure, or the configured one for `custom`. */
export function loadBalancerIdleTimeoutMs(deployment: DeploymentSettings): number {
  return deployment.loadBalancer === 'custom' ? deployment.loadBalancerIdleTimeoutMs : loadBalancerIdleTimeouts[deployment.loadBalancer];
}

export function isLoadBalancerKind(value: unknown): value is LoadBalancerKind {
  return typeof value === 'string' && (loadBalancerKinds as readonly string[]).includes(value);
}

export interface SettingDeclaration {
  /** Full key, e.g. `bounded.trace.server`. */
  key: string;
  schema: Record<string, unknown>;
}

/** Settings that do not belong to a rule. Rule settings come from each rule's meta. */
export const generalSettings: readonly SettingDeclaration[] = [
  {
    key: 'bounded.trace.server',
    schema: {
      type: 'string',
      enum: ['off', 'messages', 'verbose'],
      default: 'off',
      scope: 'window',
      markdownDescription: 'Traces the communication between VS Code and the Bounded language server to the "Bounded" output channel.',
    },
  },
  {
    key: 'bounded.exclude',
    schema: {
      type: 'array',
      items: { type: 'string' },
      default: ['**/node_modules/**', '**/dist/**', '**/out/**', '**/build/**', '**/.git/**'],
      scope: 'resource',
      markdownDescription: 'Glob patterns (relative to the workspace folder) of files Bounded does not analyse.',
    },
  },
  {
    key: 'bounded.loadBalancer',
    schema: {
      type: 'string',
      enum: [...loadBalancerKinds],
      enumDescriptions: [
        'AWS Application Load Balancer: 60 s idle timeout by default.',
        'Google Cloud external Application Load Balancer / Cloud Run front end: 600 s backend keep-alive.',
        'nginx as a reverse proxy: upstream keepalive_timeout 60 s.',
        'Another load balancer: its idle timeout is `bounded.loadBalancerIdleTimeoutMs`.',
      ],
      default: 'aws-alb',
      scope: 'resource',
      markdownDescription:
        'The load balancer in front of the service. Server keep-alive must outlast its idle timeout, or it reuses a connection the server just closed (intermittent 502s).',
    },
  },
  {
    key: 'bounded.loadBalancerIdleTimeoutMs',
    schema: {
      type: 'integer',
      minimum: 1,
      default: 60_000,
      scope: 'resource',
      // Not nested under loadBalancer: VS Code cannot hold a setting that is both a value
      // (`bounded.loadBalancer`) and the parent of another.
      markdownDescription: 'Idle timeout (ms) of the load balancer when `#bounded.loadBalancer#` is `custom`.',
    },
  },
  {
    key: 'bounded.upstreamIdleTimeoutMs',
    schema: {
      type: 'integer',
      minimum: 1,
      default: 60_000,
      scope: 'resource',
      markdownDescription:
        'Idle timeout (ms) of the servers this service calls. Outgoing keep-alive must be shorter, or a request goes out on a socket the upstream just closed (ECONNRESET).',
    },
  },
  {
    key: 'bounded.pools.defaultMax',
    schema: {
      type: 'integer',
      minimum: 1,
      default: 10,
      scope: 'resource',
      markdownDescription: 'The pool ceiling quick fixes insert when a pool has none.',
    },
  },
  {
    key: 'bounded.pools.acquireTimeoutMs',
    schema: {
      type: 'integer',
      minimum: 1,
      default: 5000,
      scope: 'resource',
      markdownDescription: 'The bound on waiting for a pooled connection (ms) that quick fixes insert when a pool waits forever.',
    },
  },
  {
    key: 'bounded.live.otlp.host',
    schema: {
      type: 'string',
      default: '127.0.0.1',
      scope: 'window',
      markdownDescription:
        'The address the OTLP/HTTP receiver of the live panel listens on. Keep it a loopback address (`127.0.0.1`, `::1`): any other lets other machines send spans to this window, and Bounded asks before binding it.',
    },
  },
  {
    key: 'bounded.live.otlp.port',
    schema: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      default: 4318,
      scope: 'window',
      markdownDescription: 'The port of the OTLP/HTTP receiver (4318 is the OTLP/HTTP default; 0 picks a free one). Point `OTEL_EXPORTER_OTLP_ENDPOINT` at the endpoint the panel shows.',
    },
  },
  {
    key: 'bounded.live.otlp.autoStart',
    schema: {
      type: 'boolean',
      default: false,
      scope: 'window',
      markdownDescription: 'Start the OTLP receiver when the window opens rather than when the live panel opens. Only in a trusted workspace.',
    },
  },
  {
    key: 'bounded.live.otlp.maxBodyBytes',
    schema: {
      type: 'integer',
      minimum: 1024,
      default: 8 * 1024 * 1024,
      scope: 'window',
      markdownDescription: 'The largest export request body the receiver accepts as sent, in bytes (larger ones get 413).',
    },
  },
  {
    key: 'bounded.live.otlp.maxDecompressedBytes',
    schema: {
      type: 'integer',
      minimum: 1024,
      default: 64 * 1024 * 1024,
      scope: 'window',
      markdownDescription: 'The largest export request body the receiver accepts once gunzipped, in bytes: a gzip bomb stops there (413).',
    },
  },
  {
    key: 'bounded.live.traces.maxSpans',
    schema: {
      type: 'integer',
      minimum: 100,
      default: 100_000,
      scope: 'window',
      markdownDescription: 'How many spans the live panel holds; past it the oldest go.',
    },
  },
  {
    key: 'bounded.live.traces.maxAgeMs',
    schema: {
      type: 'integer',
      minimum: 1000,
      default: 30 * 60_000,
      scope: 'window',
      markdownDescription: 'How long (ms) the live panel holds a span.',
    },
  },
  {
    key: 'bounded.live.redis.targets',
    schema: {
      type: 'array',
      default: [],
      scope: 'window',
      items: {
        type: 'object',
        required: ['name', 'url'],
        properties: {
          name: { type: 'string', description: 'Names the target in the panel and in findings; its password is kept in VS Code SecretStorage under this name.' },
          url: { type: 'string', pattern: '^rediss?://', description: 'redis://host:port[/db] or rediss:// (TLS), without a password.' },
          username: { type: 'string', description: 'The ACL user (optional).' },
          streams: { type: 'array', items: { type: 'string' }, description: 'Stream names, or SCAN patterns with * ? [ (default: every stream).' },
          pollIntervalMs: { type: 'integer', minimum: 100, description: 'Between polls (ms, default 2000).' },
        },
      },
      markdownDescription:
        'Redis servers whose Streams the live panel polls, read-only (XINFO, XPENDING, SCAN ... TYPE stream). Never put a password here: "Bounded: Attach to Redis…" keeps it in VS Code SecretStorage under the target\'s name. Only in a trusted workspace.',
    },
  },
  {
    key: 'bounded.live.inspector.allowNonLoopback',
    schema: {
      type: 'boolean',
      default: false,
      scope: 'window',
      markdownDescription:
        'Let "Bounded: Attach to Node Process…" attach to an inspector listening on an address other than loopback (after a second confirmation). Anyone who can reach an inspector can run any code in the process, and the connection is not encrypted: keep it off unless the network is yours alone.',
    },
  },
];

function declaredDefault<T>(key: string): T {
  const setting = generalSettings.find((s) => s.key === key);
  if (!setting) throw new Error(`no general setting ${key}`);
  return setting.schema.default as T;
}

export const defaultDeployment: DeploymentSettings = {
  loadBalancer: declaredDefault('bounded.loadBalancer'),
  loadBalancerIdleTimeoutMs: declaredDefault('bounded.loadBalancerIdleTimeoutMs'),
  upstreamIdleTimeoutMs: declaredDefault('bounded.upstreamIdleTimeoutMs'),
  pools: { defaultMax: declaredDefault('bounded.pools.defaultMax'), acquireTimeoutMs: declaredDefault('bounded.pools.acquireTimeoutMs') },
};

export const defaultLive: LiveSettings = {
  otlp: {
    host: declaredDefault('bounded.live.otlp.host'),
    port: declaredDefault('bounded.live.otlp.port'),
    autoStart: declaredDefault('bounded.live.otlp.autoStart'),
    maxBodyBytes: declaredDefault('bounded.live.otlp.maxBodyBytes'),
    maxDecompressedBytes: declaredDefault('bounded.live.otlp.maxDecompressedBytes'),
  },
  traces: { maxSpans: declaredDefault('bounded.live.traces.maxSpans'), maxAgeMs: declaredDefault('bounded.live.traces.maxAgeMs') },
  redis: { targets: declaredDefault('bounded.live.redis.targets') },
  inspector: { allowNonLoopback: declaredDefault('bounded.live.inspector.allowNonLoopback') },
};

export const defaultExclude: readonly string[] = declaredDefault('bounded.exclude');

export function isSeverityLevel(value: unknown): value is SeverityLevel {
  return typeof value === 'string' && (severityLevels as readonly string[]).includes(value);
}

/** Reads the `bounded` section as VS Code (or a settings file) gives it, tolerating junk. */
export function normaliseSettings(raw: unknown): BoundedSettings {
  const section = isRecord(raw) ? raw : {};
  const rules: RulesSettings = {};
  if (isRecord(section.rules)) {
    for (const [id, value] of Object.entries(section.rules)) {
      if (isSeverityLevel(value)) rules[id] = { severity: value };
      else if (isRecord(value)) rules[id] = { ...value, severity: isSeverityLevel(value.severity) ? value.severity : undefined };
    }
  }
  const exclude = Array.isArray(section.exclude) ? section.exclude.filter((x): x is string => typeof x === 'string') : [...defaultExclude];
  const traceRaw = isRecord(section.trace) ? section.trace.server : undefined;
  const trace: TraceLevel = traceRaw === 'messages' || traceRaw === 'verbose' ? traceRaw : 'off';
  return { rules, exclude, trace: { server: trace }, deployment: normaliseDeployment(section), live: normaliseLive(section.live) };
}

/** The `live` part of a `bounded` section (VS Code's `getConfiguration('bounded').get('live')`); junk gives the defaults. */
export function normaliseLive(raw: unknown): LiveSettings {
  const live = isRecord(raw) ? raw : {};
  const otlp = isRecord(live.otlp) ? live.otlp : {};
  const traces = isRecord(live.traces) ? live.traces : {};
  const redis = isRecord(live.redis) ? live.redis : {};
  const inspector = isRecord(live.inspector) ? live.inspector : {};
  const port = otlp.port;
  return {
    otlp: {
      host: typeof otlp.host === 'string' && otlp.host.trim() !== '' ? otlp.host.trim() : defaultLive.otlp.host,
      port: typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535 ? port : defaultLive.otlp.port,
      autoStart: typeof otlp.autoStart === 'boolean' ? otlp.autoStart : defaultLive.otlp.autoStart,
      maxBodyBytes: positiveInteger(otlp.maxBodyBytes) ?? defaultLive.otlp.maxBodyBytes,
      maxDecompressedBytes: positiveInteger(otlp.maxDecompressedBytes) ?? defaultLive.otlp.maxDecompressedBytes,
    },
    traces: {
      maxSpans: positiveInteger(traces.maxSpans) ?? defaultLive.traces.maxSpans,
      maxAgeMs: positiveInteger(traces.maxAgeMs) ?? defaultLive.traces.maxAgeMs,
    },
    redis: { targets: Array.isArray(redis.targets) ? normaliseRedisTargets(redis.targets) : [...defaultLive.redis.targets] },
    inspector: { allowNonLoopback: typeof inspector.allowNonLoopback === 'boolean' ? inspector.allowNonLoopback : defaultLive.inspector.allowNonLoopback },
  };
}

/** The well-formed entries of bounded.live.redis.targets (the first of a name wins; a password in a url is dropped). */
export function normaliseRedisTargets(raw: readonly unknown[]): RedisTargetSetting[] {
  const targets: RedisTargetSetting[] = [];
  for (const entry of raw) {
    if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name.trim() === '' || typeof entry.url !== 'string') continue;
    const name = entry.name.trim();
    if (targets.some((target) => target.name === name)) continue;
    let url: URL;
    try {
      url = new URL(entry.url.trim());
    } catch {
      continue;
    }
    if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') continue;
    url.password = '';
    const streams = Array.isArray(entry.streams) ? entry.streams.filter((stream): stream is string => typeof stream === 'string' && stream.trim() !== '').map((stream) => stream.trim()) : [];
    const username = typeof entry.username === 'string' && entry.username !== '' ? entry.username : url.username !== '' ? decodeURIComponent(url.username) : undefined;
    url.username = '';
    const pollIntervalMs = positiveInteger(entry.pollIntervalMs);
    targets.push({
      name,
      url: url.toString().replace(/\/$/, ''),
      ...(username !== undefined ? { username } : {}),
      streams: streams.length > 0 ? streams : ['*'],
      pollIntervalMs: pollIntervalMs !== undefined && pollIntervalMs >= 100 ? pollIntervalMs : defaultRedisPollIntervalMs,
    });
  }
  return targets;
}

/** Whether a receiver bound to `host` is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** The deployment part of a `bounded` section; junk and missing values give the defaults. */
export function normaliseDeployment(section: Record<string, unknown>): DeploymentSettings {
  const pools = isRecord(section.pools) ? section.pools : {};
  return {
    loadBalancer: isLoadBalancerKind(section.loadBalancer) ? section.loadBalancer : defaultDeployment.loadBalancer,
    loadBalancerIdleTimeoutMs: positiveInteger(section.loadBalancerIdleTimeoutMs) ?? defaultDeployment.loadBalancerIdleTimeoutMs,
    upstreamIdleTimeoutMs: positiveInteger(section.upstreamIdleTimeoutMs) ?? defaultDeployment.upstreamIdleTimeoutMs,
    pools: {
      defaultMax: positiveInteger(pools.defaultMax) ?? defaultDeployment.pools.defaultMax,
      acquireTimeoutMs: positiveInteger(pools.acquireTimeoutMs) ?? defaultDeployment.pools.acquireTimeoutMs,
    },
  };
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
