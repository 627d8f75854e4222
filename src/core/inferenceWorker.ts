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
import { rankCandidates, withinBudget, type BudgetedCandidates } from './candidateBudget';
import { candidateEdits } from './suggestions';
import { wordTokenPositions } from './tokenAlignment';
import { ColaTokenizer, type EncodedSentence } from './tokenizer';
import { loadWordForms, type WordForms } from './wordForms';
import { isMainToWorker, partOf, type AttributeRequest, type LoadRequest, type MainToWorker, type PackedTokenScores, type PredictRequest, type Scaling, type SuggestRequest, type Variant, type WorkerToMain } from '../../protocol/inferenceProtocol';

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
  const transfer =
    message.type === 'result'
      ? [message.pAcceptable.buffer as ArrayBuffer, message.pUnacceptable.buffer as ArrayBuffer, ...(message.tokenScores ? [message.tokenScores.values.buffer as ArrayBuffer, message.tokenScores.offsets.buffer as ArrayBuffer] : [])]
      : [];
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
 * P(acceptable) of each of `texts`, each alone in a run of its own. int8 activations are quantized with one scale
 * per run, so a text's score shifts with its batch neighbours; alone, a text scores the same in any part, worker
 * or request (and as the holdout was measured, one sentence per run), so the parts of a request share no row and
 * suggestions reuse the attribution's scores. A row alone costs about what a row in a batch does (all-mpnet-base-v2
 * int8, 33 tokens, one thread: 38 ms alone, 35 ms each in a batch of 2, 48 ms each in a batch of 12). A repeated
 * text runs once. Undefined when the request was answered instead (an error, or cancelled between runs).
 */
async function scoreEach(model: Loaded, id: number, texts: readonly string[]): Promise<number[] | undefined> {
  const p = new Map<string, number>();
  for (const text of texts) {
    if (p.has(text)) continue;
    if (stopping) return undefined; // the service has already settled this request
    if (cancelled.delete(id)) {
      post({ type: 'cancelled', id });
      return undefined;
    }
    let encoded: EncodedSentence;
    try {
      encoded = model.tokenizer.encode(text);
    } catch (e) {
      post({ type: 'error', id, kind: 'tokenizer', message: (e as Error).message });
      return undefined;
    }
    try {
      p.set(text, probabilities(await runRows(model, [encoded]), 0, model.scaling)[1]);
    } catch (e) {
      post({ type: 'error', id, kind: 'run', message: `inference failed: ${(e as Error).message}` });
      return undefined;
    }
    await yieldToMessages();
  }
  return texts.map((t) => p.get(t)!);
}

async function attribute(req: AttributeRequest): Promise<void> {
  if (!loaded) {
    post({ type: 'error', id: req.id, kind: 'protocol', message: 'attribute before the model was loaded' });
    return;
  }
  if (req.method === 'tokens') return attributeByTokens(loaded, req);
  const model = loaded;
  const t0 = performance.now();
  let mine: Variant[];
  try {
    mine = partOf(variants(req.sentence, req.method, model.placeholders, req.maxSpan), req.part);
  } catch (e) {
    post({ type: 'error', id: req.id, kind: 'tokenizer', message: (e as Error).message });
    return;
  }
  const first = req.part.index === 0;
  const p = await scoreEach(model, req.id, [...(first ? [req.sentence] : []), ...mine.map((v) => v.text)]);
  if (!p) return;
  const base = first ? p.shift()! : null;
  post({ type: 'attribution', id: req.id, pAcceptable: base, variants: mine, p, inferMs: performance.now() - t0 });
}

/**
 * The 'tokens' method (attribution.ts): the sentence's token scores (from its check, else from a run of the
 * sentence alone) give each word its worst token's score; the best-scored few are deleted and this part of
 * those deletions is scored, for the deltas.
 */
async function attributeByTokens(model: Loaded, req: AttributeRequest): Promise<void> {
  const t0 = performance.now();
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
  let tokenScores: ArrayLike<number>;
  let base: number | null = null;
  if (req.tokenScores?.length === encoded.inputIds.length) tokenScores = req.tokenScores;
  else {
    try {
      const out = await runModel(model, [encoded]);
      tokenScores = out.tokenLogits!;
      base = probabilities(out.logits, 0, model.scaling)[1];
    } catch (e) {
      post({ type: 'error', id: req.id, kind: 'run', message: `inference failed: ${(e as Error).message}` });
      return;
    }
  }
  const scores = wordScores(positions, tokenScores);
  const mine = partOf(deletionVariants(req.sentence, ws, worstWords(scores, TOKEN_SUSPECTS)), req.part);
  const first = req.part.index === 0;
  const runSentence = first && base === null;
  const p = await scoreEach(model, req.id, [...(runSentence ? [req.sentence] : []), ...mine.map((v) => v.text)]);
  if (!p) return;
  if (runSentence) base = p.shift()!;
  post({ type: 'attribution', id: req.id, pAcceptable: first ? base : null, variants: mine, p, wordScores: scores, inferMs: performance.now() - t0 });
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

/**
 * Every worker builds the same candidates and ranks them the same way (candidateBudget.ts), then scores its part
 * of the best `budget`; part 0 answers for the candidates whose texts the attribution already scored.
 */
async function suggest(req: SuggestRequest): Promise<void> {
  const t0 = performance.now();
  if (!loaded) {
    post({ type: 'error', id: req.id, kind: 'protocol', message: 'suggest before the model was loaded' });
    return;
  }
  const model = loaded;
  const known = new Map(req.known.map((k) => [k.text, k.pAcceptable]));
  let generated: number;
  let chosen: BudgetedCandidates;
  try {
    const all = candidateEdits(req.sentence, req.suspects, await maskedLmProposals(model, req.sentence, req.suspects), wordFormsOf(model));
    generated = all.length;
    chosen = withinBudget(rankCandidates(req.sentence, all, { suspects: req.suspects, wordScores: req.wordScores }), req.budget, known);
  } catch (e) {
    post({ type: 'error', id: req.id, kind: 'tokenizer', message: (e as Error).message });
    return;
  }
  const mine = partOf(chosen.toScore, req.part);
  const p = await scoreEach(model, req.id, mine.map((c) => c.text));
  if (!p) return;
  const candidates = [...(req.part.index === 0 ? chosen.known.map((c) => ({ ...c, pAcceptable: known.get(c.text)! })) : []), ...mine.map((c, i) => ({ ...c, pAcceptable: p[i] }))];
  post({ type: 'suggestions', id: req.id, candidates, generated, inferMs: performance.now() - t0 });
}

function packTokenScores(rows: readonly Float32Array[]): PackedTokenScores {
  const offsets = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (offsets[i + 1] = offsets[i] + r.length));
  const values = new Float32Array(offsets[rows.length]);
  rows.forEach((r, i) => values.set(r, offsets[i]));
  return { values, offsets };
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
  // A tokens-head model's token scores go back with the probabilities: attribution then starts from the check's.
  const tokenScores: (Float32Array | undefined)[] = [];
  let batches = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    if (stopping) return; // the service has already settled this request
    if (cancelled.has(req.id)) {
      cancelled.delete(req.id);
      post({ type: 'cancelled', id: req.id });
      return;
    }
    const rows = order.slice(start, start + batchSize);
    let out: Awaited<ReturnType<typeof runModel>>;
    try {
      out = await runModel(model, rows.map((r) => encoded[r]));
    } catch (e) {
      post({ type: 'error', id: req.id, kind: 'run', message: `inference failed: ${(e as Error).message}` });
      return;
    }
    const sequence = out.tokenLogits ? out.tokenLogits.length / rows.length : 0;
    rows.forEach((r, i) => {
      [pUnacceptable[r], pAcceptable[r]] = probabilities(out.logits, i, scaling);
      if (out.tokenLogits) tokenScores[r] = out.tokenLogits.slice(i * sequence, i * sequence + encoded[r].inputIds.length);
    });
    batches++;
    await yieldToMessages();
  }
  cancelled.delete(req.id);
  post({ type: 'result', id: req.id, pAcceptable, pUnacceptable, batches, tokenScores: tokenScores.length ? packTokenScores(tokenScores as Float32Array[]) : undefined, inferMs: performance.now() - t0 });
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
      cancelled.delete(req.id); // a cancel that came after the last check
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
