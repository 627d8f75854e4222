// Terminal rendering of training progress: a one-line bar (TTY) and plain lines per event (logs, CI).
// The render functions are pure so they are unit-tested without a terminal.
import type { DoneEvent, EvaluationEvent, ExportedEvent, FeedbackAccuracy, FeedbackReport, HoldoutEvent, QualityEvent, StartedEvent, StepEvent } from '../../protocol/trainerProtocol';
import { epochsText, headRateText } from '../../protocol/runState';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One line: `epoch 2/4 [████████░░░░] 53% 512/964 loss 0.4123 812 samples/s ETA 1m05s`, fitted to width. */
export function renderBar(step: StepEvent, epochs: number, width: number, smoothedLoss = step.loss): string {
  const fraction = Math.min(1, step.step / step.total_steps);
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const head = `epoch ${step.epoch}/${epochs} `;
  const tail = ` ${pct} ${step.step}/${step.total_steps} loss ${smoothedLoss.toFixed(4)} ${Math.round(step.samples_per_second)} samples/s ETA ${formatDuration(step.eta_s)}`;
  const barWidth = Math.max(0, Math.min(40, width - head.length - tail.length - 3));
  if (barWidth < 5) return (head + tail.trimStart()).slice(0, Math.max(0, width - 1));
  const filled = Math.round(fraction * barWidth);
  return `${head}[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]${tail}`;
}

export function describeStarted(e: StartedEvent): string {
  const model = e.model_resolved && e.model_resolved !== e.model ? `${e.model} (${e.model_resolved})` : e.model;
  const world = e.world_size > 1 ? ` × ${e.world_size} processes` : '';
  const resumed = e.start_step > 0 ? `, resuming at step ${e.start_step}` : '';
  return (
    `Fine-tuning ${model} on ${e.device} (${e.device_name}${world}), ${e.precision}\n` +
    `  ${e.train_size} train / ${e.validation_size} validation / ${e.holdout_size} holdout sentences; ` +
    `${epochsText(e.epochs)} × ${e.steps_per_epoch} steps, batch ${e.batch_size}, lr ${e.learning_rate}${headRateText(e)}, seed ${e.seed}${resumed}`
  );
}

export function describeEvaluation(e: EvaluationEvent, epochs: number): string {
  const time = e.epoch_seconds !== undefined ? `  ${e.epoch_seconds.toFixed(1)} s` : '';
  return (
    `epoch ${e.epoch}/${epochs}  train loss ${e.train_loss.toFixed(4)}  val loss ${e.val_loss.toFixed(4)}  ` +
    `val acc ${e.val_accuracy.toFixed(4)}  val MCC ${e.val_mcc.toFixed(4)}${e.best ? '  (best so far)' : ''}${time}`
  );
}

export function describeHoldout(e: HoldoutEvent): string {
  const c = e.confusion;
  const epoch = e.best_epoch ? ` (best epoch ${e.best_epoch})` : '';
  return `Holdout (out_of_domain_dev, n=${e.n})${epoch}: MCC ${e.mcc.toFixed(4)}, accuracy ${e.accuracy.toFixed(4)}, tp ${c.tp} tn ${c.tn} fp ${c.fp} fn ${c.fn}`;
}

function feedbackScore(a: FeedbackAccuracy): string {
  return `${a.correct}/${a.n} right (accuracy ${a.accuracy.toFixed(3)} at threshold ${a.threshold.toFixed(2)})`;
}

/** The taught sentences before and after the run, and the held-out numbers beside them: did teaching cost anything? */
export function describeFeedback(f: FeedbackReport, q: QualityEvent): string {
  const before = f.before ? `${feedbackScore(f.before)}, ${f.before.model}` : `n/a (${f.before_unavailable ?? 'no previous model'})`;
  const lines = [
    `Feedback (${f.file}: ${f.n} sentences, each trained ${f.weight} times): before ${before}; after ${feedbackScore(f.after)}.`,
    `  Beside it: CoLA holdout MCC ${q.cola_holdout.mcc.toFixed(4)}, prose test detection MCC ${q.prose_test.mcc.toFixed(4)} with ${(100 * q.prose_test.clean_flagged).toFixed(1)} % of clean sentences flagged.`,
  ];
  for (const w of f.still_wrong) lines.push(`  still judged against its label (${w.label ? 'acceptable' : 'unacceptable'}): ${w.sentence}`);
  return lines.join('\n');
}

export function describeExported(e: ExportedEvent): string {
  const files = [e.onnx, e.onnx_int8].filter(Boolean).join(', ');
  return `Exported ${files} to ${e.path}${e.seconds !== undefined ? ` in ${e.seconds.toFixed(1)} s` : ''}`;
}

export function describeDone(e: DoneEvent): string {
  const mcc = e.holdout_mcc === null || e.holdout_mcc === undefined ? 'n/a' : e.holdout_mcc.toFixed(4);
  return `Done in ${formatDuration(e.elapsed_s)}: holdout MCC ${mcc}. Model folder: ${e.output_dir}`;
}

/** Redraws one status line in place; throttled so a fast trainer does not flood the terminal. */
export class ProgressLine {
  private last = 0;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly intervalMs = 100,
  ) {}

  update(text: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    this.stream.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  /** Clears the line so a normal line can be printed. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

/** Exponential moving average of the step loss (the raw per-batch loss jumps around). */
export class LossSmoother {
  private value: number | null = null;
  constructor(private readonly alpha = 0.1) {}
  add(loss: number): number {
    this.value = this.value === null ? loss : this.alpha * loss + (1 - this.alpha) * this.value;
    return this.value;
  }
  reset(): void {
    this.value = null;
  }
}
