// Document text → the sentences to judge, with what was skipped and why: the one extraction used by the
// checker (src/core/documentChecker.ts), the prose worker (src/core/proseWorker.ts) and the CLI. Binary
// text, over-long lines, and Markdown too deeply nested or too dense in markup (markupGuard.ts) are left
// out and noted before the rest is read; nothing here throws on any text.
import { LineIndex } from '../positions';
import { markdownChunks } from '../prose';
import { documentSentences, IncrementalSentences, type SegmentResult } from '../sentences';
import { guardMarkdown } from './markupGuard';
import type { ExtractOptions, Extraction, Position, Sentence, SkippedPart } from '../../../protocol/proseProtocol';

export type { ExtractOptions, Extraction, SkippedPart };

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

export type Extractor = (text: string, options: ExtractOptions) => Extraction | Promise<Extraction>;

/**
 * Text → the sentences to judge, minus binary content, very long lines, very long sentences and Markdown
 * too deeply nested or too dense in markup to be prose (each noted). With `incremental` (one per document), only
 * the Markdown chunks that changed are parsed again. Never throws on any text: what cannot be parsed is
 * skipped and noted.
 */
export function extractSentences(text: string, options: ExtractOptions, incremental?: IncrementalSentences): Extraction {
  // A byte order mark is not text: editors drop it, and offsets are counted without it.
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

export function overlaps(a: { start: number; end: number }, ranges: readonly { start: number; end: number }[]): boolean {
  return ranges.some((r) => a.start < r.end && r.start < a.end);
}
