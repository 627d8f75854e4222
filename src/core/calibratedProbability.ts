// The one place TypeScript turns a model's two logits into probabilities, for every caller (eval, check, the
// hover, diagnostics, try-a-sentence, the benches, attribution and suggestions all get P from the inference
// worker, which calls this). The rule is the trainer's (trainer/cola_trainer/calibration.py, p_acceptable):
// P(acceptable) = sigmoid((l1 − l0) / temperature + bias).

import type { Scaling } from '../../protocol/inferenceProtocol';

/** How logits become P(acceptable): temperature scaling has bias 0 (and so has a folder that stores none). */
export type { Scaling };

export const IDENTITY_SCALING: Scaling = { temperature: 1, bias: 0 };

/**
 * [P(unacceptable), P(acceptable)] from the logits [l0, l1], in float64. Each comes from exp(−|d|) of the
 * log-odds d, so neither overflows and the smaller one keeps its precision (not 1 − the other).
 */
export function calibratedProbabilities(l0: number, l1: number, s: Scaling): [number, number] {
  const d = (l1 - l0) / s.temperature + s.bias;
  const e = Math.exp(-Math.abs(d));
  return d >= 0 ? [e / (1 + e), 1 / (1 + e)] : [1 / (1 + e), e / (1 + e)];
}
