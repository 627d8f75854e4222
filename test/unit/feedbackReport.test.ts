import assert from 'node:assert/strict';
import { applyEvents, emptyRunState } from '../../protocol/runState';
import type { FeedbackReport, QualityEvent } from '../../protocol/trainerProtocol';
import { describeFeedback } from '../../src/cli/progress';

const report: FeedbackReport = {
  file: '/w/.vscode/cola-bert/feedback.tsv', sha256: 'a'.repeat(64), n: 2, acceptable: 1, unacceptable: 1, weight: 40, training_rows: 80,
  before: null, before_unavailable: 'no previous model: --model x starts from a pretrained encoder',
  after: { n: 2, correct: 1, accuracy: 0.5, threshold: 0.5, temperature: 1.1, bias: 0 },
  still_wrong: [{ sentence: 'Him saw she.', label: 0 }],
};
const confusion = { tp: 1, tn: 1, fp: 0, fn: 0 };
const quality = {
  event: 'quality', v: 1, data_mix: 'cola', threshold: 0.5, temperature: 1.1,
  calibration: { temperature: 1.1, bias: 0, threshold: 0.5, method: 'temperature', fitted_on: 'CoLA', max_false_alarm: 0.03, ece_before: 0.1, ece_after: 0.05 },
  prose_test: { n_clean: 10, n_corrupted: 10, clean_flagged: 0.1, corrupted_flagged: 0.3, mcc: 0.21, ece: 0.1, ece_uncalibrated: 0.2, per_type: {}, per_source: {} },
  cola_holdout: { n: 4, mcc: 0.25, accuracy: 0.75, confusion, ece: 0.1, reliability: [] },
  feedback: report,
} satisfies QualityEvent;

describe('feedback in the run result (CLI summary, panel run state)', () => {
  it('the CLI says before (or why n/a), after, the held-out metrics beside them, and what is still wrong', () => {
    const text = describeFeedback(report, quality);
    assert.match(text, /2 sentences, each trained 40 times\): before n\/a \(no previous model: --model x/);
    assert.match(text, /after 1\/2 right \(accuracy 0\.500 at threshold 0\.50\)/);
    assert.match(text, /CoLA holdout MCC 0\.2500, prose test detection MCC 0\.2100 with 10\.0 % of clean sentences flagged/);
    assert.match(text, /still judged against its label \(unacceptable\): Him saw she\./);
    const withBefore = describeFeedback({ ...report, before: { ...report.after, correct: 0, accuracy: 0, model: '/m/prev' } }, quality);
    assert.match(withBefore, /before 0\/2 right \(accuracy 0\.000 at threshold 0\.50\), \/m\/prev;/);
  });

  it('the panel keeps the quality event\'s feedback block; a run without feedback has none', () => {
    assert.deepEqual(applyEvents(emptyRunState(), [quality]).feedback, report);
    const { feedback: _omitted, ...without } = quality;
    assert.equal(applyEvents(emptyRunState(), [without]).feedback, undefined);
  });
});
