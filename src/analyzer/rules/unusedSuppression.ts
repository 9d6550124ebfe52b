// unused-suppression: a `bounded-disable…` directive, or one rule named in it, that suppressed nothing.
// The engine decides it after every other rule has run (see engine.ts); this module holds its meta and
// builds its findings.
import type { FixSpec, Rule } from '../rule';
import type { Suppression, SuppressionRule } from '../suppressions';

export const unusedSuppressionRule: Rule = {
  id: 'unused-suppression',
  family: 'engine',
  meta: {
    description: 'A bounded-disable comment (or a rule named in it) suppresses nothing, or names a rule that does not exist.',
    defaultSeverity: 'warning',
    docs: 'docs/rules/unused-suppression.md',
    fixable: true,
    requiresTypes: false,
  },
  create: () => ({ nodes: {} }),
};

export interface UnusedSuppression {
  start: number;
  end: number;
  message: string;
  fix: FixSpec;
}

/**
 * Directives and rule names that suppressed nothing. Rules that are switched off are not judged
 * (their findings were never computed), nor are rules skipped for this file.
 */
export function findUnusedSuppressions(
  text: string,
  suppressions: Suppression[],
  knownRules: ReadonlySet<string>,
  judgedRules: ReadonlySet<string>,
): UnusedSuppression[] {
  const out: UnusedSuppression[] = [];
  for (const suppression of suppressions) {
    if (suppression.rules.length === 0) {
      if (!suppression.usedWithoutRules) {
        out.push({ start: suppression.start, end: suppression.end, message: 'This bounded-disable comment suppresses nothing.', fix: removeComment(text, suppression) });
      }
      continue;
    }
    const unknown = suppression.rules.filter((r) => !knownRules.has(r.id));
    const unused = suppression.rules.filter((r) => knownRules.has(r.id) && judgedRules.has(r.id) && !r.used);
    const dead = [...unknown, ...unused];
    if (dead.length === 0) continue;
    if (dead.length === suppression.rules.length) {
      out.push({ start: suppression.start, end: suppression.end, message: dead.map((entry) => explain(entry, knownRules)).join(' '), fix: removeComment(text, suppression) });
      continue;
    }
    for (const entry of dead) out.push({ start: entry.start, end: entry.end, message: explain(entry, knownRules), fix: removeRuleName(text, entry.start, entry.end) });
  }
  return out;
}

function explain(entry: SuppressionRule, knownRules: ReadonlySet<string>): string {
  return knownRules.has(entry.id)
    ? `\`${entry.id}\` reports nothing here, so this suppression is unused; remove it so it cannot hide a future finding.`
    : `\`${entry.id}\` is not a Bounded rule, so this suppression does nothing.`;
}

function removeComment(text: string, suppression: Suppression): FixSpec {
  let start = suppression.start;
  let end = suppression.end;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const before = text.slice(lineStart, start);
  if (before.trim() === '') {
    // The comment stands alone on its line: remove the line.
    start = lineStart;
    const newline = text.indexOf('\n', end);
    end = newline >= 0 ? newline + 1 : text.length;
  } else {
    // A trailing comment: remove it with the spaces before it.
    while (start > lineStart && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  }
  return { title: 'Remove unused suppression', preferred: true, edits: [{ start, end, newText: '' }] };
}

function removeRuleName(text: string, start: number, end: number): FixSpec {
  // Remove the name and one separating comma (after it, or else before it).
  let from = start;
  let to = end;
  const after = /^\s*,\s*/.exec(text.slice(to));
  if (after) to += after[0].length;
  else {
    const before = /\s*,\s*$/.exec(text.slice(0, from));
    if (before) from -= before[0].length;
  }
  return { title: 'Remove the unused rule from the suppression', preferred: true, edits: [{ start: from, end: to, newText: '' }] };
}
