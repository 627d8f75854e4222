// One training run at a time, independent of the panel: the panel may close and reopen while the run
// goes on. Trainer events and log lines are batched (default every 150 ms) so that a fast GPU run —
// dozens of steps a second — reaches the webview as a few messages a second.
// No `vscode` import: unit-tested in plain mocha (test/unit/trainingSession.test.ts).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runVerdict, startTraining, type PythonInterpreter, type RunVerdict, type TrainOptions } from '../core/trainerClient';
import type { TrainerEvent } from '../../protocol/trainerProtocol';
import { formOptions, type RunOutcome, type RunSnapshot, type TrainForm } from '../../protocol/panelMessages';

/** How a run ended: the trainer client's verdict (core/trainerClient's RunVerdict), in the panel's terms. */
export interface RunExit {
  outcome: Exclude<RunOutcome, 'running'>;
  /** For error and crashed: what to show. */
  failure?: RunSnapshot['failure'];
  /** The newest checkpoint (Resume continues from it); null when none was written. */
  checkpoint: string | null;
  /** Last stderr lines of a crash, kept in the run's log. */
  stderrTail: string[];
}

/** The parts of a running trainer the session needs (src/core/trainerClient's TrainerRun, adapted). */
export interface RunHandle {
  onEvent(listener: (event: TrainerEvent) => void): void;
  onLog(listener: (line: string) => void): void;
  cancel(): void;
  readonly exit: Promise<RunExit>;
}

export interface StartRequest {
  id: string;
  form: TrainForm;
  outputDir: string;
  resume: boolean;
}

export type RunStarter = (request: StartRequest) => RunHandle;

export type SessionUpdate =
  | { kind: 'started'; run: RunSnapshot }
  | { kind: 'events'; id: string; events: TrainerEvent[]; log: string[] }
  | { kind: 'ended'; id: string; outcome: Exclude<RunOutcome, 'running'>; failure?: RunSnapshot['failure']; resumable: boolean };

export interface SessionOptions {
  flushMs?: number;
  /** Log lines kept in the snapshot (the full log goes to the output channel). */
  logLines?: number;
}

export class BusyError extends Error {
  override readonly name = 'BusyError';
}

export class TrainingSession {
  private run: (RunSnapshot & { outputDir: string; started: number }) | null = null;
  private handle: RunHandle | null = null;
  private pendingEvents: TrainerEvent[] = [];
  private pendingLog: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(u: SessionUpdate) => void>();
  private readonly flushMs: number;
  private readonly logLines: number;

  constructor(
    private readonly starter: RunStarter,
    options: SessionOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 150;
    this.logLines = options.logLines ?? 200;
  }

  /**
   * The current or last run (what a reopened panel shows): everything already delivered in updates,
   * so that snapshot + the updates that follow it hold each event exactly once.
   */
  get snapshot(): RunSnapshot | null {
    if (!this.run) return null;
    const { outputDir: _o, started: _s, ...snap } = this.run;
    const events = snap.events.slice(0, snap.events.length - this.pendingEvents.length);
    const log = snap.log.slice(0, Math.max(0, snap.log.length - this.pendingLog.length));
    return { ...snap, events, log };
  }

  get running(): boolean {
    return this.handle !== null;
  }

  get outputDir(): string | undefined {
    return this.run?.outputDir;
  }

  onDidUpdate(listener: (u: SessionUpdate) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Takes back a finished run from before a window reload (the panel's last result, its model and its
   * Resume). Ignored once this session has a run of its own.
   */
  restore(snapshot: RunSnapshot, outputDir: string): boolean {
    if (this.run || snapshot.outcome === 'running') return false;
    this.run = { ...snapshot, events: snapshot.events.slice(), log: snapshot.log.slice(), outputDir, started: Date.now() };
    return true;
  }

  /** Starts a fresh run. Throws BusyError while another one runs. */
  start(id: string, form: TrainForm, outputDir: string): RunSnapshot {
    if (this.handle) throw new BusyError('A training run is already in progress; cancel it first.');
    const previous = this.run;
    this.run = { id, form, outcome: 'running', events: [], log: [], resumable: false, outputDir, started: Date.now() };
    try {
      return this.launch(false);
    } catch (e) {
      this.run = previous;
      throw e;
    }
  }

  /** Continues the last run from its checkpoint (same id, same output folder, same form). */
  resume(): RunSnapshot {
    if (this.handle) throw new BusyError('A training run is already in progress.');
    if (!this.run || !this.run.resumable) throw new Error('There is no cancelled or failed run with a checkpoint to resume.');
    const { outcome, failure } = this.run;
    this.run.outcome = 'running';
    this.run.failure = undefined;
    try {
      return this.launch(true);
    } catch (e) {
      Object.assign(this.run, { outcome, failure });
      throw e;
    }
  }

  /** Asks the trainer to stop after the current step; it writes a checkpoint there (resume continues from it). */
  cancel(): boolean {
    if (!this.handle) return false;
    this.handle.cancel();
    return true;
  }

  /** Resolves when the current run (if any) has ended. */
  async idle(): Promise<void> {
    while (this.handle) await this.handle.exit.catch(() => undefined).then(() => new Promise((r) => setImmediate(r)));
  }

  private launch(resume: boolean): RunSnapshot {
    const run = this.run!;
    const handle = this.starter({ id: run.id, form: run.form, outputDir: run.outputDir, resume });
    this.handle = handle;
    handle.onEvent((e) => {
      if (this.handle !== handle) return;
      run.events.push(e);
      this.pendingEvents.push(e);
      this.schedule();
    });
    handle.onLog((line) => {
      if (this.handle !== handle) return;
      run.log.push(line);
      if (run.log.length > this.logLines) run.log.splice(0, run.log.length - this.logLines);
      this.pendingLog.push(line);
      this.schedule();
    });
    handle.exit.then(
      (exit) => this.finish(handle, exit),
      (err: unknown) => this.finish(handle, { outcome: 'crashed', failure: { message: err instanceof Error ? err.message : String(err) }, checkpoint: null, stderrTail: [] }),
    );
    const snap = this.snapshot!;
    this.emit({ kind: 'started', run: snap });
    return snap;
  }

  private finish(handle: RunHandle, exit: RunExit): void {
    if (this.handle !== handle) return;
    this.flush();
    this.handle = null;
    const run = this.run!;
    if (exit.outcome === 'crashed') for (const line of exit.stderrTail) if (!run.log.includes(line)) run.log.push(line);
    run.outcome = exit.outcome;
    run.failure = exit.failure;
    run.resumable = exit.outcome !== 'done' && exit.checkpoint !== null;
    this.emit({ kind: 'ended', id: run.id, outcome: exit.outcome, failure: exit.failure, resumable: run.resumable });
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.run || (!this.pendingEvents.length && !this.pendingLog.length)) return;
    const update: SessionUpdate = { kind: 'events', id: this.run.id, events: this.pendingEvents, log: this.pendingLog };
    this.pendingEvents = [];
    this.pendingLog = [];
    this.emit(update);
  }

  private emit(u: SessionUpdate): void {
    for (const l of [...this.listeners]) l(u);
  }

  /** Seconds since the run (or its latest resume) started. */
  get elapsedSeconds(): number {
    return this.run ? (Date.now() - this.run.started) / 1000 : 0;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
  }
}

/** The client's verdict as the session shows it (the verdict decides; this only words it). */
export function sessionExit(verdict: RunVerdict): RunExit {
  switch (verdict.outcome) {
    case 'done':
    case 'cancelled':
      return { outcome: verdict.outcome, checkpoint: verdict.checkpoint, stderrTail: [] };
    case 'error': {
      const e = verdict.error.event!;
      return { outcome: 'error', failure: { message: e.message, hint: e.hint, code: e.code }, checkpoint: verdict.checkpoint, stderrTail: [...verdict.error.stderrTail] };
    }
    case 'crashed': {
      // The client's message ends with the log tail, which the panel shows in its log view already.
      const how = verdict.error.message.split('\n--- last lines of')[0];
      const tail = verdict.error.stderrTail.filter((l) => l.trim()).slice(-1)[0];
      return { outcome: 'crashed', failure: { message: tail ? `${how} Last log line: ${tail}` : how }, checkpoint: verdict.checkpoint, stderrTail: [...verdict.error.stderrTail] };
    }
  }
}

/** Adapts the core trainer client to the session's RunHandle; `extra` adds options the form does not hold (per run when a function). */
export function trainerStarter(
  python: () => PythonInterpreter | undefined,
  trainerDir: string,
  log: (line: string) => void,
  extra: Partial<TrainOptions> | ((form: TrainForm) => Partial<TrainOptions>) = {},
): RunStarter {
  return ({ form, outputDir, resume }) => {
    const interpreter = python();
    if (!interpreter) throw new Error('No training environment: check the environment first.');
    const logListeners: ((line: string) => void)[] = [];
    const options: TrainOptions = { ...formOptions(form), outputDir, resume, ...(typeof extra === 'function' ? extra(form) : extra) };
    // The trainer runs in the models folder; spawn reports a missing cwd as a missing interpreter (ENOENT).
    mkdirSync(path.dirname(outputDir), { recursive: true });
    const run = startTraining(interpreter, options, {
      trainerDir,
      cwd: path.dirname(outputDir),
      logger: (line) => {
        log(line);
        for (const l of logListeners) l(line);
      },
    });
    const exit = runVerdict(run).then(sessionExit);
    return {
      onEvent: (l: (e: TrainerEvent) => void) => void run.onEvent(l),
      onLog: (l: (line: string) => void) => void logListeners.push(l),
      cancel: () => run.cancel(),
      exit,
    };
  };
}
