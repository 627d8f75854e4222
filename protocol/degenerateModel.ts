// Whether a trained model learned anything: the one place that decides it, for the panel's result, the
// "Use this model" confirmation and `cola-bert train`'s summary. Pure (no vscode, no Node modules: the
// webview bundles it too).
import type { Confusion } from './trainerProtocol';

/**
 * Below this holdout MCC a model is no better than chance. A fine-tuned bert-base-uncased reaches ~0.5 and
 * even a 1-epoch all-minilm-l6-v2 run ~0.2 (docs/trainer.md); 0.05 is well under any run that learned.
 */
export const CHANCE_MCC = 0.05;

export interface DegenerateVerdict {
  /** What is wrong, e.g. "it predicts every holdout sentence acceptable (MCC 0.000)". */
  reason: string;
  /** What usually helps, in the panel's and the CLI's shared words (no flag names). */
  advice: string;
}

export const DEGENERATE_ADVICE =
  'More epochs usually help (the chapter trains 4), and so does the learning rate the trainer picks for the model by default: 1e-4 for all-minilm-l6-v2, 2e-5 for a BERT-base model.';

/** Null when the model's holdout predictions carry signal; else why they do not. */
export function degenerateModel(holdout: { mcc: number; confusion: Confusion }): DegenerateVerdict | null {
  const c = holdout.confusion;
  const predictedAcceptable = c.tp + c.fp;
  const predictedUnacceptable = c.tn + c.fn;
  const mcc = holdout.mcc.toFixed(3);
  if (predictedAcceptable + predictedUnacceptable > 0 && (predictedAcceptable === 0 || predictedUnacceptable === 0)) {
    const label = predictedUnacceptable === 0 ? 'acceptable' : 'unacceptable';
    return { reason: `it predicts every holdout sentence ${label} (MCC ${mcc}), so it flags ${label === 'acceptable' ? 'nothing' : 'everything'}`, advice: DEGENERATE_ADVICE };
  }
  if (!(holdout.mcc >= CHANCE_MCC)) {
    return { reason: `its holdout MCC is ${mcc}, no better than guessing`, advice: DEGENERATE_ADVICE };
  }
  return null;
}
