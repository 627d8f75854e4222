// The "no model yet" prompt promises a quick first model; QUICK_START is the form its Fine-tune button opens
// the panel with, so the promise and the run it starts come from the same fact (issue 13: the prompt said
// "a few minutes with the small default model" while the panel started bert-base-uncased, hours on a CPU).
// No `vscode` import: unit-tested in plain mocha.
import { OFFLINE_MODEL } from '../../protocol/trainArgs';
import type { TrainForm } from '../../protocol/panelMessages';

/** The small offline model, with the learning rate left to the trainer (its per-model default). */
export const QUICK_START: Pick<TrainForm, 'model' | 'learningRate'> = { model: OFFLINE_MODEL, learningRate: null };

// Measured: 4 epochs over the full CoLA split in 7 min 18 s on 2 AMD EPYC cores (docs/benchmarks.md).
export const NO_MODEL_MESSAGE =
  'cola-bert needs a fine-tuned model before it can check prose. ' +
  `Fine-tune one on CoLA (the panel opens with the small ${QUICK_START.model}: about 7 minutes on 2 CPU cores) or choose an exported model folder.`;
