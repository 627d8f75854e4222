import assert from 'node:assert/strict';
import { applyEvents, emptyRunState } from '../../protocol/runState';
import type { QualityEvent } from '../../protocol/trainerProtocol';
import { reliabilityPoints } from '../../webview/reliability';

const bins = [
  { lo: 0.0, hi: 0.1, n: 10, mean_p: 0.05, observed: 0.1 },
  { lo: 0.5, hi: 0.6, n: 40, mean_p: 0.55, observed: 0.55 },
  { lo: 0.9, hi: 1.0, n: 160, mean_p: 0.95, observed: 0.7 },
];

describe('reliability diagram', () => {
  it('puts mean P on x and the observed rate on y (up is more acceptable), the diagonal meaning calibrated', () => {
    const [low, mid, high] = reliabilityPoints(bins);
    assert.ok(low.x < mid.x && mid.x < high.x);
    assert.ok(low.y > mid.y && mid.y > high.y, 'a higher observed rate is drawn higher');
    // On the diagonal x and y move together: 0.55 observed at 0.55 predicted sits where the diagonal is.
    const onDiagonal = reliabilityPoints([{ lo: 0, hi: 1, n: 1, mean_p: 0.3, observed: 0.3 }, { lo: 0, hi: 1, n: 1, mean_p: 0.8, observed: 0.8 }]);
    const slope = (onDiagonal[1].y - onDiagonal[0].y) / (onDiagonal[1].x - onDiagonal[0].x);
    assert.ok(Math.abs(((mid.y - onDiagonal[0].y) / (mid.x - onDiagonal[0].x)) - slope) < 1e-9);
    assert.ok(high.r > mid.r && mid.r > low.r, 'bigger bins, bigger points');
    assert.match(high.label, /160 sentences, mean P 0\.95, 70 % acceptable/);
  });

  it('the run state keeps the quality event\'s holdout bins and ECE, and ignores a recording without bins', () => {
    const q = { event: 'quality', v: 1, temperature: 1.7, cola_holdout: { n: 210, ece: 0.04, reliability: bins } } as unknown as QualityEvent;
    assert.deepEqual(applyEvents(emptyRunState(), [q]).calibration, { n: 210, ece: 0.04, temperature: 1.7, bias: 0, reliability: bins });
    const affine = { ...q, temperature: 0.59, calibration: { temperature: 0.59, bias: -1.45 } } as unknown as QualityEvent;
    assert.equal(applyEvents(emptyRunState(), [affine]).calibration?.bias, -1.45, 'the figure describes the P it plots: with its bias');
    const old = { ...q, cola_holdout: { n: 210, ece: 0.04 } } as unknown as QualityEvent;
    assert.equal(applyEvents(emptyRunState(), [old]).calibration, undefined);
  });
});
