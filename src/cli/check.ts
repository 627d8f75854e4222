// `cola-bert check FILE... --model DIR [--threshold P] [--all] [--json]`: the editor's check on files,
// for CI. Same extraction (src/core/sentences.ts), same checker and same inference service as the
// extension, so a CI run flags what the editor flags. Exit 1 when anything is flagged, 0 when clean,
// 2 on errors (bad arguments, unusable model, unreadable file, a file that could not be checked). One
// file's failure is its own: the others are still checked and reported.
import { distinctSuspects, sourceRangeOf } from '../core/attribution';
import { createExtractor, DEFAULT_CHECK_OPTIONS, DocumentChecker, type CheckOptions, type Extractor, type SkippedPart } from '../core/documentChecker';
import { InferenceError, InferenceService } from '../core/inference';
import { UNCALIBRATED } from '../core/modelFolder';
import { chooseThreshold, thresholdSourceText } from '../core/threshold';
import { proseLanguageOf } from '../core/prose';
import { LineIndex, type Range } from '../core/positions';
import { signedDelta } from '../core/suspectMarkdown';
import { decodeText, DEFAULT_MAX_FILE_BYTES, readStreamLimited, readTextFile, TextFileError, type ReadLimit } from '../core/textFile';
import { CliError, EXIT_ERROR, EXIT_FAILED, EXIT_OK, MAX_THREADS, parseDecimal, parseFlags, runCommand, UsageError, type CliCommand, type CommandOutput, type FlagSpec } from './args';

const MIB = 1024 * 1024;
/** V8 strings end at 2^29 characters (512 Mi), and extraction needs several times the text in memory. */
const MAX_FILE_MB = 256;

export const CHECK_USAGE = `Usage: cola-bert check FILE... --model DIR [options]

Flags sentences in Markdown (.md, .markdown, .mdx) and plain-text files that the fine-tuned model judges
unacceptable. FILE - reads stdin (plain text unless --language). Files are UTF-8, or UTF-16 with a byte
order mark. Exit code: 1 when anything is flagged, 0 when clean, 2 on errors (bad arguments, unusable
model, a file that is missing, not a regular file, too large, binary or not valid text: nothing is checked
then; a file whose checking fails: the others are still reported). Parts that are not checked (lines over
10,000 characters, sentences over 1,000) are listed on stderr and under "skipped" in --json.

Options:
  --model DIR        exported model folder (model.onnx / model.int8.onnx, tokenizer.json, cola-bert.json)
  --threshold P      flag when P(acceptable) < P (default: the model's, from its cola-bert.json
                     calibration; ${UNCALIBRATED.threshold} for a model folder without one)
  --all              list every sentence, not only flagged ones
  --json             print {"files":[{"path","sentences":[{"range","text","pAcceptable","flagged"}]}]}
                     (a flagged sentence also has "suspects":[{"range","text","delta"}]: the words the
                     model's own token scores point at, for a model trained with --head tokens, else the
                     words whose removal raises P(acceptable) most; delta: P(acceptable) without the
                     word minus the sentence's; a file with unchecked parts also has
                     "skipped":[{"reason","range","detail"}])
  --no-suspects      skip finding the suspect words (one extra model run per flagged sentence)
  --fp32             run model.onnx even when model.int8.onnx exists
  --headings         judge headings too      --tables   judge table cells too
  --min-words N      skip sentences with fewer words (default ${DEFAULT_CHECK_OPTIONS.minWords})
  --threads N        onnxruntime threads in all (default: up to 4)
  --workers N        inference worker threads sharing them (default 2, 1 when --threads 1)
  --language L       markdown or plaintext for every file (default: by file extension)
  --max-file-mb N    largest file (and stdin) read, in MiB (default ${DEFAULT_MAX_FILE_BYTES / MIB}, at most ${MAX_FILE_MB})
  --                 everything after it is a file name
  -h, --help         this text`;

export interface CheckArgs {
  files: string[];
  /** Largest file read, in bytes (--max-file-mb). */
  maxFileBytes: number;
  model: string;
  /** Undefined unless --threshold was given: the model's own threshold applies then. */
  threshold?: number;
  all: boolean;
  json: boolean;
  /** Find the suspect words of flagged sentences (on unless --no-suspects). */
  suspects: boolean;
  fp32: boolean;
  headings: boolean;
  tables: boolean;
  minWords: number;
  threads?: number;
  workers?: number;
  language?: 'markdown' | 'plaintext';
}

function numberArg(flag: string, value: string | undefined, check: (n: number) => boolean, what: string): number {
  // parseDecimal, not Number(): '' (`--threshold=$UNSET`) would quietly mean 0 and '0x1' would mean 1.
  const n = value === undefined ? NaN : parseDecimal(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${flag} needs ${what}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  return n;
}

/** The flags of `check`, parsed like every subcommand's (parseFlags: node:util parseArgs, strict). */
const FLAGS = {
  model: { type: 'string' },
  threshold: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  'no-suspects': { type: 'boolean' },
  fp32: { type: 'boolean' },
  headings: { type: 'boolean' },
  tables: { type: 'boolean' },
  'min-words': { type: 'string' },
  threads: { type: 'string' },
  workers: { type: 'string' },
  'max-file-mb': { type: 'string' },
  language: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies FlagSpec;

export function parseCheckArgs(argv: readonly string[]): CheckArgs | 'help' {
  // Files may come before, between and after the options; after `--` everything is a file name.
  const { values: v, positionals: files } = parseFlags([...argv], FLAGS, true);
  if (v.help) return 'help';
  const whole = (flag: string, value: string | undefined, min: number, max: number, what: string) =>
    value === undefined ? undefined : numberArg(flag, value, (n) => Number.isInteger(n) && n >= min && n <= max, what);
  const threads = `a whole number from 1 to ${MAX_THREADS}`;
  if (v.language !== undefined && v.language !== 'markdown' && v.language !== 'plaintext') {
    throw new UsageError(`--language is markdown or plaintext, got ${JSON.stringify(v.language)}`);
  }
  const args: CheckArgs = {
    files,
    maxFileBytes: MIB * (whole('--max-file-mb', v['max-file-mb'], 1, MAX_FILE_MB, `a whole number of MiB from 1 to ${MAX_FILE_MB}`) ?? DEFAULT_MAX_FILE_BYTES / MIB),
    model: v.model ?? '',
    threshold: v.threshold === undefined ? undefined : numberArg('--threshold', v.threshold, (n) => n >= 0 && n <= 1, 'a probability between 0 and 1'),
    all: v.all ?? false,
    json: v.json ?? false,
    suspects: !v['no-suspects'],
    fp32: v.fp32 ?? false,
    headings: v.headings ?? false,
    tables: v.tables ?? false,
    minWords: whole('--min-words', v['min-words'], 0, Number.MAX_SAFE_INTEGER, 'a whole number ≥ 0') ?? DEFAULT_CHECK_OPTIONS.minWords,
    threads: whole('--threads', v.threads, 1, MAX_THREADS, threads),
    workers: whole('--workers', v.workers, 1, MAX_THREADS, threads),
    language: v.language,
  };
  if (v.model === '') throw new UsageError('--model needs a folder');
  if (!files.length) throw new UsageError('no files to check');
  if (!args.model) throw new UsageError('--model DIR is required (an exported model folder, e.g. models/all-minilm-l6-v2-cola)');
  return args;
}

export interface SuspectJson {
  /** In the file, so an editor or CI annotation can point at the words. */
  range: Range;
  /** The words as the model read them. */
  text: string;
  /** How much P(acceptable) rises without them. */
  delta: number;
}

export interface CheckedSentenceJson {
  range: Range;
  text: string;
  pAcceptable: number;
  flagged: boolean;
  /** Flagged sentences only: up to three distinct places, best first. */
  suspects?: SuspectJson[];
}

/** Up to three distinct suspect places of a flagged sentence, located in the file. */
async function suspectsOf(service: InferenceService, sentence: { text: string; start: number; end: number }, text: string, index: LineIndex): Promise<SuspectJson[]> {
  const attribution = await service.attribute(sentence.text);
  const out: SuspectJson[] = [];
  for (const s of distinctSuspects(attribution.suspects, 3)) {
    // A suspect the source does not hold in order (inside masked code) has no place to point at.
    const where = sourceRangeOf(s, sentence.text, text, sentence.start, sentence.end);
    if (where) out.push({ range: index.range(where.start, where.end), text: s.text, delta: s.delta });
  }
  return out;
}

export interface SkippedJson {
  reason: SkippedPart['reason'];
  range: Range;
  detail: string;
}

export interface CheckReport {
  /** `error`: why the file could not be checked (its sentences are then empty). */
  files: { path: string; sentences: CheckedSentenceJson[]; skipped?: SkippedJson[]; error?: string }[];
}

export interface CheckIo extends CommandOutput {
  /** Read for the file name `-`. */
  stdin?: AsyncIterable<unknown>;
}

/** The name `-` in reports. */
const STDIN = '-';

async function readStdin(stdin: AsyncIterable<unknown> | undefined, limit: ReadLimit): Promise<string> {
  if (!stdin) throw new TextFileError(STDIN, 'standard input is not available here; pass file names.');
  return decodeText(await readStreamLimited(stdin, 'standard input', limit), 'standard input').text;
}

/** Every file's text, read before the model loads, so a typo in a path fails at once. */
export async function readInputs(files: readonly string[], stdin?: AsyncIterable<unknown>, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<Map<string, string>> {
  const limit: ReadLimit = { maxBytes, raiseWith: '--max-file-mb' };
  const texts = new Map<string, string>();
  for (const file of files) {
    if (texts.has(file)) continue;
    texts.set(file, file === STDIN ? await readStdin(stdin, limit) : readTextFile(file, limit).text);
  }
  return texts;
}

/** The inference service died under `check`: nothing after it can be checked, so the command stops. */
export class CheckStoppedError extends Error {
  override readonly name = 'CheckStoppedError';
}

function stopped(file: string, e: unknown, done: number, total: number): CheckStoppedError {
  const why = e instanceof InferenceError ? e.detail : e instanceof Error ? e.message : String(e);
  return new CheckStoppedError(
    `the inference worker stopped while checking ${file}: ${why}. ${done} of ${total} file(s) had been checked; no report is printed. ` +
      'Run again; if it stops on the same file again, please report it with that file.',
  );
}

/** Why one file could not be checked, for its report entry. */
function failureText(e: unknown): string {
  const why = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  return e instanceof InferenceError ? `inference failed (${why})` : `its sentences could not be extracted (${why})`;
}

/**
 * Checks every file with one inference service; `all` keeps unflagged sentences in the report. A file whose
 * checking throws gets an `error` entry and the next file is checked; a dead inference service stops the run.
 */
export async function checkFiles(
  args: CheckArgs,
  service: InferenceService,
  texts: ReadonlyMap<string, string>,
  newExtractor: () => Extractor = createExtractor,
): Promise<{ report: CheckReport; flagged: number; judged: number }> {
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
    let result;
    try {
      result = await new DocumentChecker(service, newExtractor()).check(text, options);
    } catch (e) {
      if (!service.alive) throw stopped(file, e, report.files.length, args.files.length);
      report.files.push({ path: file, sentences: [], error: failureText(e) });
      continue;
    }
    judged += result.sentences.length;
    const index = new LineIndex(text);
    const sentences: CheckedSentenceJson[] = result.sentences
      .filter((s) => args.all || s.flagged)
      .map((s) => ({ range: s.range, text: s.text, pAcceptable: s.pAcceptable, flagged: s.flagged }));
    try {
      // All at once: the service spreads the attributions over its workers.
      const flaggedOnes = result.sentences.filter((s) => s.flagged);
      const found = args.suspects ? await Promise.all(flaggedOnes.map((s) => suspectsOf(service, s, text, index))) : [];
      let k = 0;
      if (args.suspects) for (const json of sentences) if (json.flagged) json.suspects = found[k++];
    } catch (e) {
      if (!service.alive) throw stopped(file, e, report.files.length, args.files.length);
      report.files.push({ path: file, sentences: [], error: failureText(e) });
      continue;
    }
    flagged += result.sentences.filter((s) => s.flagged).length;
    const entry: CheckReport['files'][number] = { path: file, sentences };
    if (result.skipped.length) {
      entry.skipped = result.skipped.map((k) => ({ reason: k.reason, range: index.range(k.start, k.end), detail: k.detail }));
    }
    report.files.push(entry);
  }
  return { report, flagged, judged };
}

/** One stderr line per file or part left unchecked: silence would read as "clean" in CI. */
function formatSkipped(report: CheckReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    if (f.error) lines.push(`${f.path}: not checked: ${f.error}`);
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
      if (s.suspects?.length) {
        const list = s.suspects.map((k) => `“${k.text}” at ${k.range.start.line + 1}:${k.range.start.character + 1} (P ${signedDelta(k.delta)} without it)`);
        lines.push(`  suspect words: ${list.join(', ')}`);
      }
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** A file that could not be checked outranks "flagged": CI must not read a partial run as a verdict. */
export function checkExitCode(report: CheckReport, flagged: number): number {
  return report.files.some((f) => f.error) ? EXIT_ERROR : flagged > 0 ? EXIT_FAILED : EXIT_OK;
}

/** `check` with already parsed arguments; throws CliError (exit 2) for what stops it. */
async function check(args: CheckArgs, io: CheckIo): Promise<number> {
  let service: InferenceService | undefined;
  try {
    const t0 = performance.now();
    const texts = await readInputs(args.files, io.stdin, args.maxFileBytes);
    service = await InferenceService.open(args.model, { preferInt8: !args.fp32, threads: args.threads, workers: args.workers });
    const { report, flagged, judged } = await checkFiles(args, service, texts);
    const failed = report.files.filter((f) => f.error).length;
    const seconds = (performance.now() - t0) / 1000;
    io.stderr.write(formatSkipped(report));
    if (args.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      io.stdout.write(formatText(report));
      const model = `${service.model.name}${service.model.quantized ? ' (int8)' : ''}`;
      const threshold = chooseThreshold(args.threshold, service.model.calibration);
      io.stderr.write(
        `${flagged} of ${judged} sentences flagged in ${args.files.length} file(s)${failed ? ` (${failed} could not be checked)` : ''} by ${model} in ${seconds.toFixed(2)} s ` +
          `(P(acceptable) below ${threshold.value}: ${thresholdSourceText(threshold.source)})\n`,
      );
    }
    return checkExitCode(report, flagged);
  } catch (e) {
    // Unusable model, unreadable file, a stopped worker: each message says what to do, no stack trace.
    throw new CliError((e as Error).message, EXIT_ERROR);
  } finally {
    await service?.dispose();
  }
}

async function run(argv: string[], io: CheckIo): Promise<number> {
  const args = parseCheckArgs(argv);
  if (args === 'help') {
    io.stdout.write(`${CHECK_USAGE}\n`);
    return EXIT_OK;
  }
  return check(args, io);
}

export const command: CliCommand = {
  summary: 'Flag possibly ungrammatical sentences in Markdown/plain-text files (exit 1 when any)',
  usage: CHECK_USAGE,
  run,
};

/** The `check` subcommand as `cola-bert check` runs it (messages and exit codes included); for tests. */
export function runCheck(argv: readonly string[], io: CheckIo = process): Promise<number> {
  return runCommand('check', CHECK_USAGE, run, [...argv], io);
}
