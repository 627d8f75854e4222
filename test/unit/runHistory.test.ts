// Run history: records built from the recorded real run, stored atomically, listed, compared, deleted.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainerEvent } from '../../protocol/trainerProtocol';
import { compareRuns, recordFromSnapshot, reportMarkdown, RunHistory, toHistoryEntry } from '../../src/training/runHistory';
import { DEFAULT_FORM, type RunSnapshot } from '../../protocol/panelMessages';

const fixture = path.resolve(__dirname, '..', 'fixtures', 'training', 'tiny-run.events.jsonl');
const recorded: TrainerEvent[] = readFileSync(fixture, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const pick = <N extends TrainerEvent['event']>(n: N) => recorded.filter((e): e is Extract<TrainerEvent, { event: N }> => e.event === n);

const snapshot = (id: string, events = recorded, outcome: RunSnapshot['outcome'] = 'done'): RunSnapshot => ({ id, form: { ...DEFAULT_FORM, model: 'tiny' }, outcome, events, log: [], resumable: false });

describe('run history', () => {
  let storage: string;
  beforeEach(() => (storage = mkdtempSync(path.join(os.tmpdir(), 'cola-history-'))));
  afterEach(() => rmSync(storage, { recursive: true, force: true }));

  it('summarizes a real run: device, duration, per-epoch metrics, holdout, loss curve', () => {
    const r = recordFromSnapshot(snapshot('run-1'), '/m/run-1', new Date('2026-11-26T15:00:00Z'), new Date('2026-11-26T15:03:00Z'));
    const started = pick('started')[0];
    const holdout = pick('holdout')[0];
    const steps = pick('step');
    assert.equal(r.device, started.device);
    assert.equal(r.deviceName, started.device_name);
    assert.equal(r.precision, started.precision);
    assert.equal(r.seconds, pick('done')[0].elapsed_s);
    assert.deepEqual(r.metrics.holdout, { n: holdout.n, mcc: holdout.mcc, accuracy: holdout.accuracy, confusion: holdout.confusion, bestEpoch: holdout.best_epoch });
    assert.deepEqual(r.metrics.epochs.map((e) => e.valMcc), pick('evaluation').map((e) => e.val_mcc));
    assert.equal(r.loss.length, steps.length);
    assert.deepEqual(r.loss[0], [steps[0].step, steps[0].loss]);
    assert.equal(r.exported, true);
    const entry = toHistoryEntry(r);
    assert.equal(entry.holdoutMcc, holdout.mcc);
    assert.equal(entry.bestValMcc, Math.max(...pick('evaluation').map((e) => e.val_mcc)));
  });

  it('a finished CPU run gives its measured samples/s (validation included) for the next estimate; a resumed one does not', () => {
    const started = pick('started')[0];
    const entry = toHistoryEntry(recordFromSnapshot(snapshot('run-1'), '/m/run-1', new Date(), new Date()));
    assert.equal(entry.cpuSamplesPerSecond, (started.train_size * started.epochs) / pick('done')[0].elapsed_s);
    const resumed = recorded.map((e): TrainerEvent => (e.event === 'started' ? { ...e, start_step: 100 } : e));
    assert.equal(toHistoryEntry(recordFromSnapshot(snapshot('run-r', resumed), '/m/run-r', new Date(), new Date())).cpuSamplesPerSecond, undefined);
    const onGpu = recorded.map((e): TrainerEvent => (e.event === 'started' ? { ...e, device: 'cuda' } : e));
    assert.equal(toHistoryEntry(recordFromSnapshot(snapshot('run-g', onGpu), '/m/run-g', new Date(), new Date())).cpuSamplesPerSecond, undefined);
  });

  it('a cancelled run is recorded with its checkpoint and no model', () => {
    const upTo = recorded.findIndex((e) => e.event === 'checkpoint');
    const checkpoint = pick('checkpoint')[0];
    const events: TrainerEvent[] = [...recorded.slice(0, upTo + 1), { event: 'cancelled', v: 1, step: checkpoint.step, checkpoint: checkpoint.path }];
    const r = recordFromSnapshot(snapshot('run-c', events, 'cancelled'), '/m/run-c', new Date(), new Date());
    assert.equal(r.outcome, 'cancelled');
    assert.equal(r.exported, false);
    assert.equal(r.checkpoint, checkpoint.path);
    assert.equal(r.metrics.holdout, undefined);
    assert.throws(() => recordFromSnapshot(snapshot('x', events, 'running'), '/m/x', new Date(), new Date()), /running/);
  });

  it('saves atomically, lists newest first, skips unreadable files, and refuses unsafe ids', async () => {
    const h = new RunHistory(storage);
    assert.deepEqual(await h.list(), []);
    const older = recordFromSnapshot(snapshot('run-old'), h.modelDir('run-old'), new Date('2026-11-25T10:00:00Z'), new Date('2026-11-25T10:05:00Z'));
    const newer = recordFromSnapshot(snapshot('run-new'), h.modelDir('run-new'), new Date('2026-11-26T10:00:00Z'), new Date('2026-11-26T10:05:00Z'));
    await h.save(older);
    await h.save(newer);
    writeFileSync(path.join(h.runsDir, 'broken.json'), '{ not json');
    const skipped: string[] = [];
    assert.deepEqual((await h.list((f) => skipped.push(f))).map((r) => r.id), ['run-new', 'run-old']);
    assert.deepEqual(skipped, ['broken.json']);
    assert.deepEqual(readdirSync(h.runsDir).sort(), ['broken.json', 'run-new.json', 'run-old.json'], 'no temp files left behind');
    assert.deepEqual(await h.get('run-old'), JSON.parse(JSON.stringify(older)), 'what was saved comes back');
    assert.equal(await h.get('run-missing'), undefined);
    await assert.rejects(h.get('../../etc/passwd'), /invalid run id/);
    assert.throws(() => h.modelDir('a/b'), /invalid run id/);
    assert.match(RunHistory.newId(new Date('2026-11-26T15:04:05.123Z')), /^run-20261126T150405-[a-z0-9]{1,4}$/);
  });

  it('delete removes the record, the model and the checkpoint, but never a folder outside its models folder', async () => {
    const h = new RunHistory(storage);
    const model = h.modelDir('run-1');
    mkdirSync(model, { recursive: true });
    writeFileSync(path.join(model, 'model.onnx'), 'x');
    mkdirSync(`${model}.checkpoint`);
    await h.save(recordFromSnapshot(snapshot('run-1'), model, new Date(), new Date()));
    const outside = mkdtempSync(path.join(os.tmpdir(), 'cola-user-model-'));
    await h.save(recordFromSnapshot(snapshot('run-2'), outside, new Date(), new Date()));
    try {
      const { removed } = await h.delete('run-1');
      assert.deepEqual(removed.sort(), [model, `${model}.checkpoint`].sort());
      assert.equal(existsSync(model), false);
      assert.equal(await h.get('run-1'), undefined);
      const second = await h.delete('run-2');
      assert.deepEqual(second.removed, []);
      assert.equal(existsSync(outside), true, "a record pointing outside global storage must not delete the user's folder");
      assert.deepEqual(await h.list(), []);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('compares two runs: both loss curves and one metric table', () => {
    const a = recordFromSnapshot(snapshot('run-a'), '/m/a', new Date('2026-11-26T10:00:00Z'), new Date());
    const b = recordFromSnapshot({ ...snapshot('run-b'), form: { ...DEFAULT_FORM, model: 'tiny', learningRate: 3e-5 } }, '/m/b', new Date('2026-11-26T11:00:00Z'), new Date());
    const [ca, cb] = compareRuns(a, b);
    assert.equal(ca.id, 'run-a');
    assert.equal(cb.metrics['Learning rate'], 3e-5);
    assert.equal(ca.metrics['Holdout MCC'], pick('holdout')[0].mcc);
    assert.equal(ca.loss.length, pick('step').length);
    assert.deepEqual(Object.keys(ca.metrics), Object.keys(cb.metrics));
  });

  it('writes a Markdown report with the headline, the confusion matrix and the epoch table', () => {
    const r = recordFromSnapshot(snapshot('run-1'), '/m/run-1', new Date(), new Date());
    const md = reportMarkdown(r, ['loss.png', 'validation.png']);
    const h = pick('holdout')[0];
    assert.ok(md.includes(`**MCC ${h.mcc.toFixed(4)}**`));
    assert.ok(md.includes(`| acceptable | ${h.confusion.tp} | ${h.confusion.fn} |`));
    assert.ok(md.includes(`| unacceptable | ${h.confusion.fp} | ${h.confusion.tn} |`));
    assert.equal(md.split('\n').filter((l) => /^\| \d/.test(l)).length, pick('evaluation').length);
    assert.ok(md.includes('![loss](loss.png)'));
  });
});
