// config-error: a tsconfig/jsconfig that cannot be read or parsed, or that points at files that do
// not exist. Reported once on the config file; its files are analysed with inferred settings.
import type { Rule } from '../rule';

export const configErrorRule: Rule = {
  id: 'config-error',
  family: 'engine',
  meta: {
    description: 'A tsconfig.json or jsconfig.json is missing, unreadable or broken; Bounded analyses its files with inferred settings.',
    defaultSeverity: 'error',
    docs: 'docs/rules/config-error.md',
    fixable: false,
    requiresTypes: false,
  },
  create: () => ({ nodes: {} }),
};
