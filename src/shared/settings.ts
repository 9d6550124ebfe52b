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
];

export const defaultExclude: readonly string[] = generalSettings[1].schema.default as string[];

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
  return { rules, exclude, trace: { server: trace } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
