// Quick fixes on cola-bert diagnostics: ignore the sentence (per workspace), disable cola-bert for the
// file, re-check the document. Each runs a command (src/commands.ts), so they also work from the palette.
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, type DiagnosticsController } from './diagnostics';

export class SentenceCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: DiagnosticsController) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (!ours.length) return [];
    const actions: vscode.CodeAction[] = [];
    for (const d of ours) {
      const sentence = this.diagnostics.sentenceAt(doc, d.range.start);
      if (!sentence) continue;
      const ignore = new vscode.CodeAction('Ignore this sentence', vscode.CodeActionKind.QuickFix);
      ignore.diagnostics = [d];
      ignore.isPreferred = true;
      ignore.command = { command: 'cola-bert.ignoreSentence', title: 'Ignore this sentence', arguments: [sentence.text] };
      actions.push(ignore);
    }
    const disable = new vscode.CodeAction('Disable cola-bert for this file', vscode.CodeActionKind.QuickFix);
    disable.diagnostics = ours;
    disable.command = { command: 'cola-bert.disableForFile', title: 'Disable cola-bert for this file', arguments: [doc.uri] };
    const recheck = new vscode.CodeAction('Re-check document', vscode.CodeActionKind.QuickFix);
    recheck.diagnostics = ours;
    recheck.command = { command: 'cola-bert.recheckDocument', title: 'Re-check document', arguments: [doc.uri] };
    actions.push(disable, recheck);
    return actions;
  }
}
