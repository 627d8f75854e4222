// Types and validator for the trainer protocol. The JSON Schema in trainer/cola_trainer/protocol.schema.json
// is the single definition; the types below mirror it by hand and test/unit/trainerProtocol.test.ts checks
// that every type has exactly the schema's required and optional keys and enum values. The validators are
// precompiled from it (scripts/gen-validators.mjs), so checking an event compiles nothing at run time.
import type { ErrorObject } from 'ajv';
import schema from '../trainer/cola_trainer/protocol.schema.json';
import { trainerEventValidators, validateTrainerCommand as validateCommand, validateTrainerEvent as validateEvent, type SchemaValidator } from './schemaValidators.generated.mjs';

export const PROTOCOL_VERSION = 1 as const;
export const protocolSchema = schema;

export interface Confusion {
  tp: number;
  tn: number;
  fp: number;
  fn: number;
}

export type DeviceKind = 'cuda' | 'cpu' | 'mps';
export type Precision = 'fp32' | 'bf16' | 'fp16';

export interface EnvironmentDevice {
  kind: DeviceKind;
  index?: number;
  name: string;
  memory_bytes?: number;
}

export interface EnvironmentEvent {
  event: 'environment';
  v: 1;
  python: string;
  torch: string;
  transformers: string;
  onnx?: string | null;
  onnxruntime?: string | null;
  cuda: string | null;
  bf16_cpu: boolean;
  cpu_threads?: number;
  /** `env` only: can hub models be fetched (a short probe), and is the default hub model cached anyway. */
  hub?: { reachable: boolean; default_model: string; default_model_cached: boolean };
  devices: EnvironmentDevice[];
}

export interface StartedEvent {
  event: 'started';
  v: 1;
  run_id: string;
  model: string;
  model_resolved?: string;
  parameters?: number;
  device: DeviceKind;
  device_name: string;
  precision: Precision;
  world_size: number;
  train_size: number;
  validation_size: number;
  holdout_size: number;
  epochs: number;
  batch_size: number;
  learning_rate: number;
  warmup_steps?: number;
  max_length?: number;
  steps_per_epoch: number;
  total_steps: number;
  start_step: number;
  seed: number;
  output_dir: string;
}

export interface FetchEvent {
  event: 'fetch';
  v: 1;
  model: string;
  phase: 'download' | 'verify' | 'unpack' | 'ready';
  done_bytes?: number;
  total_bytes?: number;
  path?: string;
  cached?: boolean;
  elapsed_s?: number;
}

/** `python -m cola_trainer warmup`: this CPU's training speed over a few timed steps, for the run estimate. */
export interface WarmupEvent {
  event: 'warmup';
  v: 1;
  model: string;
  device: 'cpu';
  precision: 'fp32' | 'bf16';
  threads: number;
  batch_size: number;
  max_length: number;
  steps: number;
  mean_tokens?: number;
  sentences?: 'cola' | 'synthetic';
  parameters?: number;
  seconds: number;
  samples_per_second: number;
}

export interface StepEvent {
  event: 'step';
  v: 1;
  epoch: number;
  step: number;
  total_steps: number;
  loss: number;
  lr: number;
  grad_norm?: number;
  samples_per_second: number;
  elapsed_s: number;
  eta_s: number;
}

export interface EvaluationEvent {
  event: 'evaluation';
  v: 1;
  epoch: number;
  step: number;
  train_loss: number;
  val_loss: number;
  val_accuracy: number;
  val_mcc: number;
  confusion?: Confusion;
  best: boolean;
  /** Detection MCC on the prose validation documents at P < 0.5, before calibration. */
  prose_val_mcc?: number;
  /** Share of the clean prose validation sentences with P < 0.5, before calibration. */
  prose_val_clean_flagged?: number;
  epoch_seconds?: number;
  elapsed_s: number;
}

export interface CheckpointEvent {
  event: 'checkpoint';
  v: 1;
  epoch: number;
  step: number;
  path: string;
}

export interface HoldoutEvent {
  event: 'holdout';
  v: 1;
  n: number;
  mcc: number;
  accuracy: number;
  loss?: number;
  best_epoch?: number;
  confusion: Confusion;
}

/** cola-bert.json's "calibration": P(acceptable) = sigmoid((l1 − l0) / temperature + bias); flag when P < threshold. */
export interface Calibration {
  temperature: number;
  /** 0 for temperature scaling. */
  bias: number;
  threshold: number;
  method: 'temperature' | 'affine';
  fitted_on: string;
  max_false_alarm: number;
  ece_before: number;
  ece_after: number;
}

export interface ProseBlock {
  n_clean: number;
  n_corrupted: number;
  clean_flagged: number;
  corrupted_flagged: number;
  mcc: number;
  ece: number;
}

/** One model on the feedback sentences, at its own calibrated threshold (schema: feedbackAccuracy). */
export interface FeedbackAccuracy {
  n: number;
  correct: number;
  accuracy: number;
  threshold: number;
  temperature: number;
  bias: number;
  /** 'before' only: the model folder scored, and which argument named it. */
  model?: string;
  chosen_by?: string;
}

/** The run's `--feedback` file and how the models judge its sentences (schema: feedbackReport). */
export interface FeedbackReport {
  file: string;
  sha256: string;
  n: number;
  acceptable: number;
  unacceptable: number;
  weight: number;
  training_rows: number;
  /** null: no previous model to compare with; `before_unavailable` says why. */
  before: FeedbackAccuracy | null;
  before_unavailable?: string;
  after: FeedbackAccuracy;
  still_wrong: { sentence: string; label: 0 | 1 }[];
}

/** Held-out quality after training, with the calibrated P and threshold (also cola-bert.json's "quality"). */
export interface QualityEvent {
  event: 'quality';
  v: 1;
  calibration: Calibration;
  data_mix: 'cola' | 'cola+prose';
  threshold: number;
  temperature: number;
  prose_corpus_sha256?: string;
  /** With --feedback: accuracy on the writer's taught sentences before and after (schema: feedbackReport). */
  feedback?: FeedbackReport;
  prose_test: ProseBlock & {
    ece_uncalibrated: number;
    per_type: Record<string, { n: number; detected: number; mcc: number }>;
    per_source: Record<string, ProseBlock>;
  };
  cola_holdout: { n: number; mcc: number; accuracy: number; confusion: Confusion; ece: number; mcc_at_0_5?: number; reliability: ReliabilityBin[] };
}

/** One bin of the reliability diagram of the calibrated P(acceptable) (schema: reliability; only non-empty bins). */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  n: number;
  /** Mean P(acceptable) of the bin's sentences. */
  mean_p: number;
  /** Share of them that are acceptable. */
  observed: number;
}

/** One ONNX file scored on the holdout, one sentence per run, at the model's temperature and threshold (schema: fileHoldout). */
export interface FileHoldout {
  n: number;
  mcc: number;
  accuracy: number;
  confusion: Confusion;
  threshold: number;
  temperature: number;
  bias: number;
  batch_size: 1;
  /** The trainer's argmax rule, to compare with its PyTorch holdout. */
  argmax: { mcc: number; confusion: Confusion };
}

export interface ExportedEvent {
  event: 'exported';
  v: 1;
  path: string;
  onnx: string;
  onnx_int8?: string | null;
  files?: string[];
  /** The holdout scored by each ONNX file itself, as cola-bert.json stores it. */
  holdout_by_file?: Record<string, FileHoldout> | null;
  seconds?: number;
}

export interface DoneEvent {
  event: 'done';
  v: 1;
  output_dir: string;
  holdout_mcc?: number | null;
  elapsed_s: number;
}

export interface CancelledEvent {
  event: 'cancelled';
  v: 1;
  step: number;
  checkpoint: string | null;
}

export type TrainerErrorCode =
  | 'bad_arguments'
  | 'data_missing'
  | 'data_malformed'
  | 'model_unavailable'
  | 'offline'
  | 'device_unavailable'
  | 'out_of_memory'
  | 'checkpoint_invalid'
  | 'export_failed'
  | 'dependency_missing'
  | 'disk_full'
  | 'internal';

export interface ErrorEvent {
  event: 'error';
  v: 1;
  code: TrainerErrorCode;
  message: string;
  hint?: string;
  file?: string;
  line?: number;
}

/** Something the user should know that does not stop the run (the CLI and the panel show the message). */
export interface WarningEvent {
  event: 'warning';
  v: 1;
  code: 'single_class';
  message: string;
}

export type TrainerEvent =
  | EnvironmentEvent
  | StartedEvent
  | FetchEvent
  | WarmupEvent
  | StepEvent
  | EvaluationEvent
  | CheckpointEvent
  | HoldoutEvent
  | QualityEvent
  | ExportedEvent
  | DoneEvent
  | CancelledEvent
  | ErrorEvent
  | WarningEvent;

export type TrainerEventName = TrainerEvent['event'];
export type TrainerEventOf<N extends TrainerEventName> = Extract<TrainerEvent, { event: N }>;

export interface TrainerCommand {
  command: 'cancel';
}

/** A stdout line that is not valid JSON or does not match the schema. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    readonly line: string,
  ) {
    super(message);
  }
}

const byEvent = new Map<string, SchemaValidator>(Object.entries(trainerEventValidators));

function describe(errors: ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'does not match the schema';
  return errors
    .map((e) => {
      const where = e.instancePath || '(root)';
      if (e.keyword === 'additionalProperties') return `${where}: unexpected property '${(e.params as { additionalProperty: string }).additionalProperty}'`;
      if (e.keyword === 'enum') return `${where}: ${e.message} (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`;
      return `${where}: ${e.message}`;
    })
    .join('; ');
}

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Parses one stdout line of the trainer into a typed event, or throws a ProtocolError saying what is wrong. */
export function parseTrainerLine(line: string): TrainerEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new ProtocolError(`trainer wrote a line that is not JSON (${(e as Error).message}): ${clip(line)}`, line);
  }
  return checkTrainerEvent(value, line);
}

/** Validates an already-parsed value as a trainer event. */
export function checkTrainerEvent(value: unknown, line = JSON.stringify(value)): TrainerEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(`trainer event must be a JSON object: ${clip(line)}`, line);
  }
  const name = (value as { event?: unknown }).event;
  if (typeof name !== 'string') throw new ProtocolError(`trainer event has no "event" field: ${clip(line)}`, line);
  const validate = byEvent.get(name);
  if (!validate) {
    throw new ProtocolError(`unknown trainer event "${name}" (known: ${[...byEvent.keys()].join(', ')}): ${clip(line)}`, line);
  }
  if (!validate(value)) throw new ProtocolError(`invalid "${name}" event: ${describe(validate.errors)}: ${clip(line)}`, line);
  // The root oneOf is the schema's real contract; per-event validation above gives the precise message.
  if (!validateEvent(value)) throw new ProtocolError(`invalid trainer event: ${describe(validateEvent.errors)}: ${clip(line)}`, line);
  return value as TrainerEvent;
}

/** Serializes a command for the trainer's stdin (validated, newline-terminated). */
export function encodeCommand(command: TrainerCommand): string {
  if (!validateCommand(command)) throw new ProtocolError(`invalid trainer command: ${describe(validateCommand.errors)}`, JSON.stringify(command));
  return `${JSON.stringify(command)}\n`;
}

/** Event names the schema defines, in schema order (for tests and UIs). */
export const trainerEventNames: readonly string[] = [...byEvent.keys()];
