// Binary classification metrics as scikit-learn computes them (tested against sklearn in
// test/unit/metrics.test.ts). Positive class = label 1 (acceptable).
import type { Confusion } from '../../protocol/trainerProtocol';

export type Label = 0 | 1;

export function confusion(labels: readonly number[], predictions: readonly number[]): Confusion {
  if (labels.length !== predictions.length) throw new RangeError(`${labels.length} labels but ${predictions.length} predictions`);
  const c: Confusion = { tp: 0, tn: 0, fp: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    const p = predictions[i];
    if ((y !== 0 && y !== 1) || (p !== 0 && p !== 1)) throw new RangeError(`labels and predictions must be 0 or 1 (index ${i}: ${y}, ${p})`);
    if (y === 1) p === 1 ? c.tp++ : c.fn++;
    else p === 1 ? c.fp++ : c.tn++;
  }
  return c;
}

/** Matthews correlation coefficient; 0 when a row or column of the confusion matrix is empty (as sklearn). */
export function mccOf(c: Confusion): number {
  const num = c.tp * c.tn - c.fp * c.fn;
  const den = Math.sqrt((c.tp + c.fp) * (c.tp + c.fn) * (c.tn + c.fp) * (c.tn + c.fn));
  return den === 0 ? 0 : num / den;
}

export function accuracyOf(c: Confusion): number {
  const n = c.tp + c.tn + c.fp + c.fn;
  return n === 0 ? 0 : (c.tp + c.tn) / n;
}

export interface BinaryMetrics {
  n: number;
  mcc: number;
  accuracy: number;
  confusion: Confusion;
}

export function binaryMetrics(labels: readonly number[], predictions: readonly number[]): BinaryMetrics {
  const c = confusion(labels, predictions);
  return { n: labels.length, mcc: mccOf(c), accuracy: accuracyOf(c), confusion: c };
}

/**
 * Predicted label from P(acceptable): acceptable when p > threshold. With 0.5 this is the trainer's
 * argmax over the two logits, which sends a tie to index 0 (unacceptable).
 */
export function labelOf(pAcceptable: number, threshold = 0.5): Label {
  return pAcceptable > threshold ? 1 : 0;
}
