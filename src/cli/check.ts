// `cola-bert check FILE... --model DIR [--threshold P] [--all] [--json]`: the editor's check on files,
// for CI. Same extraction (src/core/sentences.ts), same checker and same inference service as the
// extension, so a CI run flags what the editor flags. Exit 1 when anything is flagged, 0 when clean,
// 2 on errors (bad arguments, unusable model, unreadable file).
import { readFileSync } from 'node:fs';
import { DEFAULT_CHECK_OPTIONS, DocumentChecker, type CheckOptions } from '../core/documentChecker';
import { InferenceService } from '../core/inference';
import { proseLanguageOf } from '../core/prose';
import type { Range } from '../core/positions';

export const CHECK_USAGE = `Usage: cola-bert check FILE... --model DIR [options]

Flags sentences in Markdown (.md, .markdown, .mdx) and plain-text files that the fine-tuned model judges
unacceptable. Exit code: 1 when anything is flagged, 0 when clean, 2 on errors.

Options:
  --model DIR        exported model folder (model.onnx / model.int8.onnx, tokenizer.json, cola-bert.json)
  --threshold P      flag when P(acceptable) < P (default ${DEFAULT_CHECK_OPTIONS.threshold})
  --all              list every sentence, not only flagged ones
  --json             print {"files":[{"path","sentences":[{"range","text","pAcceptable","flagged"}]}]}
  --fp32             run model.onnx even when model.int8.onnx exists
  --headings         judge headings too      --tables   judge table cells too
  --min-words N      skip sentences with fewer words (default ${DEFAULT_CHECK_OPTIONS.minWords})
  --threads N        onnxruntime threads in all (default: up to 4)
  --workers N        inference worker threads sharing them (default 2, 1 when --threads 1)
  --language L       markdown or plaintext for every file (default: by file extension)
  -h, --help         this text`;

export interface CheckArgs {
  files: string[];
  model: string;
  threshold: number;
  all: boolean;
  json: boolean;
  fp32: boolean;
  headings: boolean;
  tables: boolean;
  minWords: number;
  threads?: number;
  workers?: number;
  language?: 'markdown' | 'plaintext';
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function numberArg(flag: string, value: string | undefined, check: (n: number) => boolean, what: string): number {
  const n = value === undefined ? NaN : Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${flag} needs ${what}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  return n;
}

export function parseCheckArgs(argv: readonly string[]): CheckArgs | 'help' {
  const a: Partial<CheckArgs> & { files: string[] } = { files: [], threshold: DEFAULT_CHECK_OPTIONS.threshold, all: false, json: false, fp32: false, headings: false, tables: false, minWords: DEFAULT_CHECK_OPTIONS.minWords };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--model':
        a.model = value();
        if (!a.model) throw new UsageError('--model needs a folder');
        break;
      case '--threshold':
        a.threshold = numberArg('--threshold', value(), (n) => n >= 0 && n <= 1, 'a probability between 0 and 1');
        break;
      case '--min-words':
        a.minWords = numberArg('--min-words', value(), (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0');
        break;
      case '--threads':
        a.threads = numberArg('--threads', value(), (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1');
        break;
      case '--workers':
        a.workers = numberArg('--workers', value(), (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1');
        break;
      case '--language': {
        const l = value();
        if (l !== 'markdown' && l !== 'plaintext') throw new UsageError(`--language is markdown or plaintext, got ${JSON.stringify(l)}`);
        a.language = l;
        break;
      }
      case '--all':
        a.all = true;
        break;
      case '--json':
        a.json = true;
        break;
      case '--fp32':
        a.fp32 = true;
        break;
      case '--headings':
        a.headings = true;
        break;
      case '--tables':
        a.tables = true;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
        a.files.push(arg);
    }
  }
  if (!a.files.length) throw new UsageError('no files to check');
  if (!a.model) throw new UsageError('--model DIR is required (an exported model folder, e.g. models/all-minilm-l6-v2-cola)');
  return a as CheckArgs;
}

export interface CheckedSentenceJson {
  range: Range;
  text: string;
  pAcceptable: number;
  flagged: boolean;
}

export interface CheckReport {
  files: { path: string; sentences: CheckedSentenceJson[] }[];
}

export interface CheckIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Checks every file with one inference service; `all` keeps unflagged sentences in the report. */
export async function checkFiles(args: CheckArgs, service: InferenceService): Promise<{ report: CheckReport; flagged: number; judged: number }> {
  const report: CheckReport = { files: [] };
  let flagged = 0;
  let judged = 0;
  for (const file of args.files) {
    const text = readFileSync(file, 'utf8');
    const options: CheckOptions = {
      ...DEFAULT_CHECK_OPTIONS,
      language: args.language ?? proseLanguageOf(file),
      threshold: args.threshold,
      headings: args.headings,
      tables: args.tables,
      minWords: args.minWords,
      maxSentencesPerPass: Number.MAX_SAFE_INTEGER,
    };
    const result = await new DocumentChecker(service).check(text, options);
    judged += result.sentences.length;
    const sentences = result.sentences
      .filter((s) => args.all || s.flagged)
      .map((s) => ({ range: s.range, text: s.text, pAcceptable: s.pAcceptable, flagged: s.flagged }));
    flagged += result.sentences.filter((s) => s.flagged).length;
    report.files.push({ path: file, sentences });
  }
  return { report, flagged, judged };
}

function formatText(report: CheckReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    for (const s of f.sentences) {
      const where = `${f.path}:${s.range.start.line + 1}:${s.range.start.character + 1}`;
      lines.push(`${where}: ${s.flagged ? 'possibly ungrammatical' : 'ok'} (P(acceptable) = ${s.pAcceptable.toFixed(2)}) ${s.text}`);
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** The `check` subcommand; resolves to the process exit code. */
export async function runCheck(argv: readonly string[], io: CheckIo = process): Promise<number> {
  let args: CheckArgs | 'help';
  try {
    args = parseCheckArgs(argv);
  } catch (e) {
    io.stderr.write(`cola-bert check: ${(e as Error).message}\n\n${CHECK_USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  let service: InferenceService | undefined;
  try {
    const t0 = performance.now();
    service = await InferenceService.open(args.model, { preferInt8: !args.fp32, threads: args.threads, workers: args.workers });
    const { report, flagged, judged } = await checkFiles(args, service);
    const seconds = (performance.now() - t0) / 1000;
    if (args.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      io.stdout.write(formatText(report));
      const model = `${service.model.name}${service.model.quantized ? ' (int8)' : ''}`;
      io.stderr.write(`${flagged} of ${judged} sentences flagged in ${args.files.length} file(s) by ${model} in ${seconds.toFixed(2)} s\n`);
    }
    return flagged > 0 ? 1 : 0;
  } catch (e) {
    io.stderr.write(`cola-bert check: ${(e as Error).message}\n`);
    return 2;
  } finally {
    await service?.dispose();
  }
}
