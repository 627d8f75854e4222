// The micromark-based Markdown extraction that src/core/extraction/ replaced, kept as the reference it is
// checked against (test/unit/extractionDifferential.test.ts, bench/diffExtract.ts), never used by the
// product: micromark + mdast-util-from-markdown (CommonMark + GFM + front matter + math) read the document,
// and each text node is aligned with its source slice to map every character back to its offset.
import { fromMarkdown } from 'mdast-util-from-markdown';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { mathFromMarkdown } from 'mdast-util-math';
import { frontmatter } from 'micromark-extension-frontmatter';
import { gfm } from 'micromark-extension-gfm';
import { math } from 'micromark-extension-math';
import { decodeNamedCharacterReference } from 'decode-named-character-reference';
import { MASK_WORD, type BlockKind, type ProseBlock } from '../../src/core/extraction/proseBlock';
import type { Definition, ProseOptions } from '../../src/core/extraction/markdownProse';

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
    const starts = Int32Array.from(this.starts);
    const ends = Int32Array.from(this.ends);
    return { kind, text: this.chars.join(''), masks: this.masks, start: (i) => starts[i], end: (i) => ends[i] };
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
export function micromarkProse(source: string, options: ProseOptions, frontMatter = true, definitions?: Definition[]): ProseBlock[] {
  // Front matter exists only at the very start of a document; a later chunk (markdownChunks) starting
  // with `---` is a thematic break, so chunks after the first are parsed without the extension.
  const tree = fromMarkdown(source, frontMatter ? parserOptions().withFrontMatter : parserOptions().withoutFrontMatter) as MdNode;
  const blocks: ProseBlock[] = [];
  collectMarkdown(tree, source, options, blocks, definitions);
  return blocks;
}
