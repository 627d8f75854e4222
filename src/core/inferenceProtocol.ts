// Messages between InferenceService (main thread) and inferenceWorker (worker thread). One file, used by
// both sides; every request carries an id and is answered exactly once (a result or an error).

export interface LoadRequest {
  type: 'load';
  id: number;
  onnxPath: string;
  modelDir: string;
  maxLength: number;
  threads: number;
  batchSize: number;
  /** Logits are divided by it before the softmax (the model's calibration; 1 = none). */
  temperature: number;
}

export interface PredictRequest {
  type: 'predict';
  id: number;
  sentences: string[];
}

/** Drop a predict request: skipped when not started yet, stopped between batches otherwise. */
export interface CancelRequest {
  type: 'cancel';
  id: number;
}

/**
 * Release the session and end the thread, after the batch that is running. Worker.terminate() in the middle
 * of a synchronous session.run made onnxruntime-node's N-API layer throw a C++ exception that aborted the
 * whole process (seen with two workers), so the service stops workers with this and terminates only a
 * worker that does not exit in time.
 */
export interface StopRequest {
  type: 'stop';
  id: number;
}

export type MainToWorker = LoadRequest | PredictRequest | CancelRequest | StopRequest;

export interface LoadedReply {
  type: 'loaded';
  id: number;
  inputNames: string[];
  outputNames: string[];
  loadMs: number;
}

export interface ResultReply {
  type: 'result';
  id: number;
  /** P(acceptable) per sentence, in request order. */
  pAcceptable: Float64Array;
  /** P(unacceptable) per sentence (computed from the same softmax, not 1 − p). */
  pUnacceptable: Float64Array;
  batches: number;
  inferMs: number;
}

export interface CancelledReply {
  type: 'cancelled';
  id: number;
}

export type WorkerErrorKind = 'load' | 'tokenizer' | 'run' | 'protocol';

export interface ErrorReply {
  type: 'error';
  id: number;
  kind: WorkerErrorKind;
  message: string;
}

export type WorkerToMain = LoadedReply | ResultReply | CancelledReply | ErrorReply;

export function isWorkerToMain(value: unknown): value is WorkerToMain {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; id?: unknown };
  return typeof v.id === 'number' && (v.type === 'loaded' || v.type === 'result' || v.type === 'cancelled' || v.type === 'error');
}

export function isMainToWorker(value: unknown): value is MainToWorker {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; id?: unknown; sentences?: unknown };
  if (typeof v.id !== 'number') return false;
  if (v.type === 'predict') return Array.isArray(v.sentences) && v.sentences.every((s) => typeof s === 'string');
  return v.type === 'load' || v.type === 'cancel' || v.type === 'stop';
}
