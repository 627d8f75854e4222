import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { main } from '../../src/cli';
import { InferenceError, InferenceService, isAbortError, type Prediction } from '../../src/core/inference';
import { isMainToWorker, isWorkerToMain } from '../../protocol/inferenceProtocol';
import { readColaTsv } from '../../src/core/cola';
import { ModelFolderError } from '../../src/core/modelFolder';
import { colaDir, repoRoot, requirePython } from './helpers/python';

const sentences = [
  'The cat sat on the mat.',
  'Cat the mat on sat the.',
  'John seems to be happy.',
  'John seems happy to be.',
  '“Curly quotes” and émigré accents, 日本語, emoji 🙂.',
  '',
  Array.from({ length: 100 }, (_, i) => `word${i}`).join(' '),
  ...readColaTsv(path.join(colaDir, 'out_of_domain_dev.tsv'))
    .slice(0, 90)
    .map((e) => e.sentence),
];

const crashingWorker = path.join(__dirname, 'helpers', 'crashingInferenceWorker.ts');
const lanes = (s: InferenceService) => (s as unknown as { lanes: { worker: Worker }[] }).lanes;

async function rejectsWith(p: Promise<unknown>, check: (e: unknown) => boolean, message: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(check(e), `${message}: got ${e}`);
    return;
  }
  assert.fail(`${message}: it resolved`);
}

describe('InferenceService (worker thread + onnxruntime-node)', function () {
  this.timeout(180_000);
  let tmp: string;
  let modelDir: string;
  let torchProbs: number[][];
  const open: InferenceService[] = [];
  const track = (s: InferenceService) => (open.push(s), s);

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-infer-'));
    modelDir = path.join(tmp, 'model');
    const list = path.join(tmp, 'sentences.json');
    writeFileSync(list, JSON.stringify(sentences));
    const r = spawnSync(requirePython(), [path.join(repoRoot, 'test', 'fixtures', 'make_onnx_model.py'), modelDir, list], { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
    if (r.status !== 0) throw new Error(`make_onnx_model.py failed: ${r.stderr}`);
    torchProbs = (JSON.parse(r.stdout.trim().split('\n').pop()!) as { fp32: number[][] }).fp32;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.dispose()));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('fp32 probabilities equal PyTorch within 1e-5, in input order, across length-grouped batches', async () => {
    const s = track(await InferenceService.open(modelDir, { preferInt8: false, batchSize: 8 }));
    assert.equal(s.model.quantized, false);
    assert.equal(path.basename(s.model.onnxFile), 'model.onnx');
    const got = await s.predict(sentences);
    assert.equal(got.length, sentences.length);
    got.forEach((p, i) => {
      assert.ok(Math.abs(p.pAcceptable - torchProbs[i][1]) < 1e-5, `#${i}: ${p.pAcceptable} vs torch ${torchProbs[i][1]}`);
      assert.ok(Math.abs(p.pUnacceptable - torchProbs[i][0]) < 1e-5, `#${i}`);
      assert.ok(Math.abs(p.pAcceptable + p.pUnacceptable - 1) < 1e-12);
    });
    const spread = Math.max(...got.map((p) => p.pAcceptable)) - Math.min(...got.map((p) => p.pAcceptable));
    assert.ok(spread > 0.1, `fixture probabilities should differ between sentences (spread ${spread})`);
  });

  it('int8 is preferred by default; its probabilities stay close to fp32', async () => {
    const s = track(await InferenceService.open(modelDir));
    assert.deepEqual(
      { ...s.model, dir: undefined },
      { dir: undefined, name: 'model', baseModel: 'tiny-random-bert', holdout: { mcc: 0, file: null }, calibration: { temperature: 1, bias: 0, threshold: 0.5, fitted: false }, onnxFile: path.join(modelDir, 'model.int8.onnx'), quantized: true, maxLength: 128, reliability: null, maskedLm: null },
    );
    const got = await s.predict(sentences);
    const maxDiff = Math.max(...got.map((p, i) => Math.abs(p.pAcceptable - torchProbs[i][1])));
    assert.ok(maxDiff < 0.05, `int8 vs fp32 max difference ${maxDiff}`);
  });

  it('results do not depend on how sentences are batched', async () => {
    const s = track(await InferenceService.open(modelDir, { preferInt8: false, batchSize: 3, cacheSize: 0 }));
    const together = await s.predict(sentences.slice(0, 12));
    const alone: Prediction[] = [];
    for (const x of sentences.slice(0, 12)) alone.push((await s.predict([x]))[0]);
    together.forEach((p, i) => assert.ok(Math.abs(p.pAcceptable - alone[i].pAcceptable) < 1e-6, `#${i}`));
  });

  it('caches by sentence: a repeat is answered without the worker', async () => {
    const s = track(await InferenceService.open(modelDir, { cacheSize: 1000 }));
    const first = await s.predict(sentences.slice(0, 10));
    assert.equal(s.stats.inferred, 10);
    const again = await s.predict([...sentences.slice(0, 10), sentences[0]]);
    assert.equal(s.stats.inferred, 10, 'nothing new was sent to the worker');
    assert.equal(s.stats.cacheHits, 11);
    assert.deepEqual(again.slice(0, 10), first);
  });

  it('the LRU evicts the oldest sentence beyond cacheSize', async () => {
    const s = track(await InferenceService.open(modelDir, { cacheSize: 2 }));
    await s.predict(['One.', 'Two.', 'Three.']);
    await s.predict(['Three.']);
    assert.equal(s.stats.cacheHits, 1);
    await s.predict(['One.']);
    assert.equal(s.stats.inferred, 4, '"One." was evicted and inferred again');
  });

  it('duplicates within a call and between concurrent callers are inferred once', async () => {
    const s = track(await InferenceService.open(modelDir));
    const a = s.predict(['Alpha.', 'Beta.', 'Alpha.', 'Gamma.']);
    const b = s.predict(['Gamma.', 'Beta.', 'Delta.']);
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(s.stats.inferred, 4, 'Alpha, Beta, Gamma once; Delta once');
    assert.equal(s.stats.shared, 2);
    assert.deepEqual(ra[0], ra[2]);
    assert.deepEqual(ra[3], rb[0]);
    assert.deepEqual(ra[1], rb[1]);
  });

  it('an already-aborted signal rejects at once', async () => {
    const s = track(await InferenceService.open(modelDir));
    await rejectsWith(s.predict(['x'], AbortSignal.abort()), isAbortError, 'AbortError');
    assert.equal(s.stats.inferred, 0);
  });

  it('a request aborted while queued never reaches the worker', async () => {
    const s = track(await InferenceService.open(modelDir, { cacheSize: 0 }));
    const busy = s.predict(Array.from({ length: 400 }, (_, i) => `Busy sentence number ${i}.`));
    await new Promise((r) => setTimeout(r, 20));
    const controller = new AbortController();
    const queued = s.predict(['Queued one.', 'Queued two.'], controller.signal);
    controller.abort();
    await rejectsWith(queued, isAbortError, 'AbortError');
    await busy;
    assert.equal(s.stats.inferred, 400, 'the aborted sentences were never sent');
    assert.equal(s.stats.cancelledRequests, 1);
  });

  it('a request aborted in the same tick never reaches an idle worker', async () => {
    const s = track(await InferenceService.open(modelDir, { cacheSize: 0 }));
    const controller = new AbortController();
    const p = s.predict(['Idle one.', 'Idle two.'], controller.signal);
    controller.abort();
    await rejectsWith(p, isAbortError, 'AbortError');
    assert.equal(s.stats.inferred, 0, 'the job was dropped before the pump could send it');
    assert.equal(s.stats.cancelledRequests, 1);
    assert.deepEqual(await s.predict(['Idle one.']).then((r) => r.length), 1, 'the service stays usable');
  });

  it('a running request is stopped in the worker between batches; the service stays usable', async () => {
    const s = track(await InferenceService.open(modelDir, { cacheSize: 0, batchSize: 4, workers: 1 }));
    const controller = new AbortController();
    const many = Array.from({ length: 4000 }, (_, i) => `Sentence ${i} is rather long so that batches take a little while to run.`);
    const p = s.predict(many, controller.signal);
    setTimeout(() => controller.abort(), 50);
    const t0 = Date.now();
    await rejectsWith(p, isAbortError, 'AbortError');
    assert.ok(Date.now() - t0 < 5000);
    const after = await s.predict(['Still works.']);
    assert.equal(after.length, 1);
    assert.equal(s.stats.stoppedInWorker, 1, 'the worker reported that it stopped the request');
  });

  it('aborting one of two callers sharing a sentence leaves the other one its answer', async () => {
    const s = track(await InferenceService.open(modelDir, { cacheSize: 0 }));
    const controller = new AbortController();
    const a = s.predict(['Shared sentence.'], controller.signal);
    const b = s.predict(['Shared sentence.']);
    controller.abort();
    await rejectsWith(a, isAbortError, 'AbortError');
    const [p] = await b;
    assert.ok(p.pAcceptable > 0 && p.pAcceptable < 1);
  });

  it('a crashed worker rejects pending work, fires onDidCrash, and the model can be reopened', async () => {
    const s = track(await InferenceService.open(modelDir, { cacheSize: 0, workers: 1, workerScript: crashingWorker }));
    let crash: Error | null = null;
    s.onDidCrash((e) => (crash = e));
    const pending = rejectsWith(
      s.predict(Array.from({ length: 2000 }, (_, i) => `Pending ${i}.`)),
      (e) => e instanceof InferenceError && e.code === 'crashed' && /Reopen/.test(e.message),
      'crash error',
    );
    lanes(s)[0].worker.postMessage('crash');
    await pending;
    assert.ok(crash, 'onDidCrash fired');
    assert.equal(s.alive, false);
    await rejectsWith(s.predict(['After the crash.']), (e) => e instanceof InferenceError && e.code === 'crashed', 'later calls fail clearly');
    const reopened = track(await InferenceService.open(modelDir));
    assert.equal((await reopened.predict(['Back again.'])).length, 1);
  });

  describe('several workers', () => {
    it('give the same probabilities as one; a large request is spread over all of them', async () => {
      const one = track(await InferenceService.open(modelDir, { preferInt8: false, threads: 2, workers: 1, batchSize: 8, cacheSize: 0 }));
      const two = track(await InferenceService.open(modelDir, { preferInt8: false, threads: 2, workers: 2, batchSize: 8, cacheSize: 0 }));
      assert.deepEqual(one.parallelism, { workers: 1, threadsPerWorker: 2 });
      assert.deepEqual(two.parallelism, { workers: 2, threadsPerWorker: 1 });
      const [a, b] = [await one.predict(sentences), await two.predict(sentences)];
      b.forEach((p, i) => assert.ok(Math.abs(p.pAcceptable - a[i].pAcceptable) < 1e-6, `#${i}: ${p.pAcceptable} vs ${a[i].pAcceptable}`));
      b.forEach((p, i) => assert.ok(Math.abs(p.pAcceptable - torchProbs[i][1]) < 1e-5, `#${i} vs torch`));
      const unique = new Set(sentences).size;
      assert.equal(two.stats.inferred, unique);
      assert.equal(two.stats.inferredPerWorker.length, 2);
      assert.ok(two.stats.inferredPerWorker.every((n) => n > 0), `both workers got work: ${two.stats.inferredPerWorker}`);
      assert.deepEqual(one.stats.inferredPerWorker, [unique]);
    });

    it('a small request goes to one worker whole', async () => {
      const s = track(await InferenceService.open(modelDir, { threads: 2, workers: 2, cacheSize: 0 }));
      await s.predict(sentences.slice(0, 5));
      assert.deepEqual([...s.stats.inferredPerWorker].sort(), [0, 5]);
    });

    it('never more workers than threads; bad counts are refused', async () => {
      const s = track(await InferenceService.open(modelDir, { threads: 1, workers: 3 }));
      assert.deepEqual(s.parallelism, { workers: 1, threadsPerWorker: 1 });
      const def = track(await InferenceService.open(modelDir, { threads: 3 }));
      assert.deepEqual(def.parallelism, { workers: 2, threadsPerWorker: 1 });
      await rejectsWith(InferenceService.open(modelDir, { workers: 0 }), (e) => e instanceof RangeError, 'RangeError');
      await rejectsWith(InferenceService.open(modelDir, { workers: 1.5 }), (e) => e instanceof RangeError, 'RangeError');
    });

    it('aborting a large request stops it on every worker; the service stays usable', async () => {
      const s = track(await InferenceService.open(modelDir, { threads: 2, workers: 2, cacheSize: 0, batchSize: 4 }));
      const controller = new AbortController();
      const many = Array.from({ length: 4000 }, (_, i) => `Sentence ${i} is rather long so that batches take a little while to run.`);
      const p = s.predict(many, controller.signal);
      // Abort once the first chunk is answered, not after a fixed delay: a fast machine could finish every
      // chunk in a few milliseconds, a busy one might not have sent any.
      lanes(s).forEach((l) => l.worker.once('message', () => controller.abort()));
      await rejectsWith(p, isAbortError, 'AbortError');
      assert.ok(s.stats.inferred < many.length, `queued chunks were dropped (${s.stats.inferred} of ${many.length} sent)`);
      assert.ok(s.stats.cancelledRequests > 1, 'every chunk was released');
      const after = await s.predict(['Still works.', 'On both workers?']);
      assert.equal(after.length, 2);
    });

    it('one crashed worker fails the service once and stops the other', async () => {
      const s = track(await InferenceService.open(modelDir, { threads: 2, workers: 2, cacheSize: 0, workerScript: crashingWorker }));
      const crashes: Error[] = [];
      s.onDidCrash((e) => crashes.push(e));
      const [first, second] = lanes(s);
      const otherExited = new Promise<void>((resolve) => second.worker.once('exit', () => resolve()));
      const pending = rejectsWith(s.predict(Array.from({ length: 2000 }, (_, i) => `Pending ${i}.`)), (e) => e instanceof InferenceError && e.code === 'crashed', 'crash error');
      first.worker.postMessage('crash');
      await pending;
      await otherExited;
      assert.equal(crashes.length, 1);
      assert.equal(s.alive, false);
    });
  });

  it('dispose rejects pending work', async () => {
    const s = await InferenceService.open(modelDir, { cacheSize: 0 });
    const pending = rejectsWith(
      s.predict(Array.from({ length: 2000 }, (_, i) => `Disposed ${i}.`)),
      (e) => e instanceof InferenceError && e.code === 'disposed',
      'disposed',
    );
    await s.dispose();
    await pending;
    await rejectsWith(s.predict(['x']), (e) => e instanceof InferenceError && e.code === 'disposed', 'disposed');
  });

  it('dispose in the middle of runs lets the workers finish their batch and exit (no process abort)', async () => {
    // Worker.terminate() at such a moment can abort the whole process ('terminate called after throwing an
    // instance of Napi::Error', see StopRequest); with terminate() this test fails on the exit codes (1, not 0).
    for (let k = 0; k < 6; k++) {
      const s = await InferenceService.open(modelDir, { threads: 2, workers: 2, cacheSize: 0, batchSize: 4 });
      const pending = s.predict(Array.from({ length: 3000 }, (_, i) => `Sentence ${i} of round ${k}.`)).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 20 + 7 * k));
      const exits = lanes(s).map((l) => new Promise<number>((resolve) => l.worker.once('exit', resolve)));
      await s.dispose();
      assert.deepEqual(await Promise.all(exits), [0, 0], 'both workers exited on their own (code 0), not terminated (code 1)');
      const e = await pending;
      assert.ok(e instanceof InferenceError && e.code === 'disposed', `round ${k}: ${e}`);
    }
  });

  it('a process whose only pending work is dispose() waits for it (the CLI sets its exit code after)', () => {
    const script = path.join(tmp, 'dispose-last.ts');
    writeFileSync(
      script,
      `import { InferenceService } from ${JSON.stringify(path.join(repoRoot, 'src', 'core', 'inference.ts'))};
(async () => {
  const s = await InferenceService.open(${JSON.stringify(modelDir)}, { threads: 2, workers: 2 });
  await s.predict(['One sentence.', 'Another one.']);
  await s.dispose();
  console.log('disposed');
  process.exitCode = 3;
})();
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', cwd: repoRoot });
    assert.equal(r.stdout.trim(), 'disposed', r.stderr);
    assert.equal(r.status, 3);
  });

  describe('bad model folders give clear errors', () => {
    function variant(name: string, change: (dir: string) => void): string {
      const dir = path.join(tmp, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      for (const f of ['cola-bert.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx', 'model.int8.onnx']) copyFileSync(path.join(modelDir, f), path.join(dir, f));
      change(dir);
      return dir;
    }
    const folderError = (code: string, pattern: RegExp) => (e: unknown) => e instanceof ModelFolderError && e.code === code && pattern.test(e.message);

    it('a folder that does not exist', async () => {
      await rejectsWith(InferenceService.open(path.join(tmp, 'nope')), folderError('not_found', /does not exist/), 'not_found');
    });
    it('no cola-bert.json', async () => {
      const dir = variant('no-meta', (d) => rmSync(path.join(d, 'cola-bert.json')));
      await rejectsWith(InferenceService.open(dir), folderError('missing_file', /no cola-bert\.json.*cola-bert train/), 'missing_file');
    });
    it('cola-bert.json that is not JSON', async () => {
      const dir = variant('bad-json', (d) => writeFileSync(path.join(d, 'cola-bert.json'), '{"format": 1,'));
      await rejectsWith(InferenceService.open(dir), folderError('invalid_json', /not valid JSON/), 'invalid_json');
    });
    it('metadata with wrong fields, including a path outside the folder', async () => {
      const dir = variant('bad-meta', (d) => {
        const m = JSON.parse(readFileSync(path.join(d, 'cola-bert.json'), 'utf8'));
        writeFileSync(path.join(d, 'cola-bert.json'), JSON.stringify({ ...m, format: 2, onnx: '../evil.onnx', max_length: 'long' }));
      });
      await rejectsWith(InferenceService.open(dir), folderError('invalid_metadata', /"format" is 2.*"max_length".*"onnx" must be a file name/), 'invalid_metadata');
    });
    it('no tokenizer.json', async () => {
      const dir = variant('no-tokenizer', (d) => rmSync(path.join(d, 'tokenizer.json')));
      await rejectsWith(InferenceService.open(dir), folderError('missing_file', /no tokenizer\.json/), 'missing tokenizer');
    });
    it('a corrupt tokenizer.json', async () => {
      const dir = variant('bad-tokenizer', (d) => writeFileSync(path.join(d, 'tokenizer.json'), '{"model": 42}'));
      await rejectsWith(InferenceService.open(dir), folderError('tokenizer_invalid', /tokenizer/), 'tokenizer_invalid');
    });
    it('no ONNX file at all', async () => {
      const dir = variant('no-onnx', (d) => {
        rmSync(path.join(d, 'model.onnx'));
        rmSync(path.join(d, 'model.int8.onnx'));
      });
      await rejectsWith(InferenceService.open(dir), folderError('missing_file', /no ONNX model/), 'no onnx');
    });
    it('an ONNX file that onnxruntime cannot load', async () => {
      const dir = variant('bad-onnx', (d) => writeFileSync(path.join(d, 'model.int8.onnx'), 'this is not a protobuf'));
      await rejectsWith(InferenceService.open(dir), folderError('onnx_load_failed', /onnxruntime could not load .*model\.int8\.onnx/), 'onnx_load_failed');
    });
    it('a max_length beyond the positions in config.json', async () => {
      const dir = variant('too-long', (d) => {
        copyFileSync(path.join(modelDir, 'config.json'), path.join(d, 'config.json'));
        const m = JSON.parse(readFileSync(path.join(d, 'cola-bert.json'), 'utf8'));
        writeFileSync(path.join(d, 'cola-bert.json'), JSON.stringify({ ...m, max_length: 100_000 }));
      });
      await rejectsWith(InferenceService.open(dir), folderError('invalid_metadata', /"max_length" is 100000, more than the 512 positions in config\.json/), 'max_length');
    });
    it('a run that onnxruntime rejects: `eval` exits 2 with the reason, no stack trace', async () => {
      // Without config.json nothing bounds max_length, so a 1,400-token sentence reaches the 512-position model.
      const dir = variant('run-fails', (d) => {
        const m = JSON.parse(readFileSync(path.join(d, 'cola-bert.json'), 'utf8'));
        writeFileSync(path.join(d, 'cola-bert.json'), JSON.stringify({ ...m, max_length: 100_000 }));
      });
      const tsv = path.join(tmp, 'long.tsv');
      writeFileSync(tsv, `x\t1\t\t${'the cat sat on the mat and '.repeat(200)}end.\n`);
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let err = '';
      stderr.on('data', (c) => (err += c));
      const code = await main(['eval', '--model', dir, '--data', tsv, '--workers', '1'], { stdout, stderr, stdin: new PassThrough(), env: process.env, cwd: repoRoot });
      assert.equal(code, 2, err);
      assert.match(err, /^cola-bert eval: inference failed: .*\(model .*model\.int8\.onnx, data .*long\.tsv\)\n$/s);
      assert.doesNotMatch(err, /\n\s+at /);
    });
    it('only the int8 file: used even when fp32 is preferred', async () => {
      const dir = variant('int8-only', (d) => rmSync(path.join(d, 'model.onnx')));
      const s = track(await InferenceService.open(dir, { preferInt8: false }));
      assert.equal(s.model.quantized, true);
    });
  });

  it('message guards accept only well-formed messages', () => {
    assert.ok(isMainToWorker({ type: 'predict', id: 1, sentences: ['a'] }));
    assert.ok(!isMainToWorker({ type: 'predict', id: 1, sentences: [1] }));
    assert.ok(!isMainToWorker({ type: 'run', id: 1 }));
    assert.ok(isMainToWorker({ type: 'stop', id: 2 }));
    assert.ok(isWorkerToMain({ type: 'cancelled', id: 3 }));
    assert.ok(!isWorkerToMain({ type: 'result' }));
  });

  it('attribute and suggest requests: token scores, word scores, known texts and the budget are checked', () => {
    const part = { index: 0, count: 2 };
    const attribute = { type: 'attribute', id: 4, sentence: 'A b.', method: 'tokens', maxSpan: 1, part };
    assert.ok(isMainToWorker(attribute));
    assert.ok(isMainToWorker({ ...attribute, tokenScores: [0.5, -2, 1e-3] }));
    assert.ok(!isMainToWorker({ ...attribute, tokenScores: [0.5, Number.NaN] }), 'scores must be numbers');
    assert.ok(!isMainToWorker({ ...attribute, tokenScores: '1,2' }));
    assert.ok(!isMainToWorker({ ...attribute, part: { index: 2, count: 2 } }));
    const suggest = { type: 'suggest', id: 5, sentence: 'A b.', suspects: [{ start: 0, end: 1 }], part, known: [{ text: 'b.', pAcceptable: 0.4 }], budget: 10 };
    assert.ok(isMainToWorker(suggest));
    assert.ok(isMainToWorker({ ...suggest, budget: Infinity, wordScores: [1.5, null] }));
    assert.ok(!isMainToWorker({ ...suggest, budget: 2.5 }));
    assert.ok(!isMainToWorker({ ...suggest, budget: -1 }));
    assert.ok(!isMainToWorker({ ...suggest, budget: undefined }), 'the budget is required');
    assert.ok(!isMainToWorker({ ...suggest, known: undefined }));
    assert.ok(!isMainToWorker({ ...suggest, known: [{ text: 'b.' }] }));
    assert.ok(!isMainToWorker({ ...suggest, wordScores: ['1'] }));
  });
});
