// The holdout MCC the trainer stores per ONNX file (cola-bert.json "holdout_by_file") is what `cola-bert eval`
// computes on that file, for a bf16-trained model: a real trainer run (tiny random BERT, bf16 autocast on the
// CPU, CoLA + prose so the calibrated threshold is not 0.5), then eval one sentence per run on each file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { run as runEval } from '../../src/cli/eval';
import type { ModelMetadata } from '../../src/core/modelFolder';
import { applyEvents, emptyRunState } from '../../protocol/runState';
import { colaDir, repoRoot, requirePython, trainerDir } from './helpers/python';

async function evalJson(argv: string[]): Promise<{ n: number; mcc: number; confusion: unknown; threshold: number; onnx: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  const errors: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  err.on('data', (c: Buffer) => errors.push(c));
  const code = await runEval([...argv, '--json'], { stdout: out, stderr: err, stdin: new PassThrough(), env: process.env, cwd: repoRoot });
  assert.equal(code, 0, Buffer.concat(errors).toString('utf8'));
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

describe('holdout_by_file: the MCC stored for each ONNX file of a bf16 run is what eval computes on it', function () {
  this.timeout(300_000);
  let tmp: string;
  let out: string;
  let meta: ModelMetadata;

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-holdout-by-file-'));
    const python = requirePython();
    const env = { ...process.env, PYTHONPATH: trainerDir, HF_HUB_OFFLINE: '1' };
    const tiny = path.join(tmp, 'tiny');
    const made = spawnSync(python, [path.join(trainerDir, 'tests', 'tiny_model.py'), tiny], { encoding: 'utf8', env });
    if (made.status !== 0) throw new Error(`tiny_model.py failed: ${made.stderr}`);
    out = path.join(tmp, 'model');
    // A low learning rate keeps the random model's scores spread, so neither file predicts one class for all. Since
    // the threshold flags at most 2% of the clean calibration prose, few CoLA sentences fall below it: seed 1 is
    // one where both files still predict both classes (seeds 42, 2, 3, 4, 5 and 7 left one file with one class).
    const args = ['-m', 'cola_trainer', 'train', '--model', tiny, '--data-dir', colaDir, '--output-dir', out, '--max-train', '320', '--batch-size', '32', '--learning-rate', '1e-5', '--epochs', '1', '--seed', '1'];
    args.push('--device', 'cpu', '--precision', 'bf16', '--max-length', '64', '--data-mix', 'cola+prose', '--prose-ratio', '0.5', '--no-checkpoint');
    const r = spawnSync(python, args, { encoding: 'utf8', env, cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`the trainer failed (${r.status}): ${r.stderr.slice(-3000)}`);
    meta = JSON.parse(readFileSync(path.join(out, 'cola-bert.json'), 'utf8')) as ModelMetadata;
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('was a bf16 run with a calibration and a score for both files', () => {
    assert.equal(meta.precision, 'bf16');
    assert.ok(meta.calibration, 'cola-bert.json has a calibration block');
    assert.deepEqual(Object.keys(meta.holdout_by_file ?? {}).sort(), ['model.int8.onnx', 'model.onnx']);
    for (const [file, h] of Object.entries(meta.holdout_by_file!)) {
      assert.equal(h.n, 516, file);
      assert.equal(h.threshold, meta.calibration.threshold, file);
      assert.equal(h.temperature, meta.calibration.temperature, file);
      const c = h.confusion;
      assert.ok(c.tp + c.fp > 0 && c.tn + c.fn > 0, `${file} predicts both classes, so the comparison below can fail: ${JSON.stringify(c)}`);
    }
  });

  for (const file of ['model.onnx', 'model.int8.onnx']) {
    it(`${file}: eval --batch-size 1 gives the stored confusion and MCC`, async () => {
      const got = await evalJson(['--model', out, '--data', path.join(colaDir, 'out_of_domain_dev.tsv'), '--batch-size', '1', ...(file === 'model.onnx' ? ['--fp32'] : [])]);
      const stored = meta.holdout_by_file![file];
      assert.equal(got.onnx, file);
      assert.equal(got.threshold, stored.threshold);
      assert.deepEqual(got.confusion, stored.confusion);
      assert.ok(Math.abs(got.mcc - stored.mcc) < 1e-12, `${got.mcc} vs stored ${stored.mcc}`);
    });
  }

  it("the trainer's holdout (fp32 master weights, not bf16 autocast) is model.onnx's at argmax", () => {
    assert.deepEqual(meta.metrics?.holdout?.confusion, meta.holdout_by_file!['model.onnx'].argmax.confusion);
  });
});

describe('the panel keeps the per-file holdout of the exported event', () => {
  it('applyEvents stores holdout_by_file with the export', () => {
    const confusion = { tp: 1, tn: 2, fp: 3, fn: 4 };
    const scored = { n: 10, mcc: 0.25, accuracy: 0.3, confusion, threshold: 0.41, temperature: 1.3, bias: 0, batch_size: 1 as const, argmax: { mcc: 0.27, confusion } };
    const state = applyEvents(emptyRunState(), [{ event: 'exported', v: 1, path: '/m', onnx: 'model.onnx', onnx_int8: 'model.int8.onnx', holdout_by_file: { 'model.int8.onnx': scored } }]);
    assert.deepEqual(state.exported?.holdoutByFile, { 'model.int8.onnx': scored });
  });
});
