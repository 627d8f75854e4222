// Which tokens of an encoded sentence belong to which word of words(sentence) (attribution.ts). The tokenizer
// library (@huggingface/tokenizers 0.2) gives no offsets, so the sentence is tokenized piece by piece: BERT's
// and MPNet's pre-tokenizers split at whitespace and at every punctuation character, so the tokens of the
// pieces, in order, are the tokens of the sentence. That is checked, not assumed: inside a whitespace-separated
// chunk whose pieces do not give the chunk's own tokens (a symbol glued to a word: "©2020" is "©", "##20",
// "##20", while "2020" alone is one token) each word's edges are found by tokenizing the chunk up to them; a
// sentence whose chunks do not give the sentence's tokens (a tokenizer that does not split at whitespace) gets
// no alignment. Parity with Python's offsets: test/unit/tokenAlignment.test.ts.
import type { WordSpan } from './attribution';

export interface PieceTokenizer {
  /** Token ids of `text` alone, without special tokens. */
  bareIds(text: string): number[];
}

// Whitespace as BERT's pre-tokenizer reads it (Unicode White_Space); a chunk is a run of anything else.
const CHUNK = /[^\s]+/gu;

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The tokens of `chunk` (ids `chunkIds`) that overlap [start, end) (chunk-relative): the chunk's text before an
 * edge, tokenized alone, shares its leading tokens with the chunk's, up to the token that contains the edge.
 */
function tokensBetween(tokenizer: PieceTokenizer, chunk: string, chunkIds: readonly number[], start: number, end: number): [number, number] {
  const from = commonPrefix(tokenizer.bareIds(chunk.slice(0, start)), chunkIds);
  const before = tokenizer.bareIds(chunk.slice(0, end));
  const common = commonPrefix(before, chunkIds);
  // When the text before `end` does not end on a token edge, the token across it belongs to the word too.
  return [from, Math.min(chunkIds.length, Math.max(from + 1, common === before.length ? common : common + 1))];
}

/**
 * For each word of `ws` (words(sentence)), the positions in the encoding of the tokens that make it up.
 * `textIds` are the encoding's tokens of the text (special tokens left out, truncation applied) and `offset`
 * the position of the first of them. A word past the truncation gets no positions. Null when the chunks'
 * tokens, in order, are not `textIds`.
 */
export function wordTokenPositions(sentence: string, ws: readonly WordSpan[], tokenizer: PieceTokenizer, textIds: readonly number[], offset: number): number[][] | null {
  const out = ws.map(() => [] as number[]);
  let at = 0; // index into textIds
  let w = 0; // first word not yet before the current chunk
  for (const m of sentence.matchAll(CHUNK)) {
    if (at >= textIds.length) break; // the rest was truncated
    const chunkStart = m.index;
    const chunkEnd = chunkStart + m[0].length;
    while (w < ws.length && ws[w].end <= chunkStart) w++;
    const inside: number[] = [];
    for (let k = w; k < ws.length && ws[k].start < chunkEnd; k++) inside.push(k);
    const chunkIds = tokenizer.bareIds(m[0]);
    // The chunk's tokens by piece: each word, and each run of other characters between words.
    const pieces: Array<{ ids: number[]; word: number | null }> = [];
    let cursor = chunkStart;
    for (const k of inside) {
      if (ws[k].start > cursor) pieces.push({ ids: tokenizer.bareIds(sentence.slice(cursor, ws[k].start)), word: null });
      pieces.push({ ids: tokenizer.bareIds(ws[k].text), word: k });
      cursor = ws[k].end;
    }
    if (cursor < chunkEnd) pieces.push({ ids: tokenizer.bareIds(sentence.slice(cursor, chunkEnd)), word: null });
    const byPiece = sameIds(pieces.flatMap((p) => p.ids), chunkIds);
    const expected = textIds.slice(at, at + chunkIds.length);
    if (!sameIds(expected, chunkIds.slice(0, expected.length))) return null;
    if (byPiece) {
      for (const p of pieces) {
        for (let i = 0; i < p.ids.length && at < textIds.length; i++, at++) if (p.word !== null) out[p.word].push(offset + at);
      }
    } else {
      for (const k of inside) {
        const [from, to] = tokensBetween(tokenizer, m[0], chunkIds, ws[k].start - chunkStart, ws[k].end - chunkStart);
        for (let i = from; i < to && at + i < textIds.length; i++) out[k].push(offset + at + i);
      }
      at = Math.min(textIds.length, at + chunkIds.length);
    }
  }
  return at === textIds.length ? out : null;
}
