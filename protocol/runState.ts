// What a run looks like after a sequence of trainer events. Pure: the webview renders it, the host's
// run history summarizes it, and both see the same numbers.
import type { Confusion, FeedbackReport, FetchEvent, FileHoldout, ReliabilityBin, StartedEvent, TrainerEvent } from './trainerProtocol';

export interface EpochRow {
  epoch: number;
  step: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  valMcc: number;
  best: boolean;
  seconds?: number;
}

export interface RunState {
  /** The latest fetch of an offline encoder, before `started`. */
  fetch?: FetchEvent;
  started?: StartedEvent;
  /** Global step and the batch loss at it, in arrival order. */
  steps: number[];
  losses: number[];
  lastStep?: { step: number; totalSteps: number; epoch: number; etaS: number; elapsedS: number; samplesPerSecond: number; lr: number };
  epochs: EpochRow[];
  checkpoint?: { path: string; step: number; epoch: number };
  holdout?: { n: number; mcc: number; accuracy: number; confusion: Confusion; bestEpoch?: number };
  exported?: { path: string; onnx: string; onnxInt8?: string | null; holdoutByFile?: Record<string, FileHoldout> | null };
  /** How well the calibrated P(acceptable) matches the holdout's observed rates (the `quality` event). */
  calibration?: { n: number; ece: number; temperature: number; bias: number; reliability: ReliabilityBin[] };
  /** The writer's feedback sentences before and after this run (the `quality` event's `feedback`). */
  feedback?: FeedbackReport;
  done?: { outputDir: string; elapsedS: number };
  cancelled?: { step: number; checkpoint: string | null };
  error?: { code: string; message: string; hint?: string };
  /** The trainer's warnings, each once (a resumed run repeats them). */
  warnings?: string[];
}

export function emptyRunState(): RunState {
  return { steps: [], losses: [], epochs: [] };
}

/** Applies events in place (runs have thousands of steps; copying per event would be quadratic). */
export function applyEvents(state: RunState, events: readonly TrainerEvent[]): RunState {
  for (const e of events) {
    switch (e.event) {
      case 'started':
        // A resumed run starts again from its checkpoint's step: drop the curve beyond it.
        if (state.started && e.start_step > 0) {
          const keep = state.steps.findIndex((s) => s > e.start_step);
          if (keep >= 0) {
            state.steps.length = keep;
            state.losses.length = keep;
          }
          state.epochs = state.epochs.filter((r) => r.step <= e.start_step);
        }
        state.started = e;
        state.cancelled = undefined;
        state.error = undefined;
        break;
      case 'fetch':
        state.fetch = e;
        break;
      case 'step':
        state.steps.push(e.step);
        state.losses.push(e.loss);
        state.lastStep = { step: e.step, totalSteps: e.total_steps, epoch: e.epoch, etaS: e.eta_s, elapsedS: e.elapsed_s, samplesPerSecond: e.samples_per_second, lr: e.lr };
        break;
      case 'evaluation':
        state.epochs = state.epochs.filter((r) => r.epoch !== e.epoch);
        state.epochs.push({ epoch: e.epoch, step: e.step, trainLoss: e.train_loss, valLoss: e.val_loss, valAccuracy: e.val_accuracy, valMcc: e.val_mcc, best: e.best, seconds: e.epoch_seconds });
        if (e.best) for (const r of state.epochs) r.best = r.epoch === e.epoch;
        break;
      case 'checkpoint':
        state.checkpoint = { path: e.path, step: e.step, epoch: e.epoch };
        break;
      case 'holdout':
        state.holdout = { n: e.n, mcc: e.mcc, accuracy: e.accuracy, confusion: e.confusion, bestEpoch: e.best_epoch };
        break;
      case 'quality':
        if (e.feedback) state.feedback = e.feedback;
        // A quality event recorded before the reliability diagram existed has no bins: nothing to draw.
        if (e.cola_holdout.reliability) state.calibration = { n: e.cola_holdout.n, ece: e.cola_holdout.ece, temperature: e.temperature, bias: e.calibration?.bias ?? 0, reliability: e.cola_holdout.reliability };
        break;
      case 'exported':
        state.exported = { path: e.path, onnx: e.onnx, onnxInt8: e.onnx_int8, holdoutByFile: e.holdout_by_file };
        break;
      case 'done':
        state.done = { outputDir: e.output_dir, elapsedS: e.elapsed_s };
        break;
      case 'cancelled':
        state.cancelled = { step: e.step, checkpoint: e.checkpoint };
        break;
      case 'error':
        state.error = { code: e.code, message: e.message, hint: e.hint };
        break;
      case 'warning':
        state.warnings ??= [];
        if (!state.warnings.includes(e.message)) state.warnings.push(e.message);
        break;
      case 'environment':
        break;
    }
  }
  return state;
}

/** Exponential moving average with TensorBoard's debiasing, so the first points are not pulled to 0. */
export function smooth(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  const out: number[] = [];
  let last = 0;
  let n = 0;
  for (const v of values) {
    last = last * weight + (1 - weight) * v;
    n++;
    out.push(last / (1 - weight ** n));
  }
  return out;
}

/** Keeps at most `max` points, evenly spread, always including the last one. */
export function downsample<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return points.slice();
  const out: T[] = [];
  const stride = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * stride)]);
  return out;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Sentences in CoLA's training split (in_domain_train.tsv less the 10 % validation share). */
export const COLA_TRAIN_SENTENCES = 7696;

/**
 * Parameters that cost compute per token (the transformer layers; the embedding table is a lookup).
 * Known base models only: for any other model there is no estimate rather than a guess.
 */
function layerParameters(model: string): number | undefined {
  const m = model.trim().toLowerCase();
  if (m.includes('minilm')) return 10.6e6; // 6 layers x 12 x 384^2
  if (m.includes('large')) return 302e6; // 24 layers x 12 x 1024^2
  if (m.includes('bert') || m.includes('mpnet')) return 85e6; // 12 layers x 12 x 768^2
  return undefined;
}

/**
 * Mean tokens per sentence as trained: batches are grouped by length and padded to their longest, and a
 * CoLA sentence is ~9 words, so ~11 WordPiece tokens with [CLS] and [SEP]; max length only cuts it.
 */
const COLA_TOKENS = 11;

/**
 * Sustained training FLOP/s per CPU thread, fitted to docs/benchmarks.md's measured run: all-minilm-l6-v2,
 * fp32, 2 threads, 70.3 samples/s over 4 epochs with validation (6 x 10.6e6 x 11 x 70.3 / 2 = 24.6e9).
 * bf16 autocast on a CPU with AVX512-BF16/AMX trained the same epoch 1.6x faster (issue 16: 67 s against
 * docs/benchmarks.md's ~110 s per epoch).
 */
const FLOPS_PER_THREAD = 24.6e9;
const BF16_SPEEDUP = 1.6;

export interface TrainingEstimate {
  seconds: number;
  /**
   * 'history': a finished run of this model on this machine; 'warm-up': `cola_trainer warmup`'s few timed
   * steps of it here; 'model size': the FLOP model above.
   */
  basis: 'history' | 'warm-up' | 'model size';
  samplesPerSecond: number;
}

/**
 * How long a CPU run of this form takes. A finished run of the same model on this machine (its measured
 * samples/s, validation included) measured the real thing; a warm-up measured this device's speed on a few
 * steps; both beat the FLOP model, which only knows the model's size, the sentence lengths and the thread
 * count. Undefined for an unknown model or nonsense epochs.
 */
export function estimateCpuTraining(input: {
  model: string;
  epochs: number;
  maxLength: number;
  maxTrain: number | null;
  threads: number;
  bf16?: boolean;
  /** samples/s of the latest finished CPU run of this model here, if any. */
  measuredSamplesPerSecond?: number;
  /** samples/s of a warm-up of this model and max length on this machine, if one finished. */
  warmupSamplesPerSecond?: number;
}): TrainingEstimate | undefined {
  if (!Number.isFinite(input.epochs) || input.epochs < 1) return undefined;
  const sentences = input.maxTrain !== null && Number.isFinite(input.maxTrain) && input.maxTrain > 0 ? Math.min(input.maxTrain, COLA_TRAIN_SENTENCES) : COLA_TRAIN_SENTENCES;
  const work = sentences * input.epochs;
  if (input.measuredSamplesPerSecond && input.measuredSamplesPerSecond > 0) {
    return { seconds: work / input.measuredSamplesPerSecond, basis: 'history', samplesPerSecond: input.measuredSamplesPerSecond };
  }
  if (input.warmupSamplesPerSecond && input.warmupSamplesPerSecond > 0) {
    return { seconds: work / input.warmupSamplesPerSecond, basis: 'warm-up', samplesPerSecond: input.warmupSamplesPerSecond };
  }
  const params = layerParameters(input.model);
  if (!params) return undefined;
  const tokens = Math.min(COLA_TOKENS, Number.isFinite(input.maxLength) && input.maxLength > 0 ? input.maxLength : COLA_TOKENS);
  const flopsPerSample = 6 * params * tokens;
  const samplesPerSecond = (Math.max(1, input.threads) * FLOPS_PER_THREAD * (input.bf16 ? BF16_SPEEDUP : 1)) / flopsPerSample;
  return { seconds: work / samplesPerSecond, basis: 'model size', samplesPerSecond };
}

/** " (head ×50)" when the head learns at its own rate (--head-lr-scale), else "". */
export function headRateText(e: Pick<StartedEvent, 'head_lr_scale'>): string {
  return e.head_lr_scale !== undefined && e.head_lr_scale !== 1 ? ` (head ×${e.head_lr_scale})` : '';
}

/** "1 epoch", "4 epochs". */
export function epochsText(n: number): string {
  return `${n} epoch${n === 1 ? '' : 's'}`;
}
