// Messages between InferenceService (main thread) and inferenceWorker (worker thread). One file, used by
// both sides; every request carries an id and is answered exactly once (a result or an error).

/** How attribution takes a word out of the sentence to score the rest (src/core/attribution.ts). */
export type VariantMethod = 'delete' | 'mask' | 'unk';

export const VARIANT_METHODS: readonly VariantMethod[] = ['delete', 'mask', 'unk'];

/**
 * How attribution finds the words (src/core/attribution.ts): by scoring a variant per word (a VariantMethod), or
 * ('tokens') by the model's own error score per token, for a folder whose model outputs `token_logits`.
 */
export type AttributionMethod = VariantMethod | 'tokens';

export const ATTRIBUTION_METHODS: readonly AttributionMethod[] = [...VARIANT_METHODS, 'tokens'];

export interface CharRange {
  /** [start, end) in UTF-16 code units of the sentence. */
  start: number;
  end: number;
}

export interface Variant extends CharRange {
  /** The sentence with the words in [start, end) taken out. */
  text: string;
  /** Words in the span. */
  words: number;
}

/** A candidate correction (src/core/suggestions.ts). */
export type EditKind = 'delete' | 'swap' | 'a_an' | 'confusable' | 'insert' | 'inflection' | 'pronoun_case' | 'determiner' | 'preposition' | 'mlm';

export interface Candidate {
  /** The sentence after the edit. */
  text: string;
  kind: EditKind;
  /** Words [first, last] of the sentence that the edit replaces (by index in words(sentence)). */
  first: number;
  last: number;
  /** What replaces those words, spaces included ('' deletes them with one neighbouring space). */
  replacement: string;
}

/** The model folder's masked LM, when it has one (src/core/maskedLm.ts). */
export interface MaskedLmInfo {
  /** Absolute path of the MLM's ONNX file. */
  onnxPath: string;
  /** Token ids per position the graph returns (its TopK). */
  topK: number;
  /** The tokenizer's mask token, e.g. "[MASK]". */
  maskToken: string;
}


/** An isotonic calibration's map (cola-bert.json calibration.knots): s the raw log-odds l1 − l0, p P(acceptable), both strictly increasing. */
export interface IsotonicKnots {
  s: number[];
  p: number[];
  /** The weight of the affine sigmoid mixed in (keeps the map strictly increasing beyond the knots). */
  affineShare: number;
}

/**
 * How the worker turns logits into P(acceptable): sigmoid((l1 − l0) / temperature + bias), or with knots
 * (1 − affineShare) · iso(l1 − l0) + affineShare · that sigmoid (src/core/calibratedProbability.ts).
 */
export interface Scaling {
  temperature: number;
  bias: number;
  knots?: IsotonicKnots;
}

export interface LoadRequest {
  type: 'load';
  id: number;
  onnxPath: string;
  modelDir: string;
  maxLength: number;
  threads: number;
  batchSize: number;
  /** The model's calibration (temperature 1, bias 0 = none). */
  scaling: Scaling;
  /** The model folder's masked LM for suggestion candidates (maskedLm.ts), or null when it has none. */
  maskedLm: MaskedLmInfo | null;
  /** Absolute path of the folder's word-forms file for inflection candidates (wordForms.ts), or null when it has none. */
  wordForms: string | null;
}

export interface PredictRequest {
  type: 'predict';
  id: number;
  sentences: string[];
}

/**
 * Per-token scores of several sentences packed in one transfer: sentence i's are values[offsets[i], offsets[i + 1]),
 * one per token of its encoding (special tokens included).
 */
export interface PackedTokenScores {
  values: Float32Array;
  offsets: Int32Array;
}

/**
 * Part `index` of `count` of the texts a request makes from one sentence. Each worker session runs on its
 * own core, so the service splits one sentence's variants (or candidates) between the workers and they
 * score their parts at the same time; every worker builds the same list and takes its contiguous slice.
 * Each text runs alone (one row per onnxruntime run), so its score does not depend on which part it is in;
 * part 0 also scores the sentence itself, once for all parts.
 */
export interface Part {
  index: number;
  count: number;
}

/** The slice of `items` that part `part` scores. */
export function partOf<T>(items: readonly T[], part: Part): T[] {
  return items.slice(Math.floor((part.index * items.length) / part.count), Math.floor(((part.index + 1) * items.length) / part.count));
}

function isPart(value: unknown): value is Part {
  const p = value as Partial<Part> | null | undefined;
  return Number.isInteger(p?.index) && Number.isInteger(p?.count) && p!.count! >= 1 && p!.index! >= 0 && p!.index! < p!.count!;
}

/**
 * Score the variants of one sentence with words taken out (attribution.ts): the worker builds them and scores
 * its part of them, each text alone.
 */
export interface AttributeRequest {
  type: 'attribute';
  id: number;
  sentence: string;
  method: AttributionMethod;
  maxSpan: number;
  part: Part;
  /**
   * The 'tokens' method: the sentence's token scores from its check (one per token of its encoding), so the
   * worker need not run the sentence first to know which words to delete; absent, it runs it.
   */
  tokenScores?: number[];
}

/** A text the attribution already scored (a deletion variant), so a suggestion need not run it again. */
export interface KnownScore {
  text: string;
  pAcceptable: number;
}

/**
 * Score its part of the candidate corrections around `suspects` (suggestions.ts), at most `budget` of them,
 * best ranked first (candidateBudget.ts), each text alone.
 */
export interface SuggestRequest {
  type: 'suggest';
  id: number;
  sentence: string;
  suspects: CharRange[];
  part: Part;
  /** The attribution's per-word error scores ('tokens' method), which rank the candidates; absent otherwise. */
  wordScores?: (number | null)[];
  /** Texts already scored: a candidate among them costs no run and does not count against the budget. */
  known: KnownScore[];
  /** Candidates scored at most (the best ranked), over all parts; Infinity scores every one. */
  budget: number;
}

/** Drop a predict request: skipped when not started yet, stopped between batches otherwise. */
export interface CancelRequest {
  type: 'cancel';
  id: number;
}

/**
 * Release the session and end the thread, after the batch that is running. Worker.terminate() in the middle
 * of a synchronous session.run made onnxruntime-node's N-API layer throw a C++ exception that aborted the
 * whole process (seen with two workers), so the service stops workers with this and terminates only a
 * worker that does not exit in time.
 */
export interface StopRequest {
  type: 'stop';
  id: number;
}

export type MainToWorker = LoadRequest | PredictRequest | AttributeRequest | SuggestRequest | CancelRequest | StopRequest;

export interface LoadedReply {
  type: 'loaded';
  id: number;
  inputNames: string[];
  outputNames: string[];
  loadMs: number;
}

export interface ResultReply {
  type: 'result';
  id: number;
  /** P(acceptable) per sentence, in request order. */
  pAcceptable: Float64Array;
  /** P(unacceptable) per sentence (computed from the same softmax, not 1 − p). */
  pUnacceptable: Float64Array;
  batches: number;
  /** A tokens-head model's per-token error scores of each sentence (raw logits), in request order. */
  tokenScores?: PackedTokenScores;
  inferMs: number;
}

export interface AttributionReply {
  type: 'attribution';
  id: number;
  /** P(acceptable) of the sentence itself (the text alone), from part 0; null from the other parts. */
  pAcceptable: number | null;
  /** This part's variants, in order, and P(acceptable) of each. */
  variants: Variant[];
  p: number[];
  /**
   * The 'tokens' method only: per word of words(sentence), the highest error score (logit) among its tokens,
   * null for a word past the truncation; `variants` then delete the best-scored few of these words.
   */
  wordScores?: (number | null)[];
  inferMs: number;
}

export interface ScoredCandidate extends Candidate {
  pAcceptable: number;
}

export interface SuggestionsReply {
  type: 'suggestions';
  id: number;
  /** This part's candidates within the budget, best ranked first; part 0 adds those whose texts were known. */
  candidates: ScoredCandidate[];
  /** Candidates generated in all, before the budget. */
  generated: number;
  inferMs: number;
}

export interface CancelledReply {
  type: 'cancelled';
  id: number;
}

export type WorkerErrorKind = 'load' | 'tokenizer' | 'run' | 'protocol';

export interface ErrorReply {
  type: 'error';
  id: number;
  kind: WorkerErrorKind;
  message: string;
}

export type WorkerToMain = LoadedReply | ResultReply | AttributionReply | SuggestionsReply | CancelledReply | ErrorReply;

export function isWorkerToMain(value: unknown): value is WorkerToMain {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; id?: unknown };
  return typeof v.id === 'number' && (v.type === 'loaded' || v.type === 'result' || v.type === 'attribution' || v.type === 'suggestions' || v.type === 'cancelled' || v.type === 'error');
}

export function isMainToWorker(value: unknown): value is MainToWorker {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; id?: unknown; sentences?: unknown; sentence?: unknown; method?: unknown; maxSpan?: unknown; part?: unknown };
  if (typeof v.id !== 'number') return false;
  if (v.type === 'predict') return Array.isArray(v.sentences) && v.sentences.every((s) => typeof s === 'string');
  if (v.type === 'suggest') {
    const s = value as { suspects?: unknown; wordScores?: unknown; known?: unknown; budget?: unknown };
    return (
      typeof v.sentence === 'string' &&
      isPart(v.part) &&
      Array.isArray(s.suspects) &&
      s.suspects.every((r: { start?: unknown; end?: unknown } | null) => Number.isInteger(r?.start) && Number.isInteger(r?.end)) &&
      (s.wordScores === undefined || (Array.isArray(s.wordScores) && s.wordScores.every((x) => x === null || Number.isFinite(x)))) &&
      Array.isArray(s.known) &&
      s.known.every((k: { text?: unknown; pAcceptable?: unknown } | null) => typeof k?.text === 'string' && Number.isFinite(k.pAcceptable)) &&
      typeof s.budget === 'number' &&
      s.budget >= 0 &&
      (Number.isInteger(s.budget) || s.budget === Infinity)
    );
  }
  if (v.type === 'attribute') {
    const tokenScores = (value as { tokenScores?: unknown }).tokenScores;
    return (
      typeof v.sentence === 'string' &&
      isPart(v.part) &&
      (ATTRIBUTION_METHODS as readonly unknown[]).includes(v.method) &&
      Number.isInteger(v.maxSpan) &&
      (v.maxSpan as number) >= 1 &&
      (tokenScores === undefined || (Array.isArray(tokenScores) && tokenScores.every((x) => Number.isFinite(x))))
    );
  }
  return v.type === 'load' || v.type === 'cancel' || v.type === 'stop';
}
