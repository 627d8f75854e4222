// Hover on any judged sentence (flagged or not): P(acceptable), P(unacceptable), a small bar, what P
// means, the threshold in use and where it came from, the model and the holdout MCC of the file that runs.
// On a flagged sentence it also shows the suspect words, computed on demand in the inference worker
// (InferenceService.attribute, cached per sentence and model).
import * as vscode from 'vscode';
import { distinctSuspects } from './core/attribution';
import type { CheckedSentence } from './core/documentChecker';
import { isAbortError, type Attribution, type ModelInfo } from './core/inference';
import { emphasizeSuspects, suspectLines } from './core/suspectMarkdown';
import { reliabilityText } from './core/holdoutReliability';
import { describeHoldout, describeScaling } from './core/modelFolder';
import { chooseThreshold, thresholdSourceText } from './core/threshold';
import type { DiagnosticsController } from './diagnostics';
import type { ModelManager } from './modelManager';

/** A ten-cell bar: filled cells are P(acceptable). */
export function probabilityBar(pAcceptable: number, cells = 10): string {
  const filled = Math.max(0, Math.min(cells, Math.round(pAcceptable * cells)));
  return '█'.repeat(filled) + '░'.repeat(cells - filled);
}

/**
 * What P(acceptable) is for this model: a calibrated probability, with what sentences scored like `p` turned
 * out to be on the holdout when the folder records it, or the raw softmax of an uncalibrated one.
 */
export function probabilityMeaning(model: ModelInfo, p: number): string {
  const c = model.calibration;
  if (!c.fitted) return 'P is the model\'s raw softmax output, not calibrated (this model folder predates calibration): read it as a score, not a frequency.';
  const fitted = `P is a calibrated probability (${describeScaling(c)} of the model's score; fitted on ${c.fittedOn ?? 'validation data'}).`;
  return model.reliability ? `${fitted} ${reliabilityText(model.reliability, p)}` : `${fitted} This model folder has no reliability diagram to show how well that held on the holdout.`;
}

/** `explicitThreshold`: the user's setting, or undefined when unset (the model's threshold then applies). */
export function hoverMarkdown(s: CheckedSentence, model: ModelInfo, explicitThreshold: number | undefined, attribution?: Attribution): vscode.MarkdownString {
  const threshold = chooseThreshold(explicitThreshold, model.calibration);
  const verdict = s.ignored ? 'ignored (you chose to ignore this sentence)' : s.flagged ? `possibly ungrammatical (below ${threshold.value})` : 'acceptable';
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**cola-bert** — ${verdict}\n\n`);
  md.appendMarkdown(`\`${probabilityBar(s.pAcceptable)}\` P(acceptable) = **${s.pAcceptable.toFixed(2)}** · P(unacceptable) = ${s.pUnacceptable.toFixed(2)}\n\n`);
  md.appendMarkdown(`${probabilityMeaning(model, s.pAcceptable)} Flagged below ${threshold.value} (${thresholdSourceText(threshold.source)}).\n\n`);
  if (s.masked) md.appendMarkdown('Code, math and URLs in this sentence were read as a placeholder word.\n\n');
  if (attribution) {
    const suspects = distinctSuspects(attribution.suspects, 3);
    md.appendMarkdown(`**Suspect words**: ${emphasizeSuspects(s.text, suspects)}\n\n`);
    for (const line of suspectLines(suspects, attribution.pAcceptable)) md.appendMarkdown(`- ${line}\n`);
    md.appendMarkdown('\n');
  }
  md.appendMarkdown(`Model \`${model.name}\` (${model.baseModel}${model.quantized ? ', int8' : ''}) · CoLA holdout MCC ${describeHoldout(model.holdout)}`);
  return md;
}

export class SentenceHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly diagnostics: DiagnosticsController,
    private readonly models: ModelManager,
    private readonly threshold: (doc: vscode.TextDocument) => number | undefined,
  ) {}

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token?: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const service = this.models.service;
    const s = service && this.diagnostics.sentenceAt(doc, position);
    if (!service || !s) return undefined;
    const range = new vscode.Range(s.range.start.line, s.range.start.character, s.range.end.line, s.range.end.character);
    let attribution: Attribution | undefined;
    if (s.flagged && !s.ignored) {
      const abort = new AbortController();
      const cancel = token?.onCancellationRequested(() => abort.abort());
      try {
        attribution = await service.attribute(s.text, { signal: abort.signal });
      } catch (e) {
        if (isAbortError(e)) return undefined;
        // The probabilities are still worth showing when attribution fails (the crash is reported elsewhere).
      } finally {
        cancel?.dispose();
      }
    }
    return new vscode.Hover(hoverMarkdown(s, service.model, this.threshold(doc), attribution), range);
  }
}
