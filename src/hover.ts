// Hover on any judged sentence (flagged or not): P(acceptable), P(unacceptable), a small bar, the model.
import * as vscode from 'vscode';
import type { CheckedSentence } from './core/documentChecker';
import type { ModelInfo } from './core/inference';
import type { DiagnosticsController } from './diagnostics';
import type { ModelManager } from './modelManager';

/** A ten-cell bar: filled cells are P(acceptable). */
export function probabilityBar(pAcceptable: number, cells = 10): string {
  const filled = Math.max(0, Math.min(cells, Math.round(pAcceptable * cells)));
  return '█'.repeat(filled) + '░'.repeat(cells - filled);
}

export function hoverMarkdown(s: CheckedSentence, model: ModelInfo, threshold: number): vscode.MarkdownString {
  const mcc = model.holdoutMcc === null ? 'n/a' : model.holdoutMcc.toFixed(3);
  const verdict = s.ignored ? 'ignored (you chose to ignore this sentence)' : s.flagged ? `possibly ungrammatical (below ${threshold})` : 'acceptable';
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**cola-bert** — ${verdict}\n\n`);
  md.appendMarkdown(`\`${probabilityBar(s.pAcceptable)}\` P(acceptable) = **${s.pAcceptable.toFixed(2)}** · P(unacceptable) = ${s.pUnacceptable.toFixed(2)}\n\n`);
  if (s.masked) md.appendMarkdown('Code, math and URLs in this sentence were read as a placeholder word.\n\n');
  md.appendMarkdown(`Model \`${model.name}\` (${model.baseModel}${model.quantized ? ', int8' : ''}) · holdout MCC ${mcc}`);
  return md;
}

export class SentenceHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly diagnostics: DiagnosticsController,
    private readonly models: ModelManager,
    private readonly threshold: (doc: vscode.TextDocument) => number,
  ) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const service = this.models.service;
    const s = service && this.diagnostics.sentenceAt(doc, position);
    if (!service || !s) return undefined;
    const range = new vscode.Range(s.range.start.line, s.range.start.character, s.range.end.line, s.range.end.character);
    return new vscode.Hover(hoverMarkdown(s, service.model, this.threshold(doc)), range);
  }
}
