// The result's "taught sentences" block: accuracy on the writer's feedback file before this run (the model the
// editor used) and after it, next to the holdout numbers above it, so a user sees whether teaching worked and
// whether it cost CoLA anything. Data: the `quality` event's `feedback` (trainer/cola_trainer/feedback.py).
import type { FeedbackAccuracy, FeedbackReport } from '../protocol/trainerProtocol';
import { trainArgSpec } from '../protocol/trainArgs';
import { h } from './dom';

/** The form field's help: the trainer's own words, plus where the default comes from. */
export function feedbackHelp(): string {
  return `${trainArgSpec('feedback').help} Filled in with the workspace's file when it has one (not in an untrusted workspace); empty: no feedback.`;
}

export function feedbackWeightHelp(): string {
  return `${trainArgSpec('feedback_weight').help} Used only with a feedback file.`;
}

function score(a: FeedbackAccuracy): string {
  return `${a.correct} of ${a.n} right (${(100 * a.accuracy).toFixed(0)} %, threshold ${a.threshold.toFixed(2)})`;
}

export function feedbackResult(report: FeedbackReport | undefined): HTMLElement | null {
  if (!report) return null;
  const before = report.before ? score(report.before) : `n/a: ${report.before_unavailable ?? 'no previous model'}`;
  return h(
    'div',
    { class: 'feedback-result', id: 'feedback-result' },
    h('h3', {}, 'Taught sentences'),
    h('p', { class: 'muted' }, `${report.n} sentences from ${report.file} (${report.acceptable} acceptable, ${report.unacceptable} unacceptable), each trained ${report.weight} times.`),
    h(
      'table',
      { class: 'feedback-table' },
      h('tbody', {},
        h('tr', {}, h('th', { scope: 'row' }, 'before'), h('td', { id: 'feedback-before' }, before), h('td', { class: 'muted' }, report.before?.model ?? '')),
        h('tr', {}, h('th', { scope: 'row' }, 'after'), h('td', { id: 'feedback-after' }, score(report.after)), h('td', { class: 'muted' }, 'this run\'s model')),
      ),
    ),
    report.still_wrong.length
      ? h('details', {}, h('summary', {}, `Still judged against your label (${report.still_wrong.length})`), h('ul', {}, ...report.still_wrong.map((w) => h('li', {}, `${w.label ? 'acceptable' : 'unacceptable'}: ${w.sentence}`))))
      : null,
  );
}
