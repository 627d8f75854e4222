// The one place TypeScript turns a model's two logits into probabilities, for every caller (eval, check, the
// hover, diagnostics, try-a-sentence, the benches, attribution and suggestions all get P from the inference
// worker, which calls this). The rule is the trainer's (trainer/cola_trainer/calibration.py, p_acceptable and
// isotonic_p): P(acceptable) = sigmoid((l1 − l0) / temperature + bias), and with isotonic knots
// (1 − affineShare) · iso(l1 − l0) + affineShare · that sigmoid.

import type { IsotonicKnots, Scaling } from '../../protocol/inferenceProtocol';

/** How logits become P(acceptable): temperature scaling has bias 0 (and so has a folder that stores none). */
export type { IsotonicKnots, Scaling };

export const IDENTITY_SCALING: Scaling = { temperature: 1, bias: 0 };

/**
 * [P(unacceptable), P(acceptable)] from the logits [l0, l1], in float64. Each comes from exp(−|d|) of the
 * log-odds d, so neither overflows and the smaller one keeps its precision (not 1 − the other); with knots each
 * side is mixed from its own terms for the same reason.
 */
export function calibratedProbabilities(l0: number, l1: number, s: Scaling): [number, number] {
  const d = (l1 - l0) / s.temperature + s.bias;
  const e = Math.exp(-Math.abs(d));
  const [affine0, affine1] = d >= 0 ? [e / (1 + e), 1 / (1 + e)] : [1 / (1 + e), e / (1 + e)];
  if (!s.knots) return [affine0, affine1];
  const iso = interpolate(l1 - l0, s.knots.s, s.knots.p);
  const w = s.knots.affineShare;
  return [(1 - w) * (1 - iso) + w * affine0, (1 - w) * iso + w * affine1];
}

/**
 * The knots joined by straight lines, flat beyond the first and last: numpy's `interp`, with its arithmetic
 * (slope · (x − xs[j]) + ys[j]) so both languages give the same P up to rounding.
 */
function interpolate(x: number, xs: readonly number[], ys: readonly number[]): number {
  const last = xs.length - 1;
  if (!(x > xs[0])) return x === x ? ys[0] : NaN;
  if (x >= xs[last]) return ys[last];
  let lo = 0;
  let hi = last; // xs[lo] < x < xs[hi] from here on (x == xs[0] returned above)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const slope = (ys[lo + 1] - ys[lo]) / (xs[lo + 1] - xs[lo]);
  return slope * (x - xs[lo]) + ys[lo];
}

/**
 * What is wrong with stored knots, in words, or [] when they are usable: s and p of equal length and both strictly
 * increasing (the map must keep the scores' order, or flags would depend on the calibration), share in (0, 1].
 */
export function knotProblems(k: IsotonicKnots): string[] {
  const problems: string[] = [];
  if (k.s.length !== k.p.length) problems.push(`has ${k.s.length} "s" values but ${k.p.length} "p" values; they must pair up`);
  for (const [name, xs] of [['s', k.s], ['p', k.p]] as const) {
    const i = xs.findIndex((v, j) => j > 0 && !(v > xs[j - 1]));
    if (i > 0) problems.push(`"${name}" must be strictly increasing, but item ${i} (${xs[i]}) follows ${xs[i - 1]}`);
  }
  return problems;
}
