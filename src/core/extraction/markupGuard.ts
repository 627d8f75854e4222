// Keeps Markdown that micromark parses in super-linear time away from it. Two shapes were found (issue 14):
// - deep nesting (blockquotes, lists): every line re-checks every open container and the tree's depth
//   follows the nesting (1,000 levels took 5.4 s and 1 GB; 10,000 overflowed the stack);
// - dense emphasis/link/code punctuation in one paragraph: resolving `*`, `_`, `[`, `]` walks back over
//   the paragraph's earlier tokens for every delimiter that finds no partner ('*_[`' × 12,000: 5 s).
// A top-level chunk (markdownChunks) holding either is blanked before parsing (every character but line
// endings becomes a space, so offsets and lines stay put and the other chunks parse as before) and
// reported. Normal documents pass through untouched: the estimate is only refined, never relaxed, and
// only chunks whose cheap bound is high are parsed again without inline constructs to find paragraphs.
import { fromMarkdown } from 'mdast-util-from-markdown';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { mathFromMarkdown } from 'mdast-util-math';
import { frontmatter } from 'micromark-extension-frontmatter';
import { gfm } from 'micromark-extension-gfm';
import { math } from 'micromark-extension-math';
import { LruCache } from './lru';
import { markdownChunks } from './prose';

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

/** Characters whose delimiter runs micromark resolves by walking back over the paragraph. */
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

/** Inline constructs switched off to see only a chunk's blocks (linear: no delimiter resolution). */
const INLINE_CONSTRUCTS = [
  'attention', 'autolink', 'characterEscape', 'characterReference', 'codeText', 'emailAutolink', 'gfmFootnoteCall',
  'gfmPotentialFootnoteCall', 'hardBreakEscape', 'htmlText', 'labelEnd', 'labelStartImage', 'labelStartLink',
  'mathText', 'protocolAutolink', 'strikethrough', 'wwwAutolink',
];

type ParseOptions = NonNullable<Parameters<typeof fromMarkdown>[1]>;
let blockParsers: { withFrontMatter: ParseOptions; withoutFrontMatter: ParseOptions } | undefined;

function blockParserOptions(frontMatter: boolean): ParseOptions {
  if (!blockParsers) {
    const syntax = [gfm(), math(), { disable: { null: INLINE_CONSTRUCTS } }];
    const tree = [gfmFromMarkdown(), mathFromMarkdown()];
    blockParsers = {
      withFrontMatter: { extensions: [frontmatter(['yaml', 'toml']), ...syntax], mdastExtensions: [frontmatterFromMarkdown(['yaml', 'toml']), ...tree] },
      withoutFrontMatter: { extensions: syntax, mdastExtensions: tree },
    };
  }
  return frontMatter ? blockParsers.withFrontMatter : blockParsers.withoutFrontMatter;
}

interface BlockNode {
  type: string;
  children?: BlockNode[];
  position?: { start: { offset?: number }; end: { offset?: number } };
}

/** Verdicts on chunks that needed the block parse: the editor re-guards the whole document on every edit. */
const densest = new LruCache<string, { cost: number; length: number }>(256);

/** The densest paragraph, heading or table cell of a chunk (its cost and length), parsed without inline constructs. */
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
  const tree = fromMarkdown(chunk, blockParserOptions(frontMatter)) as BlockNode;
  let worst = { cost: 0, length: 0, excess: -Infinity };
  const stack: BlockNode[] = [tree];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'paragraph' || node.type === 'heading' || node.type === 'tableCell') {
      const start = node.position?.start.offset ?? 0;
      const end = node.position?.end.offset ?? chunk.length;
      const cost = inlineCost(chunk, start, end);
      const excess = cost - DENSITY_PER_CHAR * (end - start);
      if (excess > worst.excess) worst = { cost, length: end - start, excess };
      continue;
    }
    for (const child of node.children ?? []) stack.push(child);
  }
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
    // The block parse is linear but slow and memory-hungry (a 1 MB chunk of 500,000 lines took 13 s and
    // 2.5 GB): a chunk this large and this dense is skipped whole. The densest chunk of the prose corpus
    // that needed the block parse was 6 kB.
    const block = length > MAX_REFINED_CHUNK ? { cost: inlineCost(source, c.start, c.end), length } : densestBlock(source.slice(c.start, c.end), i === 0);
    if (tooDense(block.cost, block.length)) {
      regions.push({
        reason: 'dense-markup',
        start: c.start,
        end: c.end,
        detail: `a block of ${block.length} characters too dense in emphasis, link and code marks to parse in reasonable time`,
      });
    }
  });
  if (!regions.length) return { text: source, regions };
  const parts: string[] = [];
  let at = 0;
  for (const r of regions) {
    parts.push(source.slice(at, r.start), blank(source.slice(r.start, r.end)));
    at = r.end;
  }
  parts.push(source.slice(at));
  return { text: parts.join(''), regions };
}
