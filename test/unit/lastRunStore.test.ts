// Issue 16 item 9: the panel's last result survives a window reload. The host keeps the ended run in the
// workspace's storage (lastRunStore) and gives it back to the new window's empty TrainingSession.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainerEvent } from '../../protocol/trainerProtocol';
import { loadLastRun, saveLastRun } from '../../src/training/lastRunStore';
import { TrainingSession, type RunHandle, type StartRequest } from '../../src/training/trainingSession';
import { DEFAULT_FORM, type RunSnapshot } from '../../protocol/panelMessages';

const fixture = path.resolve(__dirname, '..', 'fixtures', 'training', 'tiny-run.events.jsonl');
const recorded: TrainerEvent[] = readFileSync(fixture, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const done: RunSnapshot = { id: 'run-1', form: { ...DEFAULT_FORM, maxTrain: 500 }, outcome: 'done', events: recorded, log: ['[cola-trainer] done'], resumable: false };

describe('the last run, kept per workspace', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'cola-last-run-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a finished run through a temp file and a rename, leaving no temp file', async () => {
    const file = path.join(dir, 'workspace-storage', 'last-training-run.json');
    await saveLastRun(file, { snapshot: done, outputDir: '/models/run-1' });
    assert.ok(!existsSync(`${file}.tmp`));
    assert.deepEqual(await loadLastRun(file), { snapshot: done, outputDir: '/models/run-1' });
  });

  it('has none before the first run; refuses a file that is not a valid run, with the reason', async () => {
    const file = path.join(dir, 'last-training-run.json');
    assert.equal(await loadLastRun(file), undefined);
    writeFileSync(file, JSON.stringify({ snapshot: { ...done, outcome: 'exploded' }, outputDir: '/m' }));
    await assert.rejects(loadLastRun(file), /run\.outcome must be one of/);
    writeFileSync(file, JSON.stringify({ snapshot: done }));
    await assert.rejects(loadLastRun(file), /no model folder/);
    await assert.rejects(saveLastRun(file, { snapshot: { ...done, outcome: 'running' }, outputDir: '/m' }), /running/);
  });

  it("a new window's session takes the kept run back: its result, its folder, and Resume when it was cancelled", async () => {
    const fresh = new TrainingSession(() => {
      throw new Error('not started in this test');
    });
    assert.equal(fresh.restore(done, '/models/run-1'), true);
    assert.deepEqual(fresh.snapshot, done);
    assert.equal(fresh.outputDir, '/models/run-1');
    // Once the session has a run (restored or its own) a stale file does not replace it.
    assert.equal(fresh.restore({ ...done, id: 'run-0' }, '/models/run-0'), false);
    assert.equal(fresh.snapshot.id, 'run-1');

    const requests: StartRequest[] = [];
    const resumable = new TrainingSession((r) => {
      requests.push(r);
      const handle: RunHandle = { onEvent: () => undefined, onLog: () => undefined, cancel: () => undefined, exit: Promise.resolve({ outcome: 'done', checkpoint: null, stderrTail: [] }) };
      return handle;
    });
    resumable.restore({ ...done, outcome: 'cancelled', resumable: true }, '/models/run-1');
    resumable.resume();
    assert.deepEqual(requests, [{ id: 'run-1', form: done.form, outputDir: '/models/run-1', resume: true }]);
    await resumable.idle();
  });
});
