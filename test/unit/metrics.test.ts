import assert from 'node:assert/strict';
import { accuracyOf, binaryMetrics, confusion, labelOf, mccOf } from '../../src/core/metrics';
import { pythonJson, repoRoot } from './helpers/python';
import path from 'node:path';

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  name: string;
  y: number[];
  p: number[];
}

function cases(): Case[] {
  const out: Case[] = [
    { name: 'perfect', y: [0, 1, 1, 0, 1], p: [0, 1, 1, 0, 1] },
    { name: 'inverted', y: [0, 1, 1, 0, 1], p: [1, 0, 0, 1, 0] },
    { name: 'all predicted acceptable (MCC undefined → 0)', y: [0, 1, 1, 0, 1, 1], p: [1, 1, 1, 1, 1, 1] },
    { name: 'all predicted unacceptable', y: [0, 1, 1, 0], p: [0, 0, 0, 0] },
    { name: 'only one class in labels', y: [1, 1, 1], p: [1, 0, 1] },
    { name: 'single row', y: [1], p: [0] },
  ];
  const r = rng(20261126);
  for (let i = 0; i < 40; i++) {
    const n = 1 + Math.floor(r() * (i < 20 ? 30 : 2000));
    const positive = r();
    const skill = r();
    const y = Array.from({ length: n }, () => (r() < positive ? 1 : 0));
    const p = y.map((v) => (r() < skill ? v : r() < 0.5 ? 1 : 0));
    out.push({ name: `random #${i} (n=${n})`, y, p });
  }
  // CoLA-sized with the holdout's class balance (354 acceptable, 162 unacceptable).
  const y = [...Array(354).fill(1), ...Array(162).fill(0)];
  const p = y.map((v, i) => (i % 7 === 0 ? 1 - v : v));
  out.push({ name: 'CoLA holdout balance', y, p });
  return out;
}

describe('metrics (against scikit-learn)', function () {
  this.timeout(120_000);
  const all = cases();
  let reference: Array<{ mcc: number; accuracy: number; tp: number; tn: number; fp: number; fn: number }>;

  before(() => {
    reference = pythonJson(
      [path.join(repoRoot, 'test', 'fixtures', 'sklearn_metrics.py')],
      all.map(({ y, p }) => ({ y, p })),
    );
    assert.equal(reference.length, all.length);
  });

  it('confusion, MCC and accuracy equal sklearn on every case', () => {
    all.forEach((c, i) => {
      const ref = reference[i];
      const m = binaryMetrics(c.y, c.p);
      assert.deepEqual(m.confusion, { tp: ref.tp, tn: ref.tn, fp: ref.fp, fn: ref.fn }, c.name);
      assert.ok(Math.abs(m.mcc - ref.mcc) < 1e-12, `${c.name}: mcc ${m.mcc} vs sklearn ${ref.mcc}`);
      assert.ok(Math.abs(m.accuracy - ref.accuracy) < 1e-12, `${c.name}: accuracy ${m.accuracy} vs sklearn ${ref.accuracy}`);
      assert.equal(m.n, c.y.length);
    });
  });

  it('the random cases are not trivial (MCC spans negative to positive)', () => {
    const mccs = reference.map((r) => r.mcc);
    assert.ok(Math.min(...mccs) < -0.5 && Math.max(...mccs) > 0.9);
  });

  it('rejects mismatched lengths and non-binary labels', () => {
    assert.throws(() => confusion([1, 0], [1]), /2 labels but 1 predictions/);
    assert.throws(() => confusion([2], [1]), /must be 0 or 1/);
  });

  it('empty input gives zeros instead of NaN', () => {
    const c = confusion([], []);
    assert.equal(mccOf(c), 0);
    assert.equal(accuracyOf(c), 0);
  });

  it('labelOf: acceptable when P > threshold; a tie is unacceptable, like argmax', () => {
    assert.equal(labelOf(0.5), 0);
    assert.equal(labelOf(0.5000001), 1);
    assert.equal(labelOf(0.4999), 0);
    assert.equal(labelOf(0.7, 0.8), 0);
  });
});
