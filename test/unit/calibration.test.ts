// Calibration from cola-bert.json through the TypeScript inference path: P(acceptable) =
// sigmoid((l1 − l0) / temperature + bias), computed here from PyTorch's raw logits (and, for a bias, by the
// trainer's own calibration.p_acceptable); the flagging threshold is the
// user's when set, else the model's, else 0.5; and the holdout MCC shown is the one of the file that runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCheck, type CheckReport } from '../../src/cli/check';
import { run as runEval } from '../../src/cli/eval';
import { readColaTsv } from '../../src/core/cola';
import { InferenceService } from '../../src/core/inference';
import { calibratedProbabilities } from '../../src/core/calibratedProbability';
import { binaryMetrics, labelOf } from '../../src/core/metrics';
import { calibrationOf, describeHoldout, describeScaling, holdoutFor, ModelFolderError, readModelFolder, UNCALIBRATED, type ModelMetadata } from '../../src/core/modelFolder';
import { chooseThreshold, userThreshold } from '../../src/core/threshold';
import { colaDir, pythonJson, repoRoot, requirePython } from './helpers/python';

const examples = readColaTsv(path.join(colaDir, 'out_of_domain_dev.tsv')).slice(0, 60);
const sentences = examples.map((e) => e.sentence);
const TEMPERATURE = 2.5;

/** P(acceptable) from two raw logits at a temperature, in float64. */
const calibrated = ([l0, l1]: number[], t: number) => 1 / (1 + Math.exp((l0 - l1) / t));

function setMetadata(dir: string, patch: Record<string, unknown>): void {
  const file = path.join(dir, 'cola-bert.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...patch }, null, 2));
}

async function evalJson(argv: string[]): Promise<{ mcc: number; threshold: number; confusion: unknown }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await runEval([...argv, '--json'], { stdout: out, stderr: new PassThrough(), stdin: new PassThrough(), env: process.env, cwd: repoRoot });
  assert.equal(code, 0);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function checkJson(argv: string[]): Promise<CheckReport> {
  const chunks: string[] = [];
  await runCheck([...argv, '--all', '--json'], { stdout: { write: (s: string) => chunks.push(s) }, stderr: { write: () => true } });
  return JSON.parse(chunks.join('')) as CheckReport;
}

describe('calibration: temperature and threshold from cola-bert.json', function () {
  this.timeout(180_000);
  let tmp: string;
  let plain: string;
  let calibratedDir: string;
  let logits: number[][];
  let modelThreshold: number;

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-calibration-'));
    plain = path.join(tmp, 'plain');
    const list = path.join(tmp, 'sentences.json');
    writeFileSync(list, JSON.stringify(sentences));
    const r = spawnSync(requirePython(), [path.join(repoRoot, 'test', 'fixtures', 'make_onnx_model.py'), plain, list], { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
    if (r.status !== 0) throw new Error(`make_onnx_model.py failed: ${r.stderr}`);
    logits = (JSON.parse(r.stdout.trim().split('\n').pop()!) as { logits: number[][] }).logits;
    // A threshold between the calibrated probabilities, away from 0.5, so the model's and 0.5 flag different sentences.
    const ps = logits.map((l) => calibrated(l, TEMPERATURE)).sort((a, b) => a - b);
    modelThreshold = Number(ps[Math.floor(ps.length / 4)].toFixed(4)) + 1e-4;
    calibratedDir = path.join(tmp, 'calibrated');
    cpSync(plain, calibratedDir, { recursive: true });
    setMetadata(calibratedDir, {
      calibration: { temperature: TEMPERATURE, threshold: modelThreshold, method: 'temperature', fitted_on: 'test sentences', max_false_alarm: 0.03, ece_before: 0.2, ece_after: 0.05 },
    });
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('P(acceptable) = softmax(logits / T)[1], from the raw logits', async () => {
    const s = await InferenceService.open(calibratedDir, { preferInt8: false, cacheSize: 0 });
    try {
      assert.deepEqual(s.model.calibration, { temperature: TEMPERATURE, bias: 0, threshold: modelThreshold, fitted: true, method: 'temperature', fittedOn: 'test sentences' });
      const got = await s.predict(sentences);
      let moved = 0;
      got.forEach((p, i) => {
        const want = calibrated(logits[i], TEMPERATURE);
        assert.ok(Math.abs(p.pAcceptable - want) < 1e-5, `#${i}: ${p.pAcceptable} vs softmax(logits/T) ${want}`);
        assert.ok(Math.abs(p.pUnacceptable - (1 - want)) < 1e-5, `#${i}`);
        if (Math.abs(want - calibrated(logits[i], 1)) > 1e-3) moved++;
      });
      assert.ok(moved > sentences.length / 2, `the temperature must change most probabilities (changed ${moved})`);
    } finally {
      await s.dispose();
    }
  });

  it("an affine calibration's bias gives the trainer's P in the service and in eval", async () => {
    const scaling = { temperature: 0.6, bias: -1.4 };
    // The trainer's own function on the raw logits: the one definition the TypeScript path must reproduce.
    const trainerP = pythonJson<number[]>(
      ['-c', 'import json, sys\nimport numpy as np\nfrom cola_trainer import calibration as cal\nd = json.load(sys.stdin)\nprint(json.dumps(cal.p_acceptable(np.array(d["logits"]), **cal.parameters(d["calibration"])).tolist()))'],
      { logits, calibration: scaling },
    );
    // Halfway between two neighbouring probabilities near the median, so float32 logits cannot flip a label.
    const sorted = [...trainerP].sort((x, y) => x - y);
    const gap = sorted.findIndex((p, i) => i >= sorted.length / 2 && sorted[i + 1] - p > 1e-3);
    const threshold = (sorted[gap] + sorted[gap + 1]) / 2;
    const affineDir = path.join(tmp, 'affine');
    cpSync(plain, affineDir, { recursive: true });
    setMetadata(affineDir, { calibration: { ...scaling, threshold, method: 'affine', fitted_on: 'test sentences', max_false_alarm: 0.03, ece_before: 0.2, ece_after: 0.05 } });
    const s = await InferenceService.open(affineDir, { preferInt8: false, cacheSize: 0 });
    try {
      assert.equal(describeScaling(s.model.calibration), 'affine scaling, temperature 0.60, bias −1.40');
      const got = await s.predict(sentences);
      let moved = 0;
      got.forEach((p, i) => {
        assert.ok(Math.abs(p.pAcceptable - trainerP[i]) < 1e-5, `#${i}: ${p.pAcceptable} vs the trainer's ${trainerP[i]}`);
        assert.ok(Math.abs(p.pUnacceptable - (1 - trainerP[i])) < 1e-5, `#${i}`);
        if (Math.abs(trainerP[i] - calibrated(logits[i], scaling.temperature)) > 1e-3) moved++;
      });
      assert.equal(moved, sentences.length, 'the bias must move every probability');
    } finally {
      await s.dispose();
    }
    const tsv = path.join(tmp, 'affine.tsv');
    writeFileSync(tsv, examples.map((e) => `${e.source}\t${e.label}\t\t${e.sentence}`).join('\n') + '\n');
    const byEval = await evalJson(['--model', affineDir, '--data', tsv, '--fp32']);
    assert.equal(byEval.threshold, threshold);
    const want = binaryMetrics(examples.map((e) => e.label), trainerP.map((p) => labelOf(p, threshold)));
    assert.deepEqual(byEval.confusion, want.confusion);
    const withoutBias = binaryMetrics(examples.map((e) => e.label), logits.map((l) => labelOf(calibrated(l, scaling.temperature), threshold)));
    assert.notDeepEqual(want.confusion, withoutBias.confusion, 'ignoring the bias must change the confusion for this test to mean anything');
  });

  it("an isotonic calibration gives the trainer's P from the same knots, in the service, eval and check", async () => {
    // The trainer fits the map on these logits itself (labels: CoLA's), so the knots are real PAV output.
    const fitted = pythonJson<{ calibration: Record<string, unknown>; p: number[] }>(
      ['-c', [
        'import json, sys', 'import numpy as np', 'from cola_trainer import calibration as cal', 'd = json.load(sys.stdin)',
        'z = np.array(d["logits"])', 'c = cal.fit("isotonic", z, np.array(d["labels"]))',
        'print(json.dumps({"calibration": c, "p": cal.p_acceptable(z, **cal.parameters(c)).tolist()}))',
      ].join('\n')],
      { logits, labels: examples.map((e) => e.label) },
    );
    const knots = fitted.calibration.knots as { s: number[]; p: number[]; affine_share: number };
    assert.ok(knots.s.length >= 3, `the fit should have several blocks, got ${knots.s.length}`);
    const trainerP = fitted.p;
    const sorted = [...trainerP].sort((x, y) => x - y);
    const gap = sorted.findIndex((p, i) => i >= sorted.length / 2 && sorted[i + 1] - p > 1e-3);
    const threshold = (sorted[gap] + sorted[gap + 1]) / 2;
    const dir = path.join(tmp, 'isotonic');
    cpSync(plain, dir, { recursive: true });
    setMetadata(dir, { calibration: { ...fitted.calibration, threshold, method: 'isotonic', fitted_on: 'test sentences', max_false_alarm: 0.03, ece_before: 0.2, ece_after: 0.05 } });
    const s = await InferenceService.open(dir, { preferInt8: false, cacheSize: 0 });
    try {
      assert.deepEqual(s.model.calibration.knots, { s: knots.s, p: knots.p, affineShare: knots.affine_share });
      assert.match(describeScaling(s.model.calibration), new RegExp(`^isotonic calibration \\(${knots.s.length} knots, 2% affine scaling: temperature `));
      const got = await s.predict(sentences);
      let moved = 0;
      got.forEach((p, i) => {
        assert.ok(Math.abs(p.pAcceptable - trainerP[i]) < 1e-5, `#${i}: ${p.pAcceptable} vs the trainer's ${trainerP[i]}`);
        assert.ok(Math.abs(p.pUnacceptable + p.pAcceptable - 1) < 1e-12, `#${i}`);
        const affineOnly = calibratedProbabilities(logits[i][0], logits[i][1], { temperature: s.model.calibration.temperature, bias: s.model.calibration.bias })[1];
        if (Math.abs(trainerP[i] - affineOnly) > 1e-3) moved++;
      });
      assert.ok(moved > sentences.length / 2, `the knots must move most probabilities away from the affine fit (${moved} of ${sentences.length})`);
    } finally {
      await s.dispose();
    }
    const tsv = path.join(tmp, 'isotonic.tsv');
    writeFileSync(tsv, examples.map((e) => `${e.source}\t${e.label}\t\t${e.sentence}`).join('\n') + '\n');
    const byEval = await evalJson(['--model', dir, '--data', tsv, '--fp32']);
    assert.equal(byEval.threshold, threshold);
    const want = binaryMetrics(examples.map((e) => e.label), trainerP.map((p) => labelOf(p, threshold)));
    assert.deepEqual(byEval.confusion, want.confusion);
    // check reports the trainer's P and flags below the threshold (every sentence the splitter kept whole).
    const md = path.join(tmp, 'isotonic.md');
    writeFileSync(md, sentences.join('\n\n') + '\n');
    const judged = (await checkJson(['--model', dir, '--fp32', md])).files[0].sentences;
    const whole = judged.filter((x) => sentences.includes(x.text));
    assert.ok(whole.length >= sentences.length * 0.8, `${whole.length} of ${sentences.length} sentences kept whole`);
    for (const x of whole) {
      const want = trainerP[sentences.indexOf(x.text)];
      assert.ok(Math.abs(x.pAcceptable - want) < 1e-5, `${x.text}: ${x.pAcceptable} vs ${want}`);
      assert.equal(x.flagged, want < threshold, x.text);
    }
    assert.ok(whole.some((x) => x.flagged) && whole.some((x) => !x.flagged), 'the threshold must split the sentences');
  });

  it('isotonic knots that are out of order or unpaired are a clear metadata error', () => {
    const base = { temperature: 1, bias: 0, threshold: 0.5, method: 'isotonic' };
    for (const [knots, message] of [
      [{ s: [0, 1, 1], p: [0.1, 0.2, 0.3], affine_share: 0.02 }, /"calibration\.knots" "s" must be strictly increasing, but item 2 \(1\) follows 1/],
      [{ s: [0, 1, 2], p: [0.1, 0.3, 0.2], affine_share: 0.02 }, /"calibration\.knots" "p" must be strictly increasing, but item 2 \(0\.2\) follows 0\.3/],
      [{ s: [0, 1], p: [0.1, 0.2, 0.3], affine_share: 0.02 }, /"calibration\.knots" has 2 "s" values but 3 "p" values/],
      [{ s: [0, 1], p: [0.1, 1.2], affine_share: 0.02 }, /"calibration\.knots\.p" must be a non-empty list of probabilities/],
      [{ s: [0, 1], p: [0.1, 0.2], affine_share: 0 }, /"calibration\.knots\.affine_share" is 0, expected a number above 0/],
      [{ s: [0, 1], p: [0.1, 0.2] }, /"calibration\.knots\.affine_share" is missing/],
    ] as const) {
      const dir = path.join(tmp, 'bad-knots');
      cpSync(plain, dir, { recursive: true });
      setMetadata(dir, { calibration: { ...base, knots } });
      assert.throws(() => readModelFolder(dir), (e: unknown) => e instanceof ModelFolderError && e.code === 'invalid_metadata' && message.test(e.message),
        `expected ${message}`);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a folder without calibration keeps T = 1 and threshold 0.5', async () => {
    const s = await InferenceService.open(plain, { preferInt8: false, cacheSize: 0 });
    try {
      assert.deepEqual(s.model.calibration, UNCALIBRATED);
      const got = await s.predict(sentences.slice(0, 10));
      got.forEach((p, i) => assert.ok(Math.abs(p.pAcceptable - calibrated(logits[i], 1)) < 1e-5, `#${i}`));
    } finally {
      await s.dispose();
    }
  });

  it('an unusable calibration block is a clear metadata error', () => {
    for (const [calibration, message] of [
      [{ temperature: 0, threshold: 0.5 }, /"calibration\.temperature" is 0, expected a number > 0/],
      [{ temperature: 1.2, threshold: 1.5 }, /"calibration\.threshold" is 1\.5, expected a probability from 0 to 1/],
      [{ temperature: '2', threshold: 0.4 }, /"calibration\.temperature" is "2"/],
      [{ temperature: 1.2, bias: 'low', threshold: 0.4 }, /"calibration\.bias" is "low", expected a number/],
      [[1, 0.5], /"calibration" must be an object/],
    ] as const) {
      const dir = path.join(tmp, 'bad');
      cpSync(plain, dir, { recursive: true });
      setMetadata(dir, { calibration });
      assert.throws(() => readModelFolder(dir), (e: unknown) => e instanceof ModelFolderError && e.code === 'invalid_metadata' && message.test(e.message));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("eval and check flag below the model's threshold unless one is given", async () => {
    const tsv = path.join(tmp, 'sample.tsv');
    writeFileSync(tsv, examples.map((e) => `${e.source}\t${e.label}\t\t${e.sentence}`).join('\n') + '\n');
    const expected = (threshold: number) =>
      binaryMetrics(
        examples.map((e) => e.label),
        logits.map((l) => labelOf(calibrated(l, TEMPERATURE), threshold)),
      );
    const byModel = await evalJson(['--model', calibratedDir, '--data', tsv, '--fp32']);
    assert.equal(byModel.threshold, modelThreshold);
    assert.deepEqual(byModel.confusion, expected(modelThreshold).confusion);
    const given = await evalJson(['--model', calibratedDir, '--data', tsv, '--fp32', '--threshold', '0.5']);
    assert.equal(given.threshold, 0.5);
    assert.deepEqual(given.confusion, expected(0.5).confusion);
    assert.notDeepEqual(given.confusion, byModel.confusion, 'the two thresholds must disagree on this sample for the test to mean anything');

    const md = path.join(tmp, 'sample.md');
    writeFileSync(md, sentences.join('\n\n') + '\n');
    const flagged = (r: CheckReport) => r.files[0].sentences.filter((s) => s.flagged).length;
    const modelReport = await checkJson([md, '--model', calibratedDir, '--fp32']);
    const judged = modelReport.files[0].sentences;
    assert.equal(flagged(modelReport), judged.filter((s) => s.pAcceptable < modelThreshold).length);
    const halfReport = await checkJson([md, '--model', calibratedDir, '--fp32', '--threshold', '0.5']);
    assert.equal(flagged(halfReport), judged.filter((s) => s.pAcceptable < 0.5).length);
    assert.notEqual(flagged(halfReport), flagged(modelReport));
  });

  it('threshold order: the user\'s setting, then the model\'s, then 0.5', () => {
    const fitted = { temperature: 1.7, bias: 0, threshold: 0.31, fitted: true };
    assert.deepEqual(chooseThreshold(0.5, fitted), { value: 0.5, source: 'setting' }, 'an explicit 0.5 still wins');
    assert.deepEqual(chooseThreshold(0.8, UNCALIBRATED), { value: 0.8, source: 'setting' });
    assert.deepEqual(chooseThreshold(undefined, fitted), { value: 0.31, source: 'model' });
    assert.deepEqual(chooseThreshold(undefined, UNCALIBRATED), { value: 0.5, source: 'default' });
    // The setting's declared default is not a choice: only a value at some level counts.
    assert.equal(userThreshold({}, 0.5), undefined);
    assert.equal(userThreshold(undefined, 0.5), undefined);
    assert.equal(userThreshold({ globalValue: 0.5 }, 0.5), 0.5);
    assert.equal(userThreshold({ workspaceFolderLanguageValue: 0.7 }, 0.7), 0.7);
    assert.equal(userThreshold({ workspaceValue: 3 }, 3), 1, 'clamped to a probability');
  });

  it('the holdout MCC shown is the one measured on the ONNX file that runs', () => {
    const base = { format: 1, base_model: 'm', labels: ['unacceptable', 'acceptable'], max_length: 8, onnx: 'model.onnx', inputs: ['input_ids'] } as ModelMetadata;
    const trainer = { ...base, metrics: { holdout: { n: 516, mcc: 0.277, accuracy: 0.7, confusion: { tp: 1, tn: 1, fp: 1, fn: 1 } } } } as ModelMetadata;
    const confusion = { tp: 1, tn: 1, fp: 1, fn: 1 };
    const scored = { n: 516, accuracy: 0.7, confusion, threshold: 0.5, temperature: 1, bias: 0, batch_size: 1 as const, argmax: { mcc: 0.27, confusion } };
    const perFile = {
      ...trainer,
      holdout_by_file: {
        'model.onnx': { ...scored, mcc: 0.2706 },
        'model.int8.onnx': { ...scored, mcc: 0.2574 },
      },
    } as ModelMetadata;
    assert.deepEqual(holdoutFor(perFile, '/x/model.int8.onnx'), { mcc: 0.2574, file: 'model.int8.onnx' });
    assert.deepEqual(holdoutFor(perFile, '/x/model.onnx'), { mcc: 0.2706, file: 'model.onnx' });
    assert.deepEqual(holdoutFor(trainer, '/x/model.int8.onnx'), { mcc: 0.277, file: null }, 'older folders: the trainer\'s number, labelled as such');
    assert.equal(holdoutFor(base, '/x/model.onnx'), null);
    assert.equal(describeHoldout(holdoutFor(perFile, 'model.int8.onnx')), '0.257 (measured on model.int8.onnx)');
    assert.equal(describeHoldout(holdoutFor(trainer, 'model.int8.onnx')), "0.277 (the trainer's, PyTorch)");
    assert.deepEqual(calibrationOf(base), UNCALIBRATED);
    const older = calibrationOf({ ...base, calibration: { temperature: 1.3, threshold: 0.4, method: 'temperature' } });
    assert.equal(older.bias, 0, 'a folder written before affine scaling has no bias: 0');
    assert.equal(describeScaling(older), 'temperature scaling, temperature 1.30');
    assert.equal(describeScaling(UNCALIBRATED), 'uncalibrated (temperature 1, bias 0)');
  });
});
