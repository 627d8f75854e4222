// The prose worker's answer in a form that crosses threads cheaply. Structured-cloning ~2,000 sentence
// objects (each with a nested range) cost ~9 ms a pass on a 90,000-character document, more than
// re-parsing the edited chunk; one string plus one transferred Int32Array costs well under 1 ms.
import type { Extraction } from './extraction/extractSentences';
import type { Sentence } from './sentences';

const FIELDS = 8; // start, end, start line, start character, end line, end character, masked, text length

export interface PackedExtraction {
  texts: string;
  numbers: Int32Array;
  skipped: Extraction['skipped'];
}

export function packExtraction(e: Extraction): PackedExtraction {
  const numbers = new Int32Array(e.sentences.length * FIELDS);
  const texts: string[] = [];
  e.sentences.forEach((s, i) => {
    const o = i * FIELDS;
    numbers[o] = s.start;
    numbers[o + 1] = s.end;
    numbers[o + 2] = s.range.start.line;
    numbers[o + 3] = s.range.start.character;
    numbers[o + 4] = s.range.end.line;
    numbers[o + 5] = s.range.end.character;
    numbers[o + 6] = s.masked ? 1 : 0;
    numbers[o + 7] = s.text.length;
    texts.push(s.text);
  });
  return { texts: texts.join(''), numbers, skipped: e.skipped };
}

export function unpackExtraction(p: PackedExtraction): Extraction {
  const n = p.numbers.length / FIELDS;
  if (!Number.isInteger(n)) throw new Error(`malformed prose worker answer: ${p.numbers.length} numbers`);
  const sentences = new Array<Sentence>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const o = i * FIELDS;
    const length = p.numbers[o + 7];
    sentences[i] = {
      text: p.texts.slice(at, at + length),
      start: p.numbers[o],
      end: p.numbers[o + 1],
      range: { start: { line: p.numbers[o + 2], character: p.numbers[o + 3] }, end: { line: p.numbers[o + 4], character: p.numbers[o + 5] } },
      masked: p.numbers[o + 6] === 1,
    };
    at += length;
  }
  if (at !== p.texts.length) throw new Error('malformed prose worker answer: sentence texts do not add up');
  return { sentences, skipped: p.skipped };
}
