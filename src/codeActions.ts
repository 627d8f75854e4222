// Quick fixes on cola-bert diagnostics: suggested corrections ("Replace with: …  (P 0.12 → 0.91)", scored in
// the inference worker on request, best first; applying one also teaches cola-bert), ignore the sentence (per
// workspace), teach that it is fine (the folder's feedback file), disable cola-bert for the file, re-check
// the document. All but the replacements run a command (src/commands.ts, src/feedbackStore.ts).
import * as vscode from 'vscode';
import type { Suggestions } from './core/inference';
import { offeredFixes, sourceEdit } from './core/suggestions';
import { chooseThreshold } from './core/threshold';
import { DIAGNOSTIC_SOURCE, type DiagnosticsController } from './diagnostics';
import type { ModelManager } from './modelManager';

export const TEACH_TITLE = 'This sentence is fine (teach cola-bert)';

export class SentenceCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly diagnostics: DiagnosticsController,
    private readonly models?: ModelManager,
    /** The user's threshold setting for a document, or undefined (the model's applies then). */
    private readonly threshold: (doc: vscode.TextDocument) => number | undefined = () => undefined,
  ) {}

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext, token?: vscode.CancellationToken): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (!ours.length) return [];
    const actions: vscode.CodeAction[] = [];
    for (const d of ours) {
      const sentence = this.diagnostics.sentenceAt(doc, d.range.start);
      if (!sentence) continue;
      const fixes = sentence.flagged && !sentence.ignored ? await this.fixes(doc, d, sentence, token) : [];
      if (token?.isCancellationRequested) return [];
      actions.push(...fixes);
      const ignore = new vscode.CodeAction('Ignore this sentence', vscode.CodeActionKind.QuickFix);
      ignore.diagnostics = [d];
      ignore.isPreferred = fixes.length === 0;
      ignore.command = { command: 'cola-bert.ignoreSentence', title: 'Ignore this sentence', arguments: [sentence.text] };
      actions.push(ignore);
      if (sentence.flagged) {
        // Recorded in the folder's feedback file (src/feedbackStore.ts); the next training run learns it.
        const teach = new vscode.CodeAction(TEACH_TITLE, vscode.CodeActionKind.QuickFix);
        teach.diagnostics = [d];
        teach.command = { command: 'cola-bert.teachSentence', title: TEACH_TITLE, arguments: [doc.uri, sentence.text] };
        actions.push(teach);
      }
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

  /** Up to three corrections that bring the sentence over the threshold, best first (the best preferred). */
  private async fixes(
    doc: vscode.TextDocument,
    d: vscode.Diagnostic,
    sentence: { text: string; start: number; end: number },
    token?: vscode.CancellationToken,
  ): Promise<vscode.CodeAction[]> {
    const service = this.models?.service;
    if (!service) return [];
    const abort = new AbortController();
    const cancel = token?.onCancellationRequested(() => abort.abort());
    let suggestions: Suggestions;
    try {
      suggestions = await service.suggest(sentence.text, abort.signal);
    } catch {
      // Cancelled, or failed: the other quick fixes still apply, and a crash is reported by the diagnostics.
      return [];
    } finally {
      cancel?.dispose();
    }
    const threshold = chooseThreshold(this.threshold(doc), service.model.calibration).value;
    const source = doc.getText();
    const actions: vscode.CodeAction[] = [];
    for (const c of offeredFixes(suggestions.candidates, suggestions.pAcceptable, threshold)) {
      const edit = sourceEdit(c, sentence.text, source, sentence.start, sentence.end);
      if (!edit) continue;
      const action = new vscode.CodeAction(`Replace with: “${c.text}”  (P ${suggestions.pAcceptable.toFixed(2)} → ${c.pAcceptable.toFixed(2)})`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.isPreferred = actions.length === 0;
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(doc.uri, new vscode.Range(doc.positionAt(edit.start), doc.positionAt(edit.end)), edit.text);
      // Runs once the edit is applied: the original is recorded as unacceptable, the fix as acceptable.
      action.command = { command: 'cola-bert.teachFromFix', title: 'Learn from this fix', arguments: [doc.uri, sentence.text, c.text] };
      actions.push(action);
    }
    return actions;
  }
}
