// Sentence segmentation over prose blocks (Intl.Segmenter, ICU sentence rules) mapped back to exact
// source ranges. Offsets are UTF-16 code units; positions are zero-based line/character as in the LSP.
import { extractProse, MASK_WORD, type ProseBlock, type ProseLanguage, type ProseOptions, DEFAULT_PROSE_OPTIONS } from './prose';
import { LineIndex, type Range } from './positions';

export interface Sentence {
  /** What the model reads: the sentence with whitespace runs collapsed and masks applied. */
  text: string;
  /** Source offsets [start, end). */
  start: number;
  end: number;
  range: Range;
  /** True when part of the sentence was masked (inline code, math, URLs, images). */
  masked: boolean;
}

export interface SegmentOptions extends ProseOptions {
  /** Sentences with fewer words than this (not counting masks) are not judged. */
  minWords: number;
  /** Sentences longer than this (characters) are not judged: they are rarely prose and cost most. */
  maxSentenceLength: number;
}

export const DEFAULT_SEGMENT_OPTIONS: SegmentOptions = { ...DEFAULT_PROSE_OPTIONS, minWords: 2, maxSentenceLength: 1000 };

export interface SegmentResult {
  sentences: Sentence[];
  /** Sentences dropped by `maxSentenceLength`, with their ranges (for a log line). */
  tooLong: { start: number; end: number }[];
}

let segmenter: Intl.Segmenter | undefined;
function sentenceSegmenter(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
  return segmenter;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

function wordCount(text: string, masked: boolean): number {
  let n = 0;
  for (const w of text.matchAll(WORD)) if (!(masked && w[0] === MASK_WORD)) n++;
  return n;
}

/**
 * Words that end with a period but rarely end a sentence: titles, initials, dotted acronyms. ICU's own
 * suppression list (`-u-ss-standard`) is not available through Intl.Segmenter, so breaks after these are
 * undone here ("in St. Louis", "John F. Kennedy", "the U.S. Army").
 */
const NO_BREAK_AFTER = /(?:^|[\s(“"'‘])(?:Mr|Mrs|Ms|Mx|Dr|Prof|St|Mt|Ft|Jr|Sr|Sen|Rep|Gov|Gen|Col|Lt|Capt|Sgt|Rev|Hon|Messrs|vs|cf|Cf|viz|approx|Fig|Figs|Eq|Eqs|Ch|Sec|Vol|[A-Z]|(?:[A-Za-z]\.)+[A-Za-z])\.[\s]*$/;

/** Sentence spans [start, end) of `text`, ICU breaks minus those after abbreviations. */
export function sentenceSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  let start = -1;
  for (const seg of sentenceSegmenter().segment(text)) {
    if (start === -1) start = seg.index;
    const end = seg.index + seg.segment.length;
    const next = text.slice(end).trimStart();
    // Merge only when the next sentence would begin like a continuation (a capital after a title, etc.).
    if (end < text.length && next && NO_BREAK_AFTER.test(text.slice(start, end))) continue;
    spans.push([start, end]);
    start = -1;
  }
  if (start !== -1) spans.push([start, text.length]);
  return spans;
}

/** Splits one block into sentences with source offsets. */
export function segmentBlock(block: ProseBlock, options: SegmentOptions, index: LineIndex, out: SegmentResult): void {
  const { text } = block;
  const maskStarts = new Set(block.masks);
  for (const [segStart, segEnd] of sentenceSpans(text)) {
    let s = segStart;
    let e = segEnd;
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    if (s >= e) continue;
    const start = block.srcStart[s];
    const end = block.srcEnd[e - 1];
    if (e - s > options.maxSentenceLength) {
      out.tooLong.push({ start, end });
      continue;
    }
    let masked = false;
    for (const m of maskStarts) if (m >= s && m < e) masked = true;
    const sentenceText = text.slice(s, e).replace(/\s+/g, ' ');
    if (wordCount(sentenceText, masked) < options.minWords) continue;
    out.sentences.push({ text: sentenceText, start, end, range: index.range(start, end), masked });
  }
}

/** Document text → sentences the model should judge, in document order. */
export function documentSentences(
  source: string,
  language: ProseLanguage,
  options: SegmentOptions = DEFAULT_SEGMENT_OPTIONS,
  index: LineIndex = new LineIndex(source),
): SegmentResult {
  const out: SegmentResult = { sentences: [], tooLong: [] };
  for (const block of extractProse(source, language, options)) segmentBlock(block, options, index, out);
  return out;
}
