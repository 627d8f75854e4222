// Offsets (UTF-16 code units) ⇄ LSP positions (zero-based line, character in UTF-16 code units).
// A line ends at \n, \r\n or \r, as in VS Code's TextDocument.

import type { Position, Range } from '../../protocol/proseProtocol';

export type { Position, Range };

export class LineIndex {
  /** Offset of the first character of each line (a typed array: a file of short lines has many). */
  private readonly starts: Int32Array;

  constructor(readonly text: string) {
    // Two passes, counting then filling, so the index takes 4 bytes a line and nothing is reallocated.
    let lines = 1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        lines++;
      } else if (c === 10 /* \n */) lines++;
    }
    const starts = new Int32Array(lines);
    let n = 1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts[n++] = i + 1;
      } else if (c === 10 /* \n */) starts[n++] = i + 1;
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offset(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const lineStart = this.starts[position.line];
    const next = position.line + 1 < this.starts.length ? this.starts[position.line + 1] : this.text.length;
    return Math.min(lineStart + Math.max(0, position.character), next);
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  /** Start offset and length of each line longer than `max` characters (line ending excluded). */
  longLines(max: number): { line: number; start: number; end: number }[] {
    const out: { line: number; start: number; end: number }[] = [];
    for (let line = 0; line < this.starts.length; line++) {
      const start = this.starts[line];
      let end = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
      while (end > start && (this.text[end - 1] === '\n' || this.text[end - 1] === '\r')) end--;
      if (end - start > max) out.push({ line, start, end });
    }
    return out;
  }
}
