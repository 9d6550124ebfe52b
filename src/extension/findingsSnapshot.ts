// The Findings view's data: every diagnostic Bounded's language server has published, across the
// workspace, as the panel protocol's complete snapshot.
import * as vscode from 'vscode';
import { diagnosticSource } from '../shared/lspProtocol';
import type { FindingSeverity, PanelFinding, SnapshotParams } from '../shared/panelProtocol';

export function isBoundedDiagnostic(diagnostic: vscode.Diagnostic): boolean {
  return diagnostic.source === diagnosticSource;
}

export function collectFindingsSnapshot(): SnapshotParams {
  const findings: PanelFinding[] = [];
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    const file = vscode.workspace.asRelativePath(uri);
    for (const diagnostic of diagnostics) {
      if (isBoundedDiagnostic(diagnostic)) findings.push(toPanelFinding(uri, file, diagnostic));
    }
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.character - b.character);
  return { findings, generatedAt: Date.now(), trusted: vscode.workspace.isTrusted };
}

function toPanelFinding(uri: vscode.Uri, file: string, diagnostic: vscode.Diagnostic): PanelFinding {
  const { code } = diagnostic;
  return {
    uri: uri.toString(),
    file,
    line: diagnostic.range.start.line,
    character: diagnostic.range.start.character,
    rule: String(typeof code === 'object' ? code.value : (code ?? '')),
    severity: severityOf(diagnostic.severity),
    message: diagnostic.message,
    docsUri: typeof code === 'object' ? code.target.toString() : undefined,
  };
}

function severityOf(severity: vscode.DiagnosticSeverity): FindingSeverity {
  switch (severity) {
    case vscode.DiagnosticSeverity.Error:
      return 'error';
    case vscode.DiagnosticSeverity.Warning:
      return 'warning';
    default:
      return 'info';
  }
}
