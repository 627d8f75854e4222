// Messages between ProseWorkerClient (caller's thread) and proseWorker (worker thread), and the plain data
// they carry: what to extract (ExtractOptions) and what came out (Extraction: sentences and skipped parts).
// src/core/extraction builds on these types; this file imports nothing, so either side can use it.
//
// The answer crosses threads packed: structured-cloning ~2,000 sentence objects (each with a nested range)
// cost ~9 ms a pass on a 90,000-character document, more than re-parsing the edited chunk; one string plus
// one transferred Int32Array costs well under 1 ms.

/** Zero-based line and character (UTF-16 code units), as in the LSP and VS Code. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type ProseLanguage = 'markdown' | 'plaintext';

export interface ProseOptions {
  /** Judge ATX/setext headings as sentences. */
  headings: boolean;
  /** Judge GFM table cells as sentences. */
  tables: boolean;
}

export interface SegmentOptions extends ProseOptions {
  /** Sentences with fewer words than this (not counting masks) are not judged. */
  minWords: number;
  /** Sentences longer than this (characters) are not judged: they are rarely prose and cost most. */
  maxSentenceLength: number;
}

/** What extraction needs (plain data, so it can be posted to a worker). */
export interface ExtractOptions extends SegmentOptions {
  language: ProseLanguage;
  maxLineLength: number;
}

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

export interface SkippedPart {
  reason: 'binary' | 'long-line' | 'long-sentence' | 'deep-nesting' | 'dense-markup' | 'unparsed';
  start: number;
  end: number;
  detail: string;
}

export interface Extraction {
  sentences: Sentence[];
  skipped: SkippedPart[];
}

export type ProseRequest =
  /** `key` names a document: its chunks are remembered so the next request re-parses only what changed. */
  | { id: number; text: string; options: ExtractOptions; key?: string }
  /** The document is closed: the worker drops what it remembers of it. No answer. */
  | { forget: string };

/** Every request with an id is answered once: its extraction, packed, or why it failed. */
export type ProseResponse = { id: number; packed: PackedExtraction } | { id: number; error: string };

const FIELDS = 8; // start, end, start line, start character, end line, end character, masked, text length

export interface PackedExtraction {
  texts: string;
  numbers: Int32Array;
  skipped: SkippedPart[];
}

export function packExtraction(e: Extraction): PackedExtraction {
  const numbers = new Int32Array(e.sentences.length * FIELDS);
  const texts: string[] = [];
  e.sentences.forEach((s, i) => {
    const o = i * FIELDS;
    numbers[o] = s.start;
    numbers[o + 1] = s.end;
    numbers[o + 2] = s.range.start.line;
    numbers[o + 3] = s.range.start.character;
    numbers[o + 4] = s.range.end.line;
    numbers[o + 5] = s.range.end.character;
    numbers[o + 6] = s.masked ? 1 : 0;
    numbers[o + 7] = s.text.length;
    texts.push(s.text);
  });
  return { texts: texts.join(''), numbers, skipped: e.skipped };
}

export function unpackExtraction(p: PackedExtraction): Extraction {
  const n = p.numbers.length / FIELDS;
  if (!Number.isInteger(n)) throw new Error(`malformed prose worker answer: ${p.numbers.length} numbers`);
  const sentences = new Array<Sentence>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const o = i * FIELDS;
    const length = p.numbers[o + 7];
    sentences[i] = {
      text: p.texts.slice(at, at + length),
      start: p.numbers[o],
      end: p.numbers[o + 1],
      range: { start: { line: p.numbers[o + 2], character: p.numbers[o + 3] }, end: { line: p.numbers[o + 4], character: p.numbers[o + 5] } },
      masked: p.numbers[o + 6] === 1,
    };
    at += length;
  }
  if (at !== p.texts.length) throw new Error('malformed prose worker answer: sentence texts do not add up');
  return { sentences, skipped: p.skipped };
}
