// Findings as LSP diagnostics, and the key that finds a diagnostic's finding again in onCodeAction.
import { type Diagnostic, DiagnosticSeverity, type Range } from 'vscode-languageserver/node';
import type { Finding, Severity } from '../analyzer/findings';
import { diagnosticSource } from '../shared/lspProtocol';
import { ruleDocsUri } from '../shared/packageInfo';

const severities: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

const docsUris = new Map<string, string>();

export function toDiagnostic(finding: Finding): Diagnostic {
  return {
    range: finding.range,
    severity: severities[finding.severity],
    source: diagnosticSource,
    code: finding.rule,
    codeDescription: { href: docsUriOf(finding.rule) },
    message: finding.message,
  };
}

/** Rule and range: what a diagnostic sent back in a code action request still says of its finding. */
export function diagnosticKey(rule: string, range: Range): string {
  return `${rule}@${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
}

function docsUriOf(rule: string): string {
  let uri = docsUris.get(rule);
  if (!uri) {
    uri = ruleDocsUri(rule);
    docsUris.set(rule, uri);
  }
  return uri;
}
