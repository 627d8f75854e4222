// What a P(acceptable) has meant on the holdout: the trainer stores the reliability diagram of the calibrated
// P (cola-bert.json → quality.cola_holdout.reliability, schema "reliability"), and the hover quotes the bin a
// sentence's P falls in, so "calibrated" comes with the evidence. Optional: older folders have no bins.
import type { ReliabilityBin } from '../../protocol/trainerProtocol';

export interface HoldoutReliability {
  /** Holdout sentences in all. */
  n: number;
  /** Expected calibration error on the holdout (the trainer's definition: confidence of the predicted class). */
  ece: number;
  bins: ReliabilityBin[];
}

const isProbability = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;

function isBin(b: unknown): b is ReliabilityBin {
  const o = b as Partial<ReliabilityBin> | null;
  return typeof o === 'object' && o !== null && isProbability(o.lo) && isProbability(o.hi) && o.lo < o.hi && Number.isInteger(o.n) && o.n! > 0 && isProbability(o.mean_p) && isProbability(o.observed);
}

/** The holdout's reliability diagram from parsed cola-bert.json; null when the folder has none or a malformed one. */
export function holdoutReliabilityOf(metadata: object): HoldoutReliability | null {
  const holdout = (metadata as { quality?: { cola_holdout?: { n?: unknown; ece?: unknown; reliability?: unknown } } }).quality?.cola_holdout;
  if (!holdout || !Number.isInteger(holdout.n) || !isProbability(holdout.ece) || !Array.isArray(holdout.reliability) || !holdout.reliability.every(isBin)) return null;
  return { n: holdout.n as number, ece: holdout.ece, bins: holdout.reliability };
}

/** The bin P falls in ([lo, hi), the last one closed at 1); null when that bin held no holdout sentence. */
export function binOf(r: HoldoutReliability, p: number): ReliabilityBin | null {
  return r.bins.find((b) => (p >= b.lo && p < b.hi) || (p === 1 && b.hi === 1)) ?? null;
}

/** One sentence for the hover: how often sentences scored like this one were acceptable on the holdout. */
export function reliabilityText(r: HoldoutReliability, p: number): string {
  const b = binOf(r, p);
  const ece = `calibration error (ECE) ${r.ece.toFixed(3)} over all ${r.n} holdout sentences`;
  if (!b) return `No CoLA holdout sentence was scored between P ${(Math.floor(p * 10) / 10).toFixed(1)} and the next tenth; ${ece}.`;
  return `On the CoLA holdout, ${Math.round(100 * b.observed)} % of the ${b.n} sentences scored ${b.lo.toFixed(1)}–${b.hi.toFixed(1)} were acceptable (mean P ${b.mean_p.toFixed(2)}); ${ece}.`;
}
