// Settings shared by the extension, the language server and the CLI.
// Every setting the code reads is declared here or by a rule's `meta.options`; a test checks that
// package.json's `contributes.configuration` declares exactly these (see scripts/settingsSchema.ts).

export type SeverityLevel = 'off' | 'info' | 'warning' | 'error';
export const severityLevels: readonly SeverityLevel[] = ['off', 'info', 'warning', 'error'];

export type TraceLevel = 'off' | 'messages' | 'verbose';

/** bounded.live.notifications: which new live findings raise a notification. */
export type LiveNotificationLevel = 'errors' | 'warningsAndErrors' | 'off';
export const liveNotificationLevels: readonly LiveNotificationLevel[] = ['errors', 'warningsAndErrors', 'off'];

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
  traces: { maxSpans: number; maxAgeMs: number; maxMegabytes: number };
  redis: RedisSettings;
  /** "Bounded: Attach to Node Process…": a non-loopback inspector needs this and a second confirmation. */
  inspector: { allowNonLoopback: boolean };
  /** Prometheus endpoints the session scrapes (trusted workspaces only). */
  metrics: { targets: MetricsTargetSetting[] };
  /** Go pprof endpoints whose goroutine profile the session samples (trusted workspaces only). */
  pprof: { targets: PprofTargetSetting[] };
  /** Which new live findings raise a notification (read at each one; the session is not rebuilt for it). */
  notifications: LiveNotificationLevel;
}

/** One entry of bounded.live.metrics.targets. */
export interface MetricsTargetSetting {
  name: string;
  /** http(s)://host:port/metrics (`host:port` alone means /metrics). */
  url: string;
  /** Metric names kept as series besides the handle-like ones. */
  pin: string[];
}

/** One entry of bounded.live.pprof.targets. */
export interface PprofTargetSetting {
  name: string;
  /** http(s)://host:port, its /debug/pprof/ or the goroutine profile's URL. */
  url: string;
}

/** bounded.live.redis: the targets, and the thresholds the stream detectors and the Streams view judge by. */
export interface RedisSettings {
  targets: RedisTargetSetting[];
  /** Deliveries that make a pending entry a dead-letter candidate. */
  deadLetterDeliveries: number;
  /** A consumer holding pending entries idle longer than this is dead (its work needs XAUTOCLAIM). */
  consumerIdleMs: number;
  /** The window a backlog's rise and a group's read and add rates are judged over. */
  backlogWindowMs: number;
  /** Entries a backlog must grow by across the window to be reported. */
  backlogMinIncrease: number;
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
  /** The url is one seed node of a Redis Cluster; the other nodes are found from it. */
  cluster?: boolean;
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
    key: 'bounded.live.traces.maxMegabytes',
    schema: {
      type: 'integer',
      minimum: 16,
      default: 256,
      scope: 'window',
      markdownDescription: 'About how much memory (MB, estimated from the spans\' contents) the live panel\'s spans may take; past it the oldest go, however few they are.',
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
          cluster: { type: 'boolean', description: 'The url is one node of a Redis Cluster: the other nodes are found from it and each stream is read on the node that holds it (default false).' },
        },
      },
      markdownDescription:
        'Redis servers whose Streams the live panel polls, read-only (XINFO, XPENDING, SCAN ... TYPE stream). Never put a password here: "Bounded: Attach to Redis…" keeps it in VS Code SecretStorage under the target\'s name. Only in a trusted workspace.',
    },
  },
  {
    key: 'bounded.live.redis.deadLetterDeliveries',
    schema: {
      type: 'integer',
      minimum: 2,
      default: 5,
      scope: 'window',
      markdownDescription: 'A pending stream entry delivered at least this many times is a dead-letter candidate (it keeps failing): a `stream-dead-letter` finding and a mark in the Streams tab.',
    },
  },
  {
    key: 'bounded.live.redis.consumerIdleMs',
    schema: {
      type: 'integer',
      minimum: 1000,
      default: 60_000,
      scope: 'window',
      markdownDescription:
        'A consumer holding pending entries that has been idle (inactive, on Redis 7.2+) longer than this (ms) is a dead consumer whose work needs XAUTOCLAIM; a group none of whose consumers was active for this long has no active consumer.',
    },
  },
  {
    key: 'bounded.live.redis.backlogWindowMs',
    schema: {
      type: 'integer',
      minimum: 5000,
      default: 60_000,
      scope: 'window',
      markdownDescription: 'The window (ms) over which a group\'s backlog must rise steadily to be reported as growing, and over which the Streams tab compares its read rate with the stream\'s add rate.',
    },
  },
  {
    key: 'bounded.live.redis.backlogMinIncrease',
    schema: {
      type: 'integer',
      minimum: 1,
      default: 10,
      scope: 'window',
      markdownDescription: 'Entries a group\'s lag (or pending count, when lag is unknown) must grow by across `#bounded.live.redis.backlogWindowMs#` to be reported as a growing backlog.',
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
  {
    key: 'bounded.live.metrics.targets',
    schema: {
      type: 'array',
      default: [],
      scope: 'window',
      items: {
        type: 'object',
        required: ['name', 'url'],
        properties: {
          name: { type: 'string', description: 'Names the target in the panel.' },
          url: { type: 'string', pattern: '^https?://', description: 'The Prometheus text endpoint, e.g. http://127.0.0.1:9100/metrics.' },
          pin: { type: 'array', items: { type: 'string' }, description: 'Metric names kept as series besides the handle-like ones.' },
        },
      },
      markdownDescription:
        'Prometheus endpoints the live panel scrapes every 5 s (GET only): `nodejs_active_resources`/`nodejs_active_handles` by type, `process_open_fds` and `go_goroutines` are judged by the leak detector (handle-leak, fd-leak, goroutine-leak in Live findings). Only in a trusted workspace.',
    },
  },
  {
    key: 'bounded.live.pprof.targets',
    schema: {
      type: 'array',
      default: [],
      scope: 'window',
      items: {
        type: 'object',
        required: ['name', 'url'],
        properties: {
          name: { type: 'string', description: 'Names the target in the panel.' },
          url: { type: 'string', pattern: '^https?://', description: 'The Go service\'s pprof address, e.g. http://127.0.0.1:6060 (its /debug/pprof/goroutine?debug=1 is read).' },
        },
      },
      markdownDescription:
        'Go services whose goroutine profile (`/debug/pprof/goroutine?debug=1`) the live panel samples every 5 s: a stack whose goroutines keep growing is a goroutine-leak in Live findings, at its first frame in your code. Only in a trusted workspace.',
    },
  },
  {
    key: 'bounded.live.notifications',
    schema: {
      type: 'string',
      enum: [...liveNotificationLevels],
      enumDescriptions: ['A notification for each new live finding of severity error.', 'A notification for each new live finding of severity error or warning.', 'No notifications: the status bar and the Live findings tab still show them.'],
      default: 'errors',
      scope: 'window',
      markdownDescription:
        'Which new live findings raise a notification (with "Show in Panel" and "Don\'t Show Again for This Kind"). At most one per finding kind and subject every 10 minutes, and at most 3 a minute in all.',
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
  traces: { maxSpans: declaredDefault('bounded.live.traces.maxSpans'), maxAgeMs: declaredDefault('bounded.live.traces.maxAgeMs'), maxMegabytes: declaredDefault('bounded.live.traces.maxMegabytes') },
  redis: {
    targets: declaredDefault('bounded.live.redis.targets'),
    deadLetterDeliveries: declaredDefault('bounded.live.redis.deadLetterDeliveries'),
    consumerIdleMs: declaredDefault('bounded.live.redis.consumerIdleMs'),
    backlogWindowMs: declaredDefault('bounded.live.redis.backlogWindowMs'),
    backlogMinIncrease: declaredDefault('bounded.live.redis.backlogMinIncrease'),
  },
  inspector: { allowNonLoopback: declaredDefault('bounded.live.inspector.allowNonLoopback') },
  metrics: { targets: declaredDefault('bounded.live.metrics.targets') },
  pprof: { targets: declaredDefault('bounded.live.pprof.targets') },
  notifications: declaredDefault('bounded.live.notifications'),
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
      maxMegabytes: atLeast(traces.maxMegabytes, 16) ?? defaultLive.traces.maxMegabytes,
    },
    redis: {
      targets: Array.isArray(redis.targets) ? normaliseRedisTargets(redis.targets) : [...defaultLive.redis.targets],
      deadLetterDeliveries: atLeast(redis.deadLetterDeliveries, 2) ?? defaultLive.redis.deadLetterDeliveries,
      consumerIdleMs: atLeast(redis.consumerIdleMs, 1000) ?? defaultLive.redis.consumerIdleMs,
      backlogWindowMs: atLeast(redis.backlogWindowMs, 5000) ?? defaultLive.redis.backlogWindowMs,
      backlogMinIncrease: positiveInteger(redis.backlogMinIncrease) ?? defaultLive.redis.backlogMinIncrease,
    },
    inspector: { allowNonLoopback: typeof inspector.allowNonLoopback === 'boolean' ? inspector.allowNonLoopback : defaultLive.inspector.allowNonLoopback },
    metrics: { targets: normaliseScrapeTargets(isRecord(live.metrics) ? live.metrics.targets : undefined).map(({ entry, name, url }) => ({ name, url, pin: stringsOf(entry.pin) })) },
    pprof: { targets: normaliseScrapeTargets(isRecord(live.pprof) ? live.pprof.targets : undefined).map(({ name, url }) => ({ name, url })) },
    notifications: (liveNotificationLevels as readonly unknown[]).includes(live.notifications) ? (live.notifications as LiveNotificationLevel) : defaultLive.notifications,
  };
}

/** The entries of bounded.live.metrics.targets or .pprof.targets with a name and a url (the first of a name wins); the url is checked when scraping starts. */
function normaliseScrapeTargets(raw: unknown): Array<{ entry: Record<string, unknown>; name: string; url: string }> {
  const targets: Array<{ entry: Record<string, unknown>; name: string; url: string }> = [];
  for (const entry of Array.isArray(raw) ? raw : []) {
    if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name.trim() === '' || typeof entry.url !== 'string' || entry.url.trim() === '') continue;
    const name = entry.name.trim();
    if (!targets.some((target) => target.name === name)) targets.push({ entry, name, url: entry.url.trim() });
  }
  return targets;
}

function stringsOf(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.filter((item): item is string => typeof item === 'string' && item.trim() !== '').map((item) => item.trim()) : [];
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
      ...(entry.cluster === true ? { cluster: true } : {}),
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

/** A whole number of at least `minimum`, or undefined (the setting's default applies). */
function atLeast(value: unknown, minimum: number): number | undefined {
  const whole = positiveInteger(value);
  return whole !== undefined && whole >= minimum ? whole : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
