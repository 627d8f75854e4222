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

export { MASK_WORD, type BlockKind, type ProseBlock } from './extraction/proseBlock';
export { DEFAULT_PROSE_OPTIONS, type Definition, type ProseOptions } from './extraction/markdownProse';

export type ProseLanguage = 'markdown' | 'plaintext';

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

/** Which prose language a document id or file name maps to (anything not Markdown is plain text). */
export function proseLanguageOf(languageIdOrPath: string): ProseLanguage {
  const s = languageIdOrPath.toLowerCase();
  return s === 'markdown' || /\.(md|markdown|mdown|mkd|mkdn|mdx)$/.test(s) ? 'markdown' : 'plaintext';
}
