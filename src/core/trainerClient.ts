// Runs the Python trainer as a child process (never through a shell) and speaks the protocol of
// trainer/cola_trainer/protocol.schema.json: stdout lines are validated events, stdin takes commands,
// stderr lines are logs. The result settles once, after the process has exited.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { trainArgv, type TrainOptions } from '../../protocol/trainArgs';
import { isolatedModuleArgs } from './pythonIsolation';
import { encodeCommand, parseTrainerLine, ProtocolError, type CancelledEvent, type DoneEvent, type EnvironmentEvent, type ErrorEvent, type ExportedEvent, type HoldoutEvent, type StartedEvent, type TrainerErrorCode, type TrainerEvent, type WarmupEvent } from '../../protocol/trainerProtocol';

/** The interpreter to run; a PythonEnv from pythonEnv.ts fits. */
export interface PythonInterpreter {
  python: string;
}

export interface TrainerProcessOptions {
  /** Folder holding the `cola_trainer` package (the repo's `trainer/`, or the extension's copy); put on PYTHONPATH. */
  trainerDir: string;
  /** Working folder of the trainer (relative paths resolve there); default trainerDir. Never a source of modules. */
  cwd?: string;
  /** Environment for the child (default process.env); PYTHONPATH is prefixed with trainerDir. */
  env?: NodeJS.ProcessEnv;
  /** Aborting cancels the run (same as cancel()). */
  signal?: AbortSignal;
  /** Receives each stderr line (the trainer's logs) and client notes. */
  logger?: (line: string) => void;
  /** After cancel(), how long to wait for the trainer before SIGTERM (default 15 s). */
  cancelGraceMs?: number;
  /** After SIGTERM, how long to wait before SIGKILL (default 15 s). */
  killGraceMs?: number;
  /**
   * A cancel that arrives once training is complete (the last step is done) lets the trainer finish its
   * holdout evaluation and export, which a big model on a CPU needs minutes for: the wait before SIGTERM
   * is this long then (default 10 min).
   */
  finishGraceMs?: number;
  /** After `done`, how long the process may take to exit before it is sent SIGTERM (default 30 s). */
  exitAfterDoneMs?: number;
}

export interface Disposable {
  dispose(): void;
}

export type RunResult =
  | {
      status: 'done';
      /** null when the trainer stopped after `exported` but before `done`: the model folder is complete all the same. */
      done: DoneEvent | null;
      started?: StartedEvent;
      holdout?: HoldoutEvent;
      exported?: ExportedEvent;
      exitCode: number | null;
    }
  | {
      status: 'cancelled';
      /** The trainer's own cancelled event; null when it had to be killed before it could write one. */
      cancelled: CancelledEvent | null;
      /** The newest checkpoint the trainer reported (`--resume` continues from it); null when none. */
      checkpoint: string | null;
      started?: StartedEvent;
      exitCode: number | null;
      signal: NodeJS.Signals | null;
    };

export type TrainerFailureCode = TrainerErrorCode | 'crashed' | 'protocol' | 'spawn';

/** A run that failed: an `error` event, a protocol violation, a crash, or a process that could not start. */
export class TrainerRunError extends Error {
  override readonly name = 'TrainerRunError';
  constructor(
    message: string,
    readonly code: TrainerFailureCode,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: readonly string[],
    readonly event?: ErrorEvent,
    /** The newest checkpoint the trainer reported before it failed (`--resume` continues from it). */
    readonly checkpoint: string | null = null,
  ) {
    super(message);
  }
}

export interface TrainerRun {
  readonly pid: number | undefined;
  /** Every event so far, in order (for listeners that attach late). */
  readonly events: readonly TrainerEvent[];
  /** Listener gets the typed event and the exact stdout line it came from. */
  onEvent(listener: (event: TrainerEvent, line: string) => void): Disposable;
  /** Asks the trainer to stop at the next step ({"command":"cancel"}); SIGTERM, then SIGKILL if it does not. */
  cancel(): void;
  readonly result: Promise<RunResult>;
}

const STDERR_TAIL = 50;
/** Longest stdout line taken as a protocol event (events are a few hundred bytes). */
const MAX_EVENT_LINE = 1 << 20;
/** Longest stderr line kept; the rest of it is dropped (a progress bar without newlines, binary noise). */
const MAX_LOG_LINE = 4096;
/** After the process exits, how long its pipes may stay open (a grandchild holding them) before the run settles. */
const PIPE_DRAIN_MS = 2000;
const TERMINAL_EVENTS = new Set<TrainerEvent['event']>(['done', 'cancelled', 'error']);

export type { TrainOptions };
/** The trainer's command-line flags for these options (derived from args.py's description). */
export const trainArgs = (options: TrainOptions): string[] => trainArgv(options);

function childEnv(trainerDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const pythonPath = [path.resolve(trainerDir), env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  // PYTHONSAFEPATH (3.11+) keeps the working folder off sys.path for Pythons the trainer starts in turn.
  return { ...env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8', PYTHONSAFEPATH: '1' };
}

/**
 * Splits a stream into lines (LF or CRLF), calling back per complete line and once for a trailing fragment.
 * Linear in the input, and at most `maxLine` characters of a line are kept (`truncated` says so): a stream
 * without newlines must neither grow memory without bound nor rescan its buffer on every chunk.
 */
export function lineReader(stream: NodeJS.ReadableStream, onLine: (line: string, truncated: boolean) => void, maxLine: number): void {
  let parts: string[] = [];
  let length = 0;
  let truncated = false;
  const add = (piece: string) => {
    if (truncated || !piece) return;
    if (length + piece.length > maxLine) {
      parts.push(piece.slice(0, maxLine - length));
      length = maxLine;
      truncated = true;
    } else {
      parts.push(piece);
      length += piece.length;
    }
  };
  const emit = () => {
    const line = parts.join('').replace(/\r$/, '');
    const wasTruncated = truncated;
    parts = [];
    length = 0;
    truncated = false;
    onLine(line, wasTruncated);
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      add(chunk.slice(start, nl));
      emit();
      start = nl + 1;
    }
    add(chunk.slice(start));
  });
  stream.on('end', () => {
    if (length || truncated) emit();
  });
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

function withTail(message: string, tail: readonly string[]): string {
  return tail.length ? `${message}\n--- last lines of the trainer's log ---\n${tail.join('\n')}` : message;
}

class Run implements TrainerRun {
  readonly events: TrainerEvent[] = [];
  readonly result: Promise<RunResult>;
  private readonly listeners = new Set<(event: TrainerEvent, line: string) => void>();
  private readonly stderrTail: string[] = [];
  private readonly child: ChildProcess;
  private cancelRequested = false;
  private protocolError: ProtocolError | null = null;
  private timers: NodeJS.Timeout[] = [];
  private exited = false;
  /** A terminal event (done, cancelled, error) arrived; later events are ignored. */
  private ended = false;
  /** The process was stopped after reporting `done` (it did not exit by itself). */
  private stoppedAfterDone = false;

  constructor(
    python: string,
    args: string[],
    private readonly options: TrainerProcessOptions,
  ) {
    const log = options.logger ?? (() => undefined);
    this.child = spawn(python, args, {
      cwd: options.cwd ?? path.resolve(options.trainerDir),
      env: childEnv(options.trainerDir, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    // A trainer that already exited closes stdin; a late cancel must not crash the host with EPIPE.
    this.child.stdin!.on('error', (e) => log(`[cola-bert] trainer stdin: ${e.message}`));
    lineReader(this.child.stdout!, (line, truncated) => this.onStdout(line, truncated), MAX_EVENT_LINE);
    lineReader(
      this.child.stderr!,
      (raw, truncated) => {
        const line = truncated ? `${raw} …[line cut at ${MAX_LOG_LINE} characters]` : raw;
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
        log(line);
      },
      MAX_LOG_LINE,
    );
    const onAbort = () => this.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) queueMicrotask(onAbort);
    this.result = new Promise<RunResult>((resolve, reject) => {
      let spawnError: Error | null = null;
      let settled = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        this.exited = true;
        this.clearTimers();
        options.signal?.removeEventListener('abort', onAbort);
        const outcome = this.settle(code, signal, spawnError, python);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      this.child.on('error', (e) => {
        spawnError = e;
        // A process that never started emits no 'exit'.
        if (this.child.pid === undefined) finish(null, null);
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        this.clearTimers();
        // 'close' waits for every holder of the pipes; a background process the interpreter's wrapper
        // started would hold the run open. Give the pipes a moment to drain, then settle anyway.
        const drain = setTimeout(() => {
          log(`[cola-bert] the trainer exited but its output pipes stayed open for ${PIPE_DRAIN_MS / 1000} s (a process it started?); not waiting for them`);
          this.child.stdout?.destroy();
          this.child.stderr?.destroy();
          finish(code, signal);
        }, PIPE_DRAIN_MS);
        drain.unref();
        this.child.once('close', () => {
          clearTimeout(drain);
          finish(code, signal);
        });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  onEvent(listener: (event: TrainerEvent, line: string) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  cancel(): void {
    if (this.cancelRequested || this.exited) return;
    this.cancelRequested = true;
    this.sendCancel();
    if (this.trainingComplete()) {
      this.options.logger?.('[cola-bert] training is complete: the trainer finishes the holdout evaluation and the export before it stops');
      this.escalate(this.options.finishGraceMs ?? 600_000);
    } else this.escalate(this.options.cancelGraceMs ?? 15_000);
  }

  /** The last training step is done (the trainer then finishes with a model instead of stopping). */
  private trainingComplete(): boolean {
    return this.events.some((e) => e.event === 'holdout' || (e.event === 'step' && e.step >= e.total_steps));
  }

  private sendCancel(): void {
    const stdin = this.child.stdin;
    if (stdin && stdin.writable) stdin.write(encodeCommand({ command: 'cancel' }));
  }

  private escalate(graceMs: number): void {
    const term = setTimeout(() => {
      if (this.exited) return;
      this.options.logger?.('[cola-bert] the trainer did not stop after "cancel"; sending SIGTERM');
      this.terminate();
    }, graceMs);
    this.timers.push(term);
  }

  /** SIGTERM now; SIGKILL after the kill grace period if the process has not exited by then. */
  private terminate(): void {
    this.child.kill('SIGTERM');
    const kill = setTimeout(() => {
      if (this.exited) return;
      this.options.logger?.('[cola-bert] the trainer did not stop after SIGTERM; sending SIGKILL');
      this.child.kill('SIGKILL');
    }, this.options.killGraceMs ?? 15_000);
    this.timers.push(kill);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  private onStdout(line: string, truncated = false): void {
    if (!line.trim() || this.protocolError) return;
    let event: TrainerEvent;
    try {
      if (truncated) throw new ProtocolError(`trainer wrote a stdout line longer than ${MAX_EVENT_LINE} characters: ${line.slice(0, 120)}…`, line.slice(0, 120));
      event = parseTrainerLine(line);
    } catch (e) {
      // The contract says stdout is protocol only; anything else is a bug worth stopping for.
      this.protocolError = e as ProtocolError;
      this.options.logger?.(`[cola-bert] ${this.protocolError.message}; stopping the trainer`);
      this.cancelRequested = true;
      this.terminate();
      return;
    }
    if (this.ended) {
      // done, cancelled or error was the run's last word: a later event cannot change the outcome.
      this.options.logger?.(`[cola-bert] ignored a "${event.event}" event after the run ended`);
      return;
    }
    if (TERMINAL_EVENTS.has(event.event)) this.ended = true;
    if (event.event === 'done') this.expectExit();
    this.events.push(event);
    for (const l of [...this.listeners]) {
      try {
        l(event, line);
      } catch (err) {
        this.options.logger?.(`[cola-bert] an event listener failed: ${(err as Error).stack ?? err}`);
      }
    }
  }

  /** A trainer that reported `done` but does not exit (a stuck thread at shutdown) is stopped. */
  private expectExit(): void {
    const timer = setTimeout(() => {
      if (this.exited) return;
      this.options.logger?.('[cola-bert] the trainer reported "done" but did not exit; sending SIGTERM');
      this.stoppedAfterDone = true;
      this.terminate();
    }, this.options.exitAfterDoneMs ?? 30_000);
    this.timers.push(timer);
  }

  private last<N extends TrainerEvent['event']>(name: N): Extract<TrainerEvent, { event: N }> | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i].event === name) return this.events[i] as Extract<TrainerEvent, { event: N }>;
    return undefined;
  }

  private settle(code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null, python: string): RunResult | TrainerRunError {
    const tail = [...this.stderrTail];
    if (spawnError) {
      const enoent = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
      return new TrainerRunError(enoent ? `Python interpreter not found: ${python}` : `could not start the trainer with ${python}: ${spawnError.message}`, 'spawn', null, null, tail);
    }
    const checkpoint = this.last('checkpoint')?.path ?? null;
    const resumeNote = checkpoint ? `\nA checkpoint was saved in ${checkpoint}: run again with --resume (same arguments) to continue from it.` : '';
    if (this.protocolError) {
      const before = this.events.length === 0;
      const message = before
        ? `${python} wrote something that is not the trainer's protocol to stdout before the trainer started (${this.protocolError.message}). ` +
          'A wrapper script, sitecustomize or PYTHONSTARTUP of that interpreter prints to stdout: make it print to stderr, or choose another interpreter.'
        : `The trainer broke the protocol: ${this.protocolError.message}`;
      return new TrainerRunError(withTail(message + resumeNote, tail), 'protocol', code, signal, tail, undefined, checkpoint);
    }
    const error = this.last('error');
    if (error) {
      const where = error.file ? ` (${error.file}${error.line ? `:${error.line}` : ''})` : '';
      const hint = error.hint ? `\n${error.hint}` : '';
      return new TrainerRunError(`${error.message}${where}${hint}${resumeNote}`, error.code, code, signal, tail, error, checkpoint);
    }
    const started = this.last('started');
    const cancelled = this.last('cancelled');
    if (cancelled) return { status: 'cancelled', cancelled, checkpoint: cancelled.checkpoint ?? checkpoint, started, exitCode: code, signal };
    const done = this.last('done');
    if (done && (code === 0 || this.stoppedAfterDone)) return { status: 'done', done, started, holdout: this.last('holdout'), exported: this.last('exported'), exitCode: code };
    const exported = this.last('exported');
    if (exported) {
      // `exported` means the model folder is complete and in place (written aside, renamed when whole) and the
      // checkpoint is gone: a trainer stopped before `done` has still produced the run's result, and calling it a
      // failure would send the user to a --resume that has nothing to resume.
      this.options.logger?.(`[cola-bert] the trainer ${describeExit(code, signal)} after it exported ${exported.path}; that model folder is the run's result`);
      return { status: 'done', done: done ?? null, started, holdout: this.last('holdout'), exported, exitCode: code };
    }
    // Stopped on request without a word: killed after the grace period, or interrupted (Ctrl-C in a terminal
    // reaches the whole process group, and Python exits 130 before its own handler is installed).
    if (this.cancelRequested && (signal === 'SIGTERM' || signal === 'SIGKILL' || signal === 'SIGINT' || code === 130)) {
      return { status: 'cancelled', cancelled: null, checkpoint, started, exitCode: code, signal };
    }
    const what = done ? `The trainer reported "done" but ${describeExit(code, signal)}` : `The trainer ${describeExit(code, signal)} without a result`;
    return new TrainerRunError(withTail(`${what}.${resumeNote}`, tail), 'crashed', code, signal, tail, undefined, checkpoint);
  }
}

/**
 * How a run ended: the one classification of a run. The CLI (exit code, message) and the panel's session
 * (outcome, failure, resume) both read it instead of looking at events and exit codes again.
 * 'error': the trainer reported an error event; 'crashed': it died, broke the protocol, or never started.
 */
export type RunVerdict =
  | { outcome: 'done'; result: Extract<RunResult, { status: 'done' }>; checkpoint: null }
  | { outcome: 'cancelled'; result: Extract<RunResult, { status: 'cancelled' }>; checkpoint: string | null }
  | { outcome: 'error' | 'crashed'; error: TrainerRunError; checkpoint: string | null };

export function verdictOf(settled: RunResult | unknown): RunVerdict {
  if (settled instanceof TrainerRunError) return { outcome: settled.event ? 'error' : 'crashed', error: settled, checkpoint: settled.checkpoint };
  const r = settled as RunResult;
  if (r && r.status === 'done') return { outcome: 'done', result: r, checkpoint: null };
  if (r && r.status === 'cancelled') return { outcome: 'cancelled', result: r, checkpoint: r.checkpoint };
  const message = settled instanceof Error ? settled.message : String(settled);
  return { outcome: 'crashed', error: new TrainerRunError(`the trainer client failed: ${message}`, 'crashed', null, null, []), checkpoint: null };
}

/** The run's verdict once it has settled; never rejects. */
export function runVerdict(run: Pick<TrainerRun, 'result'>): Promise<RunVerdict> {
  return run.result.then(verdictOf, verdictOf);
}

/** Starts `python -m cola_trainer train …`. Attach listeners synchronously to see every event. */
export function startTraining(python: PythonInterpreter, options: TrainOptions, proc: TrainerProcessOptions): TrainerRun {
  return new Run(python.python, isolatedModuleArgs('cola_trainer', ['train', ...trainArgs(options)]), proc);
}

/** Runs `python -m cola_trainer env` and returns its environment event (handshake: versions, devices). */
/**
 * `python -m cola_trainer warmup`: a few timed training steps of `model` on this CPU, for the panel's estimate.
 * The trainer never downloads for it; a model that is not on this machine rejects with model_unavailable.
 */
export async function measureWarmup(python: PythonInterpreter, model: string, maxLength: number, proc: TrainerProcessOptions): Promise<WarmupEvent> {
  // warmup does not read stdin commands and has nothing to save: an abort terminates it at once.
  const run = new Run(python.python, isolatedModuleArgs('cola_trainer', ['warmup', '--model', model, '--max-length', String(maxLength)]), { ...proc, cancelGraceMs: 0 });
  // Like `env`, warmup ends without 'done', which Run reports as "crashed": the event itself is the result.
  const outcome = await run.result.catch((e: unknown) => e as TrainerRunError);
  const event = run.events.find((e): e is WarmupEvent => e.event === 'warmup');
  if (event) return event;
  if (outcome instanceof TrainerRunError) throw outcome;
  throw new Error(`\`${python.python} -m cola_trainer warmup\` ended without a warmup event.`);
}

export async function probeEnvironment(python: PythonInterpreter, proc: TrainerProcessOptions): Promise<EnvironmentEvent> {
  const run = new Run(python.python, isolatedModuleArgs('cola_trainer', ['env']), proc);
  let outcome: RunResult | TrainerRunError;
  try {
    outcome = await run.result;
  } catch (e) {
    outcome = e as TrainerRunError;
  }
  const env = run.events.find((e): e is EnvironmentEvent => e.event === 'environment');
  if (env) return env;
  if (outcome instanceof TrainerRunError && outcome.code !== 'crashed') throw outcome;
  const tail = outcome instanceof TrainerRunError ? outcome.stderrTail : [];
  const exit = outcome instanceof TrainerRunError ? describeExit(outcome.exitCode, outcome.signal) : `exited with code ${outcome.exitCode}`;
  throw new TrainerRunError(withTail(`\`${python.python} -m cola_trainer env\` ${exit} without an environment event.`, tail), 'crashed', outcome instanceof TrainerRunError ? outcome.exitCode : outcome.exitCode, null, tail);
}
