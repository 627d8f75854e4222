// The trainer's `warning` event (single-class data) reaches the user: `cola-bert train` prints it, and the
// panel's run state keeps it (once, though a resumed run repeats it) for the progress card.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { run as trainCli } from '../../src/cli/train';
import { EXIT_OK } from '../../src/cli/args';
import type { TrainerEvent } from '../../protocol/trainerProtocol';
import { applyEvents, emptyRunState } from '../../protocol/runState';
import { repoRoot, requirePython } from './helpers/python';

const fakeTrainerDir = path.join(repoRoot, 'test', 'fixtures', 'fake_trainer');

describe('trainer warnings', function () {
  this.timeout(60_000);

  it('cola-bert train prints the warning in its human output', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.resume();
    const io = {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: { ...process.env, FAKE_TRAINER_SCENARIO: 'single-class', COLA_BERT_TRAINER_DIR: fakeTrainerDir },
      cwd: os.tmpdir(),
    };
    const code = await trainCli(['--model', 'tiny', '--epochs', '1', '--python', requirePython()], io);
    assert.equal(code, EXIT_OK, out);
    assert.match(out, /^Warning: every training row \(10\) is labelled acceptable: .*its MCC will be 0/m);
  });

  it('the run state keeps each warning once', () => {
    const warning: TrainerEvent = { event: 'warning', v: 1, code: 'single_class', message: 'every holdout row (3) is labelled acceptable' };
    const state = applyEvents(emptyRunState(), [warning, warning]);
    assert.deepEqual(state.warnings, ['every holdout row (3) is labelled acceptable']);
  });
});
