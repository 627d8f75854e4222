import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { run as trainCli } from '../../src/cli/train';
import { EXIT_OK } from '../../src/cli/args';
import { degenerateModel } from '../../protocol/degenerateModel';
import { repoRoot, requirePython } from './helpers/python';

async function cliSummary(scenario: string): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.resume();
  const env = { ...process.env, FAKE_TRAINER_SCENARIO: scenario, COLA_BERT_TRAINER_DIR: path.join(repoRoot, 'test', 'fixtures', 'fake_trainer') };
  const code = await trainCli(['--model', 'tiny', '--epochs', '1', '--python', requirePython()], { stdout, stderr, stdin: new PassThrough(), env, cwd: os.tmpdir() });
  assert.equal(code, EXIT_OK, out);
  return out;
}

describe('degenerateModel', () => {
  it('flags the issue-16 run: every holdout sentence predicted acceptable (354/0/162/0, MCC 0)', () => {
    const v = degenerateModel({ mcc: 0, confusion: { tp: 354, fn: 0, fp: 162, tn: 0 } });
    assert.ok(v);
    assert.match(v.reason, /every holdout sentence acceptable \(MCC 0\.000\), so it flags nothing/);
    assert.match(v.advice, /More epochs/);
    assert.match(v.advice, /learning rate/);
    assert.doesNotMatch(v.advice, /--/, 'no CLI flag names');
  });

  it('flags a model that predicts everything unacceptable', () => {
    const v = degenerateModel({ mcc: 0, confusion: { tp: 0, fn: 354, fp: 0, tn: 162 } });
    assert.match(v!.reason, /every holdout sentence unacceptable.*flags everything/);
  });

  it('flags a model at chance level even when it predicts both classes (the recorded tiny random-init run)', () => {
    const fixture = path.join(__dirname, '..', 'fixtures', 'training', 'tiny-run.events.jsonl');
    const holdout = readFileSync(fixture, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event === 'holdout');
    const v = degenerateModel(holdout);
    assert.match(v!.reason, /holdout MCC is -0\.041, no better than guessing/);
  });

  it('passes a model that learned (MCC 0.277, both classes predicted)', () => {
    assert.equal(degenerateModel({ mcc: 0.277, confusion: { tp: 300, fn: 54, fp: 90, tn: 72 } }), null);
    assert.equal(degenerateModel({ mcc: 0.05, confusion: { tp: 300, fn: 54, fp: 120, tn: 42 } }), null);
  });

  it('treats a NaN MCC as degenerate rather than passing it', () => {
    assert.ok(degenerateModel({ mcc: Number.NaN, confusion: { tp: 1, fn: 1, fp: 1, tn: 1 } }));
  });
});

describe('cola-bert train summary', function () {
  this.timeout(60_000);

  it('warns after the holdout line when the model predicts one class, with what helps', async () => {
    const out = await cliSummary('single-class');
    assert.match(out, /^Holdout .*\n^Warning: this model learned nothing useful: it predicts every holdout sentence acceptable \(MCC 0\.000\), so it flags nothing\. More epochs usually help/m);
  });

  it('says nothing of the kind for a model that learned', async () => {
    assert.doesNotMatch(await cliSummary('ok'), /learned nothing/);
  });
});
