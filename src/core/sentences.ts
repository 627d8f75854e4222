// Sentence segmentation over prose blocks (Intl.Segmenter, ICU sentence rules) mapped back to exact
// source ranges. Offsets are UTF-16 code units; positions are zero-based line/character as in the LSP.
import { forEachMarkdownBlock, forEachProseBlock, markdownChunks, MASK_WORD, type Definition, type ProseBlock, type ProseLanguage, DEFAULT_PROSE_OPTIONS } from './prose';
import { LineIndex } from './positions';
import type { SegmentOptions, Sentence } from '../../protocol/proseProtocol';

export type { SegmentOptions, Sentence };

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
const ABBREVIATION = /^(?:Mr|Mrs|Ms|Mx|Dr|Prof|St|Mt|Ft|Jr|Sr|Sen|Rep|Gov|Gen|Col|Lt|Capt|Sgt|Rev|Hon|Messrs|vs|cf|Cf|viz|approx|Fig|Figs|Eq|Eqs|Ch|Sec|Vol|[A-Z]|(?:[A-Za-z]\.)+[A-Za-z])\.$/;
/** What may stand right before an abbreviation (or the start of the sentence). */
const BEFORE_ABBREVIATION = /[\s(“"'‘]/;
/** Longest abbreviation above that is not a dotted acronym ("Messrs."). */
const LONGEST_WORD_ABBREVIATION = 7;

/**
 * Whether text[start, end) ends with an abbreviation followed only by whitespace. Reads backwards from
 * `end` over at most the last word, so checking every break of a long run of merged sentences stays
 * linear (testing a regex against the whole merged slice each time was quadratic).
 */
function endsWithAbbreviation(text: string, start: number, end: number): boolean {
  let e = end;
  while (e > start && /\s/.test(text[e - 1])) e--;
  if (e <= start || text[e - 1] !== '.') return false;
  let b = e - 1;
  // Only letters and dots can precede the final period; two letters in a row only within a short word.
  while (b > start && !BEFORE_ABBREVIATION.test(text[b - 1])) {
    const c = text[b - 1];
    if (!/[A-Za-z.]/.test(c)) return false;
    if (e - b > LONGEST_WORD_ABBREVIATION && (c === '.' ? text[b] === '.' : text[b] !== '.')) return false;
    b--;
  }
  return ABBREVIATION.test(text.slice(b, e));
}

/** Characters handed to ICU at a time. */
const SEGMENT_WINDOW = 4096;

/**
 * Calls `visit` with ICU's sentence breaks (segment ends) of `text`, in order. V8's segment iterator costs
 * time proportional to the whole string at every step (a 250,000-character block took 4 s, 20 windows of
 * it 0.1 s), so the text goes through in windows. A window starts at a break (where ICU's forward rules
 * start afresh) and only its breaks before the last real one are kept: the window's end is not a break,
 * and the break just before it may have been decided by looking past it. A window without two real
 * breaks grows. Breaks are handed on, not collected: a long paragraph's arrays of them outlived the young
 * generation and stayed in memory until the next full collection.
 */
function forEachIcuBreak(text: string, visit: (end: number) => void): void {
  const ends: number[] = [];
  let from = 0;
  let size = SEGMENT_WINDOW;
  while (from < text.length) {
    const to = Math.min(text.length, from + size);
    ends.length = 0;
    for (const seg of sentenceSegmenter().segment(text.slice(from, to))) ends.push(from + seg.index + seg.segment.length);
    if (to === text.length) {
      for (const e of ends) visit(e);
      break;
    }
    if (ends.length < 3) {
      size *= 2;
      continue;
    }
    ends.length -= 2; // the window's end, and the real break that may have looked past it
    for (const e of ends) visit(e);
    from = ends[ends.length - 1];
    size = SEGMENT_WINDOW;
  }
}

/** ICU's sentence breaks (segment ends) of `text` (forEachIcuBreak, collected). */
export function icuBreaks(text: string): number[] {
  const breaks: number[] = [];
  forEachIcuBreak(text, (end) => breaks.push(end));
  return breaks;
}

/** Calls `visit` with each sentence span [start, end) of `text`: ICU breaks minus those after abbreviations. */
function forEachSentenceSpan(text: string, visit: (start: number, end: number) => void): void {
  // A break is undone only when more text follows; found once, not by copying the rest at every break.
  let lastText = text.length;
  while (lastText > 0 && /\s/.test(text[lastText - 1])) lastText--;
  let start = -1;
  let from = 0;
  forEachIcuBreak(text, (end) => {
    if (start === -1) start = from;
    from = end;
    // Merge only when the next sentence would begin like a continuation (a capital after a title, etc.).
    if (end < lastText && endsWithAbbreviation(text, start, end)) return;
    visit(start, end);
    start = -1;
  });
  if (start !== -1) visit(start, text.length);
}

/** Sentence spans [start, end) of `text`, ICU breaks minus those after abbreviations. */
export function sentenceSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  forEachSentenceSpan(text, (start, end) => spans.push([start, end]));
  return spans;
}

type Located = Omit<Sentence, 'range'>;

interface Segmented {
  sentences: Located[];
  tooLong: { start: number; end: number }[];
}

/** Splits one block into sentences with source offsets. */
function segmentBlock(block: ProseBlock, options: SegmentOptions, out: Segmented, index?: LineIndex): void {
  const { text, masks } = block;
  // Masks are in text order, like the sentences: one pointer walks both (testing every mask for every
  // sentence was quadratic in a long paragraph full of URLs or math).
  let mask = 0;
  forEachSentenceSpan(text, (segStart, segEnd) => {
    let s = segStart;
    let e = segEnd;
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    if (s >= e) return;
    const start = block.start(s);
    const end = block.end(e - 1);
    if (e - s > options.maxSentenceLength) {
      out.tooLong.push({ start, end });
      return;
    }
    while (mask < masks.length && masks[mask] < s) mask++;
    const masked = mask < masks.length && masks[mask] < e;
    const sentenceText = text.slice(s, e).replace(/\s+/g, ' ');
    if (wordCount(sentenceText, masked) < options.minWords) return;
    // With the document's index at hand the sentence gets its range at once: no second object per sentence.
    if (index) {
      const sentence: Sentence = { text: sentenceText, start, end, range: index.range(start, end), masked };
      out.sentences.push(sentence);
    } else out.sentences.push({ text: sentenceText, start, end, masked });
  });
}

function withRanges(located: Segmented, index: LineIndex, shift = 0, out: SegmentResult = { sentences: [], tooLong: [] }): SegmentResult {
  for (const s of located.sentences) {
    const start = s.start + shift;
    const end = s.end + shift;
    out.sentences.push({ text: s.text, start, end, range: index.range(start, end), masked: s.masked });
  }
  for (const t of located.tooLong) out.tooLong.push({ start: t.start + shift, end: t.end + shift });
  return out;
}

/** Document text → sentences the model should judge, in document order. */
export function documentSentences(
  source: string,
  language: ProseLanguage,
  options: SegmentOptions = DEFAULT_SEGMENT_OPTIONS,
  index: LineIndex = new LineIndex(source),
): SegmentResult {
  // Each block is split as soon as it is read, so only one block is held at a time.
  const out: SegmentResult = { sentences: [], tooLong: [] };
  forEachProseBlock(source, language, options, (block) => segmentBlock(block, options, out, index));
  return out;
}

/** The sentences of given prose blocks of `source` (documentSentences after its extraction step). */
export function sentencesOfBlocks(blocks: Iterable<ProseBlock>, source: string, options: SegmentOptions = DEFAULT_SEGMENT_OPTIONS, index: LineIndex = new LineIndex(source)): SegmentResult {
  const located: Segmented = { sentences: [], tooLong: [] };
  for (const block of blocks) segmentBlock(block, options, located);
  return withRanges(located, index);
}

/** Cache key of a chunk's parse. Keys that are not the bare text start with NUL and a tag, so no chunk
 * text (which could start with NUL past the binary check's window) collides with another kind of key. */
function chunkKey(text: string, first: boolean, definitionsKey: string): string {
  if (definitionsKey) return `\u0000defs ${definitionsKey}\u0000${first ? 'first' : 'later'}\u0000${text}`;
  if (first) return `\u0000first\u0000${text}`;
  return text.startsWith('\u0000') ? `\u0000plain\u0000${text}` : text;
}

/**
 * documentSentences for a document that changes a little at a time: Markdown is cut into independent
 * chunks (markdownChunks) and only chunks whose text changed are parsed again. Same result as
 * documentSentences (test/unit/prose.test.ts checks it on every fixture and on random edits).
 */
export class IncrementalSentences {
  private cache = new Map<string, Parsed>();
  private optionsKey = '';
  // Cache keys name the document's definitions by a number, not by their text: a key holding all the
  // definitions for every chunk with a `[` grew with chunks × definitions.
  private definitionsText = '';
  private definitionsNumber = 0;

  private definitionsKey(definitions: string): string {
    if (definitions !== this.definitionsText) {
      this.definitionsText = definitions;
      this.definitionsNumber++;
    }
    return String(this.definitionsNumber);
  }

  /** Chunk parses run in the last call (the rest came from the cache); -1 when the whole document was parsed. */
  lastParsed = 0;

  extract(source: string, language: ProseLanguage, options: SegmentOptions = DEFAULT_SEGMENT_OPTIONS, index: LineIndex = new LineIndex(source)): SegmentResult {
    if (language !== 'markdown') return documentSentences(source, language, options, index);
    const optionsKey = JSON.stringify([options.headings, options.tables, options.minWords, options.maxSentenceLength]);
    if (optionsKey !== this.optionsKey) {
      this.cache.clear();
      this.optionsKey = optionsKey;
    }
    const next = new Map<string, Parsed>();
    this.lastParsed = 0;
    // The common key is the chunk's text itself (a slice of the document, nothing copied); building a
    // longer key for every chunk on every pass cost a few ms of copying and hashing on a 90 kB document.
    const chunks = markdownChunks(source).map((c, i) => {
      const text = source.slice(c.start, c.end);
      return { start: c.start, end: c.end, text, first: i === 0, plainKey: chunkKey(text, i === 0, '') };
    });
    // Mostly new text (the first pass, a paste): one whole parse is faster than many small ones.
    const uncached = chunks.filter((c) => !this.cache.has(c.plainKey)).length;
    if (chunks.length > 4 && uncached > chunks.length / 2) return this.seed(source, chunks, options, index);

    const parse = ({ text, first, plainKey }: (typeof chunks)[number], definitions: string, needSentences: boolean): Parsed => {
      const key = definitions ? chunkKey(text, first, this.definitionsKey(definitions)) : plainKey;
      let parsed = next.get(key) ?? this.cache.get(key);
      if (!parsed || (needSentences && !parsed.located)) {
        const located: Segmented = { sentences: [], tooLong: [] };
        const found: Definition[] = [];
        const parsedSource = definitions ? `${text}\n\n${definitions}\n` : text;
        forEachMarkdownBlock(parsedSource, options, first, found, (block) => {
          if (block.text.length && block.start(0) < text.length) segmentBlock(block, options, located);
        });
        parsed = { located, definitions: found.filter((d) => d.start < text.length).map((d) => d.source) };
        this.lastParsed++;
      }
      next.set(key, parsed);
      return parsed;
    };
    // Pass 1: each chunk's own link and footnote definitions (from the cache, or a parse of the chunk alone).
    const definitions = chunks.flatMap((c) => parse(c, '', false).definitions).join('\n');
    // Each chunk parsed again with the definitions reads them all: when many must be (the definitions
    // changed), one whole parse is cheaper and keeps the pass linear in the document.
    if (definitions) {
      const key = this.definitionsKey(definitions);
      let again = 0;
      for (const c of chunks) if (c.text.includes('[') && !this.cache.has(chunkKey(c.text, c.first, key))) again++;
      if (again > 1 && again * definitions.length > 2 * source.length) return this.seed(source, chunks, options, index);
    }
    // Pass 2: where a reference could resolve to a definition in another chunk, parse with all of them.
    const out: SegmentResult = { sentences: [], tooLong: [] };
    for (const c of chunks) {
      const parsed = parse(c, definitions && c.text.includes('[') ? definitions : '', true);
      withRanges(parsed.located!, index, c.start, out);
    }
    this.cache = next;
    return out;
  }

  /** Parses the whole document once and files its sentences and definitions under each chunk. */
  private seed(
    source: string,
    chunks: { start: number; end: number; text: string; first: boolean; plainKey: string }[],
    options: SegmentOptions,
    index: LineIndex,
  ): SegmentResult {
    const found: Definition[] = [];
    const located: Segmented = { sentences: [], tooLong: [] };
    forEachMarkdownBlock(source, options, true, found, (block) => segmentBlock(block, options, located));
    const definitions = found.map((d) => d.source).join('\n');
    const definitionsKey = definitions ? this.definitionsKey(definitions) : '';
    const next = new Map<string, Parsed>();
    // Each item goes to the chunk holding its start, found by binary search (filtering every item for
    // every chunk was quadratic: a 2 MB document's first pass took 1.8 s).
    const chunkOf = (offset: number) => {
      let lo = 0;
      let hi = chunks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (chunks[mid].start <= offset) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const own = chunks.map(() => [] as string[]);
    const mine = chunks.map((): Segmented => ({ sentences: [], tooLong: [] }));
    for (const d of found) own[chunkOf(d.start)].push(d.source);
    for (const x of located.sentences) {
      const k = chunkOf(x.start);
      mine[k].sentences.push({ ...x, start: x.start - chunks[k].start, end: x.end - chunks[k].start });
    }
    for (const x of located.tooLong) {
      const k = chunkOf(x.start);
      mine[k].tooLong.push({ start: x.start - chunks[k].start, end: x.end - chunks[k].start });
    }
    for (let k = 0; k < chunks.length; k++) {
      const c = chunks[k];
      if (definitions && c.text.includes('[')) {
        // The whole parse resolved references across chunks: that is the with-definitions result.
        next.set(c.plainKey, { definitions: own[k] });
        next.set(chunkKey(c.text, c.first, definitionsKey), { located: mine[k], definitions: own[k] });
      } else {
        next.set(c.plainKey, { located: mine[k], definitions: own[k] });
      }
    }
    this.cache = next;
    this.lastParsed = -1;
    return withRanges(located, index);
  }
}

interface Parsed {
  /** Absent when only the chunk's definitions are known (filled from a whole-document parse). */
  located?: Segmented;
  definitions: string[];
}
