// The explicit list of rules. A new rule is added here, with its doc page under docs/rules/.
import type { Rule } from './rule';
import { abortNotCheckedRule } from './rules/abortNotChecked';
import { agentKeepAliveRule } from './rules/agentKeepAlive';
import { clientPerRequestRule } from './rules/clientPerRequest';
import { configErrorRule } from './rules/configError';
import { floatingPromiseRule } from './rules/floatingPromise';
import { hostCpuSizingRule } from './rules/hostCpuSizing';
import { listenerLeakRule } from './rules/listenerLeak';
import { requestWithoutTimeoutRule } from './rules/requestWithoutTimeout';
import { serverKeepAliveRule } from './rules/serverKeepAlive';
import { signalNotForwardedRule } from './rules/signalNotForwarded';
import { spanNotEndedRule } from './rules/spanNotEnded';
import { streamNeverAckedRule } from './rules/streamNeverAcked';
import { streamNoReclaimRule } from './rules/streamNoReclaim';
import { unawaitedPromiseVariableRule } from './rules/unawaitedPromiseVariable';
import { unboundedFanOutRule } from './rules/unboundedFanOut';
import { unboundedPoolRule } from './rules/unboundedPool';
import { unboundedRetryRule } from './rules/unboundedRetry';
import { unclearedIntervalRule } from './rules/unclearedInterval';
import { unusedSuppressionRule } from './rules/unusedSuppression';

export const rules: readonly Rule[] = [floatingPromiseRule, unusedSuppressionRule, configErrorRule, unawaitedPromiseVariableRule, unboundedFanOutRule, unboundedRetryRule, unclearedIntervalRule, listenerLeakRule, spanNotEndedRule, signalNotForwardedRule, requestWithoutTimeoutRule, agentKeepAliveRule, abortNotCheckedRule, unboundedPoolRule, serverKeepAliveRule, clientPerRequestRule, hostCpuSizingRule, streamNeverAckedRule, streamNoReclaimRule];

const byId = new Map(rules.map((rule) => [rule.id, rule]));

export function getRule(id: string): Rule | undefined {
  return byId.get(id);
}

export const ruleIds: ReadonlySet<string> = new Set(byId.keys());
