// A block of prose (what the model may read) with its way back to the source. Most of a block is source
// text copied as it stands, so the map is kept as runs rather than one entry per character: a run either
// copies the source one to one, or stands as a whole for one source span (a mask, a decoded reference, an
// escape, a line ending). That keeps a block's memory near the size of its text.

/** The placeholder word for masked spans (inline code, math, images, URLs). */
export const MASK_WORD = 'X';

export type BlockKind = 'paragraph' | 'heading' | 'tableCell';

/** One run of prose. Character `i` of `text` came from source offsets `[start(i), end(i))`. */
export interface ProseBlock {
  kind: BlockKind;
  text: string;
  /** Indices in `text` where a masked placeholder begins (for reporting, not for mapping). */
  masks: number[];
  start(i: number): number;
  end(i: number): number;
}

/** Whitespace (what `\s` matches) other than the plain space. */
function isOtherWhitespace(c: number): boolean {
  if (c < 128) return c >= 9 && c <= 13;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Calls `piece` with `text` in pieces that join to it with whitespace of any kind made a plain space (the
 * model and the sentence splitter see one kind). Pieces, not one new string: `replace` over a 1 MB
 * hard-wrapped paragraph held 17 MB while it built its result.
 */
function forEachSpacedPiece(text: string, piece: (part: string) => void): void {
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isOtherWhitespace(text.charCodeAt(i))) continue;
    if (i > from) piece(text.slice(from, i));
    piece(' ');
    from = i + 1;
  }
  if (from === 0) piece(text);
  else if (from < text.length) piece(text.slice(from));
}

/** Builds a block's text and its source map one piece at a time. */
export class ProseBuilder {
  private parts: string[] = [];
  length = 0;
  readonly masks: number[] = [];
  // Run r covers text [at[r], at[r + 1]); from[r] is its source start; to[r] is -1 for a one-to-one copy,
  // else the end of the source span every character of the run stands for.
  private at: number[] = [];
  private from: number[] = [];
  private to: number[] = [];

  /** Source text [start, start + text.length) copied as it stands (whitespace made plain spaces). */
  copy(text: string, start: number): void {
    if (!text) return;
    let at = start;
    forEachSpacedPiece(text, (part) => {
      this.run(part, at, -1);
      at += part.length;
    });
  }

  /** `text` standing as a whole for the source span [start, end). */
  span(text: string, start: number, end: number): void {
    if (!text) return;
    this.run(text, start, end);
  }

  /** A placeholder word standing for the source span [start, end). */
  mask(start: number, end: number): void {
    this.masks.push(this.length);
    this.run(MASK_WORD, start, end);
  }

  private run(text: string, start: number, end: number): void {
    // One character standing for one source character maps exactly as a copy of it does, so it can extend
    // a copy: a hard-wrapped paragraph's line endings (a space for each '\n') then cost no run apiece.
    if (end === start + 1 && text.length === 1) end = -1;
    const r = this.at.length - 1;
    // A copy that continues the previous copy extends it.
    if (end === -1 && r >= 0 && this.to[r] === -1 && this.from[r] + (this.length - this.at[r]) === start) {
      this.parts.push(text);
      this.length += text.length;
      return;
    }
    this.at.push(this.length);
    this.from.push(start);
    this.to.push(end);
    this.parts.push(text);
    this.length += text.length;
  }

  build(kind: BlockKind): ProseBlock {
    return new MappedBlock(kind, this.parts.join(''), this.masks, this.at, this.from, this.to);
  }
}

/** A block and its runs (a class, not closures: a large document makes one per paragraph). */
class MappedBlock implements ProseBlock {
  constructor(
    readonly kind: BlockKind,
    readonly text: string,
    readonly masks: number[],
    private readonly at: number[],
    private readonly from: number[],
    private readonly to: number[],
  ) {}

  private runOf(i: number): number {
    const at = this.at;
    let lo = 0;
    let hi = at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (at[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  start(i: number): number {
    const r = this.runOf(i);
    return this.to[r] === -1 ? this.from[r] + (i - this.at[r]) : this.from[r];
  }

  end(i: number): number {
    const r = this.runOf(i);
    return this.to[r] === -1 ? this.from[r] + (i - this.at[r]) + 1 : this.to[r];
  }
}
