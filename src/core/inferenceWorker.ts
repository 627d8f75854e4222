// Worker thread that owns the onnxruntime-node session: session creation and runs block the thread they
// run on, so they never run on the extension host's (or the CLI's) main thread. Requests are served
// one at a time; between batches the worker yields so a 'cancel' for the running request, or a 'stop'
// (release the session and end the thread), is seen.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { deletionVariants, placeholdersOf, TOKEN_SUSPECTS, variants, wordScores, words, worstWords, type CharRange, type Placeholders } from './attribution';
import { calibratedProbabilities } from './calibratedProbability';
import { INSERTIONS_PER_WORD, maskQueries, proposedWords, REPLACEMENTS_PER_WORD, type MaskedLmInfo, type Proposal } from './maskedLm';
import { candidateEdits } from './suggestions';
import { wordTokenPositions } from './tokenAlignment';
import { ColaTokenizer, type EncodedSentence } from './tokenizer';
import { loadWordForms, type WordForms } from './wordForms';
import { isMainToWorker, partOf, type AttributeRequest, type LoadRequest, type MainToWorker, type PredictRequest, type Scaling, type SuggestRequest, type WorkerToMain } from '../../protocol/inferenceProtocol';

interface Loaded {
  session: ort.InferenceSession;
  tokenizer: ColaTokenizer;
  batchSize: number;
  scaling: Scaling;
  placeholders: Placeholders;
  maskedLm: MaskedLmInfo | null;
  /** The masked LM's session, created on the first suggestion that needs it; null when it could not be loaded. */
  maskedLmSession?: Promise<ort.InferenceSession | null>;
  /** The folder's word-forms file (null: none); read on the first suggestion, then its forms, or null when it could not be read. */
  wordFormsFile: string | null;
  wordForms?: WordForms | null;
  threads: number;
}

let loaded: Loaded | null = null;
const queue: (PredictRequest | AttributeRequest | SuggestRequest)[] = [];
const cancelled = new Set<number>();
let busy = false;
let runningId: number | null = null;
let stopping = false;

function post(message: WorkerToMain): void {
  const transfer = message.type === 'result' ? [message.pAcceptable.buffer as ArrayBuffer, message.pUnacceptable.buffer as ArrayBuffer] : [];
  parentPort!.postMessage(message, transfer);
}

const yieldToMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

async function load(req: LoadRequest): Promise<void> {
  const t0 = performance.now();
  let tokenizer: ColaTokenizer;
  try {
    tokenizer = ColaTokenizer.fromFolder(req.modelDir, req.maxLength);
  } catch (e) {
    post({ type: 'error', id: req.id, kind: 'tokenizer', message: (e as Error).message });
    return;
  }
  try {
    const session = await ort.InferenceSession.create(req.onnxPath, {
      intraOpNumThreads: req.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // onnxruntime's own log lines (coloured, on stderr) would repeat what the error reply already says.
      logSeverityLevel: 4,
      // onnxruntime's pool threads spin for a while after each run by default. On a 2-core machine that
      // spinning took the cores the prose worker and the editor needed next (re-check p95 ~60 ms).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    if (!session.inputNames.includes('input_ids')) throw new Error(`the model has no "input_ids" input (inputs: ${session.inputNames.join(', ')})`);
    loaded = { session, tokenizer, batchSize: req.batchSize, scaling: req.scaling, placeholders: readPlaceholders(req.modelDir), maskedLm: req.maskedLm, wordFormsFile: req.wordForms, threads: req.threads };
    post({ type: 'loaded', id: req.id, inputNames: [...session.inputNames], outputNames: [...session.outputNames], loadMs: performance.now() - t0 });
  } catch (e) {
    post({ type: 'error', id: req.id, kind: 'load', message: `onnxruntime could not load ${req.onnxPath}: ${(e as Error).message}` });
  }
}

function readPlaceholders(modelDir: string): Placeholders {
  try {
    return placeholdersOf(JSON.parse(readFileSync(path.join(modelDir, 'tokenizer_config.json'), 'utf8')) as object);
  } catch {
    // Optional file (as for the tokenizer): without it only the "delete" attribution method works.
    return { mask: null, unk: null };
  }
}

/** Row order that groups sentences of similar token length, so padding per batch stays small. */
function lengthOrder(encoded: readonly EncodedSentence[]): number[] {
  return encoded.map((_, i) => i).sort((a, b) => encoded[a].inputIds.length - encoded[b].inputIds.length || a - b);
}

function tensor(values: number[], batch: number, sequence: number): ort.Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return new ort.Tensor('int64', data, [batch, sequence]);
}

/** `rows` padded together as the inputs `session` takes. */
function feedsFor(session: ort.InferenceSession, tokenizer: ColaTokenizer, rows: readonly EncodedSentence[]): { feeds: Record<string, ort.Tensor>; batch: number; sequence: number } {
  const batch = tokenizer.pad(rows);
  const feeds: Record<string, ort.Tensor> = { input_ids: tensor(batch.inputIds, batch.batch, batch.sequence) };
  if (session.inputNames.includes('attention_mask')) feeds.attention_mask = tensor(batch.attentionMask, batch.batch, batch.sequence);
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = tensor(batch.tokenTypeIds, batch.batch, batch.sequence);
  return { feeds, batch: batch.batch, sequence: batch.sequence };
}

/** One session.run over `rows`, padded together: the [rows, 2] logits, and a tokens head's [rows, sequence] token scores. */
async function runModel(model: Loaded, rows: readonly EncodedSentence[]): Promise<{ logits: Float32Array; tokenLogits: Float32Array | null }> {
  const { session, tokenizer } = model;
  const outputName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
  const { feeds, batch, sequence } = feedsFor(session, tokenizer, rows);
  const out = await session.run(feeds);
  const t = out[outputName];
  if (!t || t.dims.length !== 2 || t.dims[0] !== batch || t.dims[1] !== 2) {
    throw new Error(`output "${outputName}" has shape [${t?.dims.join(', ')}], expected [${batch}, 2]`);
  }
  const tokens = out.token_logits;
  if (tokens && (tokens.dims.length !== 2 || tokens.dims[0] !== batch || tokens.dims[1] !== sequence)) {
    throw new Error(`output "token_logits" has shape [${tokens.dims.join(', ')}], expected [${batch}, ${sequence}]`);
  }
  return { logits: t.data as Float32Array, tokenLogits: tokens ? (tokens.data as Float32Array) : null };
}

/** One session.run over `rows`, padded together; the [rows, 2] logits. */
async function runRows(model: Loaded, rows: readonly EncodedSentence[]): Promise<Float32Array> {
  return (await runModel(model, rows)).logits;
}

/** [P(unacceptable), P(acceptable)] of row i, calibrated as the model folder says. */
function probabilities(logits: Float32Array, i: number, scaling: Scaling): [number, number] {
  return calibratedProbabilities(logits[2 * i], logits[2 * i + 1], scaling);
}

/**
 * P(acceptable) of the sentence and of each text made from it, in one run: int8 scores shift a little with
 * their batch neighbours, so the sentence's own P is taken from the same batch its variants are compared
 * with. `make` builds the texts; an error (from it, the tokenizer or the run) is answered and gives undefined.
 */
async function scoreWithSentence<T extends { text: string }>(id: number, what: string, sentence: string, make: () => T[] | Promise<T[]>): Promise<{ items: T[]; p: number[] } | undefined> {
  if (!loaded) {
    post({ type: 'error', id, kind: 'protocol', message: `${what} before the model was loaded` });
    return undefined;
  }
  const model = loaded;
  let items: T[];
  let encoded: EncodedSentence[];
  // Each distinct text is run once: taking out either copy of a doubled word gives the same sentence.
  const row = new Map<string, number>([[sentence, 0]]);
  try {
    items = await make();
    for (const v of items) if (!row.has(v.text)) row.set(v.text, row.size);
    encoded = [...row.keys()].map((s) => model.tokenizer.encode(s));
  } catch (e) {
    post({ type: 'error', id, kind: 'tokenizer', message: (e as Error).message });
    return undefined;
  }
  let logits: Float32Array;
  try {
    logits = await runRows(model, encoded);
  } catch (e) {
    post({ type: 'error', id, kind: 'run', message: `inference failed: ${(e as Error).message}` });
    return undefined;
  }
  const p = (text: string) => probabilities(logits, row.get(text)!, model.scaling)[1];
  return { items, p: [p(sentence), ...items.map((v) => p(v.text))] };
}

async function attribute(req: AttributeRequest): Promise<void> {
  if (req.method === 'tokens') return attributeByTokens(req);
  const method = req.method;
  const t0 = performance.now();
  const scored = await scoreWithSentence(req.id, 'attribute', req.sentence, () => partOf(variants(req.sentence, method, loaded!.placeholders, req.maxSpan), req.part));
  if (!scored) return;
  post({ type: 'attribution', id: req.id, pAcceptable: scored.p[0], variants: scored.items, p: scored.p.slice(1), inferMs: performance.now() - t0 });
}

/**
 * The 'tokens' method (attribution.ts): one run of the sentence alone gives each token's error score; words
 * take their worst token's; the best-scored few are deleted and scored with the sentence in a second small run,
 * for the deltas. Not split in parts: both runs are one or a few rows.
 */
async function attributeByTokens(req: AttributeRequest): Promise<void> {
  const t0 = performance.now();
  if (!loaded) {
    post({ type: 'error', id: req.id, kind: 'protocol', message: 'attribute before the model was loaded' });
    return;
  }
  const model = loaded;
  if (!model.session.outputNames.includes('token_logits')) {
    post({ type: 'error', id: req.id, kind: 'run', message: `the model has no "token_logits" output (outputs: ${model.session.outputNames.join(', ')}); the "tokens" attribution method needs a folder trained with --head tokens, use "delete"` });
    return;
  }
  const ws = words(req.sentence);
  let encoded: EncodedSentence;
  let positions: number[][] | null;
  try {
    encoded = model.tokenizer.encode(req.sentence);
    const text = model.tokenizer.textTokens(encoded);
    positions = wordTokenPositions(req.sentence, ws, model.tokenizer, text.ids, text.offset);
  } catch (e) {
    post({ type: 'error', id: req.id, kind: 'tokenizer', message: (e as Error).message });
    return;
  }
  if (!positions) {
    post({ type: 'error', id: req.id, kind: 'tokenizer', message: 'this tokenizer does not split at whitespace, so its tokens cannot be matched to words; use the "delete" attribution method' });
    return;
  }
  let tokenLogits: Float32Array;
  try {
    tokenLogits = (await runModel(model, [encoded])).tokenLogits!;
  } catch (e) {
    post({ type: 'error', id: req.id, kind: 'run', message: `inference failed: ${(e as Error).message}` });
    return;
  }
  const scores = wordScores(positions, tokenLogits);
  const worst = worstWords(scores, TOKEN_SUSPECTS);
  const scored = await scoreWithSentence(req.id, 'attribute', req.sentence, () => deletionVariants(req.sentence, ws, worst));
  if (!scored) return;
  post({ type: 'attribution', id: req.id, pAcceptable: scored.p[0], variants: scored.items, p: scored.p.slice(1), wordScores: scores, inferMs: performance.now() - t0 });
}

/**
 * The masked LM's session, loaded once per worker on first use. A file that does not load gives no MLM
 * candidates in every worker alike (each part must build the same candidate list), logged once in the reply
 * of the suggestion that tried.
 */
function maskedLmSession(model: Loaded): Promise<ort.InferenceSession | null> {
  const mlm = model.maskedLm;
  if (!mlm) return Promise.resolve(null);
  model.maskedLmSession ??= ort.InferenceSession.create(mlm.onnxPath, {
    intraOpNumThreads: model.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 4,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }).then(
    (session) => (session.outputNames.includes('top_ids') ? session : null),
    () => null,
  );
  return model.maskedLmSession;
}

/** The masked LM's best whole words at each suspect word and before it, in one run (maskedLm.ts); none without an MLM. */
async function maskedLmProposals(model: Loaded, sentence: string, suspects: readonly CharRange[]): Promise<Proposal[]> {
  const mlm = model.maskedLm;
  const maskId = mlm ? model.tokenizer.idOf(mlm.maskToken) : undefined;
  if (!mlm || maskId === undefined) return [];
  const queries = maskQueries(sentence, suspects, mlm.maskToken);
  const session = queries.length ? await maskedLmSession(model) : null;
  if (!session) return [];
  const encoded = queries.map((q) => model.tokenizer.encode(q.text));
  const { feeds, sequence } = feedsFor(session, model.tokenizer, encoded);
  const ids = (await session.run(feeds)).top_ids;
  const k = ids.dims[2];
  const data = ids.data as BigInt64Array;
  const ws = words(sentence);
  return queries.flatMap((q, row) => {
    const at = encoded[row].inputIds.indexOf(maskId);
    if (at < 0) return []; // the mask fell beyond max_length
    const base = (row * sequence + at) * k;
    const tokens = Array.from({ length: k }, (_, j) => model.tokenizer.tokenOf(Number(data[base + j])));
    return [{ word: q.word, mode: q.mode, words: proposedWords(tokens, ws[q.word].text, q.mode === 'replace' ? REPLACEMENTS_PER_WORD : INSERTIONS_PER_WORD) }];
  });
}

/**
 * The folder's word forms, read once per worker on first use. A file that cannot be read gives no inflection
 * candidates in every worker alike (each part must build the same candidate list); the reason goes to stderr once.
 */
function wordFormsOf(model: Loaded): WordForms | null {
  if (model.wordForms === undefined) {
    try {
      model.wordForms = model.wordFormsFile ? loadWordForms(model.wordFormsFile) : null;
    } catch (e) {
      console.error(`cola-bert: no inflection suggestions: ${(e as Error).message}`);
      model.wordForms = null;
    }
  }
  return model.wordForms;
}

async function suggest(req: SuggestRequest): Promise<void> {
  const t0 = performance.now();
  const model = loaded;
  const scored = await scoreWithSentence(req.id, 'suggest', req.sentence, async () =>
    partOf(candidateEdits(req.sentence, req.suspects, model ? await maskedLmProposals(model, req.sentence, req.suspects) : [], model && wordFormsOf(model)), req.part),
  );
  if (!scored) return;
  const candidates = scored.items.map((c, i) => ({ ...c, pAcceptable: scored.p[i + 1] }));
  post({ type: 'suggestions', id: req.id, pAcceptable: scored.p[0], candidates, inferMs: performance.now() - t0 });
}

async function predict(req: PredictRequest): Promise<void> {
  if (!loaded) {
    post({ type: 'error', id: req.id, kind: 'protocol', message: 'predict before the model was loaded' });
    return;
  }
  const model = loaded;
  const { tokenizer, batchSize, scaling } = model;
  const t0 = performance.now();
  let encoded: EncodedSentence[];
  try {
    encoded = req.sentences.map((s) => tokenizer.encode(s));
  } catch (e) {
    post({ type: 'error', id: req.id, kind: 'tokenizer', message: (e as Error).message });
    return;
  }
  const order = lengthOrder(encoded);
  const pAcceptable = new Float64Array(encoded.length);
  const pUnacceptable = new Float64Array(encoded.length);
  let batches = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    if (stopping) return; // the service has already settled this request
    if (cancelled.has(req.id)) {
      cancelled.delete(req.id);
      post({ type: 'cancelled', id: req.id });
      return;
    }
    const rows = order.slice(start, start + batchSize);
    let logits: Float32Array;
    try {
      logits = await runRows(model, rows.map((r) => encoded[r]));
    } catch (e) {
      post({ type: 'error', id: req.id, kind: 'run', message: `inference failed: ${(e as Error).message}` });
      return;
    }
    rows.forEach((r, i) => {
      [pUnacceptable[r], pAcceptable[r]] = probabilities(logits, i, scaling);
    });
    batches++;
    await yieldToMessages();
  }
  cancelled.delete(req.id);
  post({ type: 'result', id: req.id, pAcceptable, pUnacceptable, batches, inferMs: performance.now() - t0 });
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    while (queue.length && !stopping) {
      const req = queue.shift()!;
      if (cancelled.delete(req.id)) {
        post({ type: 'cancelled', id: req.id });
        continue;
      }
      runningId = req.id;
      if (req.type === 'predict') await predict(req);
      else if (req.type === 'attribute') await attribute(req);
      else await suggest(req);
      runningId = null;
    }
  } finally {
    busy = false;
    runningId = null;
  }
  if (stopping) await stop();
}

/** Ends this thread between runs (see StopRequest). */
async function stop(): Promise<void> {
  try {
    await loaded?.session.release();
  } finally {
    process.exit(0); // in a worker: ends this thread only
  }
}

function onMessage(message: MainToWorker): void {
  switch (message.type) {
    case 'load':
      void load(message);
      break;
    case 'predict':
    case 'attribute':
    case 'suggest':
      queue.push(message);
      void drain();
      break;
    case 'cancel':
      if (queue.some((q) => q.id === message.id) || runningId === message.id) cancelled.add(message.id);
      break;
    case 'stop':
      stopping = true;
      if (!busy) void stop();
      break;
  }
}

if (!parentPort) throw new Error('inferenceWorker must run in a worker thread');
parentPort.on('message', (raw: unknown) => {
  if (!isMainToWorker(raw)) {
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
    post({ type: 'error', id, kind: 'protocol', message: `unknown message ${JSON.stringify(raw)?.slice(0, 200)}` });
    return;
  }
  onMessage(raw);
});
