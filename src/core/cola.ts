// CoLA TSV reader with the trainer's rules (trainer/cola_trainer/data.py read_tsv): four tab-separated
// columns, no header, quotes are literal; blank lines skipped; label 0/1; non-empty sentence (trimmed).
// Errors name the file and line.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ColaExample {
  source: string;
  label: 0 | 1;
  sentence: string;
  /** 1-based line number in the file. */
  line: number;
}

export class ColaFormatError extends Error {
  override readonly name = 'ColaFormatError';
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

// Rows end at "\n" (CRLF tolerated), as in the trainer's reader, so line numbers agree with its messages;
// U+2028, form feeds and lone CRs may sit inside a sentence.
// Python's str.strip() with no argument removes Unicode whitespace.
const PY_WHITESPACE = '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const STRIP = new RegExp(`^${PY_WHITESPACE}+|${PY_WHITESPACE}+$`, 'gu');

export function parseColaTsv(text: string, file: string): ColaExample[] {
  const name = path.basename(file);
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const examples: ColaExample[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.replace(STRIP, '') === '') return;
    const cols = raw.split('\t');
    const where = `${name} line ${line}`;
    if (cols.length !== 4) {
      throw new ColaFormatError(`${where}: expected 4 tab-separated columns (source, label, original mark, sentence), found ${cols.length}`, file, line);
    }
    const [source, label, , sentenceRaw] = cols;
    if (label !== '0' && label !== '1') throw new ColaFormatError(`${where}: label must be 0 or 1, found '${label}'`, file, line);
    const sentence = sentenceRaw.replace(STRIP, '');
    if (!sentence) throw new ColaFormatError(`${where}: the sentence column is empty`, file, line);
    examples.push({ source, label: label === '1' ? 1 : 0, sentence, line });
  });
  if (!examples.length) throw new ColaFormatError(`${file} holds no rows`, file);
  return examples;
}

export function readColaTsv(file: string): ColaExample[] {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ColaFormatError(code === 'ENOENT' ? `CoLA file not found: ${file}` : `cannot read ${file}: ${(e as Error).message}`, file);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    throw new ColaFormatError(`${file} is not UTF-8 text`, file);
  }
  return parseColaTsv(text, file);
}
