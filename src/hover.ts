// Hover on any judged sentence (flagged or not): P(acceptable), P(unacceptable), a small bar, what P
// means, the threshold in use and where it came from, the model and the holdout MCC of the file that runs.
import * as vscode from 'vscode';
import type { CheckedSentence } from './core/documentChecker';
import type { ModelInfo } from './core/inference';
import { describeHoldout } from './core/modelFolder';
import { chooseThreshold, thresholdSourceText } from './core/threshold';
import type { DiagnosticsController } from './diagnostics';
import type { ModelManager } from './modelManager';

/** A ten-cell bar: filled cells are P(acceptable). */
export function probabilityBar(pAcceptable: number, cells = 10): string {
  const filled = Math.max(0, Math.min(cells, Math.round(pAcceptable * cells)));
  return '█'.repeat(filled) + '░'.repeat(cells - filled);
}

/** What P(acceptable) is for this model: a calibrated probability, or the raw softmax of an uncalibrated one. */
export function probabilityMeaning(model: ModelInfo): string {
  const c = model.calibration;
  return c.fitted
    ? `P is a calibrated probability (temperature ${c.temperature.toFixed(2)}; fitted on ${c.fittedOn ?? 'validation data'}): on text like that, about 8 in 10 sentences scored 0.8 are acceptable.`
    : 'P is the model\'s raw softmax output, not calibrated (this model folder predates calibration): read it as a score, not a frequency.';
}

/** `explicitThreshold`: the user's setting, or undefined when unset (the model's threshold then applies). */
export function hoverMarkdown(s: CheckedSentence, model: ModelInfo, explicitThreshold: number | undefined): vscode.MarkdownString {
  const threshold = chooseThreshold(explicitThreshold, model.calibration);
  const verdict = s.ignored ? 'ignored (you chose to ignore this sentence)' : s.flagged ? `possibly ungrammatical (below ${threshold.value})` : 'acceptable';
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**cola-bert** — ${verdict}\n\n`);
  md.appendMarkdown(`\`${probabilityBar(s.pAcceptable)}\` P(acceptable) = **${s.pAcceptable.toFixed(2)}** · P(unacceptable) = ${s.pUnacceptable.toFixed(2)}\n\n`);
  md.appendMarkdown(`${probabilityMeaning(model)} Flagged below ${threshold.value} (${thresholdSourceText(threshold.source)}).\n\n`);
  if (s.masked) md.appendMarkdown('Code, math and URLs in this sentence were read as a placeholder word.\n\n');
  md.appendMarkdown(`Model \`${model.name}\` (${model.baseModel}${model.quantized ? ', int8' : ''}) · CoLA holdout MCC ${describeHoldout(model.holdout)}`);
  return md;
}

export class SentenceHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly diagnostics: DiagnosticsController,
    private readonly models: ModelManager,
    private readonly threshold: (doc: vscode.TextDocument) => number | undefined,
  ) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const service = this.models.service;
    const s = service && this.diagnostics.sentenceAt(doc, position);
    if (!service || !s) return undefined;
    const range = new vscode.Range(s.range.start.line, s.range.start.character, s.range.end.line, s.range.end.character);
    return new vscode.Hover(hoverMarkdown(s, service.model, this.threshold(doc)), range);
  }
}
