import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { distinctSuspects, variants } from '../../src/core/attribution';
import { rankCandidates, SUGGESTION_BUDGET, withinBudget } from '../../src/core/candidateBudget';
import { InferenceService } from '../../src/core/inference';
import { maskQueries, proposedWords } from '../../src/core/maskedLm';
import { candidateEdits, offeredFixes, sourceEdit } from '../../src/core/suggestions';
import { pythonJson, repoRoot } from './helpers/python';
import { tinyModel } from './helpers/tinyModel';

const at = (s: string, word: string) => ({ start: s.indexOf(word), end: s.indexOf(word) + word.length });
const texts = (s: string, suspect: string) => candidateEdits(s, [at(s, suspect)]).map((c) => c.text);

describe('suggestions: candidate edits around the suspects', () => {
  it('restores each kind of corruption the benchmark injects, where the suspect points', () => {
    assert.ok(texts('Add them to you\'re README.', "you're").includes('Add them to your README.'), 'confusable');
    assert.ok(texts('A having clear vision helps.', 'having').includes('Having a clear vision helps.'), 'swap at the start, capital moved');
    assert.ok(texts('It was was fine.', 'was').includes('It was fine.'), 'doubled word deleted');
    assert.ok(texts('She ate a apple.', 'apple').includes('She ate an apple.'), 'a/an');
    assert.ok(texts('We went store.', 'store').includes('We went to store.'), 'inserted function word');
    assert.ok(texts('The The cat sat.', 'The').includes('The cat sat.'), 'a first word deleted, the next takes the capital');
  });

  it('edits only next to the suspects, never returns the sentence or a duplicate', () => {
    const s = 'One two three four five six.';
    const c = candidateEdits(s, [at(s, 'four')]);
    assert.ok(c.every((x) => x.first >= 2 && x.last <= 5), 'words three to five only (and a swap with six)');
    assert.equal(new Set(c.map((x) => x.text)).size, c.length);
    assert.ok(!c.some((x) => x.text === s));
    assert.deepEqual(candidateEdits(s, []), []);
  });

  it('maps an edit back to the document, a deletion taking one space', () => {
    const source = 'Intro.\n\nIt **was was** fine.';
    const sentence = 'It was was fine.';
    const start = source.indexOf('It');
    const del = candidateEdits(sentence, [at(sentence, 'was')]).find((c) => c.kind === 'delete' && c.first === 1)!;
    const e = sourceEdit(del, sentence, source, start, source.length)!;
    assert.equal(source.slice(0, e.start) + e.text + source.slice(e.end), 'Intro.\n\nIt **was** fine.');
  });

  it('masked-LM proposals become edits in place of the suspect word and before it, case kept', () => {
    const s = 'She go to school.';
    const c = candidateEdits(s, [at(s, 'go')], [
      { word: 1, mode: 'replace', words: ['goes', 'went'] },
      { word: 1, mode: 'insert', words: ['will'] },
      { word: 0, mode: 'insert', words: ['then'] },
    ]).filter((x) => x.kind === 'mlm');
    assert.deepEqual(c.map((x) => x.text), ['She goes to school.', 'She went to school.', 'She will go to school.', 'Then she go to school.']);
    assert.deepEqual(maskQueries(s, [at(s, 'go')], '[MASK]'), [
      { word: 1, mode: 'replace', text: 'She [MASK] to school.' },
      { word: 1, mode: 'insert', text: 'She [MASK] go to school.' },
    ]);
    assert.deepEqual(proposedWords(['go', '##es', '[MASK]', ',', 'Goes', 'went', 'goes', "can't", 'will'], 'go', 3), ['Goes', 'went', 'goes'], 'whole words only, not the word itself');
  });

  it('offers at most three that cross the threshold and beat the sentence, best first', () => {
    const scored = [0.95, 0.9, 0.8, 0.7, 0.4].map((p) => ({ pAcceptable: p }));
    assert.deepEqual(offeredFixes(scored, 0.2, 0.5).map((c) => c.pAcceptable), [0.95, 0.9, 0.8]);
    assert.deepEqual(offeredFixes(scored, 0.92, 0.5).map((c) => c.pAcceptable), [0.95]);
    assert.deepEqual(offeredFixes(scored, 0.1, 0.99), []);
  });
});

describe('suggestions in the inference worker (tiny random BERT)', function () {
  this.timeout(120_000);
  let service: InferenceService;
  before(async () => {
    service = await InferenceService.open(tinyModel(), { preferInt8: false, threads: 1, workers: 1 });
  });
  after(async () => service?.dispose());

  it('scores the best ranked candidates around the two best suspects within the budget exactly as predict() does, best first, cached', async () => {
    const sentence = 'The children was playing in the the garden.';
    const s = await service.suggest(sentence);
    const a = await service.attribute(sentence);
    const { distinctSuspects } = await import('../../src/core/attribution');
    const suspects = distinctSuspects(a.suspects, 2);
    const all = candidateEdits(sentence, suspects);
    assert.ok(all.length > SUGGESTION_BUDGET, 'the random model finds suspects to edit around, more candidates than the budget');
    assert.equal(s.generated, all.length);
    // The attribution's deletion variants are candidates it scored already: free, on top of the budget.
    const known = new Set([sentence, ...variants(sentence, 'delete', { mask: null, unk: null }).map((v) => v.text)]);
    const expected = withinBudget(rankCandidates(sentence, all, { suspects }), SUGGESTION_BUDGET, known);
    assert.equal(expected.toScore.length, SUGGESTION_BUDGET);
    assert.deepEqual(new Set(s.candidates.map((c) => c.text)), new Set([...expected.known, ...expected.toScore].map((c) => c.text)));
    const predicted = await service.predict(s.candidates.map((c) => c.text));
    s.candidates.forEach((c, i) => assert.ok(Math.abs(c.pAcceptable - predicted[i].pAcceptable) < 1e-5, c.text));
    for (let i = 1; i < s.candidates.length; i++) assert.ok(s.candidates[i - 1].pAcceptable >= s.candidates[i].pAcceptable);
    assert.equal(await service.suggest(sentence), s, 'cached');
  });

  it('with the budget off scores every candidate, and the budgeted ones score the same', async () => {
    const all = await InferenceService.open(tinyModel(), { preferInt8: false, threads: 1, workers: 1, suggestionBudget: Infinity });
    try {
      const sentence = 'The children was playing in the the garden.';
      const [full, budgeted] = [await all.suggest(sentence), await service.suggest(sentence)];
      assert.equal(full.candidates.length, full.generated);
      assert.ok(budgeted.candidates.length < full.candidates.length);
      const p = new Map(full.candidates.map((c) => [c.text, c.pAcceptable]));
      for (const c of budgeted.candidates) assert.ok(Math.abs(c.pAcceptable - p.get(c.text)!) < 1e-6, c.text);
      await assert.rejects(InferenceService.open(tinyModel(), { suggestionBudget: 0 }), /suggestionBudget must be a positive integer or Infinity, got 0/);
    } finally {
      await all.dispose();
    }
  });
});

describe('masked-LM candidates in the inference worker (tiny random BertForMaskedLM)', function () {
  this.timeout(300_000);
  const sentence = 'The children was playing in the the garden.';
  let dir: string;
  let plain: InferenceService;
  let withMlm: InferenceService;
  let topTokens: string[][];
  let queries: ReturnType<typeof maskQueries>;

  before(async () => {
    // Every candidate scored (no budget): these tests are about which candidates the MLM adds.
    plain = await InferenceService.open(tinyModel(), { preferInt8: false, threads: 1, workers: 1, suggestionBudget: Infinity });
    queries = maskQueries(sentence, distinctSuspects((await plain.attribute(sentence)).suspects, 2), '[MASK]');
    dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cola-bert-mlm-')), 'model');
    cpSync(tinyModel(), dir, { recursive: true });
    // The trainer's own export of a saved MLM head, and PyTorch's best tokens at each mask for reference.
    topTokens = pythonJson<{ top_tokens: string[][] }>([path.join(repoRoot, 'test', 'fixtures', 'add_masked_lm.py'), dir], { masked: queries.map((q) => q.text), top: 40 }).top_tokens;
    withMlm = await InferenceService.open(dir, { preferInt8: false, threads: 2, workers: 2, suggestionBudget: Infinity });
  });
  after(async () => {
    await plain?.dispose();
    await withMlm?.dispose();
    if (dir) rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('a folder without an MLM (like all-MiniLM-L6-v2\'s) has none and gets no MLM candidates', async () => {
    assert.equal(plain.model.maskedLm, null);
    assert.ok(!(await plain.suggest(sentence)).candidates.some((c) => c.kind === 'mlm'));
  });

  it('adds the MLM\'s best words at the suspect positions, scored like every other candidate', async () => {
    assert.ok(withMlm.model.maskedLm, 'cola-bert.json records the MLM');
    const [withIt, without] = [await withMlm.suggest(sentence), await plain.suggest(sentence)];
    const mlm = withIt.candidates.filter((c) => c.kind === 'mlm');
    assert.ok(mlm.length > 0, 'the random MLM proposes whole words');
    assert.deepEqual(new Set(withIt.candidates.filter((c) => c.kind !== 'mlm').map((c) => c.text)), new Set(without.candidates.map((c) => c.text)));
    for (const c of mlm) {
      const q = queries.find((x) => x.word === c.first && (x.mode === 'replace' ? !c.replacement.includes(' ') : c.replacement.includes(' ')))!;
      const word = q.mode === 'replace' ? c.replacement : c.replacement.split(' ')[0];
      // int8 weights may reorder near-ties: every proposed word is among PyTorch's 40 best at that mask.
      assert.ok(topTokens[queries.indexOf(q)].includes(word.toLowerCase()), `${word} (${q.mode}) not among PyTorch's best: ${topTokens[queries.indexOf(q)].slice(0, 10).join(' ')}`);
    }
    const predicted = await withMlm.predict(mlm.map((c) => c.text));
    mlm.forEach((c, i) => assert.ok(Math.abs(c.pAcceptable - predicted[i].pAcceptable) < 1e-5, c.text));
  });
});
