// `cola-bert train`: runs the Python trainer through the same client the extension uses and shows its
// progress: a bar on a terminal, a line per epoch otherwise, or the protocol events verbatim with --json.
import { runVerdict, startTraining, type TrainOptions } from '../core/trainerClient';
import type { StartedEvent, TrainerEvent } from '../../protocol/trainerProtocol';
import { cliPython, EXIT_CANCELLED, EXIT_ERROR, EXIT_FAILED, EXIT_OK, isTty, parseFlags, trainerDir, UsageError, writeLine, type CliCommand, type CliIo } from './args';
import { optionKey, parseTrainArgValue, TRAIN_ARG_SPECS, trainArgSpec, type TrainArgName, type TrainArgSpec } from '../../protocol/trainArgs';
import { describeFetch } from '../../protocol/fetchProgress';
import { describeDone, describeEvaluation, describeExported, describeFeedback, describeHoldout, describeStarted, LossSmoother, ProgressLine, renderBar } from './progress';
import { degenerateModel } from '../../protocol/degenerateModel';

export const summary = 'Fine-tune a BERT model on CoLA and export it (ONNX fp32 + int8)';

/** Names the README documented before the CLI took the trainer's own flags; still accepted, not advertised first. */
const DEPRECATED_ALIASES: Readonly<Record<string, string>> = { data: 'data_dir', out: 'output_dir', lr: 'learning_rate' };
const CLI_ONLY = {
  json: { type: 'boolean', help: "print the trainer's protocol events (JSON lines) instead of progress" },
  verbose: { type: 'boolean', help: "also print the trainer's log lines (stderr)" },
  python: { type: 'string', metavar: 'PATH', help: 'Python interpreter (default: $COLA_BERT_PYTHON, .venv, python3)' },
} as const;

function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width - indent) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

function option(left: string, help: string): string {
  const pad = 26;
  const head = `  ${left}`;
  return head.length < pad - 1 ? `${head.padEnd(pad)}${wrap(help, 100, pad)}` : `${head}\n${' '.repeat(pad)}${wrap(help, 100, pad)}`;
}

/** The usage text, its trainer options taken from the trainer's own description (args.py). */
export function trainUsage(specs: readonly TrainArgSpec[] = TRAIN_ARG_SPECS): string {
  const trainerOptions = specs.map((s) => {
    const shown = s.type === 'bool' || s.default === null ? '' : ` (default: ${s.default})`;
    const values = s.choices ? s.choices.join('|') : (s.metavar ?? (s.type === 'bool' ? '' : 'X'));
    return option(`${s.flag}${values ? ` ${values}` : ''}`, `${s.help}${shown}`);
  });
  const cliOptions = Object.entries(CLI_ONLY).map(([name, o]) => option(`--${name}${'metavar' in o ? ` ${o.metavar}` : ''}`, o.help));
  const aliases = Object.entries(DEPRECATED_ALIASES).map(([alias, name]) => `--${alias} (${trainArgSpec(name as TrainArgName, specs).flag})`);
  return `Usage: cola-bert train [options]

Fine-tunes a Hugging Face encoder on CoLA with the Python trainer, then exports the model folder
(ONNX fp32 and int8, tokenizer, cola-bert.json) and prints its holdout MCC.

Trainer options (python -m cola_trainer train takes the same flags):
${trainerOptions.join('\n')}

Options of this command:
${cliOptions.join('\n')}

Older names still accepted: ${aliases.join(', ')}.

Ctrl-C cancels at the next step and keeps the last checkpoint (resume with --resume);
a second Ctrl-C stops the trainer at once.
Exit codes: 0 done, 1 training failed, 2 bad usage or input, 130 cancelled.`;
}

export const usage = trainUsage();

const INPUT_ERRORS = new Set(['bad_arguments', 'data_missing', 'data_malformed', 'model_unavailable', 'offline', 'dependency_missing', 'checkpoint_invalid', 'device_unavailable', 'spawn']);

/** Parses the command line; the trainer options are those `specs` (args.py's description) names. */
export function parseTrainArgs(argv: string[], specs: readonly TrainArgSpec[] = TRAIN_ARG_SPECS): { options: TrainOptions; json: boolean; verbose: boolean; python?: string } {
  const flags: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, o] of Object.entries(CLI_ONLY)) flags[name] = { type: o.type };
  for (const s of specs) flags[s.flag.slice(2)] = { type: s.type === 'bool' ? 'boolean' : 'string' };
  for (const [alias, name] of Object.entries(DEPRECATED_ALIASES)) flags[alias] = flags[trainArgSpec(name as TrainArgName, specs).flag.slice(2)];
  const { values } = parseFlags(argv, flags);
  const v = values as Record<string, string | boolean | undefined>;
  const options: Record<string, string | number | boolean> = {};
  for (const s of specs) {
    const names = [s.flag.slice(2), ...Object.keys(DEPRECATED_ALIASES).filter((a) => DEPRECATED_ALIASES[a] === s.name)];
    const given = names.filter((n) => v[n] !== undefined);
    if (given.length > 1) throw new UsageError(`--${given[0]} and --${given[1]} are the same option: give one of them`);
    if (!given.length) continue;
    const raw = v[given[0]]!;
    if (typeof raw === 'boolean') options[optionKey(s.name)] = raw;
    else {
      try {
        options[optionKey(s.name)] = parseTrainArgValue(s, raw);
      } catch (e) {
        throw new UsageError(`--${given[0]} ${(e as Error).message}`);
      }
    }
  }
  const python = v.python as string | undefined;
  if (python !== undefined && !python.trim()) throw new UsageError('--python is empty: pass an interpreter, or leave the flag out to search for one');
  return { options, json: Boolean(v.json), verbose: Boolean(v.verbose), python };
}

/** Turns events into human output: a live bar on a TTY, one line per epoch otherwise; `clear` before other output. */
function humanView(io: CliIo): { onEvent: (event: TrainerEvent) => void; clear: () => void } {
  const tty = isTty(io.stdout);
  const bar = tty ? new ProgressLine(io.stdout as NodeJS.WriteStream) : null;
  const smoother = new LossSmoother();
  let started: StartedEvent | null = null;
  const say = (text: string) => {
    bar?.clear();
    writeLine(io.stdout, text);
  };
  const onEvent = (e: TrainerEvent) => {
    switch (e.event) {
      case 'started':
        started = e;
        say(describeStarted(e));
        break;
      case 'step': {
        const loss = smoother.add(e.loss);
        // columns is 0 or undefined when the terminal does not report a size.
        const width = (io.stdout as NodeJS.WriteStream).columns || 100;
        bar?.update(renderBar(e, started?.epochs ?? 1, width, loss), e.step === e.total_steps);
        break;
      }
      case 'fetch':
        say(describeFetch(e));
        break;
      case 'evaluation':
        say(describeEvaluation(e, started?.epochs ?? e.epoch));
        break;
      case 'holdout': {
        say(describeHoldout(e));
        const degenerate = degenerateModel(e);
        if (degenerate) say(`Warning: this model learned nothing useful: ${degenerate.reason}. ${degenerate.advice}`);
        break;
      }
      case 'quality':
        if (e.feedback) say(describeFeedback(e.feedback, e));
        break;
      case 'exported':
        say(describeExported(e));
        break;
      case 'done':
        say(describeDone(e));
        break;
      case 'cancelled':
        say(`Cancelled at step ${e.step}.${e.checkpoint ? ` Last checkpoint: ${e.checkpoint} (continue with --resume).` : ' No checkpoint was written yet.'}`);
        break;
      case 'error':
        bar?.clear();
        break;
      case 'warning':
        say(`Warning: ${e.message}`);
        break;
      case 'environment':
      case 'checkpoint':
        break;
    }
  };
  return { onEvent, clear: () => bar?.clear() };
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { options, json, verbose, python: explicit } = parseTrainArgs(argv);
  const python = await cliPython(explicit, io);
  const controller = new AbortController();
  const run = startTraining(python, options, {
    trainerDir: trainerDir(io.env),
    cwd: io.cwd,
    env: io.env,
    signal: controller.signal,
    logger: json || verbose ? (line) => writeLine(io.stderr, line) : undefined,
  });
  const view = json ? null : humanView(io);
  if (json) run.onEvent((_e, line) => writeLine(io.stdout, line));
  else run.onEvent(view!.onEvent);
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      if (!json) writeLine(io.stderr, '\nCancelling at the next step (Ctrl-C again to stop at once)…');
      controller.abort();
    } else if (run.pid) {
      try {
        process.kill(run.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  const stopListening = io.onInterrupt?.(onInterrupt);
  try {
    const verdict = await runVerdict(run);
    switch (verdict.outcome) {
      case 'done':
        return EXIT_OK;
      case 'cancelled':
        if (!json && !verdict.result.cancelled) {
          view?.clear();
          writeLine(
            io.stdout,
            verdict.checkpoint
              ? `Cancelled (the trainer was stopped before it could report the step). Last checkpoint: ${verdict.checkpoint} (continue with --resume).`
              : 'Cancelled before the first checkpoint: nothing to resume.',
          );
        }
        return EXIT_CANCELLED;
      default:
        view?.clear();
        // In --json mode the error event itself was already printed; stderr gets the readable version.
        writeLine(io.stderr, `cola-bert train: ${verdict.error.message}`);
        return INPUT_ERRORS.has(verdict.error.code) ? EXIT_ERROR : EXIT_FAILED;
    }
  } finally {
    stopListening?.();
  }
}

export const command: CliCommand = { summary, usage, run };
