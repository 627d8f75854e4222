import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { runCheck, type CheckReport } from '../../src/cli/check';
import {
  defaultAttributionMethod,
  deletionVariants,
  distinctSuspects,
  rankByTokenScores,
  TOKEN_SUSPECTS,
  variants,
  wordScores,
  words,
  worstWords,
} from '../../src/core/attribution';
import { InferenceService } from '../../src/core/inference';
import { LineIndex } from '../../src/core/positions';
import { pythonJson, repoRoot } from './helpers/python';
import { tinyModel, tinyTokensModel } from './helpers/tinyModel';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('attribution by the model\'s token scores: ranking', () => {
  it('is the default exactly when the model has token scores', () => {
    assert.equal(defaultAttributionMethod(true), 'tokens');
    assert.equal(defaultAttributionMethod(false), 'delete');
  });

  it('scores a word by its worst token; a word without tokens (truncated) has none', () => {
    const tokenScores = [9, -1, 2.5, 0.5, -3, 7];
    assert.deepEqual(wordScores([[1, 2], [3], [4], []], tokenScores), [2.5, 0.5, -3, null]);
  });

  it('picks the best-scored words first, the earlier on a tie, never one without a score', () => {
    assert.deepEqual(worstWords([0.1, 2, null, 2, -5, 1], 3), [1, 3, 5]);
    assert.deepEqual(worstWords([null, -1], 3), [1]);
    assert.deepEqual(worstWords([1, 2, 3, 4, 5]), [4, 3, 2].slice(0, TOKEN_SUSPECTS));
  });

  it('deletes a word exactly as the delete method does', () => {
    const sentence = 'They was happy, and the the dog barked.';
    const ws = words(sentence);
    const all = variants(sentence, 'delete', { mask: null, unk: null });
    assert.deepEqual(deletionVariants(sentence, ws, [5, 1]), [all[5], all[1]]);
  });

  it('ranks by the token score, not by the delta, and keeps a word whose deletion does not help', () => {
    const sentence = 'Cats sleeps on mats.';
    const ws = words(sentence);
    const scored = deletionVariants(sentence, ws, [1, 3, 0]);
    // "sleeps" scores worst but deleting "mats" would raise P more; "Cats" lowers it.
    const suspects = rankByTokenScores(sentence, 0.2, [0.5, 3, -1, 1], scored, [0.5, 0.9, 0.1]);
    assert.deepEqual(suspects.map((s) => s.text), ['sleeps', 'mats', 'Cats']);
    assert.deepEqual(suspects.map((s) => Number(s.delta.toFixed(6))), [0.3, 0.7, -0.1]);
    assert.ok(Math.abs(suspects[0].errorScore! - sigmoid(3)) < 1e-12);
    assert.deepEqual([suspects[0].start, suspects[0].end], [ws[1].start, ws[1].end]);
  });

  it('makes a doubled word one suspect over both copies, whichever copy scores worse', () => {
    const sentence = 'We ran the the tests and and it worked.';
    const ws = words(sentence);
    const scored = deletionVariants(sentence, ws, [2, 5, 7]);
    const suspects = rankByTokenScores(sentence, 0.1, [0, 0, 4, 1, 0, 2, 0, 3, 0], scored, [0.8, 0.6, 0.05]);
    assert.deepEqual(suspects.map((s) => s.text), ['the the', 'it', 'and and']);
    assert.deepEqual([suspects[0].start, suspects[0].end], [ws[2].start, ws[3].end]);
    assert.deepEqual(distinctSuspects(suspects, 3).length, 3);
    // Not a copy (another case makes another sentence), not a neighbour: stays one word.
    const other = 'The the cat saw the dog.';
    const ow = words(other);
    assert.deepEqual(rankByTokenScores(other, 0.1, [3, 0, 0, 0, 2, 0], deletionVariants(other, ow, [0, 4]), [0.2, 0.3]).map((s) => s.text), ['The', 'the']);
  });

  it('refuses scores that do not fit the sentence', () => {
    const sentence = 'Cats sleep.';
    const scored = deletionVariants(sentence, words(sentence), [0]);
    assert.throws(() => rankByTokenScores(sentence, 0.5, [1, 2], scored, []), RangeError);
    assert.throws(() => rankByTokenScores(sentence, 0.5, [1], scored, [0.6]), /word scores/);
    assert.throws(() => rankByTokenScores(sentence, 0.5, [null, 2], scored, [0.6]), /no token score/);
  });
});

describe('attribution by the model\'s token scores through InferenceService (tiny tokens-head folder)', function () {
  this.timeout(180_000);
  let model: string;
  let service: InferenceService;

  before(async () => {
    model = tinyTokensModel();
    // fp32: scores do not depend on batch neighbours, so the worker's scores match predict()'s and Python's.
    service = await InferenceService.open(model, { preferInt8: false, threads: 1, workers: 1 });
  });
  after(async () => service?.dispose());

  it('uses the token scores by default, ranks words as Python\'s offsets and token_logits do, with real deltas', async () => {
    assert.equal(service.attributionMethod, 'tokens');
    const sentences = ['The children was playing in the the garden yesterday.', 'Written ©2020, “quoted” — and naïve cafés agree.', 'Short one.'];
    const reference = pythonJson<Array<{ scores: number[]; offsets: Array<[number, number] | null> }>>([path.join(repoRoot, 'test', 'fixtures', 'token_scores.py')], { model, sentences });
    for (const [n, sentence] of sentences.entries()) {
      const a = await service.attribute(sentence);
      assert.equal(a.method, 'tokens');
      const ws = words(sentence);
      // Python's view: each word's worst token among those whose offsets overlap it.
      const expectedScores = ws.map((w) => Math.max(...reference[n].offsets.flatMap((o, i) => (o && o[0] < w.end && w.start < o[1] ? [reference[n].scores[i]] : []))));
      const expected = worstWords(expectedScores, TOKEN_SUSPECTS);
      assert.equal(a.variants, Math.min(TOKEN_SUSPECTS, ws.length));
      assert.deepEqual(a.suspects.map((s) => s.start), expected.map((i) => ws[i].start), sentence);
      const [base, ...without] = await service.predict([sentence, ...deletionVariants(sentence, ws, expected).map((v) => v.text)]);
      assert.ok(Math.abs(a.pAcceptable - base.pAcceptable) < 1e-5);
      a.suspects.forEach((s, i) => {
        assert.ok(Math.abs(s.delta - (without[i].pAcceptable - base.pAcceptable)) < 1e-5, `delta of ${s.text}`);
        assert.ok(Math.abs(s.errorScore! - sigmoid(expectedScores[expected[i]])) < 1e-4, `error score of ${s.text}`);
      });
    }
  });

  it('still offers the delete method on the same folder, and suggestions work from token suspects', async () => {
    const sentence = 'Cats sleeps on the warm mat all day.';
    const byDelete = await service.attribute(sentence, { method: 'delete' });
    assert.equal(byDelete.method, 'delete');
    assert.equal(byDelete.variants, words(sentence).length);
    const byTokens = await service.attribute(sentence);
    assert.notEqual(byTokens, byDelete, 'cached apart');
    assert.equal(service.cachedAttribution(sentence), byTokens, 'the default key is the tokens method');
    const sug = await service.suggest(sentence);
    assert.ok(sug.candidates.length > 0);
    // Candidates are edits at or next to the two best token suspects (suggestions.ts).
    const ws = words(sentence);
    const near = new Set(distinctSuspects(byTokens.suspects, 2).flatMap((s) => ws.flatMap((w, i) => (w.start < s.end && s.start < w.end ? [i - 2, i - 1, i, i + 1, i + 2] : []))));
    assert.ok(sug.candidates.every((c) => near.has(c.first) || near.has(c.last)));
  });

  it('runs the int8 file with two workers: the tokens method, TOKEN_SUSPECTS suspects with their deltas and error scores', async () => {
    const int8 = await InferenceService.open(model, { threads: 2, workers: 2 });
    try {
      assert.ok(int8.model.quantized);
      const sentence = 'The children was playing in the the garden yesterday after school.';
      const a = await int8.attribute(sentence);
      assert.equal(a.method, 'tokens');
      assert.equal(a.suspects.length, TOKEN_SUSPECTS);
      for (const s of a.suspects) assert.ok(s.delta > -1 && s.delta < 1 && s.errorScore! > 0 && s.errorScore! < 1);
    } finally {
      await int8.dispose();
    }
  });

  it('check --json lists the token suspects of each flagged sentence, located in the file, with their real deltas', async () => {
    const file = path.join(repoRoot, 'test', 'fixtures', 'markdown', 'lists-quotes.md');
    const source = readFileSync(file, 'utf8');
    const index = new LineIndex(source);
    const chunks: string[] = [];
    const code = await runCheck([file, '--model', model, '--json', '--threshold', '1', '--fp32'], { stdout: { write: (x: string) => chunks.push(x) }, stderr: { write: () => undefined } });
    assert.equal(code, 1, 'flagged sentences');
    const sentences = (JSON.parse(chunks.join('')) as CheckReport).files[0].sentences;
    let seen = 0;
    for (const s of sentences) {
      const expected = distinctSuspects((await service.attribute(s.text)).suspects, 3);
      assert.equal((await service.attribute(s.text)).method, 'tokens');
      assert.deepEqual(s.suspects!.map((k) => k.text), expected.map((k) => k.text).slice(0, s.suspects!.length), s.text);
      for (const [i, k] of s.suspects!.entries()) {
        seen++;
        assert.ok(Math.abs(k.delta - expected[i].delta) < 1e-5);
        assert.equal(source.slice(index.offset(k.range.start), index.offset(k.range.end)).toLowerCase(), k.text.toLowerCase());
      }
    }
    assert.ok(seen >= sentences.length, 'every flagged sentence has its suspects');
  });

  it('a sentence-head folder keeps the delete method, and asking it for tokens says what to do', async () => {
    const plain = await InferenceService.open(tinyModel(), { preferInt8: false, threads: 1, workers: 1 });
    try {
      assert.equal(plain.attributionMethod, 'delete');
      assert.equal((await plain.attribute('Cats sleeps on mats.')).method, 'delete');
      await assert.rejects(plain.attribute('Cats sleeps on mats.', { method: 'tokens' }), /no "token_logits" output.*--head tokens, use "delete"/);
    } finally {
      await plain.dispose();
    }
  });
});
