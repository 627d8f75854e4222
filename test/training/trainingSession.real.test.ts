// The panel's TrainingSession driving the REAL trainer (python -m cola_trainer train through
// src/core/trainerClient) on the tiny random-init BERT: cancel after the first checkpoint keeps it,
// Resume continues from it to an exported model. Needs the repo's .venv (npm run setup) and CoLA
// ($COLA_DIR, set by scripts/test.mjs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainerEvent } from '../../protocol/trainerProtocol';
import { trainerStarter, TrainingSession, type SessionUpdate } from '../../src/training/trainingSession';
import { DEFAULT_FORM } from '../../protocol/panelMessages';

const root = path.resolve(__dirname, '..', '..');
const python = path.join(root, '.venv', 'bin', 'python');
const cola = process.env.COLA_DIR || path.resolve(root, '..', 'shared', 'datasets', 'cola', 'raw');

describe('TrainingSession with the real trainer (tiny model)', function () {
  this.timeout(600_000);
  let tmp: string;
  let tiny: string;

  before(function () {
    assert.ok(existsSync(python), `${python} is missing: run npm run setup`);
    assert.ok(existsSync(path.join(cola, 'in_domain_train.tsv')), `CoLA not found in ${cola}: set COLA_DIR`);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-session-'));
    tiny = path.join(tmp, 'tiny');
    const r = spawnSync(python, [path.join(root, 'trainer', 'tests', 'tiny_model.py'), tiny], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.join(root, 'trainer') } });
    assert.equal(r.status, 0, r.stderr);
  });

  after(() => tmp && rmSync(tmp, { recursive: true, force: true }));

  it('cancel keeps the checkpoint; resume continues from it and exports the model', async () => {
    const log: string[] = [];
    const session = new TrainingSession(
      trainerStarter(() => ({ python }), path.join(root, 'trainer'), (l) => log.push(l), { maxTrain: 1600, maxEval: 48, noInt8: true, device: 'cpu' }),
      { flushMs: 100 },
    );
    const updates: SessionUpdate[] = [];
    session.onDidUpdate((u) => updates.push(u));
    const form = { ...DEFAULT_FORM, model: tiny, dataset: cola, epochs: 2, batchSize: 16, learningRate: 1e-3 };
    const out = path.join(tmp, 'models', 'run-real');
    session.start('run-real', form, out);

    // Cancel as soon as the first epoch's checkpoint is announced. 1,600 rows (1,440 train, 90 steps an
    // epoch) keep the second epoch long enough on idle cores for the cancel to land inside it.
    while (!session.snapshot!.events.some((e) => e.event === 'checkpoint')) {
      assert.equal(session.running, true, `the run ended before its first checkpoint: ${JSON.stringify(updates.at(-1))}\n${log.slice(-20).join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    session.cancel();
    await session.idle();
    const cancelled = updates.at(-1) as Extract<SessionUpdate, { kind: 'ended' }>;
    assert.equal(cancelled.outcome, 'cancelled', JSON.stringify(cancelled));
    assert.equal(cancelled.resumable, true);
    const cancelEvent = session.snapshot!.events.find((e) => e.event === 'cancelled') as Extract<TrainerEvent, { event: 'cancelled' }>;
    assert.equal(cancelEvent.checkpoint, `${out}.checkpoint`);
    assert.ok(existsSync(`${out}.checkpoint`), 'the checkpoint folder is kept');
    // The trainer may write one more checkpoint when it stops (mid-epoch): resume starts from the last one.
    const checkpoints = session.snapshot!.events.filter((e): e is Extract<TrainerEvent, { event: 'checkpoint' }> => e.event === 'checkpoint');
    const checkpointStep = checkpoints.at(-1)!.step;
    assert.ok(checkpointStep >= 90, `a checkpoint at or after the first epoch (90 steps), got ${checkpointStep}`);

    session.resume();
    await session.idle();
    const done = updates.at(-1) as Extract<SessionUpdate, { kind: 'ended' }>;
    assert.equal(done.outcome, 'done', `${JSON.stringify(done)}\n${log.slice(-20).join('\n')}`);
    const events = session.snapshot!.events;
    const starts = events.filter((e): e is Extract<TrainerEvent, { event: 'started' }> => e.event === 'started');
    assert.deepEqual(starts.map((s) => s.start_step), [0, checkpointStep], 'the second start continues from the checkpoint');
    const exported = events.find((e) => e.event === 'exported') as Extract<TrainerEvent, { event: 'exported' }>;
    assert.equal(exported.path, out);
    assert.ok(existsSync(path.join(out, 'model.onnx')));
    assert.ok(existsSync(path.join(out, 'cola-bert.json')));
    // Batching: far fewer messages than events and log lines.
    const batches = updates.filter((u) => u.kind === 'events').length;
    assert.ok(batches < events.length + log.length, `${batches} batches for ${events.length} events and ${log.length} log lines`);
  });
});
