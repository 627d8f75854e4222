// The block structure of a Markdown document (CommonMark + GFM tables, footnotes and task items, front
// matter, display math), read in one pass over its lines, for prose extraction only: it finds where
// paragraphs, headings and table cells are and which lines hold code, HTML, math or definitions, and keeps
// nothing else. It follows the CommonMark reference algorithm (open containers matched line by line, then
// block starts), so each line costs its own length plus the depth of the containers it continues.
// src/core/extraction/markdownInline.ts reads the leaves it reports.

/** A leaf whose inline content is prose: `lines` holds [start, end) source offsets of each content line. */
export interface Leaf {
  kind: 'paragraph' | 'heading' | 'tableCell';
  lines: number[];
}

export interface BlockDefinition {
  kind: 'link' | 'footnote';
  /** normalizeLabel of the label. */
  label: string;
  start: number;
  end: number;
}

export interface BlockSink {
  leaf(leaf: Leaf): void;
  definition(d: BlockDefinition): void;
}

/** A reference label as CommonMark compares them: whitespace runs collapsed, case folded. */
export function normalizeLabel(label: string): string {
  return label.replace(/[\t\n\r ]+/g, ' ').trim().toLowerCase().toUpperCase();
}

const HTML_BLOCK_NAMES = new Set(
  ('address article aside base basefont blockquote body caption center col colgroup dd details dialog dir div dl dt ' +
    'fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html iframe legend li link ' +
    'main menu menuitem nav noframes ol optgroup option p param search section summary table tbody td tfoot th thead ' +
    'title tr track ul').split(' '),
);
const HTML_RAW = /^<(?:script|pre|style|textarea)(?:[ \t>]|$)/i;
const HTML_ENDS: [RegExp, RegExp][] = [
  [HTML_RAW, /<\/(?:script|pre|style|textarea)>/i],
  [/^<!--/, /-->/],
  [/^<\?/, /\?>/],
  [/^<![A-Za-z]/, />/],
  [/^<!\[CDATA\[/, /\]\]>/],
];
const HTML_BLOCK_TAG = /^<\/?([A-Za-z][A-Za-z0-9-]*)(?:[ \t]|\/?>|$)/;
const ATTRIBUTE = `[ \\t]+[A-Za-z_:][A-Za-z0-9_.:-]*(?:[ \\t]*=[ \\t]*(?:[^ \\t"'=<>\`]+|'[^']*'|"[^"]*"))?`;
const HTML_COMPLETE_TAG = new RegExp(`^(?:<[A-Za-z][A-Za-z0-9-]*(?:${ATTRIBUTE})*[ \\t]*\\/?>|<\\/[A-Za-z][A-Za-z0-9-]*[ \\t]*>)[ \\t]*$`);
const ATX = /^#{1,6}(?:[ \t]|$)/;
const FENCE = /^(`{3,}|~{3,})/;
const CLOSING_FENCE = /^(`{3,}|~{3,})[ \t]*$/;
const MATH_FENCE = /^(\${2,})([^$]*)$/;
const CLOSING_MATH = /^(\${2,})[ \t]*$/;
const SETEXT = /^(?:=+|-+)[ \t]*$/;
const BULLET = /^[*+-]/;
const ORDERED = /^(\d{1,9})([.)])/;
const FOOTNOTE_DEFINITION = /^\[\^((?:[^\]\\[\s]|\\.){1,999})\]:/;
const TABLE_DELIMITER = /^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

type Block =
  | { type: 'root' | 'quote' }
  | { type: 'item'; indent: number; children: number; taskCandidate: boolean }
  | { type: 'footnote' }
  | { type: 'paragraph'; lines: number[]; task: boolean }
  | { type: 'table'; tables: boolean }
  | { type: 'fence'; char: string; length: number; indent: number }
  | { type: 'math'; length: number }
  | { type: 'indentedCode' }
  | { type: 'html'; end: RegExp | null };

/** Cells of one table row: [start, end) of each cell's trimmed content. */
export function tableCells(source: string, start: number, end: number): number[] {
  let s = start;
  let e = end;
  while (s < e && (source[s] === ' ' || source[s] === '\t')) s++;
  while (e > s && (source[e - 1] === ' ' || source[e - 1] === '\t')) e--;
  if (source[s] === '|') s++;
  if (e > s && source[e - 1] === '|' && source[e - 2] !== '\\') e--;
  const cells: number[] = [];
  let cellStart = s;
  for (let i = s; i <= e; i++) {
    if (i < e && source[i] === '\\') {
      i++;
      continue;
    }
    if (i === e || source[i] === '|') {
      let a = cellStart;
      let b = i;
      while (a < b && (source[a] === ' ' || source[a] === '\t')) a++;
      while (b > a && (source[b - 1] === ' ' || source[b - 1] === '\t')) b--;
      cells.push(a, b);
      cellStart = i + 1;
    }
  }
  return cells;
}

/** Scans `source` and reports its prose leaves and definitions to `sink`, in document order. */
export function scanBlocks(source: string, sink: BlockSink, options: { frontMatter: boolean; tables: boolean }): void {
  const stack: Block[] = [{ type: 'root' }];
  // The current line and the reading position in it (tabs count to the next multiple of four columns).
  let line = '';
  let lineStart = 0;
  let offset = 0;
  let column = 0;
  let partialTab = false;
  let nextNonspace = 0;
  let nextNonspaceColumn = 0;
  let indent = 0;
  let blank = false;

  // The last scan of the line's indentation: deep nesting asks again at every container, and a scan over
  // spaces only (no tab) gives the same next non-space for every offset inside it, so it is not repeated.
  let spacesFrom = -1;
  let spacesTo = -1;
  const findNextNonspace = () => {
    let i = offset;
    let cols = column;
    if (offset >= spacesFrom && offset <= spacesTo && spacesFrom !== -1 && !partialTab) {
      i = spacesTo;
      cols = column + (spacesTo - offset);
    } else {
      let tab = false;
      while (i < line.length) {
        const c = line[i];
        if (c === ' ') cols++;
        else if (c === '\t') {
          cols += 4 - (cols % 4);
          tab = true;
        } else break;
        i++;
      }
      spacesFrom = tab ? -1 : offset;
      spacesTo = i;
    }
    blank = i >= line.length;
    nextNonspace = i;
    nextNonspaceColumn = cols;
    indent = cols - column;
  };
  const advanceOffset = (count: number, columns: boolean) => {
    while (count > 0 && offset < line.length) {
      if (line[offset] === '\t') {
        const toTab = 4 - (column % 4);
        if (columns) {
          partialTab = toTab > count;
          const by = toTab > count ? count : toTab;
          column += by;
          offset += partialTab ? 0 : 1;
          count -= by;
        } else {
          partialTab = false;
          column += toTab;
          offset++;
          count--;
        }
      } else {
        partialTab = false;
        offset++;
        column++;
        count--;
      }
    }
  };
  const advanceNextNonspace = () => {
    offset = nextNonspace;
    column = nextNonspaceColumn;
    partialTab = false;
  };
  const rest = () => line.slice(nextNonspace);
  const tip = () => stack[stack.length - 1];

  const finishParagraph = (p: { lines: number[]; task: boolean }, heading: boolean) => {
    const lines = p.lines;
    let first = 0;
    if (!heading || lines.length) first = definitionsAt(source, lines, sink);
    if (first >= lines.length) return false;
    const kept = first ? lines.slice(first * 2) : lines;
    if (p.task && !heading) {
      const m = /^\[[ xX]\][ \t]+\S/.exec(source.slice(kept[0], Math.min(kept[1], kept[0] + 64)));
      if (m) kept[0] += 3;
    }
    sink.leaf({ kind: heading ? 'heading' : 'paragraph', lines: kept });
    return true;
  };
  /** Closes blocks above `depth` in the stack. */
  const closeTo = (depth: number) => {
    while (stack.length > depth) {
      const b = stack.pop()!;
      if (b.type === 'paragraph') finishParagraph(b, false);
    }
  };
  // Blocks the current line did not continue stay open only for a lazy paragraph line; anything new closes them.
  let unmatchedFrom = 1;
  const closeUnmatched = () => {
    if (unmatchedFrom < stack.length) closeTo(unmatchedFrom);
    unmatchedFrom = stack.length;
  };
  const addChild = (b: Block) => {
    closeUnmatched();
    while (isLeaf(tip())) closeTo(stack.length - 1);
    noteChild();
    stack.push(b);
    unmatchedFrom = stack.length;
  };
  const emitRow = (start: number, end: number, tables: boolean) => {
    if (!tables) return;
    const cells = tableCells(source, start, end);
    for (let i = 0; i < cells.length; i += 2) if (cells[i + 1] > cells[i]) sink.leaf({ kind: 'tableCell', lines: [cells[i], cells[i + 1]] });
  };

  /** 0: the block continues on this line; 1: it does not; 2: the line is used up (a closing fence). */
  const continues = (b: Block): 0 | 1 | 2 => {
    switch (b.type) {
      case 'quote':
        if (indent <= 3 && line[nextNonspace] === '>') {
          advanceNextNonspace();
          advanceOffset(1, false);
          if (line[offset] === ' ' || line[offset] === '\t') advanceOffset(1, true);
          return 0;
        }
        return 1;
      case 'item':
        if (blank) {
          if (b.children === 0) return 1;
          advanceNextNonspace();
          return 0;
        }
        if (indent >= b.indent) {
          advanceOffset(b.indent, true);
          return 0;
        }
        return 1;
      case 'footnote':
        if (blank) return 0;
        if (indent >= 4) {
          advanceOffset(4, true);
          return 0;
        }
        return 1;
      case 'paragraph':
      case 'table':
        return blank ? 1 : 0;
      case 'fence': {
        const m = indent <= 3 ? CLOSING_FENCE.exec(rest()) : null;
        if (m && m[1][0] === b.char && m[1].length >= b.length) {
          closeTo(stack.length - 1);
          return 2;
        }
        let i = b.indent;
        while (i > 0 && (line[offset] === ' ' || line[offset] === '\t')) {
          advanceOffset(1, true);
          i--;
        }
        return 0;
      }
      case 'math': {
        const m = indent <= 3 ? CLOSING_MATH.exec(rest()) : null;
        if (m && m[1].length >= b.length) {
          closeTo(stack.length - 1);
          return 2;
        }
        return 0;
      }
      case 'indentedCode':
        if (indent >= 4) {
          advanceOffset(4, true);
          return 0;
        }
        if (blank) {
          advanceNextNonspace();
          return 0;
        }
        return 1;
      case 'html':
        return blank && b.end === null ? 1 : 0;
      default:
        return 0;
    }
  };

  /**
   * Tries each block start at the current position, in CommonMark's order. 'container': a block quote,
   * list item or footnote definition opened (more may follow on the line); 'leaf': the line is used up.
   */
  const blockStart = (container: Block): 'container' | 'leaf' | null => {
    const inParagraph = container.type === 'paragraph';
    const lazyParagraph = unmatchedFrom < stack.length && tip().type === 'paragraph';
    if (indent >= 4) {
      if (blank || tip().type === 'paragraph' || tip().type === 'table') return null;
      advanceOffset(4, true);
      addChild({ type: 'indentedCode' });
      return 'leaf';
    }
    const c = line[nextNonspace];
    const r = rest();
    if (c === '>') {
      advanceNextNonspace();
      advanceOffset(1, false);
      if (line[offset] === ' ' || line[offset] === '\t') advanceOffset(1, true);
      addChild({ type: 'quote' });
      return 'container';
    }
    if (c === '#' && ATX.test(r)) {
      closeUnmatched();
      while (isLeaf(tip())) closeTo(stack.length - 1);
      noteChild();
      const at = lineStart + nextNonspace;
      let s = at;
      while (source[s] === '#') s++;
      let e = lineStart + line.length;
      while (e > s && (source[e - 1] === ' ' || source[e - 1] === '\t')) e--;
      let h = e;
      while (h > s && source[h - 1] === '#') h--;
      if (h === s || source[h - 1] === ' ' || source[h - 1] === '\t') e = h;
      while (s < e && (source[s] === ' ' || source[s] === '\t')) s++;
      while (e > s && (source[e - 1] === ' ' || source[e - 1] === '\t')) e--;
      if (e > s) sink.leaf({ kind: 'heading', lines: [s, e] });
      return 'leaf';
    }
    if (c === '`' || c === '~') {
      const m = FENCE.exec(r);
      if (m && !(c === '`' && r.slice(m[1].length).includes('`'))) {
        addChild({ type: 'fence', char: c, length: m[1].length, indent });
        return 'leaf';
      }
    }
    if (c === '$') {
      const m = MATH_FENCE.exec(r);
      if (m) {
        addChild({ type: 'math', length: m[1].length });
        return 'leaf';
      }
    }
    if (c === '<') {
      let end: RegExp | null | undefined;
      for (const [open, close] of HTML_ENDS) {
        if (open.test(r)) {
          end = close;
          break;
        }
      }
      if (end === undefined) {
        const tag = HTML_BLOCK_TAG.exec(r);
        if (tag && HTML_BLOCK_NAMES.has(tag[1].toLowerCase())) end = null;
        else if (!inParagraph && !lazyParagraph && HTML_COMPLETE_TAG.test(r)) end = null;
      }
      if (end !== undefined) {
        addChild({ type: 'html', end });
        // An end condition met on the opening line closes the block with it.
        if (end && end.test(r.slice(2))) closeTo(stack.length - 1);
        return 'leaf';
      }
    }
    if (inParagraph && (c === '=' || c === '-') && SETEXT.test(r) && !r.includes('|')) {
      const p = container;
      stack.pop();
      unmatchedFrom = stack.length;
      if (finishParagraph(p, true)) return 'leaf';
      // Only definitions: the underline is read again as if no paragraph were open.
      return blockStart(tip());
    }
    if (inParagraph && (c === '|' || c === '-' || c === ':') && TABLE_DELIMITER.test(r)) {
      const p = container;
      const hs = p.lines[p.lines.length - 2];
      const he = p.lines[p.lines.length - 1];
      const header = tableCells(source, hs, he).length / 2;
      const delimiter = tableCells(source, lineStart + nextNonspace, lineStart + line.length).length / 2;
      if (header === delimiter && (source.slice(hs, he).includes('|') || r.includes('|'))) {
        p.lines.length -= 2;
        stack.pop();
        if (p.lines.length) finishParagraph(p, false);
        stack.push({ type: 'table', tables: options.tables });
        unmatchedFrom = stack.length;
        emitRow(hs, he, options.tables);
        return 'leaf';
      }
    }
    if ((c === '*' || c === '-' || c === '_') && thematicBreak(c)) {
      closeUnmatched();
      while (isLeaf(tip())) closeTo(stack.length - 1);
      noteChild();
      return 'leaf';
    }
    if (c === '[' && line[nextNonspace + 1] === '^') {
      const m = FOOTNOTE_DEFINITION.exec(r);
      if (m) {
        const start = lineStart + nextNonspace;
        addChild({ type: 'footnote' });
        sink.definition({ kind: 'footnote', label: normalizeLabel(m[1].replace(/\\([[\\\]])/g, '$1')), start, end: start + m[0].length });
        advanceNextNonspace();
        advanceOffset(m[0].length, false);
        return 'container';
      }
    }
    const bullet = BULLET.exec(r);
    const ordered = bullet ? null : ORDERED.exec(r);
    if (bullet || ordered) {
      const marker = (bullet ?? ordered)![0].length;
      const after = r[marker];
      const emptyItem = /^[ \t]*$/.test(r.slice(marker));
      if ((after === undefined || after === ' ' || after === '\t') && !(inParagraph && (emptyItem || (ordered && ordered[1] !== '1')))) {
        const markerOffset = indent;
        advanceNextNonspace();
        advanceOffset(marker, true);
        const spacesStartCol = column;
        const spacesStartOffset = offset;
        do {
          advanceOffset(1, true);
        } while (column - spacesStartCol < 5 && (line[offset] === ' ' || line[offset] === '\t'));
        const blankItem = offset >= line.length;
        const spaces = column - spacesStartCol;
        let padding: number;
        if (spaces >= 5 || spaces < 1 || blankItem) {
          padding = marker + 1;
          column = spacesStartCol;
          offset = spacesStartOffset;
          partialTab = false;
          if (line[offset] === ' ' || line[offset] === '\t') advanceOffset(1, true);
        } else padding = marker + spaces;
        addChild({ type: 'item', indent: markerOffset + padding, children: 0, taskCandidate: true });
        return 'container';
      }
    }
    return null;
  };
  // Where the thematic-break test of the current line last failed: a nested list (`- - - … x`) asks again
  // at every marker, and every later start on the line fails at the same place, so it is not rescanned.
  let breakFailsAt = -1;
  let breakFailChar = '';
  const thematicBreak = (c: string): boolean => {
    if (breakFailChar === c && nextNonspace < breakFailsAt) return false;
    let count = 0;
    for (let i = nextNonspace; i < line.length; i++) {
      const d = line[i];
      if (d === c) count++;
      else if (d !== ' ' && d !== '\t') {
        breakFailsAt = i;
        breakFailChar = c;
        return false;
      }
    }
    return count >= 3;
  };
  const noteChild = () => {
    const container = tip();
    if (container.type === 'item') container.children++;
  };

  // Front matter: only at the very start, and only when it is closed.
  let pos = 0;
  if (options.frontMatter) {
    const open = /^(---|\+\+\+)[ \t]*(?:\r\n|\r|\n)/.exec(source);
    if (open) {
      const close = new RegExp(`(?:\\r\\n|\\r|\\n)${open[1] === '---' ? '---' : '\\+\\+\\+'}[ \\t]*(?:\\r\\n|\\r|\\n|$)`, 'g');
      close.lastIndex = open[0].length - 1;
      if (source[close.lastIndex] !== '\n' && source[close.lastIndex] !== '\r') close.lastIndex++;
      const m = close.exec(source);
      if (m) pos = m.index + m[0].length;
    }
  }

  while (pos < source.length) {
    let eol = pos;
    while (eol < source.length) {
      const ch = source.charCodeAt(eol);
      if (ch === 10 || ch === 13) break;
      eol++;
    }
    const next = source.charCodeAt(eol) === 13 && source.charCodeAt(eol + 1) === 10 ? eol + 2 : eol + 1;
    line = source.slice(pos, eol);
    lineStart = pos;
    breakFailsAt = -1;
    spacesFrom = -1;
    offset = 0;
    column = 0;
    partialTab = false;

    // 1. Which open blocks this line continues.
    let matched = 1;
    let consumed = false;
    for (; matched < stack.length; matched++) {
      findNextNonspace();
      const r = continues(stack[matched]);
      if (r === 2) consumed = true;
      if (r !== 0) break;
    }
    if (consumed) {
      pos = next;
      continue;
    }
    unmatchedFrom = matched;
    let container = stack[matched - 1];

    // 2. New blocks starting on this line (not inside code, HTML or math that goes on).
    const literal = container.type === 'fence' || container.type === 'math' || container.type === 'html' || container.type === 'indentedCode' || container.type === 'table';
    let leafDone = false;
    if (!literal || container.type === 'table') {
      for (;;) {
        findNextNonspace();
        if (blank) break;
        const started = blockStart(container);
        if (!started) break;
        if (started === 'leaf') {
          leafDone = true;
          break;
        }
        container = tip();
      }
    }
    if (leafDone) {
      pos = next;
      continue;
    }
    findNextNonspace();

    // 3. What is left of the line: a lazy paragraph line, a line of the open leaf, or a new paragraph.
    const t = tip();
    if (unmatchedFrom < stack.length && !blank && t.type === 'paragraph') {
      t.lines.push(lineStart + nextNonspace, lineStart + line.length);
    } else {
      closeUnmatched();
      const open = tip();
      if (open.type === 'html') {
        if (open.end ? open.end.test(line.slice(offset)) : blank) closeTo(stack.length - 1);
      } else if (open.type === 'fence' || open.type === 'math' || open.type === 'indentedCode') {
        // Code and math: nothing here is prose.
      } else if (open.type === 'paragraph') {
        if (blank) closeTo(stack.length - 1);
        else open.lines.push(lineStart + nextNonspace, lineStart + line.length);
      } else if (open.type === 'table') {
        if (blank) closeTo(stack.length - 1);
        else emitRow(lineStart + nextNonspace, lineStart + line.length, open.tables);
      } else if (!blank) {
        const task = open.type === 'item' && open.children === 0;
        addChild({ type: 'paragraph', lines: [lineStart + nextNonspace, lineStart + line.length], task });
      }
    }
    pos = next;
  }
  closeTo(0);
}

function isLeaf(b: Block): boolean {
  return b.type !== 'root' && b.type !== 'quote' && b.type !== 'item' && b.type !== 'footnote';
}

/**
 * Link reference definitions at the start of a paragraph (`lines` as in Leaf): reports each and returns
 * how many whole lines they took. A definition can span lines (label, destination and title each may
 * start a new line), so the lines are joined first.
 */
function definitionsAt(source: string, lines: number[], sink: BlockSink): number {
  if (source[lines[0]] !== '[') return 0;
  // Joined content with '\n' between lines; lineAt[k] is where line k starts in it.
  const parts: string[] = [];
  const lineAt: number[] = [];
  let length = 0;
  // Definitions are short: joining more than a few lines' worth is only needed while they go on.
  for (let i = 0; i < lines.length; i += 2) {
    lineAt.push(length);
    const s = source.slice(lines[i], lines[i + 1]);
    parts.push(s);
    length += s.length + 1;
    if (length > 4096 && i > 0) break;
  }
  const text = parts.join('\n');
  const toSource = (at: number) => {
    let k = 0;
    while (k + 1 < lineAt.length && lineAt[k + 1] <= at) k++;
    return lines[2 * k] + (at - lineAt[k]);
  };
  let at = 0;
  let linesUsed = 0;
  while (at < text.length && text[at] === '[') {
    const end = definitionEnd(text, at);
    if (end === -1) break;
    const label = text.slice(at + 1, text.indexOf(']:', at) === -1 ? at + 1 : labelEnd(text, at));
    sink.definition({ kind: 'link', label: normalizeLabel(label), start: toSource(at), end: toSource(end) });
    // The definition ends at a line end; the next one (or the paragraph) starts on the next line.
    at = end + 1;
    while (linesUsed < lineAt.length && lineAt[linesUsed] < at) linesUsed++;
    if (at >= text.length) {
      linesUsed = lines.length / 2;
      break;
    }
  }
  return linesUsed;
}

/** Index of the `]` closing the label that starts at `at`, or -1. */
function labelEnd(text: string, at: number): number {
  let i = at + 1;
  let nonSpace = false;
  for (; i < text.length && i - at <= 1000; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && /[!-/:-@[-`{-~]/.test(text[i + 1])) {
      i++;
      nonSpace = true;
      continue;
    }
    if (c === '[') return -1;
    if (c === ']') return nonSpace && i - at - 1 <= 999 ? i : -1;
    if (!/\s/.test(c)) nonSpace = true;
  }
  return -1;
}

/** End (index of the line ending or text end) of the link reference definition starting at `at`, or -1. */
function definitionEnd(text: string, at: number): number {
  const close = labelEnd(text, at);
  if (close === -1 || text[close + 1] !== ':') return -1;
  let i = close + 2;
  const skipSpace = (allowNewline: boolean) => {
    let newlines = 0;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n')) {
      if (text[i] === '\n') {
        if (!allowNewline || newlines) break;
        newlines++;
      }
      i++;
    }
    return newlines;
  };
  skipSpace(true);
  // Destination.
  if (text[i] === '<') {
    i++;
    while (i < text.length && text[i] !== '>' && text[i] !== '\n' && text[i] !== '<') i += text[i] === '\\' ? 2 : 1;
    if (text[i] !== '>') return -1;
    i++;
  } else {
    const s = i;
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '\\' && i + 1 < text.length && /[!-/:-@[-`{-~]/.test(text[i + 1])) {
        i += 2;
        continue;
      }
      if (c === '(') {
        if (++depth > 32) return -1;
      } else if (c === ')') {
        if (depth === 0) break;
        depth--;
      } else if (c <= ' ') break;
      i++;
    }
    if (i === s || depth !== 0) return -1;
  }
  const afterDestination = i;
  const lineEndAt = (from: number) => {
    let j = from;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
    return j >= text.length || text[j] === '\n' ? j : -1;
  };
  // Title (optional), separated by whitespace.
  const beforeTitle = i;
  const newlines = skipSpace(true);
  if (i > beforeTitle && (text[i] === '"' || text[i] === "'" || text[i] === '(')) {
    const closeChar = text[i] === '(' ? ')' : text[i];
    let j = i + 1;
    let ok = false;
    for (; j < text.length; j++) {
      const c = text[j];
      if (c === '\\') {
        j++;
        continue;
      }
      if (c === '\n' && text[j + 1] !== undefined && lineEndAt(j + 1) === j + 1) break; // a blank line ends it
      if (closeChar === ')' && c === '(') break;
      if (c === closeChar) {
        ok = true;
        break;
      }
    }
    if (ok) {
      const end = lineEndAt(j + 1);
      if (end !== -1) return end;
    }
  }
  // No valid title: the definition ends with the destination's line, if nothing else is on it.
  void newlines;
  return lineEndAt(afterDestination);
}
