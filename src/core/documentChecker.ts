// One document's check, free of any editor: text → prose → sentences → predictions → flagged sentences.
// A DocumentChecker remembers the predictions of its previous pass, so an edit re-infers only the
// sentences whose text changed; work per pass is capped (visible ranges first) so a huge file never
// stalls, and the caller runs another pass for what is left (`pending`).
import type { Prediction } from './inference';
import { LineIndex, type Position } from './positions';
import { guardMarkdown } from './markupGuard';
import { markdownChunks, type ProseLanguage } from './prose';
import { DEFAULT_SEGMENT_OPTIONS, documentSentences, IncrementalSentences, type SegmentOptions, type SegmentResult, type Sentence } from './sentences';

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

export interface SkippedPart {
  reason: 'binary' | 'long-line' | 'long-sentence' | 'deep-nesting' | 'dense-markup' | 'unparsed';
  start: number;
  end: number;
  detail: string;
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

/** Text that is not prose at all: NUL bytes or many control characters near the start. */
export function looksBinary(text: string): boolean {
  const head = text.slice(0, 8192);
  if (head.includes('\u0000')) return true;
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  return head.length > 0 && control / head.length > 0.1;
}

/** The text an ignore entry is keyed by: whitespace-insensitive, so reflowing a paragraph keeps it. */
export function normalizeSentence(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** What extraction needs (plain data, so it can be posted to a worker). */
export interface ExtractOptions extends SegmentOptions {
  language: ProseLanguage;
  maxLineLength: number;
}

export interface Extraction {
  sentences: Sentence[];
  skipped: SkippedPart[];
}

export type Extractor = (text: string, options: ExtractOptions) => Extraction | Promise<Extraction>;

export function extractOptionsOf(o: CheckOptions): ExtractOptions {
  return { language: o.language, maxLineLength: o.maxLineLength, headings: o.headings, tables: o.tables, minWords: o.minWords, maxSentenceLength: o.maxSentenceLength };
}

/**
 * Text → the sentences to judge, minus binary content, very long lines, very long sentences and Markdown
 * that would take the parser super-linear time (each noted). With `incremental` (one per document), only
 * the Markdown chunks that changed are parsed again. Never throws on any text: what cannot be parsed is
 * skipped and noted.
 */
export function extractSentences(text: string, options: ExtractOptions, incremental?: IncrementalSentences): Extraction {
  // A byte order mark is not text: editors drop it, and left in it shifted micromark's offsets against ours.
  if (text.charCodeAt(0) === 0xfeff) return afterMark(extractSentences(text.slice(1), options, incremental));
  const skipped: SkippedPart[] = [];
  if (looksBinary(text)) {
    skipped.push({ reason: 'binary', start: 0, end: text.length, detail: 'NUL or control characters: not text' });
    return { sentences: [], skipped };
  }
  const index = new LineIndex(text);
  const longLines = index.longLines(options.maxLineLength);
  for (const l of longLines) {
    skipped.push({ reason: 'long-line', start: l.start, end: l.end, detail: `line ${l.line + 1} has ${l.end - l.start} characters (limit ${options.maxLineLength})` });
  }
  // Long lines are cut down before parsing, not after: parsing and splitting them cost the most.
  const short = cutOut(text, longLines.map((l) => {
    const keepTo = l.start + Math.min(LONG_LINE_KEPT, l.end - l.start);
    return { start: keepTo, end: Math.max(keepTo, l.end - LONG_LINE_KEPT), by: '' };
  }));
  let parsed = short;
  if (options.language === 'markdown') {
    const guarded = guardMarkdown(short.text);
    for (const r of guarded.regions) skipped.push({ reason: r.reason, start: short.toSource(r.start), end: short.toSource(r.end), detail: r.detail });
    // A blank line in place of each guarded chunk keeps its neighbours apart, as they were.
    const guardedOut = cutOut(short.text, guarded.regions.map((r) => ({ start: r.start, end: r.end, by: '\n' })));
    parsed = { text: guardedOut.text, toSource: (o: number) => short.toSource(guardedOut.toSource(o)) };
  }
  const moved = parsed.text !== text;
  // Where nothing was cut, the sentences' ranges are already those of `text`.
  const parsedIndex = moved ? new LineIndex(parsed.text) : index;
  let segmented: SegmentResult;
  try {
    segmented = incremental ? incremental.extract(parsed.text, options.language, options, parsedIndex) : documentSentences(parsed.text, options.language, options, parsedIndex);
  } catch {
    segmented = chunkByChunk(parsed.text, options, (start, end, why) => skipped.push({ reason: 'unparsed', start: parsed.toSource(start), end: parsed.toSource(end), detail: `could not be parsed: ${why}` }));
  }
  for (const t of segmented.tooLong) {
    const s = moved ? { start: parsed.toSource(t.start), end: parsed.toSource(t.end) } : t;
    if (longLines.length && overlaps(s, longLines)) continue; // already noted as a long line
    skipped.push({ reason: 'long-sentence', start: s.start, end: s.end, detail: `sentence of ${t.end - t.start} characters (limit ${options.maxSentenceLength})` });
  }
  const sentences: Sentence[] = [];
  for (const s of segmented.sentences) {
    if (!moved) {
      sentences.push(s);
      continue;
    }
    const start = parsed.toSource(s.start);
    const end = parsed.toSource(s.end);
    if (longLines.length && overlaps({ start, end }, longLines)) continue;
    sentences.push({ text: s.text, start, end, range: index.range(start, end), masked: s.masked });
  }
  skipped.sort((a, b) => a.start - b.start);
  return { sentences, skipped };
}

/** Characters kept from each end of a cut long line, so what it opens or closes (a fence, a comment) still does. */
const LONG_LINE_KEPT = 64;

/** `text` with each [start, end) replaced by `by` (in order, not overlapping), and the way back to offsets in `text`. */
function cutOut(text: string, cuts: readonly { start: number; end: number; by: string }[]): { text: string; toSource(offset: number): number } {
  if (!cuts.length) return { text, toSource: (o) => o };
  const parts: string[] = [];
  const marks: { at: number; shift: number }[] = [];
  let from = 0;
  let shift = 0;
  for (const c of cuts) {
    parts.push(text.slice(from, c.start), c.by);
    shift += c.end - c.start - c.by.length;
    // Offsets at or past the replacement's end (in the new text) moved by everything removed so far.
    marks.push({ at: c.start + c.by.length - (shift - (c.end - c.start - c.by.length)), shift });
    from = c.end;
  }
  parts.push(text.slice(from));
  const toSource = (offset: number): number => {
    let lo = 0;
    let hi = marks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid].at <= offset) lo = mid + 1;
      else hi = mid;
    }
    return offset + (lo ? marks[lo - 1].shift : 0);
  };
  return { text: parts.join(''), toSource };
}

/** The fallback when a whole-document parse throws: each top-level chunk on its own, failures skipped. */
function chunkByChunk(text: string, options: ExtractOptions, skip: (start: number, end: number, why: string) => void): SegmentResult {
  const out: SegmentResult = { sentences: [], tooLong: [] };
  const chunks = options.language === 'markdown' ? markdownChunks(text) : [{ start: 0, end: text.length }];
  for (const c of chunks) {
    try {
      const part = documentSentences(text.slice(c.start, c.end), options.language, options);
      for (const s of part.sentences) out.sentences.push({ ...s, start: s.start + c.start, end: s.end + c.start });
      for (const t of part.tooLong) out.tooLong.push({ start: t.start + c.start, end: t.end + c.start });
    } catch (e) {
      skip(c.start, c.end, e instanceof Error ? e.message : String(e));
    }
  }
  return out;
}

/** Offsets and first-line characters of an extraction made without a leading byte order mark, put back in place. */
function afterMark(e: Extraction): Extraction {
  const char = (p: Position) => (p.line === 0 ? { line: 0, character: p.character + 1 } : p);
  return {
    sentences: e.sentences.map((s) => ({ ...s, start: s.start + 1, end: s.end + 1, range: { start: char(s.range.start), end: char(s.range.end) } })),
    skipped: e.skipped.map((k) => ({ ...k, start: k.start + 1, end: k.end + 1 })),
  };
}

/** An in-process extractor for one document, re-parsing only what changed between calls. */
export function createExtractor(): Extractor {
  const incremental = new IncrementalSentences();
  return (text, options) => extractSentences(text, options, incremental);
}

function abortError(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}

function overlaps(a: { start: number; end: number }, ranges: readonly { start: number; end: number }[]): boolean {
  return ranges.some((r) => a.start < r.end && r.start < a.end);
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
