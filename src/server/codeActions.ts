// textDocument/codeAction: the fixes computed with the last analysis of the document's current
// version, never a new analysis. A quick fix per fix of each Bounded diagnostic in the request,
// and `source.fixAll.bounded` with every preferred fix of the file that does not overlap another.
import * as path from 'node:path';
import {
  type CodeAction,
  CodeActionKind,
  type CodeActionParams,
  OptionalVersionedTextDocumentIdentifier,
  TextDocumentEdit,
  type TextDocuments,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { preferredEdits } from '../analyzer/applyFixes';
import type { TextEdit as FixEdit } from '../analyzer/findings';
import { analysableFileOf, fileUriOf } from './documentFiles';
import type { DocumentResults } from './documentResults';
import { diagnosticSource } from '../shared/lspProtocol';
import { diagnosticKey } from './findingDiagnostics';

export const fixAllKind = `${CodeActionKind.SourceFixAll}.bounded`;

export const codeActionKinds: readonly string[] = [CodeActionKind.QuickFix, fixAllKind];

export class CodeActionsProvider {
  constructor(
    private readonly documents: TextDocuments<TextDocument>,
    private readonly results: DocumentResults,
    /** Whether the client takes versioned `documentChanges`, which it refuses to apply to a newer text. */
    private readonly versionedEdits: boolean,
  ) {}

  provide(params: CodeActionParams): CodeAction[] {
    const document = this.documents.get(params.textDocument.uri);
    const result = document && this.results.forVersion(document.uri, document.version);
    const file = document && analysableFileOf(document.uri, document.languageId);
    if (!document || !result || !file) return [];
    const only = params.context.only;
    const actions: CodeAction[] = [];
    if (wants(only, CodeActionKind.QuickFix)) {
      for (const diagnostic of params.context.diagnostics) {
        if (diagnostic.source !== diagnosticSource || typeof diagnostic.code !== 'string') continue;
        for (const finding of result.findingsAt(diagnosticKey(diagnostic.code, diagnostic.range))) {
          for (const fix of finding.fixes) {
            actions.push({
              title: fix.title,
              kind: CodeActionKind.QuickFix,
              diagnostics: [diagnostic],
              isPreferred: fix.preferred,
              edit: this.workspaceEdit(document, file, fix.edits),
            });
          }
        }
      }
    }
    // Source actions only when asked for (Source Action menu, codeActionsOnSave).
    if (only && wants(only, fixAllKind)) {
      const { edits } = preferredEdits(result.findings);
      if (edits.length > 0) actions.push({ title: 'Fix all Bounded problems', kind: fixAllKind, edit: this.workspaceEdit(document, file, edits) });
    }
    return actions;
  }

  private workspaceEdit(document: TextDocument, file: string, edits: readonly FixEdit[]): WorkspaceEdit {
    const byUri = new Map<string, TextEdit[]>();
    for (const edit of edits) {
      const uri = path.resolve(edit.file) === file ? document.uri : fileUriOf(path.resolve(edit.file));
      const list = byUri.get(uri) ?? [];
      list.push({ range: edit.range, newText: edit.newText });
      byUri.set(uri, list);
    }
    if (!this.versionedEdits) return { changes: Object.fromEntries(byUri) };
    return {
      documentChanges: [...byUri].map(([uri, textEdits]) => TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(uri, this.documents.get(uri)?.version ?? null), textEdits)),
    };
  }
}

/** Whether a requested kind list (`only`) includes `kind`; no list includes every kind. */
function wants(only: readonly string[] | undefined, kind: string): boolean {
  return only === undefined || only.some((wanted) => kind === wanted || kind.startsWith(`${wanted}.`));
}
