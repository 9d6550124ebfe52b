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
}

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
  return { rules, exclude, trace: { server: trace }, deployment: normaliseDeployment(section) };
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
