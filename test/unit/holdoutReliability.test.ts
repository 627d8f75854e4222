import assert from 'node:assert/strict';
import { binOf, holdoutReliabilityOf, reliabilityText } from '../../src/core/holdoutReliability';

const bins = [
  { lo: 0.1, hi: 0.2, n: 57, mean_p: 0.15, observed: 0.14 },
  { lo: 0.9, hi: 1.0, n: 300, mean_p: 0.95, observed: 0.91 },
];
const meta = { quality: { cola_holdout: { n: 516, ece: 0.048, reliability: bins } } };

describe('holdout reliability (the hover\'s evidence for "calibrated")', () => {
  it('reads the bins from cola-bert.json and finds the bin of a P, the last one closed at 1', () => {
    const r = holdoutReliabilityOf(meta)!;
    assert.equal(r.n, 516);
    assert.equal(binOf(r, 0.12), bins[0]);
    assert.equal(binOf(r, 0.2), null, 'hi is open');
    assert.equal(binOf(r, 1), bins[1]);
    assert.equal(binOf(r, 0.5), null, 'an empty bin');
  });

  it('words what sentences scored like this one turned out to be', () => {
    const r = holdoutReliabilityOf(meta)!;
    assert.equal(reliabilityText(r, 0.12), 'On the CoLA holdout, 14 % of the 57 sentences scored 0.1–0.2 were acceptable (mean P 0.15); calibration error (ECE) 0.048 over all 516 holdout sentences.');
    assert.match(reliabilityText(r, 0.55), /^No CoLA holdout sentence was scored between P 0\.5 and the next tenth; calibration error \(ECE\) 0\.048/);
  });

  it('is absent for older folders and malformed blocks, never a failure', () => {
    assert.equal(holdoutReliabilityOf({}), null);
    assert.equal(holdoutReliabilityOf({ quality: { cola_holdout: { n: 516, ece: 0.05 } } }), null);
    assert.equal(holdoutReliabilityOf({ quality: { cola_holdout: { n: 516, ece: 0.05, reliability: [{ lo: 0.2, hi: 0.1, n: 3, mean_p: 0.1, observed: 0 }] } } }), null);
    assert.equal(holdoutReliabilityOf({ quality: { cola_holdout: { n: 516, ece: 2, reliability: bins } } }), null);
  });
});
