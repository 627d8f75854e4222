// `cola-bert tokenize`: the TypeScript tokenizer on stdin lines, for parity checks against Python.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { modelFolderPath, readModelMetadata } from '../core/modelFolder';
import { decodeText, readStreamLimited, TextFileError } from '../core/textFile';
import { ColaTokenizer } from '../core/tokenizer';
import { CliError, EXIT_ERROR, EXIT_OK, intFlag, parseFlags, requireFlag, writeLine, type CliCommand, type CliIo } from './args';

export const summary = 'Print the token ids of stdin lines (one JSON array of id arrays)';

export const usage = `Usage: cola-bert tokenize --model DIR [--max-length N] < sentences.txt

Reads one sentence per line on stdin and prints one JSON array holding, per line, the token ids
with special tokens ([CLS] … [SEP]), truncated like the trainer truncates — the same ids as the
model's Hugging Face tokenizer. DIR is a model folder from \`cola-bert train\` (max length from its
cola-bert.json) or any folder with a tokenizer.json (max length from its tokenizer_config.json,
else 512; --max-length overrides either).`;

export function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function maxLengthOf(dir: string): number {
  if (existsSync(path.join(dir, 'cola-bert.json'))) return readModelMetadata(dir).max_length;
  try {
    const config = JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as { model_max_length?: number };
    if (typeof config.model_max_length === 'number' && config.model_max_length <= 4096) return config.model_max_length;
  } catch {
    // No usable tokenizer_config.json: fall back to BERT's limit.
  }
  return 512;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: v } = parseFlags(argv, { model: { type: 'string' }, 'max-length': { type: 'string' } });
  const maxLength = intFlag(v['max-length'], 'max-length', 3);
  let tokenizer: ColaTokenizer;
  try {
    const dir = modelFolderPath(path.resolve(io.cwd, requireFlag(v.model, 'model')));
    if (!existsSync(path.join(dir, 'tokenizer.json'))) throw new CliError(`${dir} has no tokenizer.json; pass a model folder written by \`cola-bert train\` or any folder with a Hugging Face tokenizer.json.`, EXIT_ERROR);
    tokenizer = ColaTokenizer.fromFolder(dir, maxLength ?? maxLengthOf(dir));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError((e as Error).message, EXIT_ERROR);
  }
  let text: string;
  try {
    text = decodeText(await readStreamLimited(io.stdin, 'standard input'), 'standard input').text;
  } catch (e) {
    if (e instanceof TextFileError) throw new CliError(e.message, EXIT_ERROR);
    throw e;
  }
  const lines = splitLines(text);
  writeLine(io.stdout, JSON.stringify(lines.map((l) => tokenizer.encode(l).inputIds)));
  return EXIT_OK;
}

export const command: CliCommand = { summary, usage, run };
