// `cola-bert train`: runs the Python trainer through the same client the extension uses and shows its
// progress: a bar on a terminal, a line per epoch otherwise, or the protocol events verbatim with --json.
import { startTraining, TrainerRunError, type TrainOptions } from '../core/trainerClient';
import type { StartedEvent, TrainerEvent } from '../core/trainerProtocol';
import { choiceFlag, cliPython, EXIT_CANCELLED, EXIT_ERROR, EXIT_FAILED, EXIT_OK, intFlag, isTty, numberFlag, parseFlags, trainerDir, UsageError, writeLine, type CliCommand, type CliIo } from './args';
import { describeDone, describeEvaluation, describeExported, describeHoldout, describeStarted, LossSmoother, ProgressLine, renderBar } from './progress';

export const summary = 'Fine-tune a BERT model on CoLA and export it (ONNX fp32 + int8)';

export const usage = `Usage: cola-bert train [options]

Fine-tunes a Hugging Face encoder on CoLA with the Python trainer, then exports the model folder
(ONNX fp32 and int8, tokenizer, cola-bert.json) and prints its holdout MCC.

Options:
  --model ID|DIR      hub id, local folder or alias all-minilm-l6-v2 (default: auto =
                      bert-base-uncased, falling back to all-minilm-l6-v2 offline)
  --data DIR          folder with in_domain_train.tsv and out_of_domain_dev.tsv
                      (default: $COLA_DIR, then the cache, then the official download)
  --out DIR           where the model folder goes (default: models/<run id>)
  --epochs N          training epochs (default 4)
  --batch-size N      batch size (default 32)
  --lr X              peak learning rate (default 2e-5, the chapter's; 1e-4 for the
                      offline all-minilm-l6-v2: see docs/trainer.md)
  --warmup-ratio X    share of steps spent warming up (default 0.1)
  --max-length N      longest tokenized sentence (default 128)
  --seed N            seed for split, order, dropout, head (default 42)
  --device D          auto | cpu | cuda (default auto)
  --precision P       auto | fp32 | bf16 | fp16 (default auto)
  --max-train N       train on a seeded sample of N sentences (quick runs)
  --max-eval N        evaluate on seeded samples of N sentences (quick runs)
  --resume            continue from <out>.checkpoint/ after a cancelled or crashed run
  --no-int8           skip the int8 model
  --json              print the trainer's protocol events (JSON lines) instead of progress
  --verbose           also print the trainer's log lines (stderr)
  --python PATH       Python interpreter (default: $COLA_BERT_PYTHON, .venv, python3)

Ctrl-C cancels at the next step and keeps the last checkpoint (resume with --resume);
a second Ctrl-C stops the trainer at once.
Exit codes: 0 done, 1 training failed, 2 bad usage or input, 130 cancelled.`;

const INPUT_ERRORS = new Set(['bad_arguments', 'data_missing', 'data_malformed', 'model_unavailable', 'offline', 'dependency_missing', 'checkpoint_invalid', 'device_unavailable', 'spawn']);

export function parseTrainArgs(argv: string[]): { options: TrainOptions; json: boolean; verbose: boolean; python?: string } {
  const { values: v } = parseFlags(argv, {
    model: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    'warmup-ratio': { type: 'string' },
    'max-length': { type: 'string' },
    seed: { type: 'string' },
    device: { type: 'string' },
    precision: { type: 'string' },
    'max-train': { type: 'string' },
    'max-eval': { type: 'string' },
    resume: { type: 'boolean' },
    'no-int8': { type: 'boolean' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean' },
    python: { type: 'string' },
  });
  const options: TrainOptions = {
    model: v.model,
    dataDir: v.data,
    outputDir: v.out,
    epochs: intFlag(v.epochs, 'epochs'),
    batchSize: intFlag(v['batch-size'], 'batch-size'),
    learningRate: numberFlag(v.lr, 'lr', (n) => n > 0 && n < 1, 'in (0, 1)'),
    warmupRatio: numberFlag(v['warmup-ratio'], 'warmup-ratio', (n) => n >= 0 && n < 1, 'in [0, 1)'),
    maxLength: intFlag(v['max-length'], 'max-length', 8),
    seed: intFlag(v.seed, 'seed', 0),
    device: choiceFlag(v.device, 'device', ['auto', 'cpu', 'cuda'] as const),
    precision: choiceFlag(v.precision, 'precision', ['auto', 'fp32', 'bf16', 'fp16'] as const),
    maxTrain: intFlag(v['max-train'], 'max-train'),
    maxEval: intFlag(v['max-eval'], 'max-eval'),
    resume: v.resume,
    noInt8: v['no-int8'],
  };
  for (const k of Object.keys(options) as (keyof TrainOptions)[]) if (options[k] === undefined) delete options[k];
  if (v.python !== undefined && !v.python.trim()) throw new UsageError('--python is empty: pass an interpreter, or leave the flag out to search for one');
  return { options, json: Boolean(v.json), verbose: Boolean(v.verbose), python: v.python };
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
      case 'evaluation':
        say(describeEvaluation(e, started?.epochs ?? e.epoch));
        break;
      case 'holdout':
        say(describeHoldout(e));
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
    const result = await run.result;
    if (result.status === 'done') return EXIT_OK;
    if (!json && !result.cancelled) {
      view?.clear();
      writeLine(
        io.stdout,
        result.checkpoint
          ? `Cancelled (the trainer was stopped before it could report the step). Last checkpoint: ${result.checkpoint} (continue with --resume).`
          : 'Cancelled before the first checkpoint: nothing to resume.',
      );
    }
    return EXIT_CANCELLED;
  } catch (e) {
    if (!(e instanceof TrainerRunError)) throw e;
    view?.clear();
    // In --json mode the error event itself was already printed; stderr gets the readable version.
    writeLine(io.stderr, `cola-bert train: ${e.message}`);
    return INPUT_ERRORS.has(e.code) ? EXIT_ERROR : EXIT_FAILED;
  } finally {
    stopListening?.();
  }
}

export const command: CliCommand = { summary, usage, run };
