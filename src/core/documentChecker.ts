// One document's check, free of any editor: text → prose → sentences → predictions → flagged sentences.
// A DocumentChecker remembers the predictions of its previous pass, so an edit re-infers only the
// sentences whose text changed; work per pass is capped (visible ranges first) so a huge file never
// stalls, and the caller runs another pass for what is left (`pending`).
import { createExtractor, overlaps, type ExtractOptions, type Extractor, type SkippedPart } from './extraction/extractSentences';
import type { Prediction } from './inference';
import type { ProseLanguage } from './prose';
import { DEFAULT_SEGMENT_OPTIONS, type SegmentOptions, type Sentence } from './sentences';

// The checker's callers meet extraction through it (the CLI, the editor, tests); it lives in src/core/extraction/.
export { createExtractor, extractSentences, looksBinary, type ExtractOptions, type Extraction, type Extractor, type SkippedPart } from './extraction/extractSentences';

export interface Predictor {
  predict(sentences: readonly string[], signal?: AbortSignal): Promise<Prediction[]>;
}

export interface CheckOptions extends SegmentOptions {
  language: ProseLanguage;
  /** A sentence is flagged when P(acceptable) is below this. */
  threshold: number;
  /** At most this many sentences are sent to the model in one pass; the rest stay `pending`. */
  maxSentencesPerPass: number;
  /** Lines longer than this (characters) are not checked (minified files, data, base64). */
  maxLineLength: number;
  /** Offset ranges checked first (the visible part of an editor). */
  priority?: readonly { start: number; end: number }[];
  /** Sentences the user chose to ignore (by normalized text) are never flagged. */
  isIgnored?: (text: string) => boolean;
  /** Called before the predictor runs, with the number of sentences sent (status displays). */
  onInfer?: (sentences: number) => void;
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = {
  ...DEFAULT_SEGMENT_OPTIONS,
  language: 'markdown',
  threshold: 0.5,
  maxSentencesPerPass: 2000,
  maxLineLength: 10_000,
};

export interface CheckedSentence extends Sentence, Prediction {
  flagged: boolean;
  ignored: boolean;
}

export interface CheckResult {
  /** Sentences with a prediction, in document order. */
  sentences: CheckedSentence[];
  /** Sentences found in the document (judged or pending). */
  total: number;
  /** Sentences left for a later pass because of `maxSentencesPerPass`. */
  pending: number;
  /** Distinct sentence texts sent to the predictor in this pass. */
  inferred: number;
  skipped: SkippedPart[];
  timings: { extractMs: number; inferMs: number };
}

/** The text an ignore entry is keyed by: whitespace-insensitive, so reflowing a paragraph keeps it. */
export function normalizeSentence(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function extractOptionsOf(o: CheckOptions): ExtractOptions {
  return { language: o.language, maxLineLength: o.maxLineLength, headings: o.headings, tables: o.tables, minWords: o.minWords, maxSentenceLength: o.maxSentenceLength };
}

function abortError(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}

export class DocumentChecker {
  private known = new Map<string, Prediction>();
  private last: CheckResult | undefined;

  /** `extract` may run elsewhere (src/core/proseWorkerClient.ts moves it off the editor's main thread). */
  constructor(
    private readonly predictor: Predictor,
    private readonly extract: Extractor = createExtractor(),
  ) {}

  /** The previous pass's result (for hovers and code actions). */
  get lastResult(): CheckResult | undefined {
    return this.last;
  }

  /**
   * The judged sentence covering `offset`, from the previous pass. Where one sentence ends exactly where
   * the next begins ("bark?The dog"), the one starting there wins; the end offset counts only as a fallback
   * (a cursor just after the final period).
   */
  sentenceAt(offset: number): CheckedSentence | undefined {
    const sentences = this.last?.sentences;
    return sentences?.find((s) => s.start <= offset && offset < s.end) ?? sentences?.find((s) => s.end === offset);
  }

  /** Forget remembered predictions (after the model changed). */
  reset(): void {
    this.known.clear();
    this.last = undefined;
  }

  /** Runs one pass; rejects with an AbortError when `signal` aborts (remembered predictions stay). */
  async check(text: string, options: CheckOptions, signal?: AbortSignal): Promise<CheckResult> {
    const t0 = performance.now();
    const { sentences: all, skipped } = await this.extract(text, extractOptionsOf(options));
    if (signal?.aborted) throw abortError();
    const extractMs = performance.now() - t0;

    // What the model has not seen yet, visible ranges first, then document order, capped.
    const missing: Sentence[] = [];
    const seen = new Set<string>();
    for (const s of all) {
      if (!this.known.has(s.text) && !seen.has(s.text)) {
        seen.add(s.text);
        missing.push(s);
      }
    }
    const priority = options.priority ?? [];
    if (priority.length) missing.sort((a, b) => Number(overlaps(b, priority)) - Number(overlaps(a, priority)) || a.start - b.start);
    const batch = missing.slice(0, Math.max(0, options.maxSentencesPerPass)).map((s) => s.text);

    const t1 = performance.now();
    if (batch.length) options.onInfer?.(batch.length);
    const fresh = batch.length ? await this.predictor.predict(batch, signal) : [];
    if (signal?.aborted) throw abortError();
    const inferMs = performance.now() - t1;

    const next = new Map<string, Prediction>();
    batch.forEach((t, i) => next.set(t, fresh[i]));
    const sentences: CheckedSentence[] = [];
    let pending = 0;
    for (const s of all) {
      const p = next.get(s.text) ?? this.known.get(s.text);
      if (!p) {
        pending++;
        continue;
      }
      next.set(s.text, p);
      const ignored = options.isIgnored?.(normalizeSentence(s.text)) ?? false;
      // Spelled out: `{ ...s, more }` took V8's slow path and cost ~12 ms a pass for 2,000 sentences.
      sentences.push({
        text: s.text, start: s.start, end: s.end, range: s.range, masked: s.masked,
        pAcceptable: p.pAcceptable, pUnacceptable: p.pUnacceptable, ignored, flagged: !ignored && p.pAcceptable < options.threshold,
      });
    }
    // Keep only what the current text holds, so memory follows the document, not its history.
    this.known = next;
    return this.finish({ sentences, total: all.length, pending, inferred: batch.length, skipped, timings: { extractMs, inferMs } });
  }

  private finish(result: CheckResult): CheckResult {
    this.last = result;
    return result;
  }
}
