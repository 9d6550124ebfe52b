// The last analysis of each open document version: its diagnostics (replayed when a pull finds
// nothing changed) and its findings with their fixes (replayed by onCodeAction, which never
// analyses). An entry is only good for the document version it was computed from.
import type { Diagnostic } from 'vscode-languageserver/node';
import type { Finding } from '../analyzer/findings';
import { diagnosticKey, toDiagnostic } from './findingDiagnostics';

export class DocumentResult {
  readonly diagnostics: Diagnostic[];
  private readonly byKey = new Map<string, Finding[]>();

  constructor(
    readonly version: number,
    readonly resultId: string,
    readonly findings: readonly Finding[],
  ) {
    this.diagnostics = findings.map(toDiagnostic);
    for (const finding of findings) {
      const key = diagnosticKey(finding.rule, finding.range);
      const same = this.byKey.get(key);
      if (same) same.push(finding);
      else this.byKey.set(key, [finding]);
    }
  }

  findingsAt(key: string): readonly Finding[] {
    return this.byKey.get(key) ?? [];
  }
}

export class DocumentResults {
  private readonly results = new Map<string, DocumentResult>();

  /** The result for exactly this version of the document, else undefined. */
  forVersion(uri: string, version: number): DocumentResult | undefined {
    const result = this.results.get(uri);
    return result?.version === version ? result : undefined;
  }

  set(uri: string, result: DocumentResult): void {
    this.results.set(uri, result);
  }

  delete(uri: string): boolean {
    return this.results.delete(uri);
  }

  findingCount(): number {
    let count = 0;
    for (const result of this.results.values()) count += result.findings.length;
    return count;
  }
}
