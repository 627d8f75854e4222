// `cola-bert check FILE... --model DIR [--threshold P] [--all] [--json]`: the editor's check on files,
// for CI. Same extraction (src/core/sentences.ts), same checker and same inference service as the
// extension, so a CI run flags what the editor flags. Exit 1 when anything is flagged, 0 when clean,
// 2 on errors (bad arguments, unusable model, unreadable file).
import { DEFAULT_CHECK_OPTIONS, DocumentChecker, type CheckOptions, type SkippedPart } from '../core/documentChecker';
import { InferenceService } from '../core/inference';
import { UNCALIBRATED } from '../core/modelFolder';
import { chooseThreshold, thresholdSourceText } from '../core/threshold';
import { proseLanguageOf } from '../core/prose';
import { LineIndex, type Range } from '../core/positions';
import { decodeText, readTextFile, TextFileError } from '../core/textFile';
import { MAX_THREADS, readAll, UsageError } from './args';

export const CHECK_USAGE = `Usage: cola-bert check FILE... --model DIR [options]

Flags sentences in Markdown (.md, .markdown, .mdx) and plain-text files that the fine-tuned model judges
unacceptable. FILE - reads stdin (plain text unless --language). Files are UTF-8, or UTF-16 with a byte
order mark. Exit code: 1 when anything is flagged, 0 when clean, 2 on errors (bad arguments, unusable
model, a file that is missing, a folder, binary or not valid text). Parts that are not checked (lines over
10,000 characters, sentences over 1,000) are listed on stderr and under "skipped" in --json.

Options:
  --model DIR        exported model folder (model.onnx / model.int8.onnx, tokenizer.json, cola-bert.json)
  --threshold P      flag when P(acceptable) < P (default: the model's, from its cola-bert.json
                     calibration; ${UNCALIBRATED.threshold} for a model folder without one)
  --all              list every sentence, not only flagged ones
  --json             print {"files":[{"path","sentences":[{"range","text","pAcceptable","flagged"}]}]}
                     (a file with unchecked parts also has "skipped":[{"reason","range","detail"}])
  --fp32             run model.onnx even when model.int8.onnx exists
  --headings         judge headings too      --tables   judge table cells too
  --min-words N      skip sentences with fewer words (default ${DEFAULT_CHECK_OPTIONS.minWords})
  --threads N        onnxruntime threads in all (default: up to 4)
  --workers N        inference worker threads sharing them (default 2, 1 when --threads 1)
  --language L       markdown or plaintext for every file (default: by file extension)
  --                 everything after it is a file name
  -h, --help         this text`;

export interface CheckArgs {
  files: string[];
  model: string;
  /** Undefined unless --threshold was given: the model's own threshold applies then. */
  threshold?: number;
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

function numberArg(flag: string, value: string | undefined, check: (n: number) => boolean, what: string): number {
  // Number('') is 0: an empty value (`--threshold=$UNSET`) must not quietly mean 0.
  const n = value === undefined || !value.trim() ? NaN : Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${flag} needs ${what}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  return n;
}

export function parseCheckArgs(argv: readonly string[]): CheckArgs | 'help' {
  const a: Partial<CheckArgs> & { files: string[] } = { files: [], all: false, json: false, fp32: false, headings: false, tables: false, minWords: DEFAULT_CHECK_OPTIONS.minWords };
  let filesOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (filesOnly) {
      a.files.push(arg);
      continue;
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    // A flag's value is the next argument unless that is another flag (`--model --json` is a mistake).
    const value = () => inline ?? (argv[i + 1]?.startsWith('--') ? undefined : argv[++i]);
    const noValue = () => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value, got ${JSON.stringify(arg)}`);
      return true;
    };
    switch (flag) {
      case '--':
        filesOnly = true;
        break;
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
        a.threads = numberArg('--threads', value(), (n) => Number.isInteger(n) && n >= 1 && n <= MAX_THREADS, `a whole number from 1 to ${MAX_THREADS}`);
        break;
      case '--workers':
        a.workers = numberArg('--workers', value(), (n) => Number.isInteger(n) && n >= 1 && n <= MAX_THREADS, `a whole number from 1 to ${MAX_THREADS}`);
        break;
      case '--language': {
        const l = value();
        if (l !== 'markdown' && l !== 'plaintext') throw new UsageError(`--language is markdown or plaintext, got ${JSON.stringify(l)}`);
        a.language = l;
        break;
      }
      case '--all':
        a.all = noValue();
        break;
      case '--json':
        a.json = noValue();
        break;
      case '--fp32':
        a.fp32 = noValue();
        break;
      case '--headings':
        a.headings = noValue();
        break;
      case '--tables':
        a.tables = noValue();
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

export interface SkippedJson {
  reason: SkippedPart['reason'];
  range: Range;
  detail: string;
}

export interface CheckReport {
  files: { path: string; sentences: CheckedSentenceJson[]; skipped?: SkippedJson[] }[];
}

export interface CheckIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Read for the file name `-`. */
  stdin?: AsyncIterable<unknown>;
}

/** The name `-` in reports. */
const STDIN = '-';

async function readStdin(stdin: AsyncIterable<unknown> | undefined): Promise<string> {
  if (!stdin) throw new TextFileError(STDIN, 'standard input is not available here; pass file names.');
  return decodeText(await readAll(stdin), 'standard input').text;
}

/** Every file's text, read before the model loads, so a typo in a path fails at once. */
export async function readInputs(files: readonly string[], stdin?: AsyncIterable<unknown>): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const file of files) {
    if (texts.has(file)) continue;
    texts.set(file, file === STDIN ? await readStdin(stdin) : readTextFile(file).text);
  }
  return texts;
}

/** Checks every file with one inference service; `all` keeps unflagged sentences in the report. */
export async function checkFiles(args: CheckArgs, service: InferenceService, texts: ReadonlyMap<string, string>): Promise<{ report: CheckReport; flagged: number; judged: number }> {
  const report: CheckReport = { files: [] };
  let flagged = 0;
  let judged = 0;
  for (const file of args.files) {
    const text = texts.get(file);
    if (text === undefined) throw new TextFileError(file, `${file} was not read.`);
    const options: CheckOptions = {
      ...DEFAULT_CHECK_OPTIONS,
      language: args.language ?? (file === STDIN ? 'plaintext' : proseLanguageOf(file)),
      threshold: chooseThreshold(args.threshold, service.model.calibration).value,
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
    const entry: CheckReport['files'][number] = { path: file, sentences };
    if (result.skipped.length) {
      const index = new LineIndex(text);
      entry.skipped = result.skipped.map((k) => ({ reason: k.reason, range: index.range(k.start, k.end), detail: k.detail }));
    }
    report.files.push(entry);
  }
  return { report, flagged, judged };
}

/** One stderr line per part left unchecked: silence would read as "clean" in CI. */
function formatSkipped(report: CheckReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    for (const k of f.skipped ?? []) lines.push(`${f.path}:${k.range.start.line + 1}:${k.range.start.character + 1}: not checked: ${k.detail}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
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
    const texts = await readInputs(args.files, io.stdin);
    service = await InferenceService.open(args.model, { preferInt8: !args.fp32, threads: args.threads, workers: args.workers });
    const { report, flagged, judged } = await checkFiles(args, service, texts);
    const seconds = (performance.now() - t0) / 1000;
    io.stderr.write(formatSkipped(report));
    if (args.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      io.stdout.write(formatText(report));
      const model = `${service.model.name}${service.model.quantized ? ' (int8)' : ''}`;
      const threshold = chooseThreshold(args.threshold, service.model.calibration);
      io.stderr.write(
        `${flagged} of ${judged} sentences flagged in ${args.files.length} file(s) by ${model} in ${seconds.toFixed(2)} s ` +
          `(P(acceptable) below ${threshold.value}: ${thresholdSourceText(threshold.source, service.model.calibration)})\n`,
      );
    }
    return flagged > 0 ? 1 : 0;
  } catch (e) {
    io.stderr.write(`cola-bert check: ${(e as Error).message}\n`);
    return 2;
  } finally {
    await service?.dispose();
  }
}
