// Runs the Python trainer as a child process (never through a shell) and speaks the protocol of
// trainer/cola_trainer/protocol.schema.json: stdout lines are validated events, stdin takes commands,
// stderr lines are logs. The result settles once, after the process has exited.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { encodeCommand, parseTrainerLine, ProtocolError, type CancelledEvent, type DoneEvent, type EnvironmentEvent, type ErrorEvent, type ExportedEvent, type HoldoutEvent, type StartedEvent, type TrainerErrorCode, type TrainerEvent } from './trainerProtocol';

/** The interpreter to run; a PythonEnv from pythonEnv.ts fits. */
export interface PythonInterpreter {
  python: string;
}

/** Options of `python -m cola_trainer train`, one field per flag. */
export interface TrainOptions {
  model?: string;
  dataDir?: string;
  outputDir?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  warmupRatio?: number;
  maxLength?: number;
  seed?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  precision?: 'auto' | 'fp32' | 'bf16' | 'fp16';
  maxTrain?: number;
  maxEval?: number;
  resume?: boolean;
  noInt8?: boolean;
}

export interface TrainerProcessOptions {
  /** Folder holding the `cola_trainer` package (the repo's `trainer/`, or the extension's copy); put on PYTHONPATH. */
  trainerDir: string;
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
}

export interface Disposable {
  dispose(): void;
}

export type RunResult =
  | { status: 'done'; done: DoneEvent; started?: StartedEvent; holdout?: HoldoutEvent; exported?: ExportedEvent; exitCode: number | null }
  | {
      status: 'cancelled';
      /** The trainer's own cancelled event; null when it had to be killed before it could write one. */
      cancelled: CancelledEvent | null;
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

/** The trainer's command-line flags for these options. */
export function trainArgs(o: TrainOptions): string[] {
  const args: string[] = [];
  const flag = (name: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(`--${name}`, String(value));
  };
  flag('model', o.model);
  flag('data-dir', o.dataDir);
  flag('output-dir', o.outputDir);
  flag('epochs', o.epochs);
  flag('batch-size', o.batchSize);
  flag('learning-rate', o.learningRate);
  flag('warmup-ratio', o.warmupRatio);
  flag('max-length', o.maxLength);
  flag('seed', o.seed);
  flag('device', o.device);
  flag('precision', o.precision);
  flag('max-train', o.maxTrain);
  flag('max-eval', o.maxEval);
  if (o.resume) args.push('--resume');
  if (o.noInt8) args.push('--no-int8');
  return args;
}

function childEnv(trainerDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const pythonPath = [path.resolve(trainerDir), env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  return { ...env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };
}

/** Splits a stream into lines (LF or CRLF), calling back per complete line and once for a trailing fragment. */
function lineReader(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      onLine(line);
    }
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer.replace(/\r$/, ''));
    buffer = '';
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

  constructor(
    python: string,
    args: string[],
    private readonly options: TrainerProcessOptions,
  ) {
    const log = options.logger ?? (() => undefined);
    this.child = spawn(python, args, {
      cwd: options.cwd,
      env: childEnv(options.trainerDir, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    // A trainer that already exited closes stdin; a late cancel must not crash the host with EPIPE.
    this.child.stdin!.on('error', (e) => log(`[cola-bert] trainer stdin: ${e.message}`));
    lineReader(this.child.stdout!, (line) => this.onStdout(line));
    lineReader(this.child.stderr!, (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
      log(line);
    });
    const onAbort = () => this.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) queueMicrotask(onAbort);
    this.result = new Promise<RunResult>((resolve, reject) => {
      let spawnError: Error | null = null;
      this.child.on('error', (e) => {
        spawnError = e;
      });
      this.child.on('exit', () => {
        this.exited = true;
        this.clearTimers();
      });
      this.child.on('close', (code, signal) => {
        this.exited = true;
        this.clearTimers();
        options.signal?.removeEventListener('abort', onAbort);
        const settled = this.settle(code, signal, spawnError, python);
        if (settled instanceof Error) reject(settled);
        else resolve(settled);
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
    this.escalate(this.options.cancelGraceMs ?? 15_000);
  }

  private sendCancel(): void {
    const stdin = this.child.stdin;
    if (stdin && stdin.writable) stdin.write(encodeCommand({ command: 'cancel' }));
  }

  private escalate(graceMs: number): void {
    const term = setTimeout(() => {
      if (this.exited) return;
      this.options.logger?.('[cola-bert] the trainer did not stop after "cancel"; sending SIGTERM');
      this.child.kill('SIGTERM');
      const kill = setTimeout(() => {
        if (this.exited) return;
        this.options.logger?.('[cola-bert] the trainer did not stop after SIGTERM; sending SIGKILL');
        this.child.kill('SIGKILL');
      }, this.options.killGraceMs ?? 15_000);
      this.timers.push(kill);
    }, graceMs);
    this.timers.push(term);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  private onStdout(line: string): void {
    if (!line.trim() || this.protocolError) return;
    let event: TrainerEvent;
    try {
      event = parseTrainerLine(line);
    } catch (e) {
      // The contract says stdout is protocol only; anything else is a bug worth stopping for.
      this.protocolError = e as ProtocolError;
      this.options.logger?.(`[cola-bert] ${this.protocolError.message}`);
      this.cancelRequested = true;
      this.child.kill('SIGTERM');
      this.escalate(0);
      return;
    }
    this.events.push(event);
    for (const l of [...this.listeners]) {
      try {
        l(event, line);
      } catch (err) {
        this.options.logger?.(`[cola-bert] an event listener failed: ${(err as Error).stack ?? err}`);
      }
    }
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
    if (this.protocolError) {
      return new TrainerRunError(withTail(`The trainer broke the protocol: ${this.protocolError.message}`, tail), 'protocol', code, signal, tail);
    }
    const error = this.last('error');
    if (error) {
      const where = error.file ? ` (${error.file}${error.line ? `:${error.line}` : ''})` : '';
      const hint = error.hint ? `\n${error.hint}` : '';
      return new TrainerRunError(`${error.message}${where}${hint}`, error.code, code, signal, tail, error);
    }
    const started = this.last('started');
    const cancelled = this.last('cancelled');
    if (cancelled) return { status: 'cancelled', cancelled, started, exitCode: code, signal };
    const done = this.last('done');
    if (done && code === 0) return { status: 'done', done, started, holdout: this.last('holdout'), exported: this.last('exported'), exitCode: code };
    if (this.cancelRequested && (signal === 'SIGTERM' || signal === 'SIGKILL')) {
      return { status: 'cancelled', cancelled: null, started, exitCode: code, signal };
    }
    const what = done ? `The trainer reported "done" but ${describeExit(code, signal)}` : `The trainer ${describeExit(code, signal)} without a result`;
    return new TrainerRunError(withTail(`${what}.`, tail), 'crashed', code, signal, tail);
  }
}

/** Starts `python -m cola_trainer train …`. Attach listeners synchronously to see every event. */
export function startTraining(python: PythonInterpreter, options: TrainOptions, proc: TrainerProcessOptions): TrainerRun {
  return new Run(python.python, ['-m', 'cola_trainer', 'train', ...trainArgs(options)], proc);
}

/** Runs `python -m cola_trainer env` and returns its environment event (handshake: versions, devices). */
export async function probeEnvironment(python: PythonInterpreter, proc: TrainerProcessOptions): Promise<EnvironmentEvent> {
  const run = new Run(python.python, ['-m', 'cola_trainer', 'env'], proc);
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
