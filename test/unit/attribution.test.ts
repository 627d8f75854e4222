import assert from 'node:assert/strict';
import {
  clearSuspect,
  distinctSuspects,
  narrowedRange,
  overlapsEdit,
  placeholdersOf,
  rankSuspects,
  sourceRangeOf,
  variants,
  words,
  type Suspect,
} from '../../src/core/attribution';
import { InferenceService, isAbortError } from '../../src/core/inference';
import { ColaTokenizer } from '../../src/core/tokenizer';
import { tinyModel } from './helpers/tinyModel';

const bert = { mask: '[MASK]', unk: '[UNK]' };

describe('attribution: words and variants', () => {
  it('finds words with their ranges, keeping contractions whole and skipping punctuation', () => {
    const s = 'They’re here, aren\'t they? 42 émigrés.';
    assert.deepEqual(
      words(s).map((w) => [w.text, s.slice(w.start, w.end)]),
      [['They’re', 'They’re'], ['here', 'here'], ["aren't", "aren't"], ['they', 'they'], ['42', '42'], ['émigrés', 'émigrés']],
    );
  });

  it('deletes each word with one neighbouring space, then each pair', () => {
    const v = variants('The the cat sat.', 'delete', bert, 2);
    assert.deepEqual(
      v.map((x) => [x.text, x.words]),
      [
        ['the cat sat.', 1],
        ['The cat sat.', 1],
        ['The the sat.', 1],
        ['The the cat.', 1],
        ['cat sat.', 2],
        ['The sat.', 2],
        ['The the.', 2],
      ],
    );
    assert.deepEqual([v[1].start, v[1].end], [4, 7]);
  });

  it('masks with one placeholder per word so the length stays', () => {
    assert.deepEqual(
      variants('a cat sat', 'mask', bert, 2).map((x) => x.text),
      ['[MASK] cat sat', 'a [MASK] sat', 'a cat [MASK]', '[MASK] [MASK] sat', 'a [MASK] [MASK]'],
    );
    assert.deepEqual(variants('a cat', 'unk', { mask: '<mask>', unk: '<unk>' }, 1).map((x) => x.text), ['<unk> cat', 'a <unk>']);
  });

  it('refuses a placeholder method the tokenizer cannot express, and a bad span', () => {
    assert.throws(() => variants('a cat', 'mask', { mask: null, unk: '[UNK]' }), /no mask token; use the "delete" method/);
    assert.throws(() => variants('a cat', 'delete', bert, 0), RangeError);
    assert.deepEqual(variants('...', 'delete', bert), []);
  });

  it('reads the placeholder tokens from tokenizer_config.json, string or AddedToken', () => {
    assert.deepEqual(placeholdersOf({ mask_token: '[MASK]', unk_token: { content: '<unk>', lstrip: false } }), { mask: '[MASK]', unk: '<unk>' });
    assert.deepEqual(placeholdersOf({}), { mask: null, unk: null });
  });
});

describe('attribution: ranking', () => {
  const sentence = 'He go to the the shop.';
  const v = variants(sentence, 'delete', bert, 2);
  const at = (text: string, n = 1) => v.findIndex((x) => sentence.slice(x.start, x.end) === text && x.words === n);

  it('ranks by the rise of P(acceptable), dropping spans that lower it', () => {
    const p = v.map(() => 0.1);
    p[at('go')] = 0.7;
    p[at('the')] = 0.5;
    p[at('shop')] = 0.05;
    const ranked = rankSuspects(sentence, 0.2, v, p);
    assert.equal(ranked[0].text, 'go');
    assert.ok(Math.abs(ranked[0].delta - 0.5) < 1e-12);
    assert.equal(ranked[1].text, 'the the', 'either copy of the doubled word');
    assert.ok(ranked.every((s) => s.delta > 0));
    assert.ok(!ranked.some((s) => s.text === 'shop'));
  });

  it('puts a two-word span first only when it beats the best word by the margin', () => {
    const p = v.map(() => 0);
    p[at('go')] = 0.6;
    p[at('He go', 2)] = 0.63;
    assert.equal(rankSuspects(sentence, 0, v, p)[0].text, 'go');
    p[at('He go', 2)] = 0.7;
    assert.equal(rankSuspects(sentence, 0, v, p)[0].text, 'He go');
  });

  it('one suspect over both copies of a doubled word, since removing either gives the same sentence', () => {
    const p = v.map(() => 0.1);
    const copies = v.filter((x) => x.words === 1 && sentence.slice(x.start, x.end) === 'the');
    assert.equal(copies.length, 2);
    for (const c of copies) p[v.indexOf(c)] = 0.8;
    const top = rankSuspects(sentence, 0.2, v, p)[0];
    assert.equal(top.text, 'the the');
    assert.deepEqual([top.start, top.end], [copies[0].start, copies[1].end]);
  });

  it('rejects scores that do not match the variants', () => {
    assert.throws(() => rankSuspects(sentence, 0, v, [0.1]), RangeError);
  });

  it('keeps distinct places, and narrows only when one is clearly ahead', () => {
    const s = (start: number, end: number, delta: number): Suspect => ({ start, end, text: 'x', delta });
    const distinct = distinctSuspects([s(3, 5, 0.6), s(0, 5, 0.5), s(10, 12, 0.2), s(13, 15, 0.1), s(16, 18, 0.05)], 3);
    assert.deepEqual(distinct.map((d) => d.start), [3, 10, 13]);
    assert.equal(clearSuspect(distinct)?.start, 3);
    assert.equal(clearSuspect([s(0, 1, 0.4), s(5, 6, 0.3)]), null, 'two places about as strong');
    assert.equal(clearSuspect([s(0, 1, 0.1)]), null, 'too small a rise');
    assert.equal(clearSuspect([]), null);
  });

  it('counts a dropped word as found by either neighbour', () => {
    // "They assume" with "may" dropped at 4: the gap sits between "They" [0, 4) and "assume" [5, 11).
    assert.ok(overlapsEdit({ start: 0, end: 4 }, { start: 4, end: 4 }));
    assert.ok(overlapsEdit({ start: 5, end: 11 }, { start: 4, end: 4 }));
    assert.ok(!overlapsEdit({ start: 12, end: 15 }, { start: 4, end: 4 }));
    assert.ok(overlapsEdit({ start: 2, end: 6 }, { start: 5, end: 9 }));
    assert.ok(!overlapsEdit({ start: 0, end: 5 }, { start: 5, end: 9 }));
  });
});

describe('attribution in the inference worker (tiny random BERT)', function () {
  this.timeout(120_000);
  let model: string;
  let service: InferenceService;

  before(async () => {
    model = tinyModel();
    // fp32: scores do not depend on batch neighbours, so the worker's one-run scores match predict()'s.
    service = await InferenceService.open(model, { preferInt8: false, threads: 1, workers: 1 });
  });
  after(async () => service?.dispose());

  it('the tokenizer reads the placeholder as its special token', () => {
    const tok = ColaTokenizer.fromFolder(model, 128);
    const ids = tok.encode('a [MASK] sat').inputIds;
    const plain = tok.encode('a sat').inputIds;
    assert.equal(ids.length, plain.length + 1, 'one token for [MASK], not five pieces');
  });

  for (const method of ['delete', 'mask', 'unk'] as const) {
    it(`${method}: scores every variant in the worker exactly as predict() scores it`, async () => {
      const sentence = 'The children was playing in the the garden yesterday.';
      const a = await service.attribute(sentence, { method, maxSpan: 2 });
      const v = variants(sentence, method, bert, 2);
      assert.equal(a.variants, v.length);
      assert.equal(a.method, method);
      const [base, ...scores] = await service.predict([sentence, ...v.map((x) => x.text)]);
      assert.ok(Math.abs(a.pAcceptable - base.pAcceptable) < 1e-5, `${a.pAcceptable} vs ${base.pAcceptable}`);
      const expected = rankSuspects(sentence, base.pAcceptable, v, scores.map((s) => s.pAcceptable));
      assert.equal(a.suspects.length, expected.length);
      a.suspects.forEach((s, i) => {
        assert.deepEqual([s.start, s.end, s.text], [expected[i].start, expected[i].end, expected[i].text]);
        assert.ok(Math.abs(s.delta - expected[i].delta) < 1e-5);
      });
    });
  }

  it('caches per sentence and method, and shares a run between callers', async () => {
    const sentence = 'Cats sleeps on the warm mat all day.';
    const [x, y] = await Promise.all([service.attribute(sentence), service.attribute(sentence)]);
    assert.equal(x, y, 'both callers got the one run');
    assert.equal(await service.attribute(sentence), x, 'cached');
    assert.equal(service.cachedAttribution(sentence), x, 'readable without a run');
    assert.equal(service.cachedAttribution('Never attributed.'), undefined);
    assert.notEqual(await service.attribute(sentence, { method: 'mask' }), x, 'another method is another entry');
  });

  it('rejects with an AbortError when the caller aborts, and still serves the next one', async () => {
    const controller = new AbortController();
    const p = service.attribute('An aborted sentence is here now.', { signal: controller.signal });
    controller.abort();
    await assert.rejects(p, (e) => isAbortError(e));
    const ok = await service.attribute('An aborted sentence is here now.');
    assert.ok(ok.variants > 0);
  });

  it('two workers score halves of the variants and candidates side by side, with the one-worker answer', async () => {
    const split = await InferenceService.open(model, { preferInt8: false, threads: 2, workers: 2 });
    try {
      const sentence = 'The children was playing in the the garden yesterday after school.';
      const one = await service.attribute(sentence);
      const two = await split.attribute(sentence);
      assert.equal(two.variants, one.variants);
      assert.ok(Math.abs(two.pAcceptable - one.pAcceptable) < 1e-5);
      assert.deepEqual(two.suspects.map((s) => [s.start, s.end]), one.suspects.map((s) => [s.start, s.end]));
      two.suspects.forEach((s, i) => assert.ok(Math.abs(s.delta - one.suspects[i].delta) < 1e-5));
      assert.deepEqual(split.stats.inferredPerWorker, [0, 0], 'variants never count as checked sentences');
      const [sOne, sTwo] = [await service.suggest(sentence), await split.suggest(sentence)];
      assert.deepEqual(new Set(sTwo.candidates.map((c) => c.text)), new Set(sOne.candidates.map((c) => c.text)));
      for (let i = 1; i < sTwo.candidates.length; i++) assert.ok(sTwo.candidates[i - 1].pAcceptable >= sTwo.candidates[i].pAcceptable, 'merged best first');
      const aborted = new AbortController();
      const gone = split.attribute('A sentence that nobody waits for any more.', { signal: aborted.signal });
      aborted.abort();
      await assert.rejects(gone, (e) => isAbortError(e));
      assert.ok((await split.attribute('A sentence that nobody waits for any more.')).variants > 0, 'a dropped group is not joined');
    } finally {
      await split.dispose();
    }
  });
});

describe('attribution: suspects back in the source', () => {
  it('finds the words in markup, collapsed whitespace and after skipped link targets', () => {
    const source = 'Intro. The **children**\n  was [playing](https://was.example/) in the garden.';
    const sentenceStart = source.indexOf('The');
    const sentence = 'The children was playing in the garden.';
    const was = { start: sentence.indexOf('was'), end: sentence.indexOf('was') + 3 };
    const r = sourceRangeOf(was, sentence, source, sentenceStart, source.length);
    assert.ok(r);
    assert.equal(source.slice(r.start, r.end), 'was');
    assert.equal(r.start, source.indexOf('was'));
    const two = { start: sentence.indexOf('playing'), end: sentence.indexOf(' in') + 3 };
    const r2 = sourceRangeOf(two, sentence, source, sentenceStart, source.length)!;
    assert.equal(source.slice(r2.start, r2.end), 'playing](https://was.example/) in');
  });

  it('narrows a diagnostic only to a clear suspect, located in the source', () => {
    const source = '# T\n\nHe **go** to the shop.';
    const start = source.indexOf('He');
    const sentence = 'He go to the shop.';
    const go = { start: 3, end: 5, text: 'go', delta: 0.5 };
    const r = narrowedRange([go, { start: 9, end: 12, text: 'the', delta: 0.1 }], sentence, source, start, source.length);
    assert.deepEqual(r, { start: source.indexOf('go'), end: source.indexOf('go') + 2 });
    assert.equal(narrowedRange([go, { start: 9, end: 12, text: 'the', delta: 0.3 }], sentence, source, start, source.length), null, 'two places');
    assert.equal(narrowedRange([], sentence, source, start, source.length), null);
  });

  it('is null when the words are not in the source', () => {
    assert.equal(sourceRangeOf({ start: 0, end: 4 }, 'code is here', 'the `x` is here', 0, 15), null);
  });
});
