// End to end through the built CLI (dist/cli.js): train a tiny BERT with the real trainer, then check that
// `eval` reproduces the trainer's holdout metrics, that per-sentence probabilities of the TypeScript
// inference path equal PyTorch's on the exported checkpoint, and that `tokenize` equals Python.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readColaTsv } from '../../src/core/cola';
import { InferenceService } from '../../src/core/inference';
import { parseTrainerLine, type HoldoutEvent, type TrainerEvent } from '../../protocol/trainerProtocol';
import { colaDir, pythonJson, repoRoot, requirePython, trainerDir } from '../unit/helpers/python';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const holdoutFile = path.join(colaDir, 'out_of_domain_dev.tsv');

function cola(args: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8', input, env: { ...process.env, COLA_DIR: colaDir, HF_HUB_OFFLINE: '1' }, maxBuffer: 256 * 1024 * 1024 });
}

describe('cola-bert CLI end to end (real trainer, tiny model)', function () {
  this.timeout(600_000);
  let tmp: string;
  let modelDir: string;
  let events: TrainerEvent[];
  let holdout: HoldoutEvent;
  let reference: { p_acceptable: number[]; input_ids: number[][] };
  const holdoutSentences = readColaTsv(holdoutFile).map((e) => e.sentence);
  const tokenizeSentences = [...holdoutSentences, 'Café “quotes” 日本語 🙂 e\u0301', '', Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ')];

  before(() => {
    const build = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(build.status, 0, `build failed: ${build.stderr}`);
    assert.ok(existsSync(cli) && existsSync(path.join(repoRoot, 'dist', 'inferenceWorker.js')));
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-cli-e2e-'));
    const tiny = path.join(tmp, 'tiny');
    const r = spawnSync(requirePython(), [path.join(trainerDir, 'tests', 'tiny_model.py'), tiny], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: trainerDir, HF_HUB_OFFLINE: '1' } });
    assert.equal(r.status, 0, `tiny_model.py failed: ${r.stderr}`);
    modelDir = path.join(tmp, 'model');
    const t0 = Date.now();
    const train = cola(['train', '--model', tiny, '--max-train', '300', '--epochs', '1', '--json', '--out', modelDir]);
    assert.equal(train.status, 0, `train failed (${train.status}):\n${train.stderr.slice(-3000)}`);
    console.log(`      (train took ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    // --json prints protocol events only: every stdout line must validate against the schema.
    events = train.stdout.trim().split('\n').map((line) => parseTrainerLine(line));
    holdout = events.find((e): e is HoldoutEvent => e.event === 'holdout')!;
    // One Python process for both references (importing torch dominates its cost). The tokenize list
    // starts with the holdout sentences, so its first 516 probabilities are the holdout's.
    reference = pythonJson([path.join(repoRoot, 'test', 'fixtures', 'torch_reference.py')], { model: modelDir, sentences: tokenizeSentences, max_length: 128 });
  });
  after(() => tmp && rmSync(tmp, { recursive: true, force: true }));

  it('train --json: schema-valid events from environment to done; the model folder is complete', () => {
    assert.equal(events[0].event, 'environment');
    assert.equal(events[1].event, 'started');
    assert.equal(events[events.length - 1].event, 'done');
    for (const name of ['step', 'evaluation', 'holdout', 'exported']) assert.ok(events.some((e) => e.event === name), `no ${name} event`);
    assert.equal(holdout.n, 516);
    for (const f of ['cola-bert.json', 'tokenizer.json', 'model.onnx', 'model.int8.onnx', 'config.json', 'model.safetensors']) assert.ok(existsSync(path.join(modelDir, f)), f);
    const meta = JSON.parse(readFileSync(path.join(modelDir, 'cola-bert.json'), 'utf8'));
    assert.equal(meta.metrics.holdout.mcc, holdout.mcc);
  });

  it('eval --fp32 reproduces the trainer holdout MCC within 0.005 and the identical confusion', () => {
    // --threshold 0.5: the trainer's holdout is its argmax; the model's calibrated threshold may differ.
    const r = cola(['eval', '--model', modelDir, '--data', holdoutFile, '--json', '--fp32', '--threshold', '0.5']);
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout);
    console.log(`      (trainer MCC ${holdout.mcc}, eval MCC ${m.mcc}; confusion ${JSON.stringify(m.confusion)})`);
    assert.equal(m.n, 516);
    assert.ok(Math.abs(m.mcc - holdout.mcc) <= 0.005, `eval ${m.mcc} vs trainer ${holdout.mcc}`);
    assert.deepEqual(m.confusion, holdout.confusion);
    assert.ok(Math.abs(m.accuracy - holdout.accuracy) < 1e-5);
    assert.equal(m.onnx, 'model.onnx');
  });

  it('eval --fp32 equals PyTorch on a model whose predictions are mixed (not all one class)', () => {
    // The tiny model above predicts one class for every sentence after 10 steps, which makes its MCC
    // comparison weak. This random BERT (test/fixtures/make_onnx_model.py) spreads its probabilities, so
    // the confusion matrix has all four cells; PyTorch's probabilities come from the same script.
    const dir = path.join(tmp, 'spread');
    const list = path.join(tmp, 'holdout.json');
    writeFileSync(list, JSON.stringify(holdoutSentences));
    const made = spawnSync(requirePython(), [path.join(repoRoot, 'test', 'fixtures', 'make_onnx_model.py'), dir, list], { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
    assert.equal(made.status, 0, made.stderr);
    const torchProbs = (JSON.parse(made.stdout.trim().split('\n').pop()!) as { fp32: number[][] }).fp32;
    const labels = readColaTsv(holdoutFile).map((e) => e.label);
    const expected = { tp: 0, tn: 0, fp: 0, fn: 0 };
    torchProbs.forEach(([, p], i) => {
      const predicted = p > 0.5 ? 1 : 0;
      if (labels[i] === 1) predicted ? expected.tp++ : expected.fn++;
      else predicted ? expected.fp++ : expected.tn++;
    });
    assert.ok(Object.values(expected).every((v) => v > 0), `fixture predictions should be mixed: ${JSON.stringify(expected)}`);
    const r = cola(['eval', '--model', dir, '--data', holdoutFile, '--json', '--fp32']);
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout);
    console.log(`      (mixed model: eval confusion ${JSON.stringify(m.confusion)}, MCC ${m.mcc.toFixed(4)})`);
    assert.deepEqual(m.confusion, expected);
  });

  it('eval (default int8) runs the quantized model; the human output names it', () => {
    const j = cola(['eval', '--model', modelDir, '--data', holdoutFile, '--json']);
    assert.equal(j.status, 0, j.stderr);
    const m = JSON.parse(j.stdout);
    assert.equal(m.onnx, 'model.int8.onnx');
    assert.equal(m.n, 516);
    const h = cola(['eval', '--model', modelDir, '--data', holdoutFile]);
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, /model\.int8\.onnx, int8[\s\S]*MCC +-?\d\.\d{4}[\s\S]*confusion +tp \d+ +tn \d+ +fp \d+ +fn \d+/);
  });

  it('per sentence, the TypeScript path (fp32 ONNX in the worker) equals PyTorch on the checkpoint within 1e-4', async () => {
    const sentences = holdoutSentences;
    const ref = reference;
    const service = await InferenceService.open(modelDir, { preferInt8: false, workerScript: path.join(repoRoot, 'dist', 'inferenceWorker.js') });
    try {
      const got = await service.predict(sentences);
      const diffs = got.map((p, i) => Math.abs(p.pAcceptable - ref.p_acceptable[i]));
      const max = Math.max(...diffs);
      console.log(`      (max |P_ts − P_torch| = ${max.toExponential(2)} over ${sentences.length} sentences)`);
      assert.ok(max < 1e-4, `max difference ${max}`);
      // And the trainer's holdout confusion is what PyTorch's argmax gives on this checkpoint.
      const labels = readColaTsv(holdoutFile).map((e) => e.label);
      const c = { tp: 0, tn: 0, fp: 0, fn: 0 };
      ref.p_acceptable.slice(0, labels.length).forEach((p, i) => {
        const predicted = p > 0.5 ? 1 : 0;
        if (labels[i] === 1) predicted ? c.tp++ : c.fn++;
        else predicted ? c.fp++ : c.tn++;
      });
      assert.deepEqual(c, holdout.confusion);
    } finally {
      await service.dispose();
    }
  });

  it('tokenize equals the Hugging Face tokenizer on the holdout and unicode edge cases', () => {
    const sentences = tokenizeSentences;
    const r = cola(['tokenize', '--model', modelDir], sentences.join('\n') + '\n');
    assert.equal(r.status, 0, r.stderr);
    const ids = JSON.parse(r.stdout) as number[][];
    assert.equal(ids.length, sentences.length);
    assert.deepEqual(ids, reference.input_ids);
  });

  it('errors: a missing model folder exits 2 with a clear message; bad usage exits 2', () => {
    const r = cola(['eval', '--model', path.join(tmp, 'nope'), '--data', holdoutFile]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /does not exist/);
    assert.equal(cola(['train', '--epochs', 'zero']).status, 2);
  });
});
