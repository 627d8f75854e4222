// Reads and validates an exported model folder (docs/architecture.md, "Model folder"): cola-bert.json,
// tokenizer.json and the ONNX files. Every failure is a ModelFolderError whose message names the file
// and says what to do, so editors and the CLI can show it as is.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FileHoldout } from '../../protocol/trainerProtocol';

export const METADATA_FILE = 'cola-bert.json';
export const TOKENIZER_FILE = 'tokenizer.json';

export type ModelFolderErrorCode = 'not_found' | 'missing_file' | 'invalid_json' | 'invalid_metadata' | 'onnx_load_failed' | 'tokenizer_invalid';

export class ModelFolderError extends Error {
  override readonly name = 'ModelFolderError';
  constructor(
    readonly code: ModelFolderErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** The subset of cola-bert.json that inference relies on (the trainer writes more; see docs/architecture.md). */
export interface ModelMetadata {
  format: 1;
  base_model: string;
  model_resolved?: string;
  labels: [string, string];
  max_length: number;
  onnx: string;
  onnx_int8?: string | null;
  inputs: string[];
  best_epoch?: number;
  metrics?: {
    validation?: { mcc: number; accuracy: number; loss?: number };
    holdout?: { n: number; mcc: number; accuracy: number; confusion: { tp: number; tn: number; fp: number; fn: number } };
    epochs?: unknown[];
  };
  hyperparameters?: Record<string, unknown>;
  /** Temperature scaling fitted by the trainer: P(acceptable) = softmax(logits / temperature)[1]. */
  calibration?: { temperature: number; threshold: number; method?: string; fitted_on?: string; [key: string]: unknown };
  /** The holdout scored by each exported ONNX file itself (the trainer's metrics.holdout is PyTorch's). */
  holdout_by_file?: Record<string, FileHoldout>;
  created?: string;
  [key: string]: unknown;
}


export interface ModelFolder {
  dir: string;
  metadata: ModelMetadata;
  tokenizerPath: string;
  /** Absolute path of the fp32 ONNX file, or null when the folder ships only the int8 one. */
  onnxPath: string | null;
  /** Absolute path of the int8 ONNX file, or null when there is none. */
  onnxInt8Path: string | null;
}

const HINT = 'Choose a folder written by `cola-bert train` (or "cola-bert: Fine-tune BERT on CoLA"), or fine-tune again.';

function fail(code: ModelFolderErrorCode, message: string, file?: string): never {
  throw new ModelFolderError(code, `${message} ${HINT}`, file);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail('missing_file', `The model folder has no ${what} (${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, file);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    fail('invalid_json', `${file} is not valid JSON (${(e as Error).message}); the model folder is corrupt.`, file);
  }
}

function isSafeFileName(name: unknown): name is string {
  // Metadata names files inside the folder; refuse paths that would reach outside it.
  return typeof name === 'string' && name.length > 0 && path.basename(name) === name && name !== '.' && name !== '..';
}

/** Validates the parsed cola-bert.json; returns a list of problems (empty when fine). */
export function metadataProblems(m: unknown): string[] {
  const problems: string[] = [];
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return ['it is not a JSON object'];
  const o = m as Record<string, unknown>;
  if (o.format !== 1) problems.push(`"format" is ${JSON.stringify(o.format)}, expected 1`);
  if (typeof o.base_model !== 'string') problems.push('"base_model" must be a string');
  if (!Array.isArray(o.labels) || o.labels.length !== 2 || !o.labels.every((l) => typeof l === 'string')) {
    problems.push('"labels" must be two strings (index 0 = unacceptable, index 1 = acceptable)');
  }
  if (!Number.isInteger(o.max_length) || (o.max_length as number) < 2) problems.push('"max_length" must be an integer ≥ 2');
  if (!isSafeFileName(o.onnx)) problems.push('"onnx" must be a file name inside the folder');
  if (o.onnx_int8 !== undefined && o.onnx_int8 !== null && !isSafeFileName(o.onnx_int8)) problems.push('"onnx_int8" must be a file name inside the folder or null');
  if (!Array.isArray(o.inputs) || !o.inputs.every((i) => typeof i === 'string') || !o.inputs.includes('input_ids')) {
    problems.push('"inputs" must be a list of input names including "input_ids"');
  }
  problems.push(...calibrationProblems(o.calibration), ...holdoutByFileProblems(o.holdout_by_file));
  return problems;
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function calibrationProblems(c: unknown): string[] {
  if (c === undefined || c === null) return [];
  if (!isPlainObject(c)) return ['"calibration" must be an object with "temperature" and "threshold"'];
  const problems: string[] = [];
  if (!isFiniteNumber(c.temperature) || c.temperature <= 0) problems.push(`"calibration.temperature" is ${JSON.stringify(c.temperature)}, expected a number > 0`);
  if (!isFiniteNumber(c.threshold) || c.threshold < 0 || c.threshold > 1) problems.push(`"calibration.threshold" is ${JSON.stringify(c.threshold)}, expected a probability from 0 to 1`);
  return problems;
}

function holdoutByFileProblems(h: unknown): string[] {
  if (h === undefined || h === null) return [];
  if (!isPlainObject(h)) return ['"holdout_by_file" must be an object keyed by ONNX file name'];
  return Object.entries(h)
    .filter(([, v]) => !isPlainObject(v) || !isFiniteNumber(v.mcc) || !isFiniteNumber(v.threshold) || !isFiniteNumber(v.temperature))
    .map(([k]) => `"holdout_by_file.${k}" must have numeric "mcc", "threshold" and "temperature"`);
}

function nonEmptyFile(file: string): boolean {
  try {
    const s = statSync(file);
    return s.isFile() && s.size > 0;
  } catch {
    return false;
  }
}

/** The folder itself exists and is a folder; returns its absolute path. */
export function modelFolderPath(dir: string): string {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) fail('not_found', `Model folder ${abs} does not exist.`);
  if (!statSync(abs).isDirectory()) fail('not_found', `${abs} is not a folder.`);
  return abs;
}

/** Reads and validates cola-bert.json alone (what the tokenizer needs); the ONNX files are not looked at. */
export function readModelMetadata(dir: string): ModelMetadata {
  const abs = modelFolderPath(dir);
  const metaFile = path.join(abs, METADATA_FILE);
  const metadata = readJson(metaFile, `${METADATA_FILE} (model metadata)`);
  const problems = metadataProblems(metadata);
  const positions = maxPositions(abs);
  if (positions !== null && Number.isInteger((metadata as { max_length?: unknown }).max_length) && (metadata as { max_length: number }).max_length > positions) {
    problems.push(`"max_length" is ${(metadata as { max_length: number }).max_length}, more than the ${positions} positions in config.json`);
  }
  if (problems.length) fail('invalid_metadata', `${metaFile} is not valid cola-bert metadata: ${problems.join('; ')}.`, metaFile);
  return metadata as ModelMetadata;
}

/** max_position_embeddings from the Hugging Face config.json beside the model, when there is a readable one. */
function maxPositions(dir: string): number | null {
  try {
    const n = (JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { max_position_embeddings?: unknown }).max_position_embeddings;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null; // config.json is optional for inference
  }
}

/** Reads and validates a model folder; throws ModelFolderError with an actionable message. */
export function readModelFolder(dir: string): ModelFolder {
  const meta = readModelMetadata(dir); // checks the folder itself first
  const abs = path.resolve(dir);
  const tokenizerPath = path.join(abs, TOKENIZER_FILE);
  if (!nonEmptyFile(tokenizerPath)) fail('missing_file', `The model folder has no ${TOKENIZER_FILE} (${tokenizerPath}).`, tokenizerPath);
  const onnxPath = path.join(abs, meta.onnx);
  const int8 = meta.onnx_int8 ? path.join(abs, meta.onnx_int8) : null;
  const haveFp32 = nonEmptyFile(onnxPath);
  const haveInt8 = int8 !== null && nonEmptyFile(int8);
  if (!haveFp32 && !haveInt8) {
    fail('missing_file', `The model folder has no ONNX model (looked for ${[onnxPath, int8].filter(Boolean).join(' and ')}).`, onnxPath);
  }
  return { dir: abs, metadata: meta, tokenizerPath, onnxPath: haveFp32 ? onnxPath : null, onnxInt8Path: haveInt8 ? int8 : null };
}

/** Picks the ONNX file to run: int8 when present and preferred, else fp32 (else whatever exists). */
export function chooseOnnx(folder: ModelFolder, preferInt8 = true): { file: string; quantized: boolean } {
  if (preferInt8 && folder.onnxInt8Path) return { file: folder.onnxInt8Path, quantized: true };
  if (folder.onnxPath) return { file: folder.onnxPath, quantized: false };
  return { file: folder.onnxInt8Path as string, quantized: true };
}

/** How inference turns logits into P(acceptable) and a flag; folders older than calibration get T = 1, threshold 0.5. */
export interface Calibration {
  temperature: number;
  /** The model's default flagging threshold: flag when P(acceptable) < threshold. */
  threshold: number;
  /** False when cola-bert.json has no calibration block (the values above are then the uncalibrated defaults). */
  fitted: boolean;
  /** What the temperature and the threshold were fitted on, in the trainer's words. */
  fittedOn?: string;
}

export const UNCALIBRATED: Calibration = { temperature: 1, threshold: 0.5, fitted: false };

export function calibrationOf(meta: ModelMetadata): Calibration {
  const c = meta.calibration;
  if (!c) return UNCALIBRATED;
  return {
    temperature: c.temperature,
    threshold: c.threshold,
    fitted: true,
    ...(typeof c.fitted_on === 'string' && c.fitted_on ? { fittedOn: c.fitted_on } : {}),
  };
}

/** A holdout MCC and what it was measured on: `file` names the ONNX file that scored it, null for the trainer's PyTorch run. */
export interface HoldoutScore {
  mcc: number;
  file: string | null;
}

/**
 * The holdout MCC of the ONNX file that runs: measured on that very file when the trainer recorded it
 * (holdout_by_file), else the trainer's PyTorch number (older folders), else null.
 */
export function holdoutFor(meta: ModelMetadata, onnxFile: string): HoldoutScore | null {
  const name = path.basename(onnxFile);
  const own = meta.holdout_by_file?.[name];
  if (own) return { mcc: own.mcc, file: name };
  const mcc = meta.metrics?.holdout?.mcc;
  return isFiniteNumber(mcc) ? { mcc, file: null } : null;
}

/** "0.257 (measured on model.int8.onnx)" or "0.277 (the trainer's, PyTorch)": every place that shows the MCC says which. */
export function describeHoldout(score: HoldoutScore | null): string {
  if (!score) return 'n/a';
  return `${score.mcc.toFixed(3)} (${score.file ? `measured on ${score.file}` : "the trainer's, PyTorch"})`;
}
