import { strict as assert } from 'node:assert';
import { expectedCalibrationError, pairPreference, proseReport } from '../../bench/benchQuality';
import { pythonJson } from './helpers/python';

const rows = [
  { text: 'a', label: 1, error_type: 'clean', source: 'peps' },
  { text: 'a2', label: 0, error_type: 'a_an', source: 'peps' },
  { text: 'b', label: 1, error_type: 'clean', source: 'guide' },
  { text: 'b2', label: 0, error_type: 'doubled_word', source: 'guide' },
  { text: 'c', label: 1, error_type: 'clean', source: 'peps' },
  { text: 'c2', label: 0, error_type: 'a_an', source: 'peps' },
];

describe('bench:quality report', () => {
  it('counts false alarms and catches, and gives each error type its pairs', () => {
    //             a      a2     b     b2     c     c2
    const flagged = [false, true, true, false, false, true];
    const r = proseReport(rows, flagged);
    assert.equal(r.nClean, 3);
    assert.equal(r.nCorrupted, 3);
    assert.equal(r.cleanFlagged, 1 / 3);
    assert.equal(r.corruptedFlagged, 2 / 3);
    // a_an: pairs (a, a2) and (c, c2), all right.
    assert.deepEqual({ ...r.perType.a_an }, { nClean: 2, nCorrupted: 2, cleanFlagged: 0, corruptedFlagged: 1, mcc: 1 });
    // doubled_word: the clean one flagged, the corrupted one missed.
    assert.equal(r.perType.doubled_word.mcc, -1);
    assert.equal(r.perSource.guide.cleanFlagged, 1);
    assert.equal(r.perSource.peps.mcc, 1);
  });

  it('counts a pair as preferred when its clean member scores higher, a tie as half', () => {
    //                                a    a2   b    b2   c    c2
    assert.equal(pairPreference(rows, [0.9, 0.2, 0.4, 0.6, 0.5, 0.5]), (1 + 0 + 0.5) / 3);
    assert.equal(pairPreference(rows, [1, 0, 1, 0, 1, 0]), 1);
  });

  it('ECE is 0 for confident right answers and |accuracy − confidence| otherwise', () => {
    assert.equal(expectedCalibrationError([1, 0, 1], [1, 0, 1]), 0);
    // Two predictions at confidence 0.8, one right: |0.5 − 0.8| = 0.3.
    assert.ok(Math.abs(expectedCalibrationError([0.8, 0.8], [1, 0]) - 0.3) < 1e-12);
  });

  it("ECE is the trainer's (calibration.py), bins included", function () {
    this.timeout(60_000);
    // A fixed pseudo-random sample, no probability on a bin edge.
    let x = 12345;
    const next = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const p = Array.from({ length: 500 }, () => 0.001 + 0.998 * next());
    const labels = p.map((q) => (next() < q * 0.8 + 0.1 ? 1 : 0));
    const trainer = pythonJson<number>(['-c', 'import json, sys\nfrom cola_trainer import calibration as cal\nd = json.load(sys.stdin)\nprint(json.dumps(cal.ece(d["p"], d["labels"])))'], { p, labels });
    assert.ok(trainer > 0.01, `the sample must be miscalibrated for the comparison to mean anything (${trainer})`);
    assert.ok(Math.abs(expectedCalibrationError(p, labels) - trainer) < 1e-12, `${expectedCalibrationError(p, labels)} vs the trainer's ${trainer}`);
  });
});
