// Which suggestion candidates get scored. Each costs a model run (all-mpnet-base-v2 int8: ~38 ms on one core),
// and suggestions.ts makes dozens around two suspect places, so a sentence's suggestions would take a second or
// more; a fixed budget of the likeliest candidates keeps them within issue 12's 300 ms however many kinds of
// candidate suggestions.ts comes to generate. The ranking is a cap with an order, not a count of today's kinds:
// a new kind without a prior of its own ranks as DEFAULT_KIND_PRIOR says until it is measured.
//
// Likeliest: the kind's prior times its place's (an edit of the best suspect's words before one of the second's,
// an edit of a suspect word before one next to it), both measured on validation documents' corruptions (never
// the test documents the benchmark reports): KIND_PRIORS, PLACE_PRIORS.
import { words, type CharRange } from './attribution';
import type { Candidate, EditKind } from '../../protocol/inferenceProtocol';

/**
 * Candidates scored per sentence at most (over both workers), besides those the attribution already scored.
 * Chosen on validation corruptions (docs/benchmarks.md): see KIND_PRIORS.
 */
export const SUGGESTION_BUDGET = 10;

/**
 * How often a candidate of each kind at the best suspect's words was the fix that crossed the threshold, on the
 * 250 of 600 validation corruptions that all-mpnet-base-v2 (--preset base, int8, with its word_forms.txt.gz)
 * flags: delete 65 of 274, determiner 3 of 16, swap 54 of 456, confusable 3 of 25, preposition 10 of 97,
 * inflection 30 of 564, insert 10 of 2,674 (five function words on each side of each word). Only the order of
 * the products with PLACE_PRIORS matters.
 */
export const KIND_PRIORS: Partial<Record<EditKind, number>> = {
  delete: 0.24,
  determiner: 0.19,
  swap: 0.12,
  confusable: 0.12,
  preposition: 0.1,
  inflection: 0.053,
  insert: 0.004,
};

/**
 * A kind not in KIND_PRIORS: pronoun case and a/an (1 of 3 and 0 of 2 candidates in that run, too few to
 * measure), the masked LM's words, and kinds added later: ranked with the targeted replacements until measured.
 */
export const DEFAULT_KIND_PRIOR = 0.1;

/**
 * How likely a candidate is at each place relative to the best suspect's words: [suspect rank][words away, at
 * most 2]. Same run: at the second suspect swap 12 of 297, inflection 5 of 360, preposition 2 of 86, delete 6 of
 * 243 (a quarter of the rate at the best one, roughly); one word off the best, swap 2 of 151, inflection 2 of
 * 586, delete 2 of 326; none of ~1,500 candidates one word off the second suspect.
 */
export const PLACE_PRIORS: readonly (readonly number[])[] = [
  [1, 0.08, 0.01],
  [0.25, 0.02, 0.002],
];

export interface RankingContext {
  /** The distinct suspect places, best first (the suggestion request's suspects). */
  suspects: readonly CharRange[];
  /** Each word's error score from the tokens method, when there is one. */
  wordScores?: readonly (number | null)[];
}

/** Words [first, last] of the sentence that an edit touches: an insertion before word i sits between i - 1 and i. */
function touched(c: Candidate): [number, number] {
  return words(c.replacement).length > c.last - c.first + 1 ? [c.first - 1, c.last] : [c.first, c.last];
}

/**
 * Where a candidate lies relative to the suspects: [which suspect it is nearest (0 = best), how many words away
 * (0 = it edits a suspect word)], the nearest first.
 */
export function placeOf(sentence: string, c: Candidate, suspects: readonly CharRange[]): [number, number] {
  const ws = words(sentence);
  const [a, b] = touched(c);
  let best: [number, number] = [suspects.length, Infinity];
  suspects.forEach((s, k) => {
    const at = ws.flatMap((w, i) => (w.start < s.end && s.start < w.end ? [i] : []));
    if (!at.length) return;
    const lo = Math.min(...at);
    const hi = Math.max(...at);
    const distance = b < lo ? lo - b : a > hi ? a - hi : 0;
    if (distance < best[1]) best = [k, distance];
  });
  return best;
}

/** The kind's prior times the place's; 0 for an edit away from every suspect. */
export function priorOf(sentence: string, c: Candidate, suspects: readonly CharRange[]): number {
  const [suspect, distance] = placeOf(sentence, c, suspects);
  const place = PLACE_PRIORS[Math.min(suspect, PLACE_PRIORS.length - 1)]?.[Math.min(distance, 2)] ?? 0;
  return (KIND_PRIORS[c.kind] ?? DEFAULT_KIND_PRIOR) * (suspect < suspects.length ? place : 0);
}

/** Candidates likeliest to be the fix first; a stable order, so that every worker ranks the same list the same way. */
export function rankCandidates(sentence: string, candidates: readonly Candidate[], context: RankingContext): Candidate[] {
  const keyed = candidates.map((c, i) => ({ c, i, prior: priorOf(sentence, c, context.suspects) }));
  keyed.sort((x, y) => y.prior - x.prior || x.i - y.i);
  return keyed.map((k) => k.c);
}

export interface BudgetedCandidates {
  /** Candidates whose texts were scored already (free): all of them, in ranked order. */
  known: Candidate[];
  /** The best ranked of the others, at most `budget`. */
  toScore: Candidate[];
}

/** Splits ranked candidates into those already scored and the best `budget` of the rest. */
export function withinBudget(ranked: readonly Candidate[], budget: number, known: ReadonlyMap<string, unknown> | ReadonlySet<string>): BudgetedCandidates {
  const out: BudgetedCandidates = { known: [], toScore: [] };
  for (const c of ranked) {
    if (known.has(c.text)) out.known.push(c);
    else if (out.toScore.length < budget) out.toScore.push(c);
  }
  return out;
}
