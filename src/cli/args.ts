// Shared plumbing of the `cola-bert` subcommands: flag parsing (node:util parseArgs, strict), exit codes,
// the I/O a command may use (so tests can run commands in-process), and where the repo and trainer are.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findPython, type PythonEnv } from '../core/pythonEnv';

export const EXIT_OK = 0;
/** Something was flagged (check) or the run failed (train). */
export const EXIT_FAILED = 1;
/** Bad usage or bad input (missing model, malformed file, no Python). */
export const EXIT_ERROR = 2;
/** The run was cancelled (Ctrl-C), as shells report SIGINT. */
export const EXIT_CANCELLED = 130;

export interface CliIo {
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on Ctrl-C (first press). */
  signal?: AbortSignal;
  /** Called on every Ctrl-C while registered; returns the unregister function. Without listeners Ctrl-C exits 130. */
  onInterrupt?: (listener: () => void) => () => void;
}

/** What every subcommand module exports as `command` (src/cli/{train,eval,check,tokenize,sentences}.ts). */
export interface CliCommand {
  /** One-line summary for `cola-bert --help`. */
  summary: string;
  /** Full usage text for `cola-bert CMD --help`. */
  usage: string;
  /** Runs the command with its arguments (after the subcommand name); resolves to the exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Bad command-line usage: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure whose message is enough for the user (no stack trace), with its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_ERROR,
  ) {
    super(message);
  }
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export function parseFlags<S extends FlagSpec>(argv: string[], spec: S, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: spec, strict: true, allowPositionals });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

/** Most threads or workers accepted: far above any real machine, low enough to catch a typo. */
export const MAX_THREADS = 256;

export function intFlag(value: string | undefined, name: string, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} must be an integer, got '${value}'`);
  const n = Number(value);
  if (n < min) throw new UsageError(`--${name} must be at least ${min}, got ${n}`);
  if (n > max) throw new UsageError(`--${name} must be at most ${max}, got ${value.trim()}`);
  return n;
}

/** Decimal notation only: Number() also reads '0x1', '0b1', '0o1' and 'Infinity', and '' as 0. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A finite decimal number (surrounding spaces allowed), else NaN: hex, words, '' and overflow (1e400) included. */
export function parseDecimal(value: string): number {
  const trimmed = value.trim();
  const n = DECIMAL.test(trimmed) ? Number(trimmed) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

export function numberFlag(value: string | undefined, name: string, check?: (n: number) => boolean, range?: string): number | undefined {
  if (value === undefined) return undefined;
  const n = parseDecimal(value);
  if (Number.isNaN(n)) throw new UsageError(`--${name} must be a decimal number, got '${value}'`);
  if (check && !check(n)) throw new UsageError(`--${name} must be ${range}, got ${n}`);
  return n;
}

export function choiceFlag<T extends string>(value: string | undefined, name: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${value}'`);
  return value as T;
}

export function requireFlag<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** The repository (or installed package) root: dist/cli.js and src/cli.ts both sit one level below it. */
export function packageRoot(): string {
  let dir = __dirname;
  // Bundled: __dirname is dist/. Under tsx: src/ or src/cli/. Walk up to the folder holding package.json.
  for (let i = 0; i < 4; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..');
}

/** The folder holding the trainer's `cola_trainer` package. */
export function trainerDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.COLA_BERT_TRAINER_DIR || path.join(packageRoot(), 'trainer');
  if (!existsSync(path.join(dir, 'cola_trainer'))) throw new CliError(`The trainer package is missing: no cola_trainer folder in ${dir}.`);
  return dir;
}

/** Python for the CLI: --python, $COLA_BERT_PYTHON, the repo's .venv, the current folder's .venv, PATH. */
export async function cliPython(explicit: string | undefined, io: CliIo): Promise<PythonEnv> {
  try {
    return await findPython({
      trusted: true,
      setting: explicit ?? io.env.COLA_BERT_PYTHON,
      settingLabel: explicit !== undefined ? '--python' : '$COLA_BERT_PYTHON',
      workspaceFolders: [packageRoot(), io.cwd],
      env: io.env,
      signal: io.signal,
      // The trainer starts right after and imports everything itself; locating the packages is enough.
      importCheck: false,
    });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** Where a command writes; what runCommand needs of a CliIo. */
export interface CommandOutput {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/**
 * Runs one subcommand and turns what it throws into the message and exit code every subcommand uses: a
 * UsageError prints the message and the usage (exit 2), a CliError its message (its own code), an abort
 * "cancelled" (130), anything else its stack (exit 2).
 */
export async function runCommand<I extends CommandOutput>(name: string, usage: string, run: (argv: string[], io: I) => Promise<number>, argv: string[], io: I): Promise<number> {
  const say = (text: string) => io.stderr.write(`cola-bert ${name}: ${text}\n`);
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      say(`${e.message}\n\n${usage}`);
      return EXIT_ERROR;
    }
    if (e instanceof CliError) {
      say(e.message);
      return e.exitCode;
    }
    if (e instanceof Error && e.name === 'AbortError') {
      say('cancelled');
      return EXIT_CANCELLED;
    }
    say(e instanceof Error ? (e.stack ?? e.message) : String(e));
    return EXIT_ERROR;
  }
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}

export function isTty(stream: NodeJS.WritableStream): boolean {
  return Boolean((stream as NodeJS.WriteStream).isTTY);
}

