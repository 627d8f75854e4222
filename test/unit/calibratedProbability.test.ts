// calibratedProbabilities against the trainer's p_acceptable on the same knots: at the knots, between them, beyond
// both ends and for huge logits, so both languages' rules (calibratedProbability.ts and calibration.py) agree.
import assert from 'node:assert/strict';
import { calibratedProbabilities, knotProblems, type Scaling } from '../../src/core/calibratedProbability';
import { pythonJson } from './helpers/python';

const scaling: Scaling = { temperature: 0.8, bias: -0.9, knots: { s: [-3.25, -1, 0.5, 0.5001, 4], p: [0.02, 0.19, 0.6, 0.61, 0.98], affineShare: 0.02 } };

/** Logit pairs whose difference l1 − l0 lands on each knot, between knots, beyond both ends and far beyond. */
function grid(): [number, number][] {
  const diffs = [...scaling.knots!.s, -3.3, -2, 0, 0.50005, 3.9, 4.1, -40, 40, -800, 800];
  for (let d = -8; d <= 8; d += 0.37) diffs.push(d);
  return diffs.map((d, i) => [i % 3 === 0 ? 0 : 1.5, (i % 3 === 0 ? 0 : 1.5) + d]);
}

describe('calibratedProbabilities with isotonic knots', () => {
  it("agrees with the trainer's calibration.p_acceptable on the same knots", () => {
    const logits = grid();
    const block = { temperature: scaling.temperature, bias: scaling.bias, knots: { s: scaling.knots!.s, p: scaling.knots!.p, affine_share: scaling.knots!.affineShare } };
    const trainerP = pythonJson<number[]>(
      ['-c', 'import json, sys\nimport numpy as np\nfrom cola_trainer import calibration as cal\nd = json.load(sys.stdin)\nprint(json.dumps(cal.p_acceptable(np.array(d["logits"]), **cal.parameters(d["calibration"])).tolist()))'],
      { logits, calibration: block },
    );
    logits.forEach(([l0, l1], i) => {
      const [pu, pa] = calibratedProbabilities(l0, l1, scaling);
      assert.ok(Math.abs(pa - trainerP[i]) <= 1e-12, `l1 − l0 = ${l1 - l0}: ${pa} vs the trainer's ${trainerP[i]}`);
      assert.ok(Math.abs(pu + pa - 1) <= 1e-12);
    });
  });

  // In float64 the affine share's increments vanish below an ulp of P once the sigmoid saturates (|s / T + b| past
  // about 30 here); the models measured score sentences between −0.23 and 2.41, so ±15 is far beyond any real score.
  it('is strictly increasing in l1 − l0 wherever the affine sigmoid is not saturated, and stays inside (0, 1)', () => {
    let previous = -1;
    for (let d = -15; d <= 15; d += 0.001) {
      const [pu, pa] = calibratedProbabilities(0, d, scaling);
      assert.ok(pa > previous, `not increasing at ${d}: ${pa} after ${previous}`);
      assert.ok(pa > 0 && pu > 0, `${d}`);
      previous = pa;
    }
  });

  it('follows the knots within the affine share', () => {
    const { s, p, affineShare } = scaling.knots!;
    s.forEach((x, i) => assert.ok(Math.abs(calibratedProbabilities(0, x, scaling)[1] - p[i]) <= affineShare, `knot ${i}`));
  });

  it('without knots it is the affine sigmoid', () => {
    const [pu, pa] = calibratedProbabilities(0.3, 1.1, { temperature: 0.8, bias: -0.9 });
    const d = 0.8 / 0.8 - 0.9;
    assert.ok(Math.abs(pa - 1 / (1 + Math.exp(-d))) < 1e-15 && Math.abs(pu - 1 / (1 + Math.exp(d))) < 1e-15);
  });

  it('knotProblems accepts the stored shape and names what is wrong', () => {
    assert.deepEqual(knotProblems(scaling.knots!), []);
    assert.deepEqual(knotProblems({ s: [1], p: [0.5], affineShare: 0.02 }), [], 'one block (a constant fit) is usable');
    assert.deepEqual(knotProblems({ s: [0, -1], p: [0.1, 0.2, 0.3], affineShare: 0.02 }), [
      'has 2 "s" values but 3 "p" values; they must pair up',
      '"s" must be strictly increasing, but item 1 (-1) follows 0',
    ]);
  });
});
