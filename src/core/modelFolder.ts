// Reads and validates an exported model folder (docs/architecture.md, "Model folder"): cola-bert.json
// (against protocol/modelFolder.schema.json), tokenizer.json and the ONNX files. Every failure is a
// ModelFolderError whose message names the file and says what to do, so editors and the CLI can show it as is.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import modelFolderSchema from '../../protocol/modelFolder.schema.json';
import { validateModelMetadata } from '../../protocol/schemaValidators.generated.mjs';
import type { FileHoldout } from '../../protocol/trainerProtocol';
import { IDENTITY_SCALING, knotProblems, type Scaling } from './calibratedProbability';

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
  /**
   * Fitted by the trainer: P(acceptable) = sigmoid((l1 − l0) / temperature + bias), bias 0 when absent; with knots
   * (method "isotonic", absent in older folders) mixed with the isotonic map (calibratedProbability.ts).
   */
  calibration?: {
    temperature: number; bias?: number; threshold: number; method?: string; fitted_on?: string;
    knots?: { s: number[]; p: number[]; affine_share: number };
    [key: string]: unknown;
  };
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

/**
 * Validates the parsed cola-bert.json against protocol/modelFolder.schema.json (the trainer's tests check
 * what it writes against the same file); returns a list of problems (empty when fine), each in the words of
 * the schema's `problem` annotation for the value that broke a rule.
 */
export function metadataProblems(m: unknown): string[] {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return ['it is not a JSON object'];
  if (validateModelMetadata(m)) return [];
  const errors = validateModelMetadata.errors ?? [];
  // An `anyOf` also reports each branch at the parent; the error deepest inside a value says what is wrong.
  const deepest = errors.filter((e) => !errors.some((o) => errorPath(o).startsWith(`${errorPath(e)}/`)));
  return [...new Set(deepest.map((e) => problemText(m, e)))];
}

/** The JSON pointer of the value an error is about (a missing property's own, not its parent's). */
function errorPath(e: ErrorObject): string {
  return e.keyword === 'required' ? `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}` : e.instancePath;
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

type SchemaNode = { problem?: string; properties?: Record<string, SchemaNode>; anyOf?: SchemaNode[] };

/** The schema node of property `key` inside `node`, looking into `anyOf` branches (a block that may be null). */
function childNode(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  return node?.properties?.[key] ?? node?.anyOf?.map((branch) => childNode(branch, key)).find(Boolean);
}

/** The schema node for a property path of cola-bert.json, or undefined. */
function schemaNodeAt(keys: string[]): SchemaNode | undefined {
  return keys.reduce<SchemaNode | undefined>(childNode, modelFolderSchema as SchemaNode);
}

function problemText(metadata: object, e: ErrorObject): string {
  const keys = errorPath(e).split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  // The nearest annotated property names the problem: `calibration.temperature` has its own, an entry of
  // `holdout_by_file` is described by `holdout_by_file`'s.
  for (let depth = keys.length; depth > 0; depth--) {
    const problem = schemaNodeAt(keys.slice(0, depth))?.problem;
    if (!problem) continue;
    const value = keys.slice(0, depth).reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], metadata);
    return `"${keys.slice(0, depth).join('.')}" ${problem.replace('{value}', value === undefined ? 'missing' : JSON.stringify(value))}`;
  }
  return `"${keys.join('.') || '(root)'}" ${e.message ?? 'does not match protocol/modelFolder.schema.json'}`;
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
  // The schema checks the knots' types; their order and pairing it cannot express.
  const knots = problems.length ? undefined : (metadata as ModelMetadata).calibration?.knots;
  if (knots) problems.push(...knotProblems({ s: knots.s, p: knots.p, affineShare: knots.affine_share }).map((p) => `"calibration.knots" ${p}`));
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

/** How inference turns logits into P(acceptable) and a flag; folders older than calibration get T = 1, bias 0, threshold 0.5. */
export interface Calibration extends Scaling {
  /**
   * The trainer's method: "temperature" (bias 0), "affine" (temperature and bias fitted together) or "isotonic"
   * (knots over the affine fit); absent when not fitted.
   */
  method?: string;
  /** The model's default flagging threshold: flag when P(acceptable) < threshold. */
  threshold: number;
  /** False when cola-bert.json has no calibration block (the values above are then the uncalibrated defaults). */
  fitted: boolean;
  /** What the calibration and the threshold were fitted on, in the trainer's words. */
  fittedOn?: string;
}

export const UNCALIBRATED: Calibration = { ...IDENTITY_SCALING, threshold: 0.5, fitted: false };

export function calibrationOf(meta: ModelMetadata): Calibration {
  const c = meta.calibration;
  if (!c) return UNCALIBRATED;
  return {
    temperature: c.temperature,
    // Folders written before affine scaling have no bias: temperature scaling is affine scaling with bias 0.
    bias: c.bias ?? 0,
    // Folders written before isotonic calibration have no knots: affine scaling alone.
    ...(c.knots ? { knots: { s: c.knots.s, p: c.knots.p, affineShare: c.knots.affine_share } } : {}),
    threshold: c.threshold,
    fitted: true,
    ...(typeof c.method === 'string' && c.method ? { method: c.method } : {}),
    ...(typeof c.fitted_on === 'string' && c.fitted_on ? { fittedOn: c.fitted_on } : {}),
  };
}

/** Just what turns logits into P (what the inference worker is sent), without the threshold and the descriptions. */
export function scalingOf(c: Calibration): Scaling {
  return { temperature: c.temperature, bias: c.bias, ...(c.knots ? { knots: c.knots } : {}) };
}

/** The calibration's parameters in words, e.g. "affine scaling, temperature 1.54, bias −0.28" (hover, eval, logs). */
export function describeScaling(c: Calibration): string {
  if (!c.fitted) return 'uncalibrated (temperature 1, bias 0)';
  const t = `temperature ${c.temperature.toFixed(2)}`;
  const bias = `bias ${c.bias.toFixed(2).replace('-', '−')}`;
  if (c.knots) return `isotonic calibration (${c.knots.s.length} knots, ${Math.round(c.knots.affineShare * 100)}% affine scaling: ${t}, ${bias})`;
  return c.method === 'affine' || c.bias !== 0 ? `affine scaling, ${t}, ${bias}` : `temperature scaling, ${t}`;
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
