// TrainingSession: one run at a time, batched updates, outcomes, resume. The run handle replays the
// RECORDED event stream of a real trainer run (test/fixtures/training/tiny-run.events.jsonl) at the
// pace of a fast GPU, so batching is tested against realistic traffic.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TrainerEvent } from '../../protocol/trainerProtocol';
import { BusyError, TrainingSession, type RunExit, type RunHandle, type SessionUpdate, type StartRequest } from '../../src/training/trainingSession';
import { DEFAULT_FORM } from '../../protocol/panelMessages';

const dir = path.resolve(__dirname, '..', 'fixtures', 'training');
const recorded: TrainerEvent[] = readFileSync(path.join(dir, 'tiny-run.events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const stderr = readFileSync(path.join(dir, 'tiny-run.stderr.log'), 'utf8').split('\n').filter(Boolean);

/** Plays events (and log lines) every `everyMs` ms, then exits as told. */
class ReplayRun implements RunHandle {
  private eventListeners: ((e: TrainerEvent) => void)[] = [];
  private logListeners: ((l: string) => void)[] = [];
  readonly exit: Promise<RunExit>;
  cancelled = false;
  private resolveExit!: (e: RunExit) => void;

  constructor(
    private readonly events: TrainerEvent[],
    private readonly finalExit: RunExit,
    everyMs = 1,
    private readonly onCancel?: (run: ReplayRun) => void,
  ) {
    this.exit = new Promise((r) => (this.resolveExit = r));
    void this.play(everyMs);
  }

  onEvent(l: (e: TrainerEvent) => void): void {
    this.eventListeners.push(l);
  }
  onLog(l: (line: string) => void): void {
    this.logListeners.push(l);
  }
  cancel(): void {
    this.cancelled = true;
  }

  private async play(everyMs: number): Promise<void> {
    await new Promise((r) => setImmediate(r));
    for (const [i, e] of this.events.entries()) {
      if (this.cancelled) {
        this.onCancel?.(this);
        return;
      }
      for (const l of this.eventListeners) l(e);
      if (i < stderr.length) for (const l of this.logListeners) l(stderr[i]);
      await new Promise((r) => setTimeout(r, everyMs));
    }
    this.resolveExit(this.finalExit);
  }

  emit(e: TrainerEvent): void {
    for (const l of this.eventListeners) l(e);
  }
  end(exit: RunExit): void {
    this.resolveExit(exit);
  }
}

function collect(session: TrainingSession): SessionUpdate[] {
  const updates: SessionUpdate[] = [];
  session.onDidUpdate((u) => updates.push(u));
  return updates;
}

const ok: RunExit = { outcome: 'done', checkpoint: null, stderrTail: [] };

describe('TrainingSession', () => {
  it('delivers every recorded event in order, batched into far fewer updates', async () => {
    const requests: StartRequest[] = [];
    const session = new TrainingSession((r) => (requests.push(r), new ReplayRun(recorded, ok, 1)), { flushMs: 100 });
    const updates = collect(session);
    const snap = session.start('run-a', DEFAULT_FORM, '/tmp/models/run-a');
    assert.equal(snap.outcome, 'running');
    assert.equal(session.running, true);
    assert.deepEqual(requests, [{ id: 'run-a', form: DEFAULT_FORM, outputDir: '/tmp/models/run-a', resume: false }]);
    await session.idle();
    const batches = updates.filter((u): u is Extract<SessionUpdate, { kind: 'events' }> => u.kind === 'events');
    assert.deepEqual(batches.flatMap((b) => b.events), recorded);
    // ~1 ms per event and 100 ms batches: at least 10 events per message on average.
    assert.ok(batches.length * 10 <= recorded.length, `${batches.length} batches for ${recorded.length} events`);
    assert.equal(updates[0].kind, 'started');
    assert.deepEqual(updates.at(-1), { kind: 'ended', id: 'run-a', outcome: 'done', failure: undefined, resumable: false });
    assert.equal(session.running, false);
    assert.equal(session.snapshot!.events.length, recorded.length);
    assert.equal(session.snapshot!.outcome, 'done');
  });

  it('a snapshot taken mid-run plus the updates after it hold every event exactly once (panel reopened)', async () => {
    const session = new TrainingSession(() => new ReplayRun(recorded, ok, 1), { flushMs: 50 });
    session.start('run-r', DEFAULT_FORM, '/tmp/r');
    while (session.snapshot!.events.length < 40) await new Promise((r) => setTimeout(r, 3));
    // What the reopened panel gets: the snapshot now, then the batches from here on.
    await new Promise((r) => setTimeout(r, 20));
    const snap = session.snapshot!;
    const later: TrainerEvent[] = [];
    session.onDidUpdate((u) => u.kind === 'events' && later.push(...u.events));
    await session.idle();
    assert.deepEqual([...snap.events, ...later], recorded);
  });

  it('allows one run at a time', async () => {
    const session = new TrainingSession(() => new ReplayRun(recorded, ok, 1));
    session.start('run-a', DEFAULT_FORM, '/tmp/a');
    assert.throws(() => session.start('run-b', DEFAULT_FORM, '/tmp/b'), BusyError);
    assert.throws(() => session.resume(), BusyError);
    await session.idle();
    session.start('run-b', DEFAULT_FORM, '/tmp/b');
    assert.equal(session.snapshot!.id, 'run-b');
    await session.idle();
  });

  it('keeps the previous run when the trainer cannot be started', () => {
    const session = new TrainingSession(() => {
      throw new Error('No training environment');
    });
    assert.throws(() => session.start('x', DEFAULT_FORM, '/tmp/x'), /No training environment/);
    assert.equal(session.snapshot, null);
    assert.equal(session.running, false);
  });

  it('cancel: ends as cancelled and resumable when a checkpoint exists; resume continues the same run', async () => {
    const firstCheckpoint = recorded.findIndex((e) => e.event === 'checkpoint');
    const untilCheckpoint = recorded.slice(0, firstCheckpoint + 3);
    const checkpoint = recorded[firstCheckpoint] as Extract<TrainerEvent, { event: 'checkpoint' }>;
    const requests: StartRequest[] = [];
    const session = new TrainingSession((r) => {
      requests.push(r);
      if (!r.resume) {
        return new ReplayRun([...untilCheckpoint, ...recorded.slice(firstCheckpoint + 3)], ok, 2, (run) => {
          run.emit({ event: 'cancelled', v: 1, step: checkpoint.step + 2, checkpoint: checkpoint.path });
          run.end({ outcome: 'cancelled', checkpoint: checkpoint.path, stderrTail: [] });
        });
      }
      const started = recorded.find((e) => e.event === 'started')!;
      return new ReplayRun([{ ...started, start_step: checkpoint.step }, ...recorded.slice(firstCheckpoint + 1)], ok, 1);
    }, { flushMs: 20 });
    const updates = collect(session);
    session.start('run-c', DEFAULT_FORM, '/tmp/c');
    while (!session.snapshot!.events.includes(recorded[firstCheckpoint + 2])) await new Promise((r) => setTimeout(r, 2));
    assert.equal(session.cancel(), true);
    await session.idle();
    assert.deepEqual(updates.at(-1), { kind: 'ended', id: 'run-c', outcome: 'cancelled', failure: undefined, resumable: true });
    const resumed = session.resume();
    assert.equal(resumed.id, 'run-c');
    assert.equal(requests[1].resume, true);
    assert.equal(requests[1].outputDir, '/tmp/c');
    await session.idle();
    assert.equal(session.snapshot!.outcome, 'done');
    assert.equal(session.cancel(), false, 'nothing to cancel once it ended');
  });

  it('error event: ends as error with the trainer message and hint', async () => {
    const events: TrainerEvent[] = [recorded[0], { event: 'error', v: 1, code: 'out_of_memory', message: 'CUDA out of memory', hint: 'lower the batch size' }];
    const failure = { message: 'CUDA out of memory', hint: 'lower the batch size', code: 'out_of_memory' };
    const session = new TrainingSession(() => new ReplayRun(events, { outcome: 'error', failure, checkpoint: null, stderrTail: ['Traceback …'] }, 1));
    const updates = collect(session);
    session.start('run-e', DEFAULT_FORM, '/tmp/e');
    await session.idle();
    assert.deepEqual(updates.at(-1), { kind: 'ended', id: 'run-e', outcome: 'error', failure: { message: 'CUDA out of memory', hint: 'lower the batch size', code: 'out_of_memory' }, resumable: false });
  });

  it('crash without an error event: ends as crashed with the exit code and stderr tail; resumable after a checkpoint', async () => {
    const firstCheckpoint = recorded.findIndex((e) => e.event === 'checkpoint');
    const checkpoint = (recorded[firstCheckpoint] as Extract<TrainerEvent, { event: 'checkpoint' }>).path;
    const failure = { message: 'The trainer was killed by SIGKILL. Last log line: Killed' };
    const session = new TrainingSession(() => new ReplayRun(recorded.slice(0, firstCheckpoint + 5), { outcome: 'crashed', failure, checkpoint, stderrTail: ['Killed'] }, 1));
    const updates = collect(session);
    session.start('run-k', DEFAULT_FORM, '/tmp/k');
    await session.idle();
    const end = updates.at(-1) as Extract<SessionUpdate, { kind: 'ended' }>;
    assert.equal(end.outcome, 'crashed');
    assert.equal(end.resumable, true);
    assert.match(end.failure!.message, /killed by SIGKILL\. Last log line: Killed/);
    assert.ok(session.snapshot!.log.includes('Killed'));
  });

  it('a trainer the client stopped on request without a word (killed after the grace period) ends as cancelled, resumable', async () => {
    const firstCheckpoint = recorded.findIndex((e) => e.event === 'checkpoint');
    const checkpoint = (recorded[firstCheckpoint] as Extract<TrainerEvent, { event: 'checkpoint' }>).path;
    const session = new TrainingSession(() => new ReplayRun(recorded.slice(0, firstCheckpoint + 5), { outcome: 'cancelled', checkpoint, stderrTail: [] }, 1));
    const updates = collect(session);
    session.start('run-c', DEFAULT_FORM, '/tmp/c');
    await session.idle();
    const end = updates.at(-1) as Extract<SessionUpdate, { kind: 'ended' }>;
    assert.equal(end.outcome, 'cancelled');
    assert.equal(end.resumable, true);
  });

  it('keeps only the last log lines in the snapshot', async () => {
    const session = new TrainingSession(() => new ReplayRun(recorded, ok, 0), { logLines: 3 });
    session.start('run-l', DEFAULT_FORM, '/tmp/l');
    await session.idle();
    assert.deepEqual(session.snapshot!.log, stderr.slice(0, Math.min(stderr.length, recorded.length)).slice(-3));
  });
});
