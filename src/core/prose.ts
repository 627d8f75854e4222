// Prose extraction: a document (Markdown or plain text) → blocks of prose the model should judge, each with
// a map back to source offsets (UTF-16 code units, the unit of JavaScript strings and of LSP positions).
// Markdown is read by the linear scanner in src/core/extraction/ (CommonMark + GFM + front matter + math);
// test/reference/micromarkProse.ts keeps the micromark reading it was checked against.
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
import { DEFAULT_PROSE_OPTIONS, forEachMarkdownBlock, type Definition, type ProseOptions } from './extraction/markdownProse';
import { ProseBuilder, type ProseBlock } from './extraction/proseBlock';
import type { ProseLanguage } from '../../protocol/proseProtocol';

export { MASK_WORD, type BlockKind, type ProseBlock } from './extraction/proseBlock';
export { DEFAULT_PROSE_OPTIONS, forEachMarkdownBlock, type Definition, type ProseOptions } from './extraction/markdownProse';

export type { ProseLanguage };

/** `definitions`, when given, receives the source of each link reference and footnote definition found. */
export function markdownProse(source: string, options: ProseOptions = DEFAULT_PROSE_OPTIONS, frontMatter = true, definitions?: Definition[]): ProseBlock[] {
  // Front matter exists only at the very start of a document; a later chunk (markdownChunks) starting
  // with `---` is a thematic break, so chunks after the first are read without it.
  const blocks: ProseBlock[] = [];
  forEachMarkdownBlock(source, options, frontMatter, definitions, (b) => blocks.push(b));
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
  let lineStart = 0;
  while (lineStart < source.length) {
    let eol = lineStart;
    let first = -1; // the first character that is not a space or tab
    for (; eol < source.length; eol++) {
      const c = source.charCodeAt(eol);
      if (c === 10 || c === 13) break;
      if (first === -1 && c !== 32 && c !== 9) first = eol;
    }
    const next = source.charCodeAt(eol) === 13 && source.charCodeAt(eol + 1) === 10 ? eol + 2 : eol + 1;
    const at = lineStart;
    lineStart = next;
    // Only lines starting with these characters open or close a fence, math or HTML: the rest skip the patterns.
    const lead = first === -1 ? '' : source[first];
    const special = lead === '`' || lead === '~' || lead === '$' || lead === '<';
    if (fence) {
      if (lead === fence.char) {
        const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(source.slice(at, eol));
        if (close && close[1][0] === fence.char && close[1].length >= fence.length) fence = null;
      }
      prevBlank = false;
      continue;
    }
    if (inMath) {
      if (lead === '$' && /^ {0,3}\$\$[ \t]*$/.test(source.slice(at, eol))) inMath = false;
      prevBlank = false;
      continue;
    }
    if (htmlEnd) {
      if (htmlEnd.test(source.slice(at, eol))) htmlEnd = null;
      prevBlank = false;
      continue;
    }
    const blank = first === -1;
    if (!blank && prevBlank && first === at && !/\s/.test(source[at]) && at >= minSplit && at > chunkStart) {
      chunks.push({ start: chunkStart, end: at });
      chunkStart = at;
    }
    if (special) {
      const line = source.slice(at, eol);
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
    const text = source.slice(start, end);
    if (!/\S/.test(text)) return;
    const out = new ProseBuilder();
    out.copy(text, start);
    blocks.push(out.build('paragraph'));
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

/** extractProse one block at a time, none kept: what a large document's extraction needs. */
export function forEachProseBlock(source: string, language: ProseLanguage, options: ProseOptions, visit: (block: ProseBlock) => void): void {
  if (language === 'markdown') forEachMarkdownBlock(source, options, true, undefined, visit);
  else for (const block of plaintextProse(source)) visit(block);
}

/** Which prose language a document id or file name maps to (anything not Markdown is plain text). */
export function proseLanguageOf(languageIdOrPath: string): ProseLanguage {
  const s = languageIdOrPath.toLowerCase();
  return s === 'markdown' || /\.(md|markdown|mdown|mkd|mkdn|mdx)$/.test(s) ? 'markdown' : 'plaintext';
}
