// `npm run bench:infer` (dist/bench-infer.js): inference speed side by side in one run, on the same
// sentences and model, fp32 and int8:
//   (a) the full check pipeline (Markdown → sentences → DocumentChecker → InferenceService worker) on a
//       long Markdown document, cold cache;
//   (b) raw onnxruntime-node session.run on pre-tokenized batches of 32 (document order, and length-sorted,
//       and length-sorted over as many 1-thread sessions in worker threads as the pipeline uses);
//   (c) the transformers.js (@huggingface/transformers) text-classification pipeline, batches of 32;
// plus the MCC of int8 vs fp32 on out_of_domain_dev, re-check latency after a one-sentence edit, and the
// main thread's event-loop stalls (perf_hooks.monitorEventLoopDelay) during each phase.
// Results go to stdout and into docs/benchmarks.md between <!-- bench:infer:start/end --> markers.
//
//   node dist/bench-infer.js [--model DIR] [--sentences N] [--reps R] [--threads T] [--workers W] [--edits E] [--no-write] [--no-transformers] [--recheck-only]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { writeDocsSection } from './docsSection';
import { readColaTsv } from '../src/core/cola';
import { DEFAULT_CHECK_OPTIONS, DocumentChecker, type CheckOptions } from '../src/core/documentChecker';
import { disableOnnxRuntimeTelemetry, InferenceService } from '../src/core/inference';
import { binaryMetrics, labelOf } from '../src/core/metrics';
import { chooseOnnx, readModelFolder } from '../src/core/modelFolder';
import { ProseWorkerClient } from '../src/core/proseWorkerClient';
import { documentSentences } from '../src/core/sentences';
import { ColaTokenizer, type EncodedBatch } from '../src/core/tokenizer';

const root = path.resolve(__dirname, '..');

interface Args {
  model: string;
  sentences: number;
  reps: number;
  threads: number;
  /** Inference workers of the service (undefined: its default). */
  workers?: number;
  edits: number;
  write: boolean;
  transformers: boolean;
  /** Only the re-check latency (a quick look while working on it; writes nothing). */
  recheckOnly: boolean;
}

function parse(argv: string[]): Args {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const candidates = [get('--model'), process.env.COLA_BERT_BENCH_MODEL, path.join(root, 'models', 'all-minilm-l6-v2-cola'), path.join(root, 'models', 'quick-minilm')];
  const model = candidates.find((c) => c && existsSync(path.join(c, 'cola-bert.json')));
  if (!model) {
    console.error(`bench:infer needs an exported model: --model DIR, COLA_BERT_BENCH_MODEL, or models/all-minilm-l6-v2-cola (tried ${candidates.filter(Boolean).join(', ')})`);
    process.exit(2);
  }
  const num = (flag: string, fallback: number) => {
    const v = get(flag);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1) {
      console.error(`${flag} needs a whole number ≥ 1`);
      process.exit(2);
    }
    return n;
  };
  return {
    model: path.resolve(model),
    sentences: num('--sentences', 2000),
    reps: num('--reps', 3),
    threads: num('--threads', Math.max(1, Math.min(4, os.availableParallelism()))),
    workers: get('--workers') === undefined ? undefined : num('--workers', 1),
    edits: num('--edits', 40),
    write: !argv.includes('--no-write'),
    transformers: !argv.includes('--no-transformers'),
    recheckOnly: argv.includes('--recheck-only'),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** Event-loop delay of the main thread while `fn` runs: the longest stall in ms. */
async function withLag<T>(fn: () => Promise<T>): Promise<{ value: T; maxStallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  try {
    const value = await fn();
    return { value, maxStallMs: h.max / 1e6 };
  } finally {
    h.disable();
  }
}

function markdownEscape(s: string): string {
  return s.replace(/[\\`*_[\]<>&$~|#]/g, (c) => `\\${c}`).replace(/^([-+=]|\d+[.)])/, '\\$1');
}

/** A long, realistic Markdown document: front matter, headings, paragraphs, lists, quotes, code between. */
function longDocument(sentences: string[]): string {
  const out = ['---', 'title: Benchmark document', '---', ''];
  let i = 0;
  let section = 0;
  while (i < sentences.length) {
    out.push(`## Section ${++section}`, '');
    for (let p = 0; p < 6 && i < sentences.length; p++) {
      const kind = p % 6;
      if (kind === 2) {
        out.push(...sentences.slice(i, i + 3).map((s) => `- ${markdownEscape(s)}`), '');
        i += 3;
      } else if (kind === 4) {
        out.push(...sentences.slice(i, i + 2).map((s) => `> ${markdownEscape(s)}`), '');
        i += 2;
      } else {
        out.push(sentences.slice(i, i + 4).map(markdownEscape).join(' '), '');
        i += 4;
      }
    }
    out.push('```ts', 'const checker = new DocumentChecker(service); // code is never judged', '```', '');
  }
  return out.join('\n');
}

interface Row {
  name: string;
  precision: 'fp32' | 'int8';
  ms: number[];
  sentences: number;
  stallMs: number;
  note?: string;
}

/** Prose extraction in its worker, as the extension runs it. */
function proseWorker(): ProseWorkerClient {
  return new ProseWorkerClient(ProseWorkerClient.defaultScript(), (reason) => console.warn(`  warning: ${reason}`));
}

async function pipelineRun(a: Args, doc: string, int8: boolean): Promise<{ row: Row; predictions: Map<string, number>; parallelism: InferenceService['parallelism'] }> {
  const service = await InferenceService.open(a.model, { preferInt8: int8, threads: a.threads, workers: a.workers, cacheSize: 0 });
  const prose = proseWorker();
  try {
    const options: CheckOptions = { ...DEFAULT_CHECK_OPTIONS, language: 'markdown', maxSentencesPerPass: Number.MAX_SAFE_INTEGER };
    await new DocumentChecker(service, prose.extract).check(doc.slice(0, 4000), options); // warm-up
    const times: number[] = [];
    let stall = 0;
    let judged = 0;
    const predictions = new Map<string, number>();
    for (let r = 0; r < a.reps; r++) {
      const { value, maxStallMs } = await withLag(async () => {
        const t0 = performance.now();
        const result = await new DocumentChecker(service, prose.extract).check(doc, options);
        return { ms: performance.now() - t0, result };
      });
      times.push(value.ms);
      stall = Math.max(stall, maxStallMs);
      judged = value.result.sentences.length;
      for (const s of value.result.sentences) predictions.set(s.text, s.pAcceptable);
    }
    const { workers, threadsPerWorker } = service.parallelism;
    return { row: { name: `(a) check pipeline (prose worker + ${workers} inference worker${workers > 1 ? 's' : ''} × ${threadsPerWorker} thread${threadsPerWorker > 1 ? 's' : ''}, length-bucketed)`, precision: int8 ? 'int8' : 'fp32', ms: times, sentences: judged, stallMs: stall }, predictions, parallelism: service.parallelism };
  } finally {
    await prose.dispose();
    await service.dispose();
  }
}

function int64(values: number[], batch: number, seq: number): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [batch, seq]);
}

/** The raw rows' input: the ONNX file, and the sentences tokenized once, as padded batches of 32 in document order and length-sorted. */
interface PreTokenized {
  precision: 'int8' | 'fp32';
  sentences: number;
  file: string;
  documentOrder: EncodedBatch[];
  lengthSorted: EncodedBatch[];
}

function preTokenize(a: Args, texts: string[], int8: boolean): PreTokenized {
  const folder = readModelFolder(a.model);
  const tokenizer = ColaTokenizer.fromFolder(a.model, folder.metadata.max_length);
  const encoded = texts.map((t) => tokenizer.encode(t));
  const batches = (order: number[]) => {
    const out: EncodedBatch[] = [];
    for (let i = 0; i < order.length; i += 32) out.push(tokenizer.pad(order.slice(i, i + 32).map((r) => encoded[r])));
    return out;
  };
  const docOrder = texts.map((_, i) => i);
  const sorted = [...docOrder].sort((x, y) => encoded[x].inputIds.length - encoded[y].inputIds.length || x - y);
  return { precision: int8 ? 'int8' : 'fp32', sentences: texts.length, file: chooseOnnx(folder, int8).file, documentOrder: batches(docOrder), lengthSorted: batches(sorted) };
}

/** The feeds of one batch that the session takes (models without token types have no such input). */
function feedsOf(b: EncodedBatch, inputNames: readonly string[]): Record<string, ort.Tensor> {
  const all = { input_ids: b.inputIds, attention_mask: b.attentionMask, token_type_ids: b.tokenTypeIds };
  return Object.fromEntries(inputNames.map((k) => [k, int64(all[k as keyof typeof all], b.batch, b.sequence)]));
}

async function rawOrtRuns(a: Args, input: PreTokenized): Promise<Row[]> {
  const session = await ort.InferenceSession.create(input.file, { intraOpNumThreads: a.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const rows: Row[] = [];
  for (const [name, order] of [
    ['(b) raw ORT session.run, main thread, document order', input.documentOrder],
    ['(b′) raw ORT session.run, main thread, length-sorted', input.lengthSorted],
  ] as const) {
    const batches = order.map((b) => feedsOf(b, session.inputNames));
    await session.run(batches[0]); // warm-up
    const times: number[] = [];
    let stall = 0;
    for (let r = 0; r < a.reps; r++) {
      const { value, maxStallMs } = await withLag(async () => {
        const t0 = performance.now();
        for (const feeds of batches) await session.run(feeds);
        return performance.now() - t0;
      });
      times.push(value);
      stall = Math.max(stall, maxStallMs);
    }
    rows.push({ name, precision: input.precision, ms: times, sentences: input.sentences, stallMs: stall, note: 'pre-tokenized' });
  }
  await session.release();
  return rows;
}

// Each lane: a worker thread with its own 1-or-more-thread session, given its share of the pre-built batches up
// front; on 'go' it runs them all and answers with nothing but 'done'.
const LANE_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ort);
(async () => {
  const session = await ort.InferenceSession.create(workerData.file, { intraOpNumThreads: workerData.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const all = (b) => ({ input_ids: b.inputIds, attention_mask: b.attentionMask, token_type_ids: b.tokenTypeIds });
  const batches = workerData.batches.map((b) => Object.fromEntries(session.inputNames.map((k) => [k, new ort.Tensor('int64', BigInt64Array.from(all(b)[k], BigInt), [b.batch, b.sequence])])));
  if (batches.length) await session.run(batches[0]);
  parentPort.on('message', async () => {
    for (const feeds of batches) await session.run(feeds);
    parentPort.postMessage('done');
  });
  parentPort.postMessage('ready');
})();
`;

/** Raw session.run as the pipeline's workers run it: `lanes` sessions in worker threads, length-sorted batches dealt out in turn. */
async function rawOrtLanes(a: Args, input: PreTokenized, lanes: number, threadsPerLane: number): Promise<Row> {
  const { Worker } = await import('node:worker_threads');
  const shares = Array.from({ length: lanes }, (_, lane) => input.lengthSorted.filter((_, n) => n % lanes === lane));
  const workers = shares.map((batches) => new Worker(LANE_SCRIPT, { eval: true, workerData: { ort: require.resolve('onnxruntime-node'), file: input.file, threads: threadsPerLane, batches } }));
  const next = (w: InstanceType<typeof Worker>) => new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  try {
    await Promise.all(workers.map(next)); // ready
    const times: number[] = [];
    let stall = 0;
    for (let r = 0; r < a.reps; r++) {
      const { value, maxStallMs } = await withLag(async () => {
        const t0 = performance.now();
        const done = workers.map(next);
        for (const w of workers) w.postMessage('go');
        await Promise.all(done);
        return performance.now() - t0;
      });
      times.push(value);
      stall = Math.max(stall, maxStallMs);
    }
    return { name: `(b″) raw ORT session.run, ${lanes} worker threads × ${threadsPerLane} thread${threadsPerLane > 1 ? 's' : ''}, length-sorted`, precision: input.precision, ms: times, sentences: input.sentences, stallMs: stall, note: 'pre-tokenized' };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** transformers.js wants <localModelPath>/<id>/{config.json, tokenizer files, onnx/model[_int8].onnx}. */
function transformersLayout(modelDir: string): { base: string; id: string } {
  const base = mkdtempSync(path.join(os.tmpdir(), 'cola-tfjs-'));
  const id = 'cola-bert-model';
  const dir = path.join(base, id);
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) {
    if (existsSync(path.join(modelDir, f))) symlinkSync(path.join(modelDir, f), path.join(dir, f));
  }
  const folder = readModelFolder(modelDir);
  symlinkSync(chooseOnnx(folder, false).file, path.join(dir, 'onnx', 'model.onnx'));
  const int8 = chooseOnnx(folder, true);
  if (int8.quantized) symlinkSync(int8.file, path.join(dir, 'onnx', 'model_int8.onnx'));
  return { base, id };
}

async function transformersRun(a: Args, texts: string[], int8: boolean, reference: Map<string, number>): Promise<Row> {
  const tf = await import('@huggingface/transformers');
  const { base, id } = transformersLayout(a.model);
  try {
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    tf.env.localModelPath = base;
    const classify = await tf.pipeline('text-classification', id, {
      dtype: int8 ? 'int8' : 'fp32',
      device: 'cpu',
      session_options: { intraOpNumThreads: a.threads, interOpNumThreads: 1 },
    });
    type Scored = { label: string; score: number }[];
    const pAcceptable = (scores: Scored) => {
      const acc = scores.find((s) => /^(acceptable|LABEL_1)$/.test(s.label));
      return acc ? acc.score : NaN;
    };
    await classify(texts.slice(0, 32), { top_k: null }); // warm-up
    const times: number[] = [];
    let stall = 0;
    let diff = 0;
    for (let r = 0; r < a.reps; r++) {
      const { value, maxStallMs } = await withLag(async () => {
        const out: number[] = [];
        const t0 = performance.now();
        for (let i = 0; i < texts.length; i += 32) {
          const res = (await classify(texts.slice(i, i + 32), { top_k: null })) as unknown as Scored[];
          for (const s of res) out.push(pAcceptable(s));
        }
        return { ms: performance.now() - t0, out };
      });
      times.push(value.ms);
      stall = Math.max(stall, maxStallMs);
      diff = Math.max(...value.out.map((p, i) => Math.abs(p - (reference.get(texts[i]) ?? NaN))));
    }
    await classify.dispose();
    return {
      name: '(c) transformers.js text-classification, batches of 32',
      precision: int8 ? 'int8' : 'fp32',
      ms: times,
      sentences: texts.length,
      stallMs: stall,
      note: `max ΔP(acceptable) vs (a), absolute: ${Number.isFinite(diff) ? diff.toExponential(1) : 'n/a'}`,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function int8VsFp32(a: Args): Promise<{ fp32: number; int8: number; agreement: number; n: number; meanDelta: number; maxDelta: number }> {
  const dev = readColaTsv(path.join(process.env.COLA_DIR ?? path.join(root, '..', 'shared', 'datasets', 'cola', 'raw'), 'out_of_domain_dev.tsv'));
  const labels = dev.map((e) => e.label);
  const out: Record<string, number[]> = {};
  const probabilities: Record<string, number[]> = {};
  for (const int8 of [false, true]) {
    const service = await InferenceService.open(a.model, { preferInt8: int8, threads: a.threads, workers: a.workers, cacheSize: 0 });
    try {
      probabilities[int8 ? 'int8' : 'fp32'] = (await service.predict(dev.map((e) => e.sentence))).map((p) => p.pAcceptable);
      out[int8 ? 'int8' : 'fp32'] = probabilities[int8 ? 'int8' : 'fp32'].map((p) => labelOf(p));
    } finally {
      await service.dispose();
    }
  }
  const agree = out.fp32.filter((l, i) => l === out.int8[i]).length / dev.length;
  const deltas = probabilities.fp32.map((p, i) => Math.abs(p - probabilities.int8[i]));
  return {
    fp32: binaryMetrics(labels, out.fp32).mcc,
    int8: binaryMetrics(labels, out.int8).mcc,
    agreement: agree,
    n: dev.length,
    meanDelta: deltas.reduce((x, y) => x + y, 0) / deltas.length,
    maxDelta: Math.max(...deltas),
  };
}

/** The editor's situation: the document was checked; one sentence changes; how long until new results? */
interface Recheck { p50: number; p95: number; max: number; stallMs: number; n: number; extractP50: number; extractP95: number; inferP50: number; inferP95: number }

async function recheckLatency(a: Args, doc: string): Promise<Recheck> {
  const service = await InferenceService.open(a.model, { preferInt8: true, threads: a.threads, workers: a.workers });
  const prose = proseWorker();
  try {
    const options: CheckOptions = { ...DEFAULT_CHECK_OPTIONS, language: 'markdown', maxSentencesPerPass: 500 };
    const checker = new DocumentChecker(service, prose.extractorFor('bench-document'));
    let text = doc;
    let result = await checker.check(text, options);
    while (result.pending) result = await checker.check(text, options);
    const times: number[] = [];
    const extractTimes: number[] = [];
    const inferTimes: number[] = [];
    const { maxStallMs } = await withLag(async () => {
      for (let e = 0; e < a.edits; e++) {
        const s = result.sentences[Math.floor(((e + 0.5) / a.edits) * result.sentences.length)];
        // A one-word edit inside the sentence, as typing would make.
        const at = s.start + Math.max(1, Math.floor((s.end - s.start) / 2));
        const space = text.indexOf(' ', at);
        if (space < 0 || space >= s.end) continue;
        text = `${text.slice(0, space)} really${text.slice(space)}`;
        const t0 = performance.now();
        result = await checker.check(text, options);
        times.push(performance.now() - t0);
        extractTimes.push(result.timings.extractMs);
        inferTimes.push(result.timings.inferMs);
      }
    });
    return {
      p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times), stallMs: maxStallMs, n: times.length,
      extractP50: percentile(extractTimes, 50), extractP95: percentile(extractTimes, 95), inferP50: percentile(inferTimes, 50), inferP95: percentile(inferTimes, 95),
    };
  } finally {
    await prose.dispose();
    await service.dispose();
  }
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  // The raw-ORT rows create sessions outside InferenceService; they need the same guard (issue 17).
  disableOnnxRuntimeTelemetry();
  const a = parse(process.argv.slice(2));
  const started = new Date();
  const load0 = os.loadavg();
  const meta = JSON.parse(readFileSync(path.join(a.model, 'cola-bert.json'), 'utf8')) as { base_model?: string; metrics?: { holdout?: { mcc?: number } } };
  const colaDir = process.env.COLA_DIR ?? path.join(root, '..', 'shared', 'datasets', 'cola', 'raw');
  const train = readColaTsv(path.join(colaDir, 'in_domain_train.tsv'));
  // A spread over the whole file: real, varied sentences of every length.
  const step = Math.max(1, Math.floor(train.length / a.sentences));
  const picked = train.filter((_, i) => i % step === 0).slice(0, a.sentences).map((e) => e.sentence);
  const doc = longDocument(picked);
  const texts = documentSentences(doc, 'markdown').sentences.map((s) => s.text);
  console.log(`model ${a.model} (${meta.base_model}); ${texts.length} sentences in a ${fmt(doc.length)}-character Markdown document; ${a.threads} threads; ${a.reps} reps`);

  if (a.recheckOnly) {
    const r = await recheckLatency(a, doc);
    console.log(JSON.stringify(r));
    return;
  }
  const t0 = performance.now();
  const rows: Row[] = [];
  for (const int8 of [true, false]) {
    const p = await pipelineRun(a, doc, int8);
    rows.push(p.row);
    console.log(`  ${p.row.name} ${p.row.precision}: median ${fmt(median(p.row.ms))} ms`);
    const input = preTokenize(a, texts, int8);
    rows.push(...(await rawOrtRuns(a, input)));
    const lanes = p.parallelism;
    if (lanes.workers > 1) rows.push(await rawOrtLanes(a, input, lanes.workers, lanes.threadsPerWorker));
    console.log(`  raw ORT ${int8 ? 'int8' : 'fp32'} done`);
    if (a.transformers) {
      const t = await transformersRun(a, texts, int8, p.predictions);
      rows.push(t);
      console.log(`  ${t.name} ${t.precision}: median ${fmt(median(t.ms))} ms (${t.note})`);
    }
  }
  const mcc = await int8VsFp32(a);
  console.log(`  out_of_domain_dev MCC fp32 ${mcc.fp32.toFixed(4)}, int8 ${mcc.int8.toFixed(4)}`);
  const recheck = await recheckLatency(a, doc);
  console.log(`  re-check after a one-sentence edit: p50 ${recheck.p50.toFixed(1)} ms, p95 ${recheck.p95.toFixed(1)} ms ` +
    `(extraction p50 ${recheck.extractP50.toFixed(1)} / p95 ${recheck.extractP95.toFixed(1)} ms, inference p50 ${recheck.inferP50.toFixed(1)} / p95 ${recheck.inferP95.toFixed(1)} ms)`);
  const seconds = (performance.now() - t0) / 1000;
  const load1 = os.loadavg();

  const base = (name: string, precision: string) => rows.find((r) => r.name.startsWith(name) && r.precision === precision);
  const lines: string[] = [];
  lines.push(`Run ${started.toISOString()} (${fmt(seconds, 0)} s) by \`npm run bench:infer\` on ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} logical cores, ` +
    `${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.versions.node}, onnxruntime-node ${(ort as unknown as { env: { versions?: { common?: string } } }).env.versions?.common ?? ''}. ` +
    `Load average before/after: ${load0.map((l) => l.toFixed(2)).join(' ')} / ${load1.map((l) => l.toFixed(2)).join(' ')} (the machine is shared; medians of ${a.reps} runs).`);
  lines.push('');
  lines.push(`Model: \`${path.relative(root, a.model) || a.model}\` (${meta.base_model}, holdout MCC ${meta.metrics?.holdout?.mcc?.toFixed(4) ?? 'n/a'}); ${a.threads} onnxruntime threads everywhere; ` +
    `${texts.length} sentences (a spread of CoLA in_domain_train) in a ${fmt(doc.length)}-character Markdown document with headings, lists, quotes and code blocks.`);
  lines.push('');
  lines.push('| path | precision | median ms | sentences/s | vs raw ORT (doc order) | vs fastest raw ORT | vs transformers.js | max main-thread stall |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const rate = r.sentences / (median(r.ms) / 1000);
    const raw = base('(b) raw', r.precision);
    const fastestRaw = rows.filter((x) => x.name.startsWith('(b') && x.precision === r.precision).sort((x, y) => median(x.ms) - median(y.ms))[0];
    const tfjs = base('(c)', r.precision);
    const vs = (other: Row | undefined) => (other && other !== r ? `${(median(other.ms) / median(r.ms)).toFixed(2)}×` : '—');
    lines.push(`| ${r.name}${r.note ? ` (${r.note})` : ''} | ${r.precision} | ${fmt(median(r.ms))} | ${fmt(rate)} | ${vs(raw)} | ${vs(fastestRaw)} | ${vs(tfjs)} | ${r.stallMs.toFixed(0)} ms |`);
  }
  lines.push('');
  lines.push(`- int8 vs fp32 on out_of_domain_dev (${mcc.n} sentences, through the inference service): MCC fp32 **${mcc.fp32.toFixed(4)}**, int8 **${mcc.int8.toFixed(4)}** ` +
    `(Δ ${(mcc.int8 - mcc.fp32).toFixed(4)}); labels agree on ${(mcc.agreement * 100).toFixed(1)}%; |P(acceptable) int8 − fp32| mean ${mcc.meanDelta.toFixed(4)}, max ${mcc.maxDelta.toFixed(4)}.`);
  lines.push(`- Re-check after a one-sentence edit (document already checked, DocumentChecker + cached service, int8, time of the pass after the throttle): ` +
    `p50 **${recheck.p50.toFixed(1)} ms**, p95 **${recheck.p95.toFixed(1)} ms**, max ${recheck.max.toFixed(1)} ms over ${recheck.n} edits (of which extraction in the prose worker p50 ${recheck.extractP50.toFixed(1)} / p95 ${recheck.extractP95.toFixed(1)} ms, ` +
    `inference p50 ${recheck.inferP50.toFixed(1)} / p95 ${recheck.inferP95.toFixed(1)} ms); main-thread stall during the edits ${recheck.stallMs.toFixed(0)} ms.`);
  lines.push(`- "vs" columns: how many times faster this row is than the named baseline at the same precision (> 1 = faster). ` +
    `Main-thread stall: the largest event-loop delay seen while the row ran (monitorEventLoopDelay); rows (b) and (b′) run onnxruntime on the main thread on purpose, to show what the worker avoids; row (b″), when there, runs the same sessions-per-worker split as the pipeline, without tokenizing or parsing; ` +
    `row (a) includes Markdown parsing and segmentation, which run in the prose worker as in the extension.`);
  const section = lines.join('\n');
  console.log(`\n${section}\n`);

  if (a.write) {
    writeDocsSection('infer', 'Inference (`npm run bench:infer`)', section);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
