// The one message schema between the training panel's host (src/panel/trainingPanel.ts) and its webview
// (webview/main.ts). Both sides validate every message they receive with `checkToWebview` /
// `checkToHost`. It runs in the browser too, so the validators are hand-written (no ajv, no Node).
import type { TrainerEvent } from './trainerProtocol';
import { AUTO_MODEL, boundsText, OFFLINE_MODEL, trainArgSpec, trainerDefault, withinBounds, type TrainArgName, type TrainOptions } from './trainArgs';

// ---------------------------------------------------------------------------------------------
// Shared value types

export type DeviceChoice = NonNullable<TrainOptions['device']>;
export const DEVICE_CHOICES = trainArgSpec('device').choices as readonly DeviceChoice[];

/**
 * What the form asks for; `dataset` empty = the official CoLA download; `learningRate` null = the trainer's
 * default for the model; `maxTrain` null = every training row.
 */
export interface TrainForm {
  model: string;
  dataset: string;
  epochs: number;
  batchSize: number;
  learningRate: number | null;
  warmupRatio: number;
  maxLength: number;
  seed: number;
  device: DeviceChoice;
  maxTrain: number | null;
  /** The writer's feedback file (`--feedback`); empty = none. The host fills in the workspace's when it has one. */
  feedback?: string;
  /** Times each feedback sentence is repeated in an epoch's training rows (`--feedback-weight`). */
  feedbackWeight?: number;
}

/** The train option behind each form field: its bounds, default and help come from args.py's description. */
export const FORM_ARGS = {
  model: 'model',
  dataset: 'data_dir',
  epochs: 'epochs',
  batchSize: 'batch_size',
  learningRate: 'learning_rate',
  warmupRatio: 'warmup_ratio',
  maxLength: 'max_length',
  seed: 'seed',
  device: 'device',
  maxTrain: 'max_train',
  feedback: 'feedback',
  feedbackWeight: 'feedback_weight',
} as const satisfies Record<keyof TrainForm, TrainArgName>;

const argDefault = <T>(key: keyof TrainForm): T => trainArgSpec(FORM_ARGS[key]).default as T;

/**
 * The chapter's recipe as the trainer defines it (4 epochs, batch 32, warmup 10 %, 128 tokens, seed 42) on
 * the chapter's bert-base-uncased; the learning rate is left to the trainer, which picks it per model.
 */
export const DEFAULT_FORM: TrainForm = {
  model: AUTO_MODEL,
  dataset: '',
  epochs: argDefault('epochs'),
  batchSize: argDefault('batchSize'),
  learningRate: null,
  warmupRatio: argDefault('warmupRatio'),
  maxLength: argDefault('maxLength'),
  seed: argDefault('seed'),
  device: argDefault('device'),
  maxTrain: null,
  feedback: '',
  feedbackWeight: argDefault('feedbackWeight'),
};

/** The learning rate a run of this form trains with: the form's, else the trainer's default for its model. */
export function effectiveLearningRate(form: Pick<TrainForm, 'model' | 'learningRate'>): number {
  return form.learningRate ?? (trainerDefault(trainArgSpec('learning_rate'), form.model) as number);
}

/** The learning-rate field's help, with the trainer's per-model defaults. */
export function learningRateHelp(): string {
  const { fallback, byModel } = trainArgSpec('learning_rate').modelDefault!;
  const rate = (v: number) => (v < 1e-3 ? v.toExponential() : String(v));
  const special = Object.entries(byModel).map(([model, lr]) => `${rate(lr)} for ${model}`);
  return `Peak AdamW learning rate. Leave it empty for the trainer's default for the model: ${rate(fallback)} as in the chapter (bert-base-uncased)${special.length ? `, ${special.join(', ')}` : ''} (holdout MCC 0.277 against 0.213 for all-minilm-l6-v2, docs/trainer.md).`;
}

/** The trainer options a form asks for (the host adds the output folder and resume). */
export function formOptions(form: TrainForm): TrainOptions {
  return {
    model: form.model.trim(),
    dataDir: form.dataset.trim() || undefined,
    epochs: form.epochs,
    batchSize: form.batchSize,
    learningRate: form.learningRate ?? undefined,
    warmupRatio: form.warmupRatio,
    maxLength: form.maxLength,
    seed: form.seed,
    device: form.device,
    maxTrain: form.maxTrain ?? undefined,
    feedback: form.feedback?.trim() || undefined,
    // Only with a file: the trainer's flag means nothing without one.
    feedbackWeight: form.feedback?.trim() ? form.feedbackWeight : undefined,
  };
}

export interface EnvironmentView {
  status: 'checking' | 'ready' | 'missing' | 'error';
  /** Interpreter path, and where it came from ("extension environment", "setting", "PATH" …). */
  python?: string;
  source?: string;
  pythonVersion?: string;
  torch?: string;
  transformers?: string;
  cuda?: string | null;
  /** The device 'auto' would pick: a GPU with its memory, or the CPU. */
  device?: { kind: 'cuda' | 'cpu' | 'mps'; name: string; memoryBytes?: number };
  cpuThreads?: number;
  /** The CPU trains with bf16 autocast (AVX512-BF16 or AMX): faster than fp32. */
  bf16Cpu?: boolean;
  /** Whether hub models can be downloaded; when not, the panel offers the offline encoders. */
  hub?: { reachable: boolean; defaultModel: string; defaultModelCached: boolean };
  /** Human message for missing/error, e.g. "torch is not installed in /usr/bin/python3". */
  message?: string;
  /** Set while "Set up training environment" runs. */
  setup?: { message: string; percent?: number };
  /** False when a workspace setting names an interpreter that was ignored because the workspace is untrusted. */
  trusted?: boolean;
}

export type RunOutcome = 'running' | 'done' | 'cancelled' | 'error' | 'crashed';

/** The current (or last) run as the host knows it; the webview rebuilds its view from `events`. */
export interface RunSnapshot {
  id: string;
  form: TrainForm;
  outcome: RunOutcome;
  events: TrainerEvent[];
  log: string[];
  /** Why it ended, for error/crashed: the trainer's message, or the exit code and stderr tail. */
  failure?: { message: string; hint?: string; code?: string };
  /** A checkpoint exists that Resume can continue from. */
  resumable: boolean;
}

export interface HistoryEntry {
  id: string;
  started: string;
  outcome: RunOutcome;
  model: string;
  device: string;
  precision?: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seconds: number;
  holdoutMcc: number | null;
  holdoutAccuracy: number | null;
  bestValMcc: number | null;
  hasModel: boolean;
  /** Finished CPU runs: training sentences x epochs / wall seconds (validation included), for the next estimate. */
  cpuSamplesPerSecond?: number;
}

export interface CompareRun {
  id: string;
  label: string;
  /** [step, loss] pairs (downsampled). */
  loss: [number, number][];
  metrics: Record<string, number | string | null>;
}

export interface Prediction {
  sentence: string;
  pAcceptable: number;
  pUnacceptable: number;
}

export interface ChartImage {
  name: string;
  /** data:image/png;base64,… or data:image/svg+xml;base64,… as produced by the webview. */
  dataUrl: string;
}

// ---------------------------------------------------------------------------------------------
// Messages

export type ToWebview =
  | { type: 'init'; form: TrainForm; environment: EnvironmentView; run: RunSnapshot | null; history: HistoryEntry[] }
  | { type: 'environment'; environment: EnvironmentView }
  | { type: 'runStarted'; run: RunSnapshot }
  | { type: 'runEvents'; id: string; events: TrainerEvent[]; log: string[] }
  | { type: 'runEnded'; id: string; outcome: Exclude<RunOutcome, 'running'>; failure?: RunSnapshot['failure']; resumable: boolean }
  | { type: 'history'; runs: HistoryEntry[] }
  | { type: 'compare'; runs: CompareRun[] }
  | { type: 'predictions'; requestId: number; results: Prediction[] }
  | { type: 'predictionFailed'; requestId: number; message: string }
  | { type: 'folderChosen'; field: 'model' | 'dataset'; path: string }
  | { type: 'notice'; level: 'info' | 'error'; message: string }
  | { type: 'showTab'; tab: 'train' | 'history' }
  | WarmupMessage;

/**
 * The host's warm-up of (model, maxLength) on this CPU (`cola_trainer warmup`): 'measuring' while it runs, then
 * the measured training samples/s, or 'failed' (the estimate then stays on the model's size).
 */
export interface WarmupMessage {
  type: 'warmup';
  model: string;
  maxLength: number;
  state: 'measuring' | 'measured' | 'failed';
  samplesPerSecond?: number;
  message?: string;
}

export type ToHost =
  | { type: 'ready' }
  | { type: 'start'; form: TrainForm }
  /** The form as typed (debounced), for the host to keep per workspace across window reloads. */
  | { type: 'formChanged'; form: TrainForm }
  | { type: 'cancel' }
  | { type: 'resume' }
  | { type: 'checkEnvironment' }
  | { type: 'setupEnvironment' }
  | { type: 'chooseInterpreter' }
  | { type: 'chooseFolder'; field: 'model' | 'dataset' }
  | { type: 'useModel' }
  | { type: 'openModelFolder' }
  | { type: 'openLog' }
  | { type: 'exportReport'; charts: ChartImage[] }
  | { type: 'predict'; requestId: number; sentence: string }
  | { type: 'compareRuns'; ids: [string, string] }
  | { type: 'deleteRun'; id: string };

// ---------------------------------------------------------------------------------------------
// A tiny validator kit. A check returns null when the value fits, otherwise a message saying where and why.

type Check = (value: unknown, where: string) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
};

const str =
  (maxLength = 100_000): Check =>
  (v, w) =>
    typeof v !== 'string' ? `${w} must be a string, got ${show(v)}` : v.length > maxLength ? `${w} is longer than ${maxLength} characters` : null;
const num: Check = (v, w) => (typeof v === 'number' && Number.isFinite(v) ? null : `${w} must be a finite number, got ${show(v)}`);
const int: Check = (v, w) => (Number.isInteger(v) ? null : `${w} must be an integer, got ${show(v)}`);
const bool: Check = (v, w) => (typeof v === 'boolean' ? null : `${w} must be true or false, got ${show(v)}`);
const oneOf =
  (...values: readonly unknown[]): Check =>
  (v, w) =>
    values.includes(v) ? null : `${w} must be one of ${values.map(show).join(', ')}, got ${show(v)}`;
const nullable =
  (c: Check): Check =>
  (v, w) =>
    v === null ? null : c(v, w);
const any: Check = () => null;
const arr =
  (item: Check, maxItems = 1_000_000): Check =>
  (v, w) => {
    if (!Array.isArray(v)) return `${w} must be an array, got ${show(v)}`;
    if (v.length > maxItems) return `${w} has more than ${maxItems} items`;
    for (let i = 0; i < v.length; i++) {
      const e = item(v[i], `${w}[${i}]`);
      if (e) return e;
    }
    return null;
  };
const tuple =
  (...items: Check[]): Check =>
  (v, w) => {
    if (!Array.isArray(v) || v.length !== items.length) return `${w} must be an array of ${items.length} items, got ${show(v)}`;
    for (let i = 0; i < items.length; i++) {
      const e = items[i](v[i], `${w}[${i}]`);
      if (e) return e;
    }
    return null;
  };
/** An object with exactly these keys: `required` must be present, `optional` may be; nothing else. */
const obj =
  (required: Record<string, Check>, optional: Record<string, Check> = {}): Check =>
  (v, w) => {
    if (!isObject(v)) return `${w} must be an object, got ${show(v)}`;
    for (const [k, c] of Object.entries(required)) {
      if (!(k in v)) return `${w}.${k} is missing`;
      const e = c(v[k], `${w}.${k}`);
      if (e) return e;
    }
    for (const [k, c] of Object.entries(optional)) {
      if (k in v && v[k] !== undefined) {
        const e = c(v[k], `${w}.${k}`);
        if (e) return e;
      }
    }
    for (const k of Object.keys(v)) if (!(k in required) && !(k in optional)) return `${w} has an unexpected property '${k}'`;
    return null;
  };
const record =
  (value: Check): Check =>
  (v, w) => {
    if (!isObject(v)) return `${w} must be an object, got ${show(v)}`;
    for (const [k, x] of Object.entries(v)) {
      const e = value(x, `${w}.${k}`);
      if (e) return e;
    }
    return null;
  };

// ---------------------------------------------------------------------------------------------
// Form validation, with messages a user can act on (shown next to the field in the panel).

export type FormErrors = Partial<Record<keyof TrainForm, string>>;

/**
 * Panel-only caps below the trainer's own bounds: values past them are legal but almost surely typos
 * (a 1000-epoch run, a batch no GPU holds, a learning rate that destroys a pretrained BERT).
 */
export const PANEL_CAPS: Partial<Record<keyof TrainForm, number>> = { epochs: 100, batchSize: 4096, learningRate: 0.01 };

export const FORM_LABELS: Record<keyof TrainForm, string> = {
  model: 'Base model',
  dataset: 'Dataset',
  epochs: 'Epochs',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  warmupRatio: 'Warmup ratio',
  maxLength: 'Max length',
  seed: 'Seed',
  device: 'Device',
  maxTrain: 'Training sentences',
  feedback: 'Feedback file',
  feedbackWeight: 'Feedback weight',
};

/** Why a number does not fit its train option (bounds from args.py, then the panel's cap), or undefined. */
function numberProblem(key: keyof TrainForm, v: number): string | undefined {
  const spec = trainArgSpec(FORM_ARGS[key]);
  const what = FORM_LABELS[key];
  const cap = PANEL_CAPS[key];
  if (spec.type === 'int') {
    if (!Number.isFinite(v) || !Number.isInteger(v)) return `${what} must be a whole number.`;
    const lo = spec.minimum ?? (spec.exclusiveMinimum !== undefined ? spec.exclusiveMinimum + 1 : undefined);
    const specHi = spec.maximum ?? (spec.exclusiveMaximum !== undefined ? spec.exclusiveMaximum - 1 : undefined);
    const hi = cap !== undefined && (specHi === undefined || cap < specHi) ? cap : specHi;
    if ((lo !== undefined && v < lo) || (hi !== undefined && v > hi)) {
      return lo !== undefined && hi !== undefined ? `${what} must be between ${lo} and ${hi}.` : `${what} must be ${boundsText(spec)}.`;
    }
    return undefined;
  }
  if (!Number.isFinite(v)) return `${what} must be a number.`;
  if (withinBounds(spec, v)) return undefined;
  const words = [
    spec.minimum !== undefined ? `at least ${spec.minimum}` : spec.exclusiveMinimum !== undefined ? `above ${spec.exclusiveMinimum}` : '',
    spec.maximum !== undefined ? `at most ${spec.maximum}` : spec.exclusiveMaximum !== undefined ? `below ${spec.exclusiveMaximum}` : '',
  ].filter(Boolean);
  return `${what} must be ${words.join(' and ')}.`;
}

/** Checks a form as a user filled it; returns one message per invalid field (empty object = valid). */
export function validateForm(form: TrainForm): FormErrors {
  const errors: FormErrors = {};
  const model = form.model.trim();
  if (!model) errors.model = `Enter a Hugging Face model id (e.g. ${AUTO_MODEL}), ${OFFLINE_MODEL}, or a local folder.`;
  else if (/\s/.test(model) && !/[\\/]/.test(model)) errors.model = `A hub id has no spaces (e.g. ${AUTO_MODEL}); for a folder, give its full path.`;
  for (const key of ['epochs', 'batchSize', 'maxLength', 'seed'] as const) {
    const problem = numberProblem(key, form[key]);
    if (problem) errors[key] = problem;
  }
  const lr = form.learningRate;
  if (lr !== null) {
    if (!Number.isFinite(lr) || lr <= 0) errors.learningRate = 'Learning rate must be a positive number such as 2e-5, or empty for the trainer\'s default for the model.';
    else if (numberProblem('learningRate', lr)) errors.learningRate = numberProblem('learningRate', lr);
    else if (lr > PANEL_CAPS.learningRate!) errors.learningRate = 'Learning rates above 0.01 destroy a pretrained BERT; the chapter uses 2e-5 (BERT paper: 5e-5, 4e-5, 3e-5, 2e-5).';
  }
  const warmup = numberProblem('warmupRatio', form.warmupRatio);
  if (warmup) errors.warmupRatio = `${warmup} It is a fraction of the training steps (0.1 = 10 %).`;
  const maxTrain = form.maxTrain ?? null;
  if (maxTrain !== null) {
    const problem = numberProblem('maxTrain', maxTrain);
    if (problem) errors.maxTrain = `${problem} Leave it empty to train on every sentence.`;
  }
  if (form.feedbackWeight !== undefined) {
    const problem = numberProblem('feedbackWeight', form.feedbackWeight);
    if (problem) errors.feedbackWeight = problem;
  }
  if (!DEVICE_CHOICES.includes(form.device)) errors.device = `Device must be one of ${DEVICE_CHOICES.join(', ')}.`;
  return errors;
}

const formCheck: Check = obj({
  model: str(4096),
  dataset: str(4096),
  epochs: num,
  batchSize: num,
  learningRate: nullable(num),
  warmupRatio: num,
  maxLength: num,
  seed: num,
  device: oneOf(...DEVICE_CHOICES),
  maxTrain: nullable(num),
}, { feedback: str(4096), feedbackWeight: num });

/** The fields of a trainer event the panel reads; the host has already validated events against the JSON Schema. */
const positive: Check = (v, w) => num(v, w) ?? ((v as number) >= 0 ? null : `${w} must not be negative`);
const confusionCheck: Check = obj({ tp: int, tn: int, fp: int, fn: int });
const eventChecks: Record<TrainerEvent['event'], Check> = {
  environment: (v, w) => (isObject(v) && Array.isArray(v.devices) ? null : `${w}.devices must be an array`),
  started: (v, w) => {
    const o = v as Record<string, unknown>;
    for (const k of ['total_steps', 'steps_per_epoch', 'epochs', 'batch_size', 'start_step', 'train_size']) {
      const e = int(o[k], `${w}.${k}`);
      if (e) return e;
    }
    return str()(o.device_name, `${w}.device_name`) ?? str()(o.precision, `${w}.precision`) ?? str()(o.output_dir, `${w}.output_dir`);
  },
  fetch: (v, w) => {
    const o = v as Record<string, unknown>;
    return str()(o.model, `${w}.model`) ?? oneOf('download', 'verify', 'unpack', 'ready')(o.phase, `${w}.phase`);
  },
  warmup: (v, w) => {
    const o = v as Record<string, unknown>;
    return str()(o.model, `${w}.model`) ?? int(o.max_length, `${w}.max_length`) ?? positive(o.samples_per_second, `${w}.samples_per_second`);
  },
  step: (v, w) => {
    const o = v as Record<string, unknown>;
    return int(o.step, `${w}.step`) ?? num(o.loss, `${w}.loss`) ?? positive(o.eta_s, `${w}.eta_s`) ?? positive(o.samples_per_second, `${w}.samples_per_second`);
  },
  evaluation: (v, w) => {
    const o = v as Record<string, unknown>;
    return int(o.epoch, `${w}.epoch`) ?? num(o.val_mcc, `${w}.val_mcc`) ?? num(o.val_accuracy, `${w}.val_accuracy`) ?? num(o.train_loss, `${w}.train_loss`) ?? num(o.val_loss, `${w}.val_loss`);
  },
  checkpoint: (v, w) => str()((v as Record<string, unknown>).path, `${w}.path`),
  holdout: (v, w) => {
    const o = v as Record<string, unknown>;
    return num(o.mcc, `${w}.mcc`) ?? num(o.accuracy, `${w}.accuracy`) ?? int(o.n, `${w}.n`) ?? confusionCheck(o.confusion, `${w}.confusion`);
  },
  quality: (v, w) => {
    const o = v as Record<string, unknown>;
    return num(o.threshold, `${w}.threshold`) ?? num(o.temperature, `${w}.temperature`) ?? oneOf('cola', 'cola+prose')(o.data_mix, `${w}.data_mix`);
  },
  exported: (v, w) => str()((v as Record<string, unknown>).path, `${w}.path`),
  done: (v, w) => str()((v as Record<string, unknown>).output_dir, `${w}.output_dir`),
  cancelled: (v, w) => nullable(str())((v as Record<string, unknown>).checkpoint, `${w}.checkpoint`),
  error: (v, w) => str()((v as Record<string, unknown>).message, `${w}.message`),
  warning: (v, w) => str()((v as Record<string, unknown>).message, `${w}.message`),
};
const trainerEvent: Check = (v, w) => {
  if (!isObject(v)) return `${w} must be an object`;
  if (v.v !== 1) return `${w}.v must be 1`;
  const check = eventChecks[v.event as TrainerEvent['event']];
  if (typeof v.event !== 'string' || !Object.hasOwn(eventChecks, v.event)) return `${w}.event ${show(v.event)} is not a trainer event`;
  return check(v, w);
};

const outcomes = ['running', 'done', 'cancelled', 'error', 'crashed'] as const;
const failureCheck: Check = obj({ message: str() }, { hint: str(), code: str() });
const environmentCheck: Check = obj(
  { status: oneOf('checking', 'ready', 'missing', 'error') },
  {
    python: str(),
    source: str(),
    pythonVersion: str(),
    torch: str(),
    transformers: str(),
    cuda: nullable(str()),
    device: obj({ kind: oneOf('cuda', 'cpu', 'mps'), name: str() }, { memoryBytes: num }),
    cpuThreads: int,
    bf16Cpu: bool,
    hub: obj({ reachable: bool, defaultModel: str(), defaultModelCached: bool }),
    message: str(),
    setup: obj({ message: str() }, { percent: num }),
    trusted: bool,
  },
);
const runCheck: Check = obj(
  { id: str(), form: formCheck, outcome: oneOf(...outcomes), events: arr(trainerEvent), log: arr(str()), resumable: bool },
  { failure: failureCheck },
);
const historyEntry: Check = obj({
  id: str(),
  started: str(),
  outcome: oneOf(...outcomes),
  model: str(),
  device: str(),
  epochs: num,
  batchSize: num,
  learningRate: num,
  seconds: num,
  holdoutMcc: nullable(num),
  holdoutAccuracy: nullable(num),
  bestValMcc: nullable(num),
  hasModel: bool,
}, { precision: str(), cpuSamplesPerSecond: num });
const compareRun: Check = obj({ id: str(), label: str(), loss: arr(tuple(num, num)), metrics: record((v, w) => (v === null || typeof v === 'string' ? null : num(v, w))) });
const prediction: Check = obj({ sentence: str(), pAcceptable: num, pUnacceptable: num });
const field = oneOf('model', 'dataset');
const MAX_IMAGE = 20_000_000;
const chartImage: Check = obj({
  name: (v, w) => str(100)(v, w) ?? (/^[A-Za-z0-9_-]+$/.test(v as string) ? null : `${w} may hold only letters, digits, - and _`),
  dataUrl: (v, w) => str(MAX_IMAGE)(v, w) ?? (/^data:image\/(png|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(v as string) ? null : `${w} must be a base64 PNG or SVG data URL`),
});

const toWebviewChecks: { [K in ToWebview['type']]: Check } = {
  init: obj({ type: any, form: formCheck, environment: environmentCheck, run: nullable(runCheck), history: arr(historyEntry) }),
  environment: obj({ type: any, environment: environmentCheck }),
  runStarted: obj({ type: any, run: runCheck }),
  runEvents: obj({ type: any, id: str(), events: arr(trainerEvent), log: arr(str()) }),
  runEnded: obj({ type: any, id: str(), outcome: oneOf('done', 'cancelled', 'error', 'crashed'), resumable: bool }, { failure: failureCheck }),
  history: obj({ type: any, runs: arr(historyEntry) }),
  compare: obj({ type: any, runs: arr(compareRun, 2) }),
  predictions: obj({ type: any, requestId: int, results: arr(prediction) }),
  predictionFailed: obj({ type: any, requestId: int, message: str() }),
  folderChosen: obj({ type: any, field, path: str() }),
  notice: obj({ type: any, level: oneOf('info', 'error'), message: str() }),
  showTab: obj({ type: any, tab: oneOf('train', 'history') }),
  warmup: obj({ type: any, model: str(4096), maxLength: int, state: oneOf('measuring', 'measured', 'failed') }, { samplesPerSecond: num, message: str() }),
};

const empty = obj({ type: any });
const toHostChecks: { [K in ToHost['type']]: Check } = {
  ready: empty,
  start: obj({ type: any, form: formCheck }),
  formChanged: obj({ type: any, form: formCheck }),
  cancel: empty,
  resume: empty,
  checkEnvironment: empty,
  setupEnvironment: empty,
  chooseInterpreter: empty,
  chooseFolder: obj({ type: any, field }),
  useModel: empty,
  openModelFolder: empty,
  openLog: empty,
  exportReport: obj({ type: any, charts: arr(chartImage, 8) }),
  predict: obj({ type: any, requestId: int, sentence: str(2000) }),
  compareRuns: obj({ type: any, ids: tuple(str(200), str(200)) }),
  deleteRun: obj({ type: any, id: str(200) }),
};

/** Thrown for a message that does not belong to the schema. */
export class MessageError extends Error {
  override readonly name = 'MessageError';
}

function check<T>(checks: Record<string, Check>, value: unknown, side: string): T {
  if (!isObject(value)) throw new MessageError(`${side} message must be an object, got ${show(value)}`);
  const type = value.type;
  if (typeof type !== 'string' || !Object.hasOwn(checks, type)) throw new MessageError(`unknown ${side} message type ${show(type)}`);
  const error = checks[type](value, type);
  if (error) throw new MessageError(`invalid ${side} message: ${error}`);
  return value as T;
}

/** Validates a message the webview received from the host. */
export function checkToWebview(value: unknown): ToWebview {
  return check<ToWebview>(toWebviewChecks, value, 'host→webview');
}

/** Validates a message the host received from the webview. */
export function checkToHost(value: unknown): ToHost {
  return check<ToHost>(toHostChecks, value, 'webview→host');
}

export const toWebviewTypes = Object.keys(toWebviewChecks) as ToWebview['type'][];
export const toHostTypes = Object.keys(toHostChecks) as ToHost['type'][];
