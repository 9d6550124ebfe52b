// Builds package.json's `contributes.configuration` from the rule registry (severity and options
// per rule) and the general settings in src/shared/settings.ts. `npm run settings:write` writes it;
// test/unit/settingsSchema.test.ts fails when package.json and this disagree.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rules } from '../src/analyzer/registry';
import { generalSettings, severityLevels } from '../src/shared/settings';

export interface ConfigurationContribution {
  title: string;
  properties: Record<string, Record<string, unknown>>;
}

export function declaredSettings(): Array<{ key: string; schema: Record<string, unknown> }> {
  const out: Array<{ key: string; schema: Record<string, unknown> }> = [];
  for (const rule of rules) {
    out.push({
      key: `bounded.rules.${rule.id}.severity`,
      schema: {
        type: 'string',
        enum: [...severityLevels],
        enumDescriptions: ['Do not run the rule.', 'Report as information.', 'Report as a warning.', 'Report as an error.'],
        default: rule.meta.defaultSeverity,
        scope: 'resource',
        markdownDescription: `**${rule.id}**: ${rule.meta.description}`,
      },
    });
    for (const [name, option] of Object.entries(rule.meta.options ?? {})) {
      out.push({ key: `bounded.rules.${rule.id}.${name}`, schema: { scope: 'resource', ...option.schema } });
    }
  }
  for (const setting of generalSettings) out.push({ key: setting.key, schema: setting.schema });
  return out;
}

export function buildConfigurationContribution(): ConfigurationContribution {
  const properties: Record<string, Record<string, unknown>> = {};
  declaredSettings().forEach(({ key, schema }, order) => {
    properties[key] = { ...schema, order };
  });
  return { title: 'Bounded', properties };
}

if (process.argv.includes('--write')) {
  const manifestPath = path.resolve(__dirname, '..', 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { contributes?: Record<string, unknown> };
  manifest.contributes = { ...manifest.contributes, configuration: buildConfigurationContribution() };
  fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`wrote ${Object.keys(buildConfigurationContribution().properties).length} settings to package.json\n`);
}
