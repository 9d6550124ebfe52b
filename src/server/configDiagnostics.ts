// Problems of tsconfig/jsconfig files, pushed with textDocument/publishDiagnostics on the config
// file (editors do not pull for JSON files the server does not own). Only differences are sent:
// a config that was fixed gets an empty list once.
import * as path from 'node:path';
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import type { Finding } from '../analyzer/findings';
import { fileUriOf } from './documentFiles';
import { toDiagnostic } from './findingDiagnostics';

export class ConfigDiagnostics {
  /** Config file -> the diagnostics last published for it, as JSON. */
  private readonly published = new Map<string, { uri: string; json: string; count: number }>();

  constructor(private readonly connection: Connection) {}

  /** Publishes the config findings of every workspace; returns whether anything changed. */
  publish(findings: readonly Finding[]): boolean {
    const byFile = new Map<string, Diagnostic[]>();
    const seen = new Set<string>();
    for (const finding of findings) {
      const file = path.resolve(finding.file);
      const diagnostic = toDiagnostic(finding);
      // Two workspaces that loaded the same config report its problem twice.
      const identity = `${file}\n${JSON.stringify(diagnostic)}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      const list = byFile.get(file) ?? [];
      list.push(diagnostic);
      byFile.set(file, list);
    }
    let changed = false;
    for (const [file, diagnostics] of byFile) {
      const json = JSON.stringify(diagnostics);
      if (this.published.get(file)?.json === json) continue;
      const uri = fileUriOf(file);
      this.send(uri, diagnostics);
      this.published.set(file, { uri, json, count: diagnostics.length });
      changed = true;
    }
    for (const [file, { uri }] of this.published) {
      if (byFile.has(file)) continue;
      this.send(uri, []);
      this.published.delete(file);
      changed = true;
    }
    return changed;
  }

  /** Config files that currently have problems published. */
  filesWithProblems(): string[] {
    return [...this.published.keys()];
  }

  count(): number {
    let count = 0;
    for (const entry of this.published.values()) count += entry.count;
    return count;
  }

  private send(uri: string, diagnostics: Diagnostic[]): void {
    // Fails only when the connection is already closing; nothing is left to tell.
    void this.connection.sendDiagnostics({ uri, diagnostics }).catch(() => undefined);
  }
}
