// Prose extraction: a document (Markdown or plain text) → blocks of prose the model should judge, each with
// a per-character map back to source offsets (UTF-16 code units, the unit of JavaScript strings and of LSP
// positions). Markdown goes through micromark (CommonMark + GFM + front matter + math), never regexes.
//
// What the model sees (docs/editor.md explains the choices):
// - skipped entirely: fenced and indented code, front matter (YAML/TOML), HTML blocks, display math,
//   link reference definitions, thematic breaks, inline HTML, footnote references;
// - headings and table cells only when enabled (both are usually fragments, not sentences);
// - masked: inline code, inline math, images, autolinks and bare URLs become the placeholder word
//   `MASK_WORD`, so "Run `npm test` now." is judged as "Run X now." — the sentence keeps its shape and
//   the model never reads code as words; the range still covers the code span;
// - link text is kept, link destinations are not (they are not part of the text);
// - line endings, block-quote markers, list indentation and tabs inside a paragraph become spaces.
import { fromMarkdown } from 'mdast-util-from-markdown';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { mathFromMarkdown } from 'mdast-util-math';
import { frontmatter } from 'micromark-extension-frontmatter';
import { gfm } from 'micromark-extension-gfm';
import { math } from 'micromark-extension-math';
import { decodeNamedCharacterReference } from 'decode-named-character-reference';

export const MASK_WORD = 'X';

export type ProseLanguage = 'markdown' | 'plaintext';

export interface ProseOptions {
  /** Judge ATX/setext headings as sentences. */
  headings: boolean;
  /** Judge GFM table cells as sentences. */
  tables: boolean;
}

export const DEFAULT_PROSE_OPTIONS: ProseOptions = { headings: false, tables: false };

export type BlockKind = 'paragraph' | 'heading' | 'tableCell';

/** One run of prose. `text[i]` came from source offsets `[srcStart[i], srcEnd[i])`. */
export interface ProseBlock {
  kind: BlockKind;
  text: string;
  srcStart: Int32Array;
  srcEnd: Int32Array;
  /** Indices in `text` where a masked placeholder begins (for reporting, not for mapping). */
  masks: number[];
}

/** Builds a block's text and its source map one piece at a time. */
class BlockBuilder {
  private chars: string[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  readonly masks: number[] = [];

  push(ch: string, start: number, end: number): void {
    this.chars.push(ch);
    this.starts.push(start);
    this.ends.push(end);
  }

  /** A placeholder word standing for the source span [start, end), padded by spaces so it stays one word. */
  mask(start: number, end: number): void {
    this.masks.push(this.chars.length);
    for (const ch of MASK_WORD) this.push(ch, start, end);
  }

  get length(): number {
    return this.chars.length;
  }

  build(kind: BlockKind): ProseBlock {
    return {
      kind,
      text: this.chars.join(''),
      srcStart: Int32Array.from(this.starts),
      srcEnd: Int32Array.from(this.ends),
      masks: this.masks,
    };
  }
}

const WHITESPACE = /[\s]/;
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
const CHARACTER_REFERENCE = /^&(?:#[xX]([0-9a-fA-F]{1,6})|#(\d{1,7})|([A-Za-z][A-Za-z0-9]{0,31}));/;

function decodeReference(match: RegExpExecArray): string | undefined {
  if (match[1]) return safeCodePoint(parseInt(match[1], 16));
  if (match[2]) return safeCodePoint(parseInt(match[2], 10));
  const named = decodeNamedCharacterReference(match[3]);
  return named === false ? undefined : named;
}

function safeCodePoint(cp: number): string {
  return cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\uFFFD' : String.fromCodePoint(cp);
}

/**
 * Aligns a text node's decoded `value` with its raw source slice `[from, to)` and pushes each value
 * character with its source span. The source may hold more than the value: block-quote markers and
 * indentation after line endings, backslashes of escapes, character references (`&amp;` → `&`).
 */
function pushAligned(out: BlockBuilder, value: string, source: string, from: number, to: number): void {
  let p = from;
  let i = 0;
  while (i < value.length) {
    const v = value[i];
    if (p < to && source[p] === '&') {
      const m = CHARACTER_REFERENCE.exec(source.slice(p, Math.min(to, p + 40)));
      const decoded = m ? decodeReference(m) : undefined;
      if (m && decoded !== undefined && value.startsWith(decoded, i)) {
        for (const ch of decoded.split('')) out.push(ch, p, p + m[0].length);
        p += m[0].length;
        i += decoded.length;
        continue;
      }
    }
    if (p < to && source[p] === v) {
      out.push(isSpace(v) ? ' ' : v, p, p + 1);
      p++;
      i++;
      continue;
    }
    if (p < to && source[p] === '\\' && source[p + 1] === v && ASCII_PUNCTUATION.test(v)) {
      out.push(v, p, p + 2);
      p += 2;
      i++;
      continue;
    }
    // Source characters absent from the value (line prefixes, indentation): skip them.
    const next = source.indexOf(v, p);
    if (next !== -1 && next < to && (next - p <= 16 || /^[\s>]*$/.test(source.slice(p, next)))) {
      p = next;
      continue;
    }
    // Nothing lines up (should not happen with CommonMark text nodes): keep the character, anchored at p.
    out.push(isSpace(v) ? ' ' : v, Math.min(p, to), Math.min(p + 1, to));
    i++;
  }
}

function isSpace(ch: string): boolean {
  return WHITESPACE.test(ch);
}

interface MdNode {
  type: string;
  value?: string;
  url?: string;
  children?: MdNode[];
  position?: { start: { offset?: number }; end: { offset?: number } };
}

function startOf(node: MdNode): number {
  return node.position?.start.offset ?? 0;
}
function endOf(node: MdNode): number {
  return node.position?.end.offset ?? 0;
}

/** An autolink (`<https://…>`, `www.…`, bare e-mail) shows its destination as its text: mask it. */
function isAutolink(node: MdNode): boolean {
  if (node.type !== 'link' || !node.url || node.children?.length !== 1) return false;
  const child = node.children[0];
  if (child.type !== 'text' || child.value === undefined) return false;
  const text = child.value;
  return node.url === text || node.url === `mailto:${text}` || node.url === `http://${text}` || node.url === `https://${text}`;
}

function pushInline(out: BlockBuilder, node: MdNode, source: string): void {
  switch (node.type) {
    case 'text':
      pushAligned(out, node.value ?? '', source, startOf(node), endOf(node));
      return;
    case 'inlineCode':
    case 'inlineMath':
    case 'image':
    case 'imageReference':
      out.mask(startOf(node), endOf(node));
      return;
    case 'break':
      out.push(' ', startOf(node), endOf(node));
      return;
    case 'html':
    case 'footnoteReference':
      return;
    case 'link':
      if (isAutolink(node)) {
        out.mask(startOf(node), endOf(node));
        return;
      }
      break;
  }
  // emphasis, strong, delete, link, linkReference and anything else with children: their text.
  for (const child of node.children ?? []) pushInline(out, child, source);
}

function inlineBlock(node: MdNode, kind: BlockKind, source: string): ProseBlock | undefined {
  const out = new BlockBuilder();
  for (const child of node.children ?? []) pushInline(out, child, source);
  return out.length > 0 ? out.build(kind) : undefined;
}

export interface Definition {
  start: number;
  /** Enough source to define the label again elsewhere. */
  source: string;
}

function collectMarkdown(node: MdNode, source: string, options: ProseOptions, blocks: ProseBlock[], definitions?: Definition[]): void {
  switch (node.type) {
    case 'paragraph': {
      const b = inlineBlock(node, 'paragraph', source);
      if (b) blocks.push(b);
      return;
    }
    case 'heading': {
      const b = options.headings ? inlineBlock(node, 'heading', source) : undefined;
      if (b) blocks.push(b);
      return;
    }
    case 'table':
      if (!options.tables) return;
      for (const row of node.children ?? []) {
        for (const cell of row.children ?? []) {
          const b = inlineBlock(cell, 'tableCell', source);
          if (b) blocks.push(b);
        }
      }
      return;
    case 'definition':
      definitions?.push({ start: startOf(node), source: source.slice(startOf(node), endOf(node)) });
      return;
    case 'footnoteDefinition': {
      const head = source.slice(startOf(node), endOf(node));
      definitions?.push({ start: startOf(node), source: `${head.slice(0, head.indexOf(']:') + 2)} x` });
      break;
    }
    case 'code':
    case 'html':
    case 'yaml':
    case 'toml':
    case 'math':
    case 'thematicBreak':
      return;
  }
  // root, blockquote, list, listItem, footnoteDefinition: the blocks inside.
  for (const child of node.children ?? []) collectMarkdown(child, source, options, blocks, definitions);
}

type ParseOptions = NonNullable<Parameters<typeof fromMarkdown>[1]>;
let parsers: { withFrontMatter: ParseOptions; withoutFrontMatter: ParseOptions } | undefined;

/** Extension objects built once: building them per parse costs more than parsing a short chunk. */
function parserOptions(): { withFrontMatter: ParseOptions; withoutFrontMatter: ParseOptions } {
  if (!parsers) {
    const syntax = [gfm(), math()];
    const tree = [gfmFromMarkdown(), mathFromMarkdown()];
    parsers = {
      withFrontMatter: { extensions: [frontmatter(['yaml', 'toml']), ...syntax], mdastExtensions: [frontmatterFromMarkdown(['yaml', 'toml']), ...tree] },
      withoutFrontMatter: { extensions: syntax, mdastExtensions: tree },
    };
  }
  return parsers;
}

/** `definitions`, when given, receives the source of each link reference and footnote definition found. */
export function markdownProse(source: string, options: ProseOptions = DEFAULT_PROSE_OPTIONS, frontMatter = true, definitions?: Definition[]): ProseBlock[] {
  // Front matter exists only at the very start of a document; a later chunk (markdownChunks) starting
  // with `---` is a thematic break, so chunks after the first are parsed without the extension.
  const tree = fromMarkdown(source, frontMatter ? parserOptions().withFrontMatter : parserOptions().withoutFrontMatter) as MdNode;
  const blocks: ProseBlock[] = [];
  collectMarkdown(tree, source, options, blocks, definitions);
  return blocks;
}

export interface Chunk {
  start: number;
  end: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const MATH_OPEN = /^ {0,3}\$\$[^$]*$/;
const HTML_OPEN: [RegExp, RegExp][] = [
  [/^ {0,3}<(?:script|pre|style|textarea)(?:\s|>|$)/i, /<\/(?:script|pre|style|textarea)>/i],
  [/^ {0,3}<!--/, /-->/],
  [/^ {0,3}<\?/, /\?>/],
  [/^ {0,3}<![A-Za-z]/, />/],
  [/^ {0,3}<!\[CDATA\[/, /\]\]>/],
];

/**
 * Top-level split points of a Markdown document where parsing each piece on its own gives the same prose
 * as parsing the whole: a blank line followed by a line that starts at column 0, outside fenced code,
 * display math, front matter and the HTML blocks that may hold blank lines. Lets an edit re-parse one
 * chunk instead of the document (micromark is thorough, not fast). Link and footnote definitions act
 * across chunks; IncrementalSentences gives each chunk the definitions of all the others.
 */
export function markdownChunks(source: string): Chunk[] {
  const chunks: Chunk[] = [];
  let chunkStart = 0;
  let fence: { char: string; length: number } | null = null;
  let inMath = false;
  let htmlEnd: RegExp | null = null;
  let prevBlank = false;
  let minSplit = 0;
  const fm = /^(---|\+\+\+)\r?\n/.exec(source);
  if (fm) {
    const close = new RegExp(`\\r?\\n${fm[1] === '---' ? '---' : '\\+\\+\\+'}[ \\t]*(?:\\r?\\n|$)`).exec(source.slice(fm[0].length - 1));
    minSplit = close ? fm[0].length - 1 + close.index + close[0].length : source.length;
  }
  const lineRe = /[^\r\n]*(?:\r\n|\r|\n|$)/g;
  let m: RegExpExecArray | null;
  while ((m = lineRe.exec(source)) && m[0].length > 0) {
    const lineStart = m.index;
    const line = m[0].replace(/[\r\n]+$/, '');
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length) fence = null;
      prevBlank = false;
      continue;
    }
    if (inMath) {
      if (/^ {0,3}\$\$[ \t]*$/.test(line)) inMath = false;
      prevBlank = false;
      continue;
    }
    if (htmlEnd) {
      if (htmlEnd.test(line)) htmlEnd = null;
      prevBlank = false;
      continue;
    }
    const blank = /^[ \t]*$/.test(line);
    if (!blank && prevBlank && /^\S/.test(line) && lineStart >= minSplit && lineStart > chunkStart) {
      chunks.push({ start: chunkStart, end: lineStart });
      chunkStart = lineStart;
    }
    const open = FENCE_OPEN.exec(line);
    if (open && !(open[1][0] === '`' && open[2].includes('`'))) fence = { char: open[1][0], length: open[1].length };
    else if (MATH_OPEN.test(line)) inMath = true;
    else {
      for (const [start, end] of HTML_OPEN) {
        if (start.test(line)) {
          if (!end.test(line.replace(start, ''))) htmlEnd = end;
          break;
        }
      }
    }
    prevBlank = blank;
  }
  chunks.push({ start: chunkStart, end: source.length });
  return chunks;
}

/** Plain text: paragraphs separated by blank lines; line endings inside a paragraph become spaces. */
export function plaintextProse(source: string): ProseBlock[] {
  const blocks: ProseBlock[] = [];
  const eol = '(?:\\r\\n|\\r(?!\\n)|\\n)';
  const blank = new RegExp(`${eol}[ \\t]*${eol}(?:[ \\t]*${eol})*`, 'g');
  let from = 0;
  const emit = (start: number, end: number) => {
    const out = new BlockBuilder();
    for (let p = start; p < end; p++) out.push(isSpace(source[p]) ? ' ' : source[p], p, p + 1);
    if (/\S/.test(source.slice(start, end))) blocks.push(out.build('paragraph'));
  };
  for (const m of source.matchAll(blank)) {
    emit(from, m.index);
    from = m.index + m[0].length;
  }
  emit(from, source.length);
  return blocks;
}

export function extractProse(source: string, language: ProseLanguage, options: ProseOptions = DEFAULT_PROSE_OPTIONS): ProseBlock[] {
  return language === 'markdown' ? markdownProse(source, options) : plaintextProse(source);
}

/** Which prose language a document id or file name maps to (anything not Markdown is plain text). */
export function proseLanguageOf(languageIdOrPath: string): ProseLanguage {
  const s = languageIdOrPath.toLowerCase();
  return s === 'markdown' || /\.(md|markdown|mdown|mkd|mkdn|mdx)$/.test(s) ? 'markdown' : 'plaintext';
}
