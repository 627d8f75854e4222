// Skips Markdown that is not prose and costs the reader most. Issue 14 found two shapes, which micromark
// (the parser before src/core/extraction/) took super-linear time or overflowed its stack on:
// - deep nesting (blockquotes, lists): every line is checked against every open container, so a line's
//   cost grows with the depth (1,000 levels took micromark 5.4 s and 1 GB; 10,000 overflowed the stack);
// - dense emphasis/link/code punctuation in one paragraph ('*_[`' × 12,000 took micromark 5 s): no prose.
// A top-level chunk (markdownChunks) holding either is blanked before reading (every character but line
// endings becomes a space, so offsets and lines stay put and the other chunks read as before) and
// reported. Normal documents pass through untouched: the estimate is only refined, never relaxed, and
// only chunks whose cheap bound is high are scanned for their blocks to find the densest paragraph.
import { LruCache } from '../lru';
import { markdownChunks } from '../prose';
import { scanBlocks } from './markdownBlocks';

/** Containers (block quotes, list items) deeper than this are not parsed; real documents stay under 10. */
export const MAX_NESTING = 64;

/**
 * A paragraph is too dense when (markup characters) × (its tokens) exceeds this many per character of
 * it, plus a floor so that short paragraphs always pass. No document of the 706 in the prose corpus
 * (/work/shared/datasets/prose) has a block over 32; 16 would have blanked two.
 */
export const DENSITY_PER_CHAR = 48;
export const DENSITY_FLOOR = 4096;
/** Chunks larger than this that fail the cheap bound are not parsed again to find their densest block. */
const MAX_REFINED_CHUNK = 200_000;

export interface GuardedRegion {
  reason: 'deep-nesting' | 'dense-markup';
  start: number;
  end: number;
  detail: string;
}

export interface GuardedMarkdown {
  /** The source, with the regions blanked (same length, same line endings). */
  text: string;
  regions: GuardedRegion[];
}

/** Emphasis, link and code marks (micromark resolved each by walking back over the paragraph). */
function isMarkup(c: number): boolean {
  // * _ [ ] ` < ! & \ ~
  return c === 42 || c === 95 || c === 91 || c === 93 || c === 96 || c === 60 || c === 33 || c === 38 || c === 92 || c === 126;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Upper bound of the walk-back work in source[start, end): markup characters × tokens (markup, words, lines). */
export function inlineCost(source: string, start: number, end: number): number {
  let markup = 0;
  let words = 0;
  let lines = 0;
  let inWord = false;
  for (let i = start; i < end; i++) {
    const c = source.charCodeAt(i);
    if (c === 10) lines++;
    if (isSpace(c)) inWord = false;
    else {
      if (!inWord) words++;
      inWord = true;
      if (isMarkup(c)) markup++;
    }
  }
  return markup * (markup + words + lines);
}

function tooDense(cost: number, length: number): boolean {
  return cost > DENSITY_FLOOR + DENSITY_PER_CHAR * length;
}

/**
 * An upper bound of the container depth a line can open: its `>` markers, its list markers and half the
 * indentation not taken by those markers (a nested list needs at least two columns per level; a tab
 * counts four).
 */
export function lineNesting(source: string, start: number, end: number): number {
  let depth = 0;
  let columns = 0;
  let i = start;
  // Spaces that belong to the marker just read (one after `>`, up to four after a list marker).
  let markerSpaces = 0;
  while (i < end) {
    const c = source.charCodeAt(i);
    if (c === 32 || c === 9) {
      if (markerSpaces > 0) markerSpaces--;
      else columns += c === 9 ? 4 : 1;
    } else if (c === 62 /* > */) {
      depth++;
      markerSpaces = 1;
    } else if ((c === 45 || c === 43 || c === 42) && isSpace(source.charCodeAt(i + 1) || 32)) {
      depth++;
      markerSpaces = 4;
    } else if (c >= 48 && c <= 57) {
      let j = i;
      while (j < end && j - i < 9 && source.charCodeAt(j) >= 48 && source.charCodeAt(j) <= 57) j++;
      const m = source.charCodeAt(j);
      if ((m !== 46 && m !== 41) || !isSpace(source.charCodeAt(j + 1) || 32)) break;
      depth++;
      markerSpaces = 4;
      i = j;
    } else break;
    i++;
  }
  return depth + (columns >> 1);
}

function deepestLine(source: string, start: number, end: number): number {
  let deepest = 0;
  let lineStart = start;
  while (lineStart < end) {
    let lineEnd = source.indexOf('\n', lineStart);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    deepest = Math.max(deepest, lineNesting(source, lineStart, lineEnd));
    lineStart = lineEnd + 1;
  }
  return deepest;
}

/** Verdicts on chunks that needed the block scan: the editor re-guards the whole document on every edit. */
const densest = new LruCache<string, { cost: number; length: number }>(256);

/** The densest paragraph, heading or table cell of a chunk (its cost and length), from its block structure alone. */
function densestBlock(chunk: string, frontMatter: boolean): { cost: number; length: number } {
  const key = `${frontMatter ? 'f' : 'n'}${chunk}`;
  const known = densest.get(key);
  if (known) return known;
  const found = parseDensestBlock(chunk, frontMatter);
  // Only chunks an editor could hold in view: a huge one would stay in memory as its own key.
  if (chunk.length <= 100_000) densest.set(key, found);
  return found;
}

function parseDensestBlock(chunk: string, frontMatter: boolean): { cost: number; length: number } {
  let worst = { cost: 0, length: 0, excess: -Infinity };
  scanBlocks(
    chunk,
    {
      leaf: ({ lines }) => {
        const start = lines[0];
        const end = lines[lines.length - 1];
        const cost = inlineCost(chunk, start, end);
        const excess = cost - DENSITY_PER_CHAR * (end - start);
        if (excess > worst.excess) worst = { cost, length: end - start, excess };
      },
      definition: () => undefined,
    },
    { frontMatter, tables: true },
  );
  return { cost: worst.cost, length: worst.length };
}

function blank(text: string): string {
  return text.replace(/[^\r\n]+/g, (run) => ' '.repeat(run.length));
}

/** `source` with its deeply nested and densely marked-up chunks blanked, and what was blanked. */
export function guardMarkdown(source: string): GuardedMarkdown {
  const regions: GuardedRegion[] = [];
  const chunks = markdownChunks(source);
  chunks.forEach((c, i) => {
    const depth = deepestLine(source, c.start, c.end);
    if (depth > MAX_NESTING) {
      regions.push({ reason: 'deep-nesting', start: c.start, end: c.end, detail: `block quotes or lists nested up to ${depth} deep (limit ${MAX_NESTING})` });
      return;
    }
    const length = c.end - c.start;
    if (!tooDense(inlineCost(source, c.start, c.end), length)) return;
    // A chunk this large and this dense is skipped whole, without looking for its densest block: the
    // densest chunk of the prose corpus that needed the block scan was 6 kB.
    const block = length > MAX_REFINED_CHUNK ? { cost: inlineCost(source, c.start, c.end), length } : densestBlock(source.slice(c.start, c.end), i === 0);
    if (tooDense(block.cost, block.length)) {
      regions.push({
        reason: 'dense-markup',
        start: c.start,
        end: c.end,
        detail: `a block of ${block.length} characters too dense in emphasis, link and code marks to be prose`,
      });
    }
  });
  if (!regions.length) return { text: source, regions };
  // Built only when asked for: extraction cuts the regions out instead, and blanking a 1 MB region of
  // short lines cost more memory than all the rest of its extraction.
  let text: string | undefined;
  return {
    get text() {
      if (text === undefined) {
        const parts: string[] = [];
        let at = 0;
        for (const r of regions) {
          parts.push(source.slice(at, r.start), blank(source.slice(r.start, r.end)));
          at = r.end;
        }
        parts.push(source.slice(at));
        text = parts.join('');
      }
      return text;
    },
    regions,
  };
}
