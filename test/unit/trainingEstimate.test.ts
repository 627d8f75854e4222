// The panel's CPU time estimate (issue 16 item 5): fitted to measured runs, not 20x off, and a run of the
// same model on this machine replaces the FLOP model.
import assert from 'node:assert/strict';
import { COLA_TRAIN_SENTENCES, epochsText, estimateCpuTraining } from '../../protocol/runState';

const base = { model: 'all-minilm-l6-v2', epochs: 4, maxLength: 128, maxTrain: null, threads: 2 };

describe('estimateCpuTraining', () => {
  it("is within 25 % of docs/benchmarks.md's measured fp32 run (all-minilm-l6-v2, 4 epochs, 2 threads: 437.9 s)", () => {
    const est = estimateCpuTraining(base)!;
    assert.equal(est.basis, 'model size');
    assert.ok(Math.abs(est.seconds - 437.9) / 437.9 < 0.25, `${est.seconds} s`);
  });

  it('is not 20x too pessimistic for the issue-16 run (1 epoch of all-minilm-l6-v2 with bf16 on 2 threads took 67 s)', () => {
    const est = estimateCpuTraining({ ...base, epochs: 1, bf16: true })!;
    assert.ok(est.seconds > 67 / 2 && est.seconds < 67 * 2, `${est.seconds} s`);
  });

  it('scales with the model size, the epochs and a training subset', () => {
    const minilm = estimateCpuTraining(base)!.seconds;
    const bert = estimateCpuTraining({ ...base, model: 'bert-base-uncased' })!.seconds;
    assert.ok(bert / minilm > 7 && bert / minilm < 9, String(bert / minilm));
    assert.ok(Math.abs(estimateCpuTraining({ ...base, epochs: 2 })!.seconds * 2 - minilm) < 1e-6);
    assert.ok(Math.abs(estimateCpuTraining({ ...base, maxTrain: COLA_TRAIN_SENTENCES / 4 })!.seconds * 4 - minilm) < 1e-6);
    // More rows than the split holds trains on the split.
    assert.equal(estimateCpuTraining({ ...base, maxTrain: 1e9 })!.seconds, minilm);
  });

  it("uses the samples/s a finished run of the model measured on this machine", () => {
    const est = estimateCpuTraining({ ...base, epochs: 1, measuredSamplesPerSecond: 100 })!;
    assert.deepEqual(est, { seconds: COLA_TRAIN_SENTENCES / 100, basis: 'history', samplesPerSecond: 100 });
    // Measured speed works for a model the FLOP model does not know.
    assert.equal(estimateCpuTraining({ ...base, model: '/models/mine', measuredSamplesPerSecond: 50 })!.basis, 'history');
  });

  it('prefers a finished run to a warm-up, and a warm-up to the model size', () => {
    const both = estimateCpuTraining({ ...base, epochs: 1, measuredSamplesPerSecond: 100, warmupSamplesPerSecond: 60 })!;
    assert.equal(both.basis, 'history');
    assert.equal(both.samplesPerSecond, 100);
    const warm = estimateCpuTraining({ ...base, epochs: 1, warmupSamplesPerSecond: 60 })!;
    assert.deepEqual(warm, { seconds: COLA_TRAIN_SENTENCES / 60, basis: 'warm-up', samplesPerSecond: 60 });
    // A warm-up also times a model the FLOP model does not know; a failed one (0) leaves the size formula.
    assert.equal(estimateCpuTraining({ ...base, model: 'my-org/custom', warmupSamplesPerSecond: 60 })!.basis, 'warm-up');
    assert.equal(estimateCpuTraining({ ...base, warmupSamplesPerSecond: 0 })!.basis, 'model size');
  });

  it('gives no estimate for an unknown model or nonsense epochs', () => {
    assert.equal(estimateCpuTraining({ ...base, model: 'my-org/custom' }), undefined);
    assert.equal(estimateCpuTraining({ ...base, epochs: 0 }), undefined);
    assert.equal(estimateCpuTraining({ ...base, epochs: Number.NaN }), undefined);
  });

  it('says "1 epoch" and "4 epochs"', () => {
    assert.equal(epochsText(1), '1 epoch');
    assert.equal(epochsText(4), '4 epochs');
  });
});
