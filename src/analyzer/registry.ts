// The explicit list of rules. A new rule is added here, with its doc page under docs/rules/.
import type { Rule } from './rule';
import { configErrorRule } from './rules/configError';
import { floatingPromiseRule } from './rules/floatingPromise';
import { unusedSuppressionRule } from './rules/unusedSuppression';

export const rules: readonly Rule[] = [floatingPromiseRule, unusedSuppressionRule, configErrorRule];

const byId = new Map(rules.map((rule) => [rule.id, rule]));

export function getRule(id: string): Rule | undefined {
  return byId.get(id);
}

export const ruleIds: ReadonlySet<string> = new Set(byId.keys());
