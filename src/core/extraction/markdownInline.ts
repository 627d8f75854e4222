// The inline content of one leaf (paragraph, heading, table cell) → prose, in time linear in its length.
// CommonMark's inline rules plus GFM (strikethrough, footnote calls, literal autolinks) and inline math,
// read left to right once, then emphasis and links resolved on delimiter and bracket stacks as in the
// reference algorithm. What could re-scan is bounded: code and math spans find their closing run through
// a table of backtick/dollar runs, searches for a closing quote or comment end are remembered, reference
// labels are at most 999 characters, link destinations nest at most 32 parentheses.
//
// Kept: text (escapes and character references decoded), link text. Masked as one placeholder word:
// code spans, inline math, images, autolinks and literal URLs/e-mails, links whose text is their URL.
// Dropped: inline HTML, footnote calls, link destinations and titles, emphasis marks.
import { decodeNamedCharacterReference } from 'decode-named-character-reference';
import { normalizeLabel } from './markdownBlocks';
import type { ProseBuilder } from './proseBlock';

export interface InlineContext {
  /** Normalized labels of the link reference definitions. */
  links: ReadonlySet<string>;
  /** Normalized labels of the footnote definitions. */
  footnotes: ReadonlySet<string>;
}

const enum Kind {
  Text, // c[a, b)
  Literal, // value standing for c[a, b)
  Mask, // c[a, b) masked
  Drop, // c[a, b) contributes nothing
  Delim, // a run of * _ ~ at c[a, b)
  Open, // [ or ![ at c[a, b)
  Break, // a hard line break c[a, b)
}

interface Node {
  kind: Kind;
  a: number;
  b: number;
  value?: string;
  /** Delimiter runs: characters used up from the left and right by emphasis. */
  usedLeft?: number;
  usedRight?: number;
  /** Images: emission jumps from this node to `skipTo` (the whole image is one mask). */
  skipTo?: number;
}

interface Delimiter {
  node: number;
  char: number;
  count: number;
  canOpen: boolean;
  canClose: boolean;
  previous: Delimiter | null;
  next: Delimiter | null;
}

interface Bracket {
  node: number;
  image: boolean;
  /** Links formed before this opener; a later link deactivates it (links do not nest). */
  linksAtOpen: number;
  previousDelimiter: Delimiter | null;
  previous: Bracket | null;
}

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
const UNICODE_PUNCTUATION = /[\p{P}\p{S}]/u;
const UNICODE_WHITESPACE = /\s/;

function isAsciiPunctuation(c: string | undefined): boolean {
  return c !== undefined && c.length === 1 && ASCII_PUNCTUATION.test(c);
}

/** CommonMark's classes for flanking: 1 whitespace (or the edge), 2 punctuation, 0 other. */
function classify(c: string | undefined): 0 | 1 | 2 {
  if (c === undefined || c === '' || UNICODE_WHITESPACE.test(c)) return 1;
  if (UNICODE_PUNCTUATION.test(c)) return 2;
  return 0;
}

function codePointBefore(s: string, i: number): string | undefined {
  if (i <= 0) return undefined;
  const lo = s.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = s.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return s.slice(i - 2, i);
  }
  return s[i - 1];
}

function codePointAt(s: string, i: number): string | undefined {
  if (i >= s.length) return undefined;
  const cp = s.codePointAt(i)!;
  return String.fromCodePoint(cp);
}

/** micromark's decoding of numeric character references (invalid code points become U+FFFD). */
function numericReference(code: number): string {
  if (
    code < 9 || code === 11 || (code > 13 && code < 32) || (code > 126 && code < 160) || (code > 55295 && code < 57344) ||
    (code > 64975 && code < 65008) || (code & 65535) === 65535 || (code & 65535) === 65534 || code > 1114111
  ) return '\uFFFD';
  return String.fromCodePoint(code);
}

const REFERENCE = /&(?:#[xX]([0-9a-fA-F]{1,6});|#(\d{1,7});|([A-Za-z][A-Za-z0-9]{0,31});)/y;

/** A character reference at c[at] ('&'): its decoded value and length, or undefined. */
function characterReference(c: string, at: number): { value: string; length: number } | undefined {
  REFERENCE.lastIndex = at;
  const m = REFERENCE.exec(c);
  if (!m) return undefined;
  if (m[1]) return { value: numericReference(parseInt(m[1], 16)), length: m[0].length };
  if (m[2]) return { value: numericReference(parseInt(m[2], 10)), length: m[0].length };
  const named = decodeNamedCharacterReference(m[3]);
  return named === false ? undefined : { value: named, length: m[0].length };
}

/** Decoded text of a destination or link text for comparison: escapes and references resolved. */
function decodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && isAsciiPunctuation(s[i + 1])) {
      out += s[++i];
      continue;
    }
    if (ch === '&') {
      const r = characterReference(s, i);
      if (r) {
        out += r.value;
        i += r.length - 1;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

/** Positions of maximal runs of one character, by run length, with forward-only cursors. */
class Runs {
  private byLength = new Map<number, { starts: number[]; k: number }>();

  constructor(c: string, char: string) {
    let i = c.indexOf(char);
    while (i !== -1) {
      let j = i;
      while (c[j] === char) j++;
      const list = this.byLength.get(j - i);
      if (list) list.starts.push(i);
      else this.byLength.set(j - i, { starts: [i], k: 0 });
      i = c.indexOf(char, j);
    }
  }

  /** Start of the first run of exactly `length` characters starting at or after `from`, or -1. */
  next(length: number, from: number): number {
    const list = this.byLength.get(length);
    if (!list) return -1;
    const { starts } = list;
    let k = list.k;
    while (k < starts.length && starts[k] < from) k++;
    list.k = k;
    return k < starts.length ? starts[k] : -1;
  }
}

/** indexOf with memory: queries for one needle come left to right, so each search resumes the last. */
class Finder {
  private memo = new Map<string, { from: number; found: number }>();
  constructor(private readonly c: string) {}

  indexOf(needle: string, from: number): number {
    const m = this.memo.get(needle);
    if (m && from >= m.from && (m.found === -1 || from <= m.found)) return m.found;
    const found = this.c.indexOf(needle, from);
    if (m) {
      m.from = from;
      m.found = found;
    } else this.memo.set(needle, { from, found });
    return found;
  }
}

// eslint-disable-next-line no-control-regex -- autolinks exclude ASCII control characters
const AUTOLINK_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>\u0000-\u001f]*$/;
const AUTOLINK_EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const TAG_NAME = /[A-Za-z][A-Za-z0-9-]*/y;
const ATTRIBUTE_NAME = /[A-Za-z_:][A-Za-z0-9_.:-]*/y;
const UNQUOTED_VALUE = /[^\s"'=<>`]+/y;
const TRAIL = new Set(['!', '"', "'", ')', '*', ',', '.', ':', ';', '?', '_', '~']);
const PATH_CHECK = new Set(['!', '"', '&', "'", ')', '*', ',', '.', ':', ';', '<', '?', ']', '_', '~']);
/** Longest domain of a literal autolink read: bounds the work a crafted word can cause. */
const MAX_DOMAIN = 2048;

function isAsciiAlpha(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}
function isAsciiAlphanumeric(c: string | undefined): boolean {
  return isAsciiAlpha(c) || (c !== undefined && c >= '0' && c <= '9');
}
function isAtext(c: string | undefined): boolean {
  return c === '+' || c === '-' || c === '.' || c === '_' || isAsciiAlphanumeric(c);
}
function isSpaceOrEnd(c: string | undefined): boolean {
  return c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r' || UNICODE_WHITESPACE.test(c);
}

/**
 * Reads the inline content `c` (the leaf's lines joined by '\n'; `toSource` maps an index of `c` to its
 * source offset) into `out`.
 */
export function readInline(c: string, toSource: (i: number) => number, context: InlineContext, out: ProseBuilder): void {
  const st: InlineState = { nodes: [], delimiters: null, textStart: 0 };
  const nodes = st.nodes;
  let brackets: Bracket | null = null;
  let linksFormed = 0;
  const finder = new Finder(c);
  let backticks: Runs | undefined;
  let dollars: Runs | undefined;
  const hasAt = c.includes('@');

  let p = 0;
  const n = c.length;
  while (p < n) {
    const ch = c[p];
    switch (ch) {
      case '\\': {
        const next = c[p + 1];
        if (next === '\n') {
          flushText(st, p);
          push(st, { kind: Kind.Break, a: p, b: p + 2 }, p + 2);
          p += 2;
          continue;
        }
        if (isAsciiPunctuation(next)) {
          flushText(st, p);
          push(st, { kind: Kind.Literal, a: p, b: p + 2, value: next }, p + 2);
          p += 2;
          continue;
        }
        p++;
        continue;
      }
      case '&': {
        const r = characterReference(c, p);
        if (r) {
          flushText(st, p);
          push(st, { kind: Kind.Literal, a: p, b: p + r.length, value: r.value }, p + r.length);
          p += r.length;
          continue;
        }
        p++;
        continue;
      }
      case '`':
      case '$': {
        let e = p;
        while (c[e] === ch) e++;
        const length = e - p;
        const runs = ch === '`' ? (backticks ??= new Runs(c, '`')) : (dollars ??= new Runs(c, '$'));
        const close = runs.next(length, e);
        if (close === -1) {
          p = e;
          continue;
        }
        flushText(st, p);
        push(st, { kind: Kind.Mask, a: p, b: close + length }, close + length);
        p = close + length;
        continue;
      }
      case '*':
      case '_':
      case '~': {
        let e = p;
        while (c[e] === ch) e++;
        if (ch === '~' && e - p > 2) {
          p = e;
          continue;
        }
        const before = classify(codePointBefore(c, p));
        const after = classify(codePointAt(c, e));
        const leftFlanking = after !== 1 && (after !== 2 || before !== 0);
        const rightFlanking = before !== 1 && (before !== 2 || after !== 0);
        let canOpen = leftFlanking;
        let canClose = rightFlanking;
        if (ch === '_') {
          canOpen = leftFlanking && (!rightFlanking || before === 2);
          canClose = rightFlanking && (!leftFlanking || after === 2);
        }
        flushText(st, p);
        const node = push(st, { kind: Kind.Delim, a: p, b: e, usedLeft: 0, usedRight: 0 }, e);
        if (canOpen || canClose) {
          const d: Delimiter = { node, char: ch.charCodeAt(0), count: e - p, canOpen, canClose, previous: st.delimiters, next: null };
          if (st.delimiters) st.delimiters.next = d;
          st.delimiters = d;
        }
        p = e;
        continue;
      }
      case '!':
        // `![^label]` with a defined label is a `!` and a footnote call, not an image.
        if (c[p + 1] === '[' && !(c[p + 2] === '^' && context.footnotes.size && footnoteCall(c, p + 1, context.footnotes) !== -1)) {
          flushText(st, p);
          const node = push(st, { kind: Kind.Open, a: p, b: p + 2 }, p + 2);
          brackets = { node, image: true, linksAtOpen: linksFormed, previousDelimiter: st.delimiters, previous: brackets };
          p += 2;
          continue;
        }
        p++;
        continue;
      case '[': {
        if (c[p + 1] === '^' && context.footnotes.size) {
          const end = footnoteCall(c, p, context.footnotes);
          if (end !== -1) {
            flushText(st, p);
            push(st, { kind: Kind.Drop, a: p, b: end }, end);
            p = end;
            continue;
          }
        }
        flushText(st, p);
        const node = push(st, { kind: Kind.Open, a: p, b: p + 1 }, p + 1);
        brackets = { node, image: false, linksAtOpen: linksFormed, previousDelimiter: st.delimiters, previous: brackets };
        p++;
        continue;
      }
      case ']': {
        const opener: Bracket | null = brackets;
        if (!opener) {
          p++;
          continue;
        }
        brackets = opener.previous;
        if (!opener.image && opener.linksAtOpen < linksFormed) {
          // Inactive: a link formed inside it already.
          nodes[opener.node].kind = Kind.Text;
          p++;
          continue;
        }
        const link = linkAfter(c, p, nodes[opener.node].b, context, finder);
        if (!link) {
          nodes[opener.node].kind = Kind.Text;
          p++;
          continue;
        }
        flushText(st, p);
        // Emphasis inside the link text is resolved now, on the delimiters above the opener's.
        processEmphasis(st, opener.previousDelimiter);
        if (opener.image) {
          const o = nodes[opener.node];
          o.kind = Kind.Mask;
          o.b = link.end;
          o.skipTo = nodes.length;
        } else {
          linksFormed++;
          nodes[opener.node].kind = Kind.Drop;
          if (link.destination !== undefined && linkTextIsUrl(c, nodes, opener.node + 1, link.destination)) {
            const o = nodes[opener.node];
            o.kind = Kind.Mask;
            o.b = link.end;
            o.skipTo = nodes.length;
          }
        }
        push(st, { kind: Kind.Drop, a: p, b: link.end }, link.end);
        p = link.end;
        continue;
      }
      case '<': {
        const end = autolinkEnd(c, p);
        if (end !== -1) {
          flushText(st, p);
          push(st, { kind: Kind.Mask, a: p, b: end }, end);
          p = end;
          continue;
        }
        const html = htmlEnd(c, p, finder);
        if (html !== -1) {
          flushText(st, p);
          push(st, { kind: Kind.Drop, a: p, b: html }, html);
          p = html;
          continue;
        }
        p++;
        continue;
      }
      default: {
        // GFM literal autolinks start at a word's first character (or after a few marks).
        if (brackets === null && (ch === 'w' || ch === 'W' || ch === 'h' || ch === 'H' || (hasAt && isAtext(ch)))) {
          const end = literalAutolink(c, p, hasAt) === -1 ? looseUrl(c, p) : literalAutolink(c, p, hasAt);
          if (end !== -1) {
            flushText(st, p);
            push(st, { kind: Kind.Mask, a: p, b: end }, end);
            p = end;
            continue;
          }
        }
        p++;
      }
    }
  }
  flushText(st, n);
  processEmphasis(st, null);
  emit(c, nodes, toSource, out);
}

interface InlineState {
  nodes: Node[];
  /** Top of the delimiter stack. */
  delimiters: Delimiter | null;
  /** Where the text not yet in a node starts. */
  textStart: number;
}

function flushText(st: InlineState, to: number): void {
  if (to > st.textStart) st.nodes.push({ kind: Kind.Text, a: st.textStart, b: to });
}

function push(st: InlineState, n: Node, end: number): number {
  st.nodes.push(n);
  st.textStart = end;
  return st.nodes.length - 1;
}

/** End of a footnote call `[^label]` at c[at] whose label is defined, or -1. */
function footnoteCall(c: string, at: number, footnotes: ReadonlySet<string>): number {
  let i = at + 2;
  let data = false;
  for (; i < c.length && i - at - 2 <= 999; i++) {
    const ch = c[i];
    if (ch === ']') {
      if (!data) return -1;
      return footnotes.has(normalizeLabel(c.slice(at + 2, i).replace(/\\([[\\\]])/g, '$1'))) ? i + 1 : -1;
    }
    if (ch === '[' || isSpaceOrEnd(ch)) return -1;
    data = true;
    if (ch === '\\' && (c[i + 1] === '[' || c[i + 1] === '\\' || c[i + 1] === ']')) i++;
  }
  return -1;
}

/**
 * What follows the `]` at c[at]: an inline link `(destination "title")`, or a reference (`[label]`, `[]`,
 * or none) to a defined label. Its end and, for inline links, the decoded destination.
 */
function linkAfter(c: string, at: number, textStart: number, context: InlineContext, finder: Finder): { end: number; destination?: string } | undefined {
  if (c[at + 1] === '(') {
    const inline = inlineLinkEnd(c, at + 2, finder);
    if (inline) return inline;
  }
  if (!context.links.size) return undefined;
  if (c[at + 1] === '[') {
    const close = labelClose(c, at + 1);
    if (close !== -1) {
      if (close > at + 2) {
        return context.links.has(normalizeLabel(c.slice(at + 2, close))) ? { end: close + 1 } : undefined;
      }
      // `[]`: collapsed; the link text is the label.
      if (textStart !== -1 && at - textStart <= 999 && context.links.has(normalizeLabel(c.slice(textStart, at)))) return { end: close + 1 };
      return undefined;
    }
  }
  if (textStart !== -1 && at - textStart <= 999 && at > textStart) {
    const label = c.slice(textStart, at);
    if (!/(^|[^\\])[[\]]/.test(label) && context.links.has(normalizeLabel(label))) return { end: at + 1 };
  }
  return undefined;
}

/** `]` closing a reference label opened at c[at] ('['), at most 999 characters, no unescaped brackets; -1 if none. */
function labelClose(c: string, at: number): number {
  for (let i = at + 1; i < c.length && i - at - 1 <= 999; i++) {
    const ch = c[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '[') return -1;
    if (ch === ']') return i;
  }
  return -1;
}

/** Inline link after `](` (c[at] is the first character inside the parentheses). */
function inlineLinkEnd(c: string, at: number, finder: Finder): { end: number; destination: string } | undefined {
  let i = at;
  const skipSpace = () => {
    while (i < c.length && (c[i] === ' ' || c[i] === '\t' || c[i] === '\n')) i++;
  };
  skipSpace();
  let destination = '';
  if (c[i] === '<') {
    const s = i + 1;
    i++;
    while (i < c.length && c[i] !== '>' && c[i] !== '\n' && c[i] !== '<') i += c[i] === '\\' ? 2 : 1;
    if (c[i] !== '>') return undefined;
    destination = c.slice(s, i);
    i++;
  } else if (c[i] !== ')') {
    const s = i;
    let depth = 0;
    while (i < c.length) {
      const ch = c[i];
      if (ch === '\\' && isAsciiPunctuation(c[i + 1])) {
        i += 2;
        continue;
      }
      if (ch === '(') {
        if (++depth > 32) return undefined;
      } else if (ch === ')') {
        if (depth === 0) break;
        depth--;
      } else if (ch <= ' ' || ch === '\u007f') break;
      i++;
    }
    if (depth !== 0) return undefined;
    destination = c.slice(s, i);
  }
  const afterDestination = i;
  skipSpace();
  if (i > afterDestination && (c[i] === '"' || c[i] === "'" || c[i] === '(')) {
    const close = c[i] === '(' ? ')' : c[i];
    let j = i + 1;
    for (;;) {
      j = finder.indexOf(close, j);
      if (j === -1) return undefined;
      let slashes = 0;
      while (c[j - 1 - slashes] === '\\') slashes++;
      if (slashes % 2 === 0) break;
      j++;
    }
    if (close === ')' && c.slice(i + 1, j).replace(/\\./g, '').includes('(')) return undefined;
    i = j + 1;
    skipSpace();
  }
  if (c[i] !== ')') return undefined;
  return { end: i + 1, destination: decodeString(destination) };
}

/** True when the link's text (nodes from `first` to the end) is plain text equal to its URL (an autolink written out). */
function linkTextIsUrl(c: string, nodes: Node[], first: number, url: string): boolean {
  let text = '';
  for (let k = first; k < nodes.length; k++) {
    const node = nodes[k];
    if (node.kind === Kind.Text) text += c.slice(node.a, node.b);
    else if (node.kind === Kind.Literal) text += node.value;
    else if (node.kind === Kind.Delim && (node.usedLeft ?? 0) === 0 && (node.usedRight ?? 0) === 0) text += c.slice(node.a, node.b);
    else return false;
    if (text.length > url.length + 16) return false;
  }
  return text !== '' && (url === text || url === `mailto:${text}` || url === `http://${text}` || url === `https://${text}`);
}

/** End of an autolink `<scheme:…>` or `<e-mail>` at c[at], or -1. */
function autolinkEnd(c: string, at: number): number {
  let i = at + 1;
  while (i < c.length && i - at < 2048) {
    const ch = c[i];
    if (ch === '>') break;
    if (ch === '<' || ch <= ' ') return -1;
    i++;
  }
  if (c[i] !== '>') return -1;
  const inner = c.slice(at + 1, i);
  return AUTOLINK_SCHEME.test(inner) || AUTOLINK_EMAIL.test(inner) ? i + 1 : -1;
}

/** End of inline HTML (a tag, closing tag, comment, processing instruction, declaration or CDATA) at c[at], or -1. */
function htmlEnd(c: string, at: number, finder: Finder): number {
  const next = c[at + 1];
  if (next === '!') {
    if (c.startsWith('<!--', at)) {
      if (c[at + 4] === '>') return at + 5;
      if (c.startsWith('->', at + 4)) return at + 6;
      const e = finder.indexOf('-->', at + 4);
      return e === -1 ? -1 : e + 3;
    }
    if (c.startsWith('<![CDATA[', at)) {
      const e = finder.indexOf(']]>', at + 9);
      return e === -1 ? -1 : e + 3;
    }
    if (isAsciiAlpha(c[at + 2])) {
      const e = finder.indexOf('>', at + 2);
      return e === -1 ? -1 : e + 1;
    }
    return -1;
  }
  if (next === '?') {
    const e = finder.indexOf('?>', at + 2);
    return e === -1 ? -1 : e + 2;
  }
  if (next === '/') {
    TAG_NAME.lastIndex = at + 2;
    if (!TAG_NAME.exec(c)) return -1;
    let i = TAG_NAME.lastIndex;
    while (c[i] === ' ' || c[i] === '\t' || c[i] === '\n') i++;
    return c[i] === '>' ? i + 1 : -1;
  }
  TAG_NAME.lastIndex = at + 1;
  if (!TAG_NAME.exec(c)) return -1;
  let i = TAG_NAME.lastIndex;
  for (;;) {
    const spaceStart = i;
    while (c[i] === ' ' || c[i] === '\t' || c[i] === '\n') i++;
    if (c[i] === '>') return i + 1;
    if (c[i] === '/' && c[i + 1] === '>') return i + 2;
    if (i === spaceStart) return -1;
    ATTRIBUTE_NAME.lastIndex = i;
    if (!ATTRIBUTE_NAME.exec(c)) return -1;
    i = ATTRIBUTE_NAME.lastIndex;
    let j = i;
    while (c[j] === ' ' || c[j] === '\t' || c[j] === '\n') j++;
    if (c[j] !== '=') continue;
    j++;
    while (c[j] === ' ' || c[j] === '\t' || c[j] === '\n') j++;
    const q = c[j];
    if (q === '"' || q === "'") {
      const e = finder.indexOf(q, j + 1);
      if (e === -1) return -1;
      i = e + 1;
    } else {
      UNQUOTED_VALUE.lastIndex = j;
      if (!UNQUOTED_VALUE.exec(c)) return -1;
      i = UNQUOTED_VALUE.lastIndex;
    }
  }
}

/**
 * GFM's trailing-punctuation rule for literal autolinks: whether the punctuation starting at c[at] is a
 * trail that ends the link (it runs to whitespace, `<` or the end). Also returns where the scan decided:
 * every position before that inside the same run gets the same answer, so callers ask once per run.
 */
function trail(c: string, at: number): { ends: boolean; stop: number } {
  let i = at;
  for (;;) {
    const ch = c[i];
    if (ch === undefined || ch === '<' || isSpaceOrEnd(ch)) return { ends: true, stop: i };
    if (TRAIL.has(ch)) {
      i++;
      continue;
    }
    if (ch === '&') {
      let j = i + 1;
      if (!isAsciiAlpha(c[j])) return { ends: false, stop: i };
      while (isAsciiAlpha(c[j])) j++;
      if (c[j] !== ';') return { ends: false, stop: i };
      i = j + 1;
      continue;
    }
    if (ch === ']') {
      const after = c[i + 1];
      if (after === undefined || after === '(' || after === '[' || isSpaceOrEnd(after)) return { ends: true, stop: i };
      i++;
      continue;
    }
    return { ends: false, stop: i };
  }
}

/** End of the domain of a literal autolink starting at c[at], or -1 (GFM's domain rules). */
function domainEnd(c: string, at: number): number {
  let i = at;
  let underscoreLast = false;
  let underscoreBeforeLast = false;
  let seen = false;
  let known: { ends: boolean; stop: number } | undefined;
  for (; i - at <= MAX_DOMAIN; ) {
    const ch = c[i];
    if (ch === '.' || ch === '_') {
      if (!known || i >= known.stop) known = trail(c, i);
      if (known.ends) break;
      if (ch === '_') underscoreLast = true;
      else {
        underscoreBeforeLast = underscoreLast;
        underscoreLast = false;
      }
      i++;
      continue;
    }
    known = undefined;
    if (ch === undefined || isSpaceOrEnd(ch) || (ch !== '-' && UNICODE_PUNCTUATION.test(ch))) break;
    seen = true;
    i++;
  }
  if (i - at > MAX_DOMAIN || underscoreLast || underscoreBeforeLast || !seen) return -1;
  return i;
}

/** End of the path after a literal autolink's domain (balanced parentheses, trailing punctuation left out). */
function pathEnd(c: string, at: number): number {
  let i = at;
  let open = 0;
  let closed = 0;
  let known: { ends: boolean; stop: number } | undefined;
  for (;;) {
    const ch = c[i];
    if (ch === undefined || isSpaceOrEnd(ch)) return i;
    if (ch === '(') {
      known = undefined;
      open++;
      i++;
      continue;
    }
    if (ch === ')' && closed < open) {
      known = undefined;
      closed++;
      i++;
      continue;
    }
    if (PATH_CHECK.has(ch)) {
      if (!known || i >= known.stop) known = trail(c, i);
      if (known.ends) return i;
      if (ch === ')') closed++;
      i++;
      continue;
    }
    known = undefined;
    i++;
  }
}

/** End of a GFM literal autolink (www., http(s)://, e-mail) starting at c[at], or -1. */
function literalAutolink(c: string, at: number, hasAt: boolean): number {
  const ch = c[at];
  const previous = c[at - 1];
  if ((ch === 'w' || ch === 'W') && (previous === undefined || previous === '(' || previous === '*' || previous === '_' || previous === '[' || previous === ']' || previous === '~' || isSpaceOrEnd(previous))) {
    if (/^www\./i.test(c.slice(at, at + 4)) && at + 4 < c.length) {
      const d = domainEnd(c, at);
      if (d !== -1) return pathEnd(c, d);
    }
  }
  if ((ch === 'h' || ch === 'H') && !isAsciiAlpha(previous)) {
    const m = /^https?:\/\//i.exec(c.slice(at, at + 8));
    if (m) {
      const after = c[at + m[0].length];
      if (after !== undefined && !isSpaceOrEnd(after) && !UNICODE_PUNCTUATION.test(after) && after >= ' ') {
        const d = domainEnd(c, at + m[0].length);
        if (d !== -1) return pathEnd(c, d);
      }
    }
  }
  if (hasAt && isAtext(ch) && !(previous === '/' || isAtext(previous))) {
    let i = at;
    while (isAtext(c[i])) i++;
    if (c[i] !== '@') return -1;
    i++;
    let data = false;
    let dot = false;
    for (;;) {
      const d = c[i];
      if (d === '.') {
        if (!isAsciiAlphanumeric(c[i + 1])) break;
        dot = true;
        i++;
        continue;
      }
      if (d === '-' || d === '_' || isAsciiAlphanumeric(d)) {
        data = true;
        i++;
        continue;
      }
      break;
    }
    return data && dot && isAsciiAlpha(c[i - 1]) ? i : -1;
  }
  return -1;
}

// The path stops where another inline construct could start: mdast's pass sees one text node at a time.
const LOOSE_URL = /(https?:\/\/|www(?=\.))([\w-]*\.[\w\-.]*)([^\t\n\r <`[\]!$\\&]*)/iy;
const URL_TRAIL = new Set(['!', '"', '&', "'", ')', ',', '.', ':', ';', '<', '>', '?', ']', '}']);

/**
 * End of a URL that GFM's syntax does not take (after a quote, say) but mdast-util-gfm-autolink-literal's
 * second pass over text does, or -1: a `www.` or `http(s)://` after whitespace or punctuation, with a
 * plausible domain, trailing punctuation left out unless it closes a parenthesis.
 */
function looseUrl(c: string, at: number): number {
  const previous = c[at - 1];
  if (previous !== undefined && !(UNICODE_WHITESPACE.test(previous) || UNICODE_PUNCTUATION.test(previous))) return -1;
  LOOSE_URL.lastIndex = at;
  const m = LOOSE_URL.exec(c);
  if (!m) return -1;
  let domain = m[2];
  if (/^w/i.test(m[1])) domain = m[1] + domain;
  if (UNICODE_PUNCTUATION.test(domain[0])) return -1;
  const parts = domain.split('.');
  const bad = (part: string | undefined) => part !== undefined && part !== '' && (part.includes('_') || !/[\dA-Za-z]/.test(part));
  if (parts.length < 2 || bad(parts[parts.length - 1]) || bad(parts[parts.length - 2])) return -1;
  let end = at + m[0].length;
  while (end > at && URL_TRAIL.has(c[end - 1])) end--;
  // A trailing `)` stays when it closes a `(` of the URL.
  let open = 0;
  let closed = 0;
  for (let i = at; i < end; i++) {
    if (c[i] === '(') open++;
    else if (c[i] === ')') closed++;
  }
  for (let i = end; i < at + m[0].length && open > closed; i++) {
    if (c[i] === ')') {
      closed++;
      end = i + 1;
    }
  }
  return end;
}

/** CommonMark's "process emphasis" over the delimiters above `bottom`, with strikethrough for `~`. */
function removeDelimiter(st: InlineState, d: Delimiter): void {
  if (d.previous) d.previous.next = d.next;
  if (d.next) d.next.previous = d.previous;
  else st.delimiters = d.previous;
}

function unused(nodes: Node[], d: Delimiter): number {
  const node = nodes[d.node];
  return node.b - node.a - node.usedLeft! - node.usedRight!;
}

function processEmphasis(st: InlineState, bottom: Delimiter | null): void {
  const nodes = st.nodes;
  if (st.delimiters === bottom) return;
  const openersBottom = new Map<string, Delimiter | null>();
  let closer = st.delimiters;
  while (closer && closer.previous !== bottom) closer = closer.previous;
  if (closer === bottom) closer = null;
  while (closer) {
    if (!closer.canClose) {
      closer = closer.next;
      continue;
    }
    const size = unused(nodes, closer);
    const key = closer.char === 126 ? `~${size}` : `${closer.char}${closer.canOpen ? 1 : 0}${size % 3}`;
    const floor = openersBottom.has(key) ? openersBottom.get(key)! : bottom;
    let opener = closer.previous;
    let found = false;
    while (opener && opener !== bottom && opener !== floor) {
      if (opener.char === closer.char && opener.canOpen) {
        const openSize = unused(nodes, opener);
        if (closer.char === 126) {
          if (openSize === size) {
            found = true;
            break;
          }
        } else {
          const odd = (closer.canOpen || opener.canClose) && (openSize + size) % 3 === 0 && !(openSize % 3 === 0 && size % 3 === 0);
          if (!odd) {
            found = true;
            break;
          }
        }
      }
      opener = opener.previous;
    }
    const oldCloser = closer;
    if (found && opener) {
      const use = closer.char === 126 ? size : size >= 2 && unused(nodes, opener) >= 2 ? 2 : 1;
      nodes[opener.node].usedRight! += use;
      nodes[closer.node].usedLeft! += use;
      // Delimiters between them can no longer match anything.
      let between = closer.previous;
      while (between && between !== opener) {
        const prev = between.previous;
        removeDelimiter(st, between);
        between = prev;
      }
      if (unused(nodes, opener) === 0) removeDelimiter(st, opener);
      if (unused(nodes, closer) === 0) {
        const next = closer.next;
        removeDelimiter(st, closer);
        closer = next;
      }
    } else {
      closer = closer.next;
      openersBottom.set(key, oldCloser.previous);
      if (!oldCloser.canOpen) removeDelimiter(st, oldCloser);
    }
  }
  // Everything above the bottom is done with.
  let d = st.delimiters;
  while (d && d !== bottom) {
    const prev = d.previous;
    removeDelimiter(st, d);
    d = prev;
  }
}

/** Writes the nodes' prose into `out`. */
function emit(c: string, nodes: Node[], toSource: (i: number) => number, out: ProseBuilder): void {
  const copy = (a: number, b: number) => {
    if (b - a > 1 && toSource(b - 1) - toSource(a) === b - 1 - a) {
      // toSource only increases, so the range is one stretch of source, line breaks (a space each)
      // included: one piece, not one per line.
      out.copy(c.slice(a, b), toSource(a));
      return;
    }
    // Piece by piece between line breaks, each at its own source offset.
    let s = a;
    while (s < b) {
      let e = c.indexOf('\n', s);
      if (e === -1 || e >= b) e = b;
      if (e > s) out.copy(c.slice(s, e), toSource(s));
      if (e < b) {
        const at = toSource(e);
        out.span(' ', at, at + 1);
        e++;
      }
      s = e;
    }
  };
  const sourceEnd = (b: number) => toSource(b - 1) + 1;
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k];
    switch (node.kind) {
      case Kind.Text:
      case Kind.Open:
        copy(node.a, node.b);
        break;
      case Kind.Delim:
        copy(node.a + node.usedLeft!, node.b - node.usedRight!);
        break;
      case Kind.Literal:
        out.span(node.value!, toSource(node.a), sourceEnd(node.b));
        break;
      case Kind.Break:
        out.span(' ', toSource(node.a), sourceEnd(node.b));
        break;
      case Kind.Mask:
        out.mask(toSource(node.a), sourceEnd(node.b));
        if (node.skipTo !== undefined) k = node.skipTo;
        break;
      case Kind.Drop:
        break;
    }
  }
}
