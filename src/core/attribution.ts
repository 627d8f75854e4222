// Which words make a flagged sentence unacceptable. Two ways, chosen by measurement on held-out corrupted
// prose (bench/attribution.ts, docs/benchmarks.md):
// - variants ('delete', 'mask', 'unk'): the sentence with one word (or a short run of words) removed or
//   replaced by a placeholder token is scored, as is the sentence itself, and words are ranked by how much
//   P(acceptable) rises without them; one variant per word.
// - 'tokens', for a model with a tokens head (model.onnx outputs `token_logits`): the model's own error score
//   per token, from the sentence's check (inference.ts keeps them), ranks the words (each by its worst token);
//   only the best few get a deletion variant, so that Suspect.delta means the same in both.
// Pure functions; the inference worker runs them (inferenceWorker.ts) so that the model calls stay off the
// editor's thread.
import { ATTRIBUTION_METHODS, VARIANT_METHODS, type AttributionMethod, type CharRange, type Variant, type VariantMethod } from '../../protocol/inferenceProtocol';

// Defined with the worker messages that carry them (protocol/inferenceProtocol.ts).
export { ATTRIBUTION_METHODS, VARIANT_METHODS, type AttributionMethod, type CharRange, type Variant, type VariantMethod };

/** The method for a model without per-token scores (best top-1 hit rate of the variant methods, docs/benchmarks.md). */
export const DEFAULT_ATTRIBUTION_METHOD: AttributionMethod = 'delete';

/** The method a model folder gets by default: its own token scores when its model outputs them. */
export function defaultAttributionMethod(hasTokenScores: boolean): AttributionMethod {
  return hasTokenScores ? 'tokens' : DEFAULT_ATTRIBUTION_METHOD;
}

/**
 * Words the 'tokens' method scores a deletion variant for (the best-scored first), and so the suspects the hover
 * and `check` show; suggestions look at the best two places. Two, not three: the ranking is the token scores'
 * whatever the count, so the top suspect is the same, and with the sentence that makes three all-mpnet-base-v2
 * runs (~38 ms each) instead of four, which keeps attribution within 150 ms even when only one core is free.
 */
export const TOKEN_SUSPECTS = 2;

/**
 * Longest run of consecutive words taken out as one span. Pairs (2) found the error no more often than
 * single words on held-out corrupted prose (26.3% vs 27.3% top-1, docs/benchmarks.md) at twice the variants.
 */
export const DEFAULT_MAX_SPAN = 1;

export interface WordSpan extends CharRange {
  text: string;
}

export interface Suspect extends CharRange {
  /** The words of the sentence in [start, end). */
  text: string;
  /** P(acceptable) of the variant without these words, minus P(acceptable) of the sentence. */
  delta: number;
  /**
   * The 'tokens' method only: the model's own error probability for the word, sigmoid of its worst token's
   * score (uncalibrated: the temperature is fitted on sentence scores).
   */
  errorScore?: number;
}

export interface Placeholders {
  /** The tokenizer's mask token, e.g. "[MASK]" for BERT and "<mask>" for MPNet; null when it has none. */
  mask: string | null;
  /** The tokenizer's unknown token, e.g. "[UNK]". */
  unk: string | null;
}

// Letters and digits, with inner apostrophes ("don't", "you're") kept in the word: taking out half of a
// contraction leaves a different error behind, not none.
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

export function words(sentence: string): WordSpan[] {
  return [...sentence.matchAll(WORD)].map((m) => ({ start: m.index, end: m.index + m[0].length, text: m[0] }));
}

/** The sentence without [start, end): one space (the one before, else the one after) goes with the words. */
function without(sentence: string, start: number, end: number): string {
  if (start > 0 && /\s/.test(sentence[start - 1])) start--;
  else if (end < sentence.length && /\s/.test(sentence[end])) end++;
  return sentence.slice(0, start) + sentence.slice(end);
}

/**
 * One variant per run of 1..maxSpan consecutive words. Throws when the method needs a placeholder token the
 * tokenizer does not have.
 */
export function variants(sentence: string, method: VariantMethod, placeholders: Placeholders, maxSpan = DEFAULT_MAX_SPAN): Variant[] {
  if (!Number.isInteger(maxSpan) || maxSpan < 1) throw new RangeError(`maxSpan must be a positive integer, got ${maxSpan}`);
  const placeholder = method === 'mask' ? placeholders.mask : method === 'unk' ? placeholders.unk : '';
  if (placeholder === null) throw new Error(`the tokenizer has no ${method} token; use the "delete" method`);
  const ws = words(sentence);
  const out: Variant[] = [];
  for (let n = 1; n <= maxSpan; n++) {
    for (let i = 0; i + n <= ws.length; i++) {
      const start = ws[i].start;
      const end = ws[i + n - 1].end;
      // A placeholder per word keeps the sentence's length, so the model sees a gap of the right size.
      const text =
        method === 'delete' ? without(sentence, start, end) : sentence.slice(0, start) + Array(n).fill(placeholder).join(' ') + sentence.slice(end);
      out.push({ start, end, text, words: n });
    }
  }
  return out;
}

/**
 * Spans ranked by how much P(acceptable) rises without them, largest first; only spans that raise it.
 * A longer span ranks above a shorter one inside it only when it raises P by `longerSpanMargin` more,
 * so that one clear word is not hidden behind the two-word span around it.
 */
export function rankSuspects(sentence: string, base: number, scored: readonly Variant[], pAcceptable: ArrayLike<number>, longerSpanMargin = 0.05): Suspect[] {
  if (scored.length !== pAcceptable.length) throw new RangeError(`${scored.length} variants but ${pAcceptable.length} scores`);
  // Removing either copy of a doubled word ("the the") gives the same sentence: one suspect over both
  // copies, not the first copy alone (which would point at the word that belongs there).
  const merged = new Map<string, { start: number; end: number; words: number; p: number }>();
  scored.forEach((v, i) => {
    const same = merged.get(v.text);
    if (same && same.words === v.words) {
      same.start = Math.min(same.start, v.start);
      same.end = Math.max(same.end, v.end);
    } else if (!same) merged.set(v.text, { start: v.start, end: v.end, words: v.words, p: pAcceptable[i] });
  });
  const all = [...merged.values()]
    .map((v) => ({ start: v.start, end: v.end, text: sentence.slice(v.start, v.end), delta: v.p - base, words: v.words }))
    .filter((s) => s.delta > 0)
    .map((s) => ({ ...s, rankKey: s.delta - (s.words - 1) * longerSpanMargin }))
    .sort((a, b) => b.rankKey - a.rankKey || a.start - b.start);
  return all.map(({ start, end, text, delta }) => ({ start, end, text, delta }));
}

/** Each word's error score: the highest of its tokens' scores (`positions` from tokenAlignment.ts); null without tokens. */
export function wordScores(positions: readonly (readonly number[])[], tokenScores: ArrayLike<number>): (number | null)[] {
  return positions.map((at) => (at.length ? Math.max(...at.map((i) => tokenScores[i])) : null));
}

/** Indices of the (at most) `n` words with the highest scores, best first; an earlier word wins a tie. */
export function worstWords(scores: readonly (number | null)[], n = TOKEN_SUSPECTS): number[] {
  return scores
    .map((score, i) => ({ score, i }))
    .filter((x): x is { score: number; i: number } => x.score !== null && Number.isFinite(x.score))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, n)
    .map((x) => x.i);
}

/** The deletion variant of each word of `ws` named by index, in that order (as variants(…, 'delete') writes them). */
export function deletionVariants(sentence: string, ws: readonly WordSpan[], indices: readonly number[]): Variant[] {
  return indices.map((i) => ({ start: ws[i].start, end: ws[i].end, text: without(sentence, ws[i].start, ws[i].end), words: 1 }));
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Suspects of the 'tokens' method: the words whose deletion variants were scored (`scored`, with P(acceptable)
 * `pAcceptable` each), best token score first, every one kept whatever its delta (the model's own pointer
 * decides the order; the delta says what deleting the word does). A word next to a copy of itself whose
 * deletion gives the same sentence is one suspect over both copies, as in rankSuspects: the model may score
 * either copy worse, and the first copy alone would point at the word that belongs there (on held-out prose,
 * all-mpnet-base-v2's top suspect hit 131 of 202 flagged errors without this, 154 with it).
 */
export function rankByTokenScores(sentence: string, base: number, scores: readonly (number | null)[], scored: readonly Variant[], pAcceptable: ArrayLike<number>): Suspect[] {
  if (scored.length !== pAcceptable.length) throw new RangeError(`${scored.length} variants but ${pAcceptable.length} scores`);
  const ws = words(sentence);
  if (scores.length !== ws.length) throw new RangeError(`${scores.length} word scores for ${ws.length} words`);
  return scored
    .map((v, i) => {
      const k = ws.findIndex((w) => w.start === v.start);
      const score = scores[k] ?? null;
      if (score === null) throw new RangeError(`no token score for the word at ${v.start}`);
      let { start, end } = v;
      for (const twin of [ws[k - 1], ws[k + 1]]) {
        if (twin && without(sentence, twin.start, twin.end) === v.text) {
          start = Math.min(start, twin.start);
          end = Math.max(end, twin.end);
        }
      }
      return { start, end, text: sentence.slice(start, end), delta: pAcceptable[i] - base, errorScore: sigmoid(score), score };
    })
    .sort((a, b) => b.score - a.score || a.start - b.start)
    .map(({ start, end, text, delta, errorScore }) => ({ start, end, text, delta, errorScore }));
}

/** Drops suspects that overlap a better-ranked one, so a list shows distinct places; keeps at most `limit`. */
export function distinctSuspects(ranked: readonly Suspect[], limit = 3): Suspect[] {
  const out: Suspect[] = [];
  for (const s of ranked) {
    if (out.length >= limit) break;
    if (!out.some((o) => s.start < o.end && o.start < s.end)) out.push(s);
  }
  return out;
}

export interface Clarity {
  /** The top suspect must raise P(acceptable) by at least this much. */
  minDelta: number;
  /** …and by at least this factor more than the next distinct suspect. */
  ratio: number;
}

export const DEFAULT_CLARITY: Clarity = { minDelta: 0.15, ratio: 2 };

/** The suspect a diagnostic may narrow to: one place clearly ahead of the rest, else null. */
export function clearSuspect(distinct: readonly Suspect[], clarity: Clarity = DEFAULT_CLARITY): Suspect | null {
  const [top, next] = distinct;
  if (!top || top.delta < clarity.minDelta) return null;
  if (next && top.delta < clarity.ratio * next.delta) return null;
  return top;
}

/** Whether a suspect points at an edit in [start, end); an empty edit (a dropped word) is hit by either neighbour. */
export function overlapsEdit(s: CharRange, edit: CharRange): boolean {
  if (edit.start === edit.end) return s.start <= edit.start + 1 && edit.start <= s.end;
  return s.start < edit.end && edit.start < s.end;
}

/** The mask and unknown tokens named in a model folder's tokenizer_config.json (a string or an AddedToken object). */
export function placeholdersOf(tokenizerConfig: object): Placeholders {
  const token = (key: string): string | null => {
    const v = (tokenizerConfig as Record<string, unknown>)[key];
    if (typeof v === 'string') return v;
    const content = (v as { content?: unknown } | null | undefined)?.content;
    return typeof content === 'string' ? content : null;
  };
  return { mask: token('mask_token'), unk: token('unk_token') };
}

/**
 * Where a suspect of `sentence` (the text the model read) lies in `source`, the document text the sentence was
 * extracted from ([sourceStart, sourceEnd)). The model's text has whitespace collapsed, markup removed and
 * code or URLs replaced, so the words are matched in order (case-insensitively) rather than by offset; null
 * when the suspect's words are not found in order in the source.
 */
export function sourceRangeOf(suspect: CharRange, sentence: string, source: string, sourceStart: number, sourceEnd: number): CharRange | null {
  const sentenceWords = words(sentence);
  const first = sentenceWords.findIndex((w) => w.end > suspect.start);
  let last = -1;
  sentenceWords.forEach((w, i) => {
    if (w.start < suspect.end) last = i;
  });
  if (first === -1 || last < first) return null;
  const sourceWords = words(source.slice(sourceStart, sourceEnd));
  // Greedy in-order alignment: a source word that the model did not read (a link target, say) is skipped.
  const at = new Array<WordSpan | undefined>(sentenceWords.length);
  let j = 0;
  for (let i = 0; i <= last; i++) {
    const want = sentenceWords[i].text.toLowerCase();
    let k = j;
    while (k < sourceWords.length && sourceWords[k].text.toLowerCase() !== want) k++;
    if (k === sourceWords.length) continue; // not in the source (a placeholder for masked code): stay put
    at[i] = sourceWords[k];
    j = k + 1;
  }
  const a = at[first];
  const b = at[last];
  if (!a || !b) return null;
  return { start: sourceStart + a.start, end: sourceStart + b.end };
}

/**
 * The part of the source a diagnostic narrows to (cola-bert.diagnosticRange "words"): the clear suspect
 * (clearSuspect) of a sentence that starts at `sentenceStart` in `source`, located there; null when no
 * place clearly stands out or it cannot be found in the source.
 */
export function narrowedRange(suspects: readonly Suspect[], sentence: string, source: string, sentenceStart: number, sentenceEnd: number, clarity: Clarity = DEFAULT_CLARITY): CharRange | null {
  const clear = clearSuspect(distinctSuspects(suspects, 2), clarity);
  return clear ? sourceRangeOf(clear, sentence, source, sentenceStart, sentenceEnd) : null;
}
