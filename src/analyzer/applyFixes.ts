// Chooses and applies fixes: one preferred fix per finding, skipping any whose edits overlap an
// edit already chosen (the next pass picks it up), applied from the end of the text backwards.
import type { Finding, TextEdit } from './findings';

export function preferredEdits(findings: readonly Finding[]): { edits: TextEdit[]; applied: number } {
  const chosen: TextEdit[] = [];
  let applied = 0;
  const ordered = [...findings].sort((a, b) => a.start - b.start);
  for (const finding of ordered) {
    const fix = finding.fixes.find((f) => f.preferred);
    if (!fix || fix.edits.length === 0) continue;
    if (fix.edits.some((edit) => chosen.some((other) => overlaps(edit, other)))) continue;
    chosen.push(...fix.edits);
    applied++;
  }
  return { edits: chosen, applied };
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  if (a.file !== b.file) return false;
  // Two insertions at one point would be ordered arbitrarily: treat them as overlapping too.
  return a.start < b.end && b.start < a.end || a.start === b.start;
}

export function applyFixesToText(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) {
    out = out.slice(0, edit.start) + edit.newText + out.slice(edit.end);
  }
  return out;
}
