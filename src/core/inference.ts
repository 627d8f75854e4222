// The inference service shared by the CLI (eval, check) and the extension. onnxruntime-node blocks the
// thread it runs on, so sessions live only in worker threads (inferenceWorker.ts); this side keeps an LRU
// cache keyed by model and sentence, shares in-flight work between callers asking for the same sentence,
// and drops aborted work before it reaches a worker (or tells the worker to stop).
//
// Several workers ("lanes"), each with its own session and a share of the threads, run side by side: at
// CoLA's ~14 tokens a sentence onnxruntime's intra-op parallelism leaves cores idle, and on 2 cores two
// 1-thread sessions did 1.3x the sentences/s of one 2-thread session (docs/benchmarks.md). Large requests
// are cut into length-sorted chunks that idle lanes pull from one queue.
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, Worker } from 'node:worker_threads';
import { defaultAttributionMethod, DEFAULT_MAX_SPAN, distinctSuspects, rankByTokenScores, rankSuspects, type AttributionMethod, type CharRange, type Suspect, type Variant } from './attribution';
import { SUGGESTION_BUDGET } from './candidateBudget';
import { holdoutReliabilityOf, type HoldoutReliability } from './holdoutReliability';
import { LruCache } from './lru';
import { maskedLmOf, type MaskedLmInfo } from './maskedLm';
import { calibrationOf, chooseOnnx, holdoutFor, ModelFolderError, readModelFolder, scalingOf, type Calibration, type HoldoutScore } from './modelFolder';
import { wordFormsFileOf } from './wordForms';
import { isWorkerToMain, type KnownScore, type LoadRequest, type MainToWorker, type Part, type ScoredCandidate, type WorkerToMain } from '../../protocol/inferenceProtocol';

export interface Prediction {
  pAcceptable: number;
  pUnacceptable: number;
}

/** Words of one sentence that make it unacceptable, best first (attribution.ts). */
export interface Attribution {
  /** P(acceptable) of the sentence run alone, as its variants are (may differ slightly from predict()'s, which batches). */
  pAcceptable: number;
  /**
   * Variant methods: every span that raises P(acceptable), most first. 'tokens': the TOKEN_SUSPECTS words with the
   * highest error scores of the model's own, highest first, each with the delta of its deletion.
   */
  suspects: Suspect[];
  method: AttributionMethod;
  /** Variants scored. */
  variants: number;
  /** The 'tokens' method: each word's error score (the logit of its worst token; null past the truncation). */
  wordScores?: (number | null)[];
}

/** Candidate corrections around the suspect words of one sentence, scored (suggestions.ts). */
export interface Suggestions {
  /** P(acceptable) of the sentence run alone (the attribution's), as each candidate is. */
  pAcceptable: number;
  /** The candidates scored (the best ranked within the budget), highest P(acceptable) first. */
  candidates: ScoredCandidate[];
  /** Candidates generated before the budget took the best ranked. */
  generated: number;
}

export interface AttributeOptions {
  /** Default: the service's attributionMethod ('tokens' for a model with token scores, else 'delete'). */
  method?: AttributionMethod;
  /** Longest run of words taken out as one span (default DEFAULT_MAX_SPAN). */
  maxSpan?: number;
  signal?: AbortSignal;
}

export interface ModelInfo {
  dir: string;
  name: string;
  baseModel: string;
  /** The holdout MCC of onnxFile, measured on that file when the folder records it (see HoldoutScore). */
  holdout: HoldoutScore | null;
  /** Temperature applied to the logits and the model's default threshold (cola-bert.json "calibration"). */
  calibration: Calibration;
  /** How calibrated P(acceptable) matched the holdout's observed rates (cola-bert.json quality); null in older folders. */
  reliability: HoldoutReliability | null;
  onnxFile: string;
  quantized: boolean;
  maxLength: number;
  /** The base checkpoint's masked LM exported with the folder (suggestion candidates); null when it has none. */
  maskedLm: MaskedLmInfo | null;
}

export interface InferenceOptions {
  /** onnxruntime threads in all, shared out between the workers; default min(4, cores). */
  threads?: number;
  /** Worker threads, each with its own onnxruntime session; default 2 when threads ≥ 2, else 1 (at most `threads`). */
  workers?: number;
  /** Run model.int8.onnx when the folder has one (default true). */
  preferInt8?: boolean;
  /** Sentences kept in the LRU cache (default 10,000; 0 disables it). */
  cacheSize?: number;
  /** Path of the worker script; default inferenceWorker.js beside this bundle (or the .ts file under tsx). */
  workerScript?: string;
  /** Sentences per onnxruntime run, after grouping by token length (default 32). */
  batchSize?: number;
  /** Suggestion candidates scored at most per sentence, the best ranked (default SUGGESTION_BUDGET; Infinity: all). */
  suggestionBudget?: number;
}

export interface InferenceStats {
  /** Sentences asked for through predict(). */
  requested: number;
  /** Of those, answered from the cache. */
  cacheHits: number;
  /** Of those, joined to work already in flight for another caller. */
  shared: number;
  /** Sentences sent to the workers. */
  inferred: number;
  /** Of those, how many each worker got. */
  inferredPerWorker: number[];
  /** Worker requests dropped because every caller aborted. */
  cancelledRequests: number;
  /** Of those, requests the worker itself stopped (it had them already). */
  stoppedInWorker: number;
}

export interface Disposable {
  dispose(): void;
}

export type InferenceErrorCode = 'crashed' | 'disposed' | 'run' | 'load';

export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  constructor(
    readonly code: InferenceErrorCode,
    message: string,
    /** What happened, without the advice for the editor that `message` may add. */
    readonly detail: string = message,
  ) {
    super(message);
  }
}

export function abortError(): Error {
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

interface Lane {
  worker: Worker;
  job: Job | null;
}

/** What one worker answers for its part of a sentence's variants or candidates: the sentence's P from the same run, and each item's. */
interface PartScores<T> {
  /** The sentence's P, from part 0 only (null from the others). */
  base: number | null;
  items: T[];
  p: number[];
  /** The 'tokens' method's per-word error scores (AttributionReply.wordScores). */
  wordScores?: (number | null)[];
  /** Suggestions: candidates generated before the budget (SuggestionsReply.generated). */
  generated?: number;
}

type JobValue = Map<string, Prediction> | PartScores<Variant> | PartScores<ScoredCandidate>;

/** The jobs scoring the parts of one sentence's variants or candidates, shared by the callers asking for it. */
interface Group {
  jobs: Job[];
  inflight: Map<string, Group>;
  key: string;
}

interface Job {
  id: number;
  texts: string[];
  /** Set for an attribution job (texts is then empty: its variants never enter the sentence cache). */
  attribute?: { sentence: string; method: AttributionMethod; maxSpan: number; part: Part; tokenScores?: number[] };
  /** Set for a suggestion job (texts is then empty too). */
  suggest?: { sentence: string; suspects: CharRange[]; part: Part; wordScores?: (number | null)[]; known: KnownScore[]; budget: number };
  group?: Group;
  refs: number;
  state: 'queued' | 'sent' | 'settled';
  lane: Lane | null;
  promise: Promise<JobValue>;
  resolve(value: JobValue): void;
  reject(reason: Error): void;
}

/**
 * onnxruntime-node (1.30 on Linux) starts its telemetry client when the process creates its first session:
 * the client reads /etc/machine-id and /proc/self/cmdline and walks the command line with a recursion about
 * 290 bytes of stack deep per character. In a worker thread (4 MB stack) a command line over ~14,500
 * characters, e.g. `cola-bert check` on a few hundred files with long paths, overflowed the stack and
 * the process died with SIGSEGV (issue 17). A bigger stack only moves the limit (twice the stack, twice the
 * characters), while Linux allows 2 MB of arguments. Native code reads the real environment, which only the
 * main thread can change (a worker's process.env is a copy), so this runs before any worker starts. An
 * explicit setting of the variable is left alone.
 */
export function disableOnnxRuntimeTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  if (isMainThread && !env.ORT_DISABLE_TELEMETRY) env.ORT_DISABLE_TELEMETRY = '1';
}

/** Starts the worker script: explicit, the bundled .js beside this file, or the .ts source under tsx. */
function startWorker(explicit?: string): Worker {
  disableOnnxRuntimeTelemetry();
  const candidates = explicit ? [explicit] : [path.join(__dirname, 'inferenceWorker.js'), path.join(__dirname, 'inferenceWorker.ts')];
  for (const script of candidates) {
    if (!existsSync(script)) continue;
    if (!script.endsWith('.ts')) return new Worker(script);
    // Source under tsx (tests): Node 20 workers do not inherit `--import tsx`, so register tsx's CJS hook inside.
    return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { eval: true });
  }
  throw new InferenceError('load', `The inference worker script is missing (looked for ${candidates.join(', ')}); rebuild with \`npm run build\`.`);
}

let nextId = 1;

/** Asks a worker to stop between runs (StopRequest) and waits for it to exit; terminates it only after `graceMs`. */
async function stopWorker(worker: Worker, graceMs = 10_000): Promise<void> {
  if (worker.threadId === -1) return; // already exited
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref(); // an idle worker is unref'd; a process awaiting only this exit would end first
  const stop: MainToWorker = { type: 'stop', id: nextId++ };
  try {
    worker.postMessage(stop);
  } catch {
    // The worker is gone already.
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
    timer.unref();
  });
  if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
  clearTimeout(timer);
}

/** Sends `load` and waits for the worker's answer (the session's output names); a bad folder rejects with a ModelFolderError. */
function loadWorker(worker: Worker, load: LoadRequest, tokenizerPath: string): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!isWorkerToMain(m) || m.id !== load.id) return;
      cleanup();
      if (m.type === 'loaded') resolve(m.outputNames);
      else if (m.type === 'error') {
        reject(
          m.kind === 'tokenizer'
            ? new ModelFolderError('tokenizer_invalid', `${m.message} The model folder is corrupt; fine-tune again or choose another folder.`, tokenizerPath)
            : new ModelFolderError('onnx_load_failed', `${m.message} The model folder is corrupt; fine-tune again or choose another folder.`, load.onnxPath),
        );
      } else reject(new InferenceError('load', `unexpected reply to load: ${m.type}`));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(new InferenceError('load', `the inference worker failed while loading ${load.onnxPath}: ${e.message}`));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new InferenceError('load', `the inference worker exited (code ${code}) while loading ${load.onnxPath}`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(load);
  });
}

export class InferenceService {
  private readonly cache: LruCache<string, Prediction>;
  private readonly cacheKeyPrefix: string;
  private readonly inflight = new Map<string, Job>();
  private readonly attributions = new LruCache<string, Attribution>(1_000);
  private readonly attributionsInflight = new Map<string, Group>();
  private readonly suggestions = new LruCache<string, Suggestions>(1_000);
  /** A tokens-head model's token scores per checked sentence (ResultReply.tokenScores), kept even with the cache off: attribution starts from them. */
  private readonly tokenScores: LruCache<string, Float32Array>;
  /** The texts each attribution scored, which its suggestions reuse instead of running them again. */
  private readonly attributionScores = new WeakMap<Attribution, KnownScore[]>();
  private readonly suggestionsInflight = new Map<string, Group>();
  private readonly jobs = new Map<number, Job>();
  private readonly queue: Job[] = [];
  private readonly crashListeners = new Set<(error: Error) => void>();
  private readonly lanes: Lane[];
  private failure: InferenceError | null = null;
  private disposed = false;
  readonly stats: InferenceStats;

  private constructor(
    workers: Worker[],
    readonly model: ModelInfo,
    /** How the threads were shared out: `workers` sessions with `threadsPerWorker` intra-op threads each. */
    readonly parallelism: { workers: number; threadsPerWorker: number },
    private readonly batchSize: number,
    cacheSize: number,
    /** How attribute() finds the words unless told: 'tokens' when the model outputs token_logits, else 'delete'. */
    readonly attributionMethod: AttributionMethod,
    /** Suggestion candidates scored per sentence at most (InferenceOptions.suggestionBudget). */
    readonly suggestionBudget: number,
  ) {
    this.cache = new LruCache(cacheSize);
    this.tokenScores = new LruCache(Math.max(cacheSize, 1_000));
    let mtime = 0;
    try {
      mtime = statSync(model.onnxFile).mtimeMs;
    } catch {
      // The key only needs to change when the file does; a missing file fails elsewhere.
    }
    // The calibration is part of the key: cola-bert.json can change while model.onnx stays the same.
    const knots = model.calibration.knots ? `/k${JSON.stringify(model.calibration.knots)}` : '';
    this.cacheKeyPrefix = `${model.onnxFile}@${mtime}/T${model.calibration.temperature}/b${model.calibration.bias}${knots}\u0000`;
    this.lanes = workers.map((worker) => ({ worker, job: null }));
    this.stats = { requested: 0, cacheHits: 0, shared: 0, inferred: 0, inferredPerWorker: workers.map(() => 0), cancelledRequests: 0, stoppedInWorker: 0 };
    for (const lane of this.lanes) {
      lane.worker.on('message', (m: unknown) => this.onMessage(m));
      lane.worker.on('error', (e) => this.crash(`the inference worker crashed: ${e.message}`));
      lane.worker.on('exit', (code) => this.crash(`the inference worker exited unexpectedly (code ${code})`));
      lane.worker.unref();
    }
  }

  /** Validates the model folder, starts the workers and loads a session in each; rejects with ModelFolderError on a bad folder. */
  static async open(modelDir: string, options: InferenceOptions = {}): Promise<InferenceService> {
    const folder = readModelFolder(modelDir);
    const { file, quantized } = chooseOnnx(folder, options.preferInt8 ?? true);
    const model: ModelInfo = {
      dir: folder.dir,
      name: path.basename(folder.dir),
      baseModel: folder.metadata.base_model,
      holdout: holdoutFor(folder.metadata, file),
      calibration: calibrationOf(folder.metadata),
      reliability: holdoutReliabilityOf(folder.metadata),
      onnxFile: file,
      quantized,
      maxLength: folder.metadata.max_length,
      maskedLm: maskedLmOf(folder.metadata, folder.dir),
    };
    const threads = options.threads ?? Math.max(1, Math.min(4, os.availableParallelism()));
    const batchSize = options.batchSize ?? 32;
    const suggestionBudget = options.suggestionBudget ?? SUGGESTION_BUDGET;
    if (!(suggestionBudget >= 1 && (Number.isInteger(suggestionBudget) || suggestionBudget === Infinity))) throw new RangeError(`suggestionBudget must be a positive integer or Infinity, got ${suggestionBudget}`);
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    const requested = options.workers ?? (threads >= 2 ? 2 : 1);
    if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`workers must be a positive integer, got ${requested}`);
    const workers = Math.min(threads, requested);
    const threadsPerWorker = Math.floor(threads / workers);
    const started: Worker[] = [];
    let outputNames: string[][];
    try {
      for (let i = 0; i < workers; i++) started.push(startWorker(options.workerScript));
      outputNames = await Promise.all(
        started.map((worker) => loadWorker(worker, { type: 'load', id: nextId++, onnxPath: file, modelDir: folder.dir, maxLength: folder.metadata.max_length, threads: threadsPerWorker, batchSize, scaling: scalingOf(model.calibration), maskedLm: model.maskedLm, wordForms: wordFormsFileOf(folder.metadata, folder.dir) }, folder.tokenizerPath)),
      );
    } catch (e) {
      await Promise.all(started.map((w) => stopWorker(w)));
      throw e;
    }
    const method = defaultAttributionMethod(outputNames[0].includes('token_logits'));
    return new InferenceService(started, model, { workers, threadsPerWorker }, batchSize, options.cacheSize ?? 10_000, method, suggestionBudget);
  }

  /** Called once when a worker dies; the service is then unusable and should be reopened. */
  onDidCrash(listener: (error: Error) => void): Disposable {
    this.crashListeners.add(listener);
    return { dispose: () => this.crashListeners.delete(listener) };
  }

  /** True until dispose() or a crash. */
  get alive(): boolean {
    return !this.disposed && !this.failure;
  }

  /** Probabilities for each sentence, in order. Rejects with an AbortError when `signal` aborts. */
  async predict(sentences: readonly string[], signal?: AbortSignal): Promise<Prediction[]> {
    if (signal?.aborted) throw abortError();
    this.assertAlive();
    this.stats.requested += sentences.length;
    const results = new Array<Prediction | undefined>(sentences.length);
    const waiting = new Set<Job>();
    const fresh: string[] = [];
    const freshSet = new Set<string>();
    sentences.forEach((text, i) => {
      const hit = this.cache.get(this.cacheKeyPrefix + text);
      if (hit) {
        results[i] = hit;
        this.stats.cacheHits++;
        return;
      }
      const job = this.inflight.get(text);
      if (job) {
        waiting.add(job);
        this.stats.shared++;
      } else if (!freshSet.has(text)) {
        freshSet.add(text);
        fresh.push(text);
      }
    });
    for (const chunk of this.chunks(fresh)) waiting.add(this.enqueue(chunk));
    if (!waiting.size) return results as Prediction[];
    for (const job of waiting) job.refs++;
    const answers = new Map<string, Prediction>();
    // Released inside the abort event, not after the rejection settles: the pump microtask queued by enqueue()
    // would otherwise hand the job to an idle worker first.
    let released = false;
    const releaseAll = () => {
      if (released) return;
      released = true;
      for (const job of waiting) this.release(job);
    };
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          releaseAll();
          reject(abortError());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        Promise.all(
          [...waiting].map((job) =>
            job.promise.then((m) => {
              for (const [k, v] of m as Map<string, Prediction>) answers.set(k, v);
            }),
          ),
        ).then(
          () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          (e) => {
            signal?.removeEventListener('abort', onAbort);
            reject(e);
          },
        );
      });
    } catch (e) {
      if (isAbortError(e)) releaseAll();
      throw e;
    }
    for (const job of waiting) job.refs--;
    sentences.forEach((text, i) => {
      if (!results[i]) {
        const p = answers.get(text);
        if (!p) throw new InferenceError('run', `no prediction came back for ${JSON.stringify(text.slice(0, 80))}`);
        results[i] = p;
      }
    });
    return results as Prediction[];
  }

  /**
   * The words of `sentence` that make it unacceptable, best first (attribution.ts): by the model's token scores
   * (from the sentence's check) or by how much P(acceptable) rises without each; either way the variants are
   * split between the workers, each text run alone. Cached per model, method and sentence; callers asking for the
   * same one share the runs. Rejects with an AbortError when `signal` aborts.
   */
  async attribute(sentence: string, options: AttributeOptions = {}): Promise<Attribution> {
    const { signal } = options;
    const method = options.method ?? this.attributionMethod;
    const maxSpan = options.maxSpan ?? DEFAULT_MAX_SPAN;
    if (!Number.isInteger(maxSpan) || maxSpan < 1) throw new RangeError(`maxSpan must be a positive integer, got ${maxSpan}`);
    if (signal?.aborted) throw abortError();
    this.assertAlive();
    const key = this.attributionKey(sentence, method, maxSpan);
    const hit = this.attributions.get(key);
    if (hit) return hit;
    let group = this.attributionsInflight.get(key);
    if (!group) {
      // Which words to delete comes from the token scores, so every part must start from the same ones.
      const tokenScores = method === 'tokens' && this.attributionMethod === 'tokens' ? await this.checkedTokenScores(sentence, signal) : undefined;
      group =
        this.attributionsInflight.get(key) ??
        this.startGroup(this.attributionsInflight, key, (part) => this.enqueue([], { sentence, method, maxSpan, part, tokenScores }), method === 'tokens' && !tokenScores ? 1 : this.lanes.length);
    }
    const parts = (await Promise.all(group.jobs.map((job) => this.waitFor(job, signal)))) as PartScores<Variant>[];
    // Every text ran alone, so all parts' scores compare directly with part 0's score of the sentence.
    const base = parts[0].base;
    if (base === null) throw new InferenceError('run', 'the worker answered part 0 of an attribution without the sentence\'s score');
    const scored = parts.flatMap((part) => part.items);
    const p = parts.flatMap((part) => part.p);
    const cached = this.attributions.get(key);
    if (cached) return cached; // another caller of the same run merged first: everyone gets one object
    const wordScores = parts[0].wordScores;
    if (method === 'tokens' && !wordScores) throw new InferenceError('run', 'the worker answered a "tokens" attribution without word scores');
    const suspects = method === 'tokens' ? rankByTokenScores(sentence, base, wordScores!, scored, p) : rankSuspects(sentence, base, scored, p);
    const value: Attribution = { pAcceptable: base, suspects, method, variants: scored.length, ...(wordScores ? { wordScores } : {}) };
    this.attributionScores.set(value, [{ text: sentence, pAcceptable: base }, ...scored.map((v, i) => ({ text: v.text, pAcceptable: p[i] }))]);
    this.attributions.set(key, value);
    return value;
  }

  /**
   * The sentence's token scores from its check: the editor and `check` have checked a sentence before they ask
   * which words are wrong, so they are usually here; otherwise the sentence is checked now (one run).
   */
  private async checkedTokenScores(sentence: string, signal?: AbortSignal): Promise<number[] | undefined> {
    const key = this.cacheKeyPrefix + sentence;
    let scores = this.tokenScores.get(key);
    if (!scores) {
      await this.waitFor(this.inflight.get(sentence) ?? this.enqueue([sentence]), signal);
      scores = this.tokenScores.get(key);
    }
    return scores && Array.from(scores);
  }

  /**
   * Candidate corrections around the two best distinct suspect places of `sentence` (attribute(), then the best
   * ranked candidates within the budget, split between the workers, each run alone; the texts the attribution
   * scored are not run again). Cached per model and sentence. Rejects with an AbortError on `signal`.
   */
  async suggest(sentence: string, signal?: AbortSignal): Promise<Suggestions> {
    const attribution = await this.attribute(sentence, { signal });
    const key = `${this.cacheKeyPrefix}suggest\u0000${sentence}`;
    const hit = this.suggestions.get(key);
    if (hit) return hit;
    const suspects = distinctSuspects(attribution.suspects, 2).map(({ start, end }) => ({ start, end }));
    const request = { sentence, suspects, wordScores: attribution.wordScores, known: this.attributionScores.get(attribution) ?? [], budget: this.suggestionBudget };
    const group = this.suggestionsInflight.get(key) ?? this.startGroup(this.suggestionsInflight, key, (part) => this.enqueue([], undefined, { ...request, part }));
    const parts = (await Promise.all(group.jobs.map((job) => this.waitFor(job, signal)))) as PartScores<ScoredCandidate>[];
    const value: Suggestions = {
      pAcceptable: attribution.pAcceptable,
      candidates: parts.flatMap((part) => part.items).sort((a, b) => b.pAcceptable - a.pAcceptable),
      generated: parts[0].generated ?? 0,
    };
    const cached = this.suggestions.get(key);
    if (cached) return cached; // another caller of the same run merged first: everyone gets one object
    this.suggestions.set(key, value);
    return value;
  }

  /** One job per worker (or `count` jobs), each scoring its part of one sentence's variants or candidates, registered as in flight under `key`. */
  private startGroup(inflight: Map<string, Group>, key: string, enqueuePart: (part: Part) => Job, count = this.lanes.length): Group {
    const group: Group = { jobs: [], inflight, key };
    for (let index = 0; index < count; index++) {
      const job = enqueuePart({ index, count });
      job.group = group;
      group.jobs.push(job);
    }
    inflight.set(key, group);
    return group;
  }

  /** Waits for a job this caller holds a reference on; an abort drops the reference (release()). */
  private async waitFor(job: Job, signal?: AbortSignal): Promise<JobValue> {
    job.refs++;
    let released = false;
    try {
      const value = await new Promise<JobValue>((resolve, reject) => {
        const onAbort = () => {
          released = true;
          this.release(job);
          reject(abortError());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        job.promise.then(
          (v) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(v);
          },
          (e) => {
            signal?.removeEventListener('abort', onAbort);
            reject(e);
          },
        );
      });
      job.refs--;
      return value;
    } catch (e) {
      if (released) throw e;
      if (isAbortError(e)) this.release(job);
      else job.refs--;
      throw e;
    }
  }

  /** What attribute() would answer from its cache now, without running anything (undefined when not cached). */
  cachedAttribution(sentence: string, options: Omit<AttributeOptions, 'signal'> = {}): Attribution | undefined {
    return this.attributions.get(this.attributionKey(sentence, options.method ?? this.attributionMethod, options.maxSpan ?? DEFAULT_MAX_SPAN));
  }

  private attributionKey(sentence: string, method: AttributionMethod, maxSpan: number): string {
    return `${this.cacheKeyPrefix}${method}/${maxSpan}\u0000${sentence}`;
  }

  /** Stops the worker; pending predictions reject with an InferenceError('disposed'). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.failAll(new InferenceError('disposed', 'the inference service was disposed'));
    // The workers' exit and error listeners stay: crash() ignores them once disposed.
    await Promise.all(this.lanes.map(({ worker }) => stopWorker(worker)));
  }

  private assertAlive(): void {
    if (this.disposed) throw new InferenceError('disposed', 'the inference service was disposed');
    if (this.failure) throw this.failure;
  }

  /**
   * One job per lane can run at a time, so a large request is cut into chunks that idle lanes pull: sorted
   * by length first (characters stand in for tokens), so each chunk pads little, and small enough that the
   * lanes finish together (about four chunks per lane, whole batches, at most 8 batches each).
   */
  private chunks(texts: string[]): string[][] {
    if (!texts.length) return [];
    if (this.lanes.length === 1 || texts.length <= this.batchSize) return [texts];
    const sorted = [...texts].sort((a, b) => a.length - b.length);
    const perLane = Math.ceil(sorted.length / (this.lanes.length * 4));
    const size = Math.min(8, Math.max(1, Math.ceil(perLane / this.batchSize))) * this.batchSize;
    const out: string[][] = [];
    for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
    return out;
  }

  private enqueue(texts: string[], attribute?: Job['attribute'], suggest?: Job['suggest']): Job {
    let resolve!: (v: JobValue) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<JobValue>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // Cancelled jobs may have no listener left.
    const job: Job = { id: nextId++, texts, attribute, suggest, refs: 0, state: 'queued', lane: null, promise, resolve, reject };
    this.jobs.set(job.id, job);
    for (const t of texts) this.inflight.set(t, job);
    this.queue.push(job);
    // Defer sending so callers aborting in the same tick drop the job before the worker sees it.
    queueMicrotask(() => this.pump());
    return job;
  }

  private pump(): void {
    if (!this.alive) return;
    for (const [i, lane] of this.lanes.entries()) {
      if (lane.job) continue;
      const job = this.queue.shift();
      if (!job) {
        lane.worker.unref();
        continue;
      }
      job.state = 'sent';
      job.lane = lane;
      lane.job = job;
      this.stats.inferred += job.texts.length;
      this.stats.inferredPerWorker[i] += job.texts.length;
      lane.worker.ref();
      const message: MainToWorker = job.attribute
        ? { type: 'attribute', id: job.id, ...job.attribute }
        : job.suggest
          ? { type: 'suggest', id: job.id, ...job.suggest }
          : { type: 'predict', id: job.id, sentences: job.texts };
      lane.worker.postMessage(message);
    }
  }

  /** A caller stopped waiting; when nobody waits any more the job is dropped or cancelled in the worker. */
  private release(job: Job): void {
    job.refs--;
    if (job.refs > 0 || job.state === 'settled') return;
    this.stats.cancelledRequests++;
    for (const t of job.texts) if (this.inflight.get(t) === job) this.inflight.delete(t);
    this.forgetGroup(job, true);
    if (job.state === 'queued') {
      this.queue.splice(this.queue.indexOf(job), 1);
      this.settle(job, undefined, abortError());
    } else {
      const message: MainToWorker = { type: 'cancel', id: job.id };
      job.lane!.worker.postMessage(message);
    }
  }

  /**
   * A group stops being joinable once any part fails or is dropped (a new caller would get that part's
   * error), or once every part has its answer (the caller merging it caches the result).
   */
  private forgetGroup(job: Job, failed: boolean): void {
    const group = job.group;
    if (!group || group.inflight.get(group.key) !== group) return;
    if (failed || group.jobs.every((j) => j.state === 'settled')) group.inflight.delete(group.key);
  }

  private settle(job: Job, value?: JobValue, error?: Error): void {
    if (job.state === 'settled') return;
    job.state = 'settled';
    this.jobs.delete(job.id);
    for (const t of job.texts) if (this.inflight.get(t) === job) this.inflight.delete(t);
    this.forgetGroup(job, error !== undefined);
    if (job.lane?.job === job) job.lane.job = null;
    if (error) job.reject(error);
    else job.resolve(value!);
  }

  private onMessage(raw: unknown): void {
    if (!isWorkerToMain(raw)) return;
    const m: WorkerToMain = raw;
    const job = this.jobs.get(m.id);
    if (!job) return;
    if (m.type === 'result') {
      const out = new Map<string, Prediction>();
      const scores = m.tokenScores;
      job.texts.forEach((t, i) => {
        const p = { pAcceptable: m.pAcceptable[i], pUnacceptable: m.pUnacceptable[i] };
        out.set(t, p);
        this.cache.set(this.cacheKeyPrefix + t, p);
        if (scores) this.tokenScores.set(this.cacheKeyPrefix + t, scores.values.slice(scores.offsets[i], scores.offsets[i + 1]));
      });
      this.settle(job, out);
    } else if (m.type === 'attribution' && job.attribute) {
      this.settle(job, { base: m.pAcceptable, items: m.variants, p: m.p, wordScores: m.wordScores });
    } else if (m.type === 'suggestions' && job.suggest) {
      this.settle(job, { base: null, items: m.candidates, p: m.candidates.map((c) => c.pAcceptable), generated: m.generated });
    } else if (m.type === 'cancelled') {
      this.stats.stoppedInWorker++;
      this.settle(job, undefined, abortError());
    } else if (m.type === 'error') {
      this.settle(job, undefined, new InferenceError('run', m.message));
    }
    this.pump();
  }

  private failAll(error: Error): void {
    for (const job of [...this.jobs.values()]) this.settle(job, undefined, error);
    this.queue.length = 0;
    this.inflight.clear();
    this.attributionsInflight.clear();
    this.suggestionsInflight.clear();
  }

  private crash(message: string): void {
    if (this.disposed || this.failure) return;
    this.failure = new InferenceError('crashed', `${message}. Reopen the model to continue.`, message);
    this.failAll(this.failure);
    // The other workers' sessions would only hold memory now.
    for (const { worker } of this.lanes) void stopWorker(worker);
    for (const l of [...this.crashListeners]) {
      try {
        l(this.failure);
      } catch {
        // A listener's failure must not hide the crash from the others.
      }
    }
  }
}
