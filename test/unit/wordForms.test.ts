import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { distinctSuspects } from '../../src/core/attribution';
import { InferenceService } from '../../src/core/inference';
import { ModelFolderError, readModelFolder } from '../../src/core/modelFolder';
import { candidateEdits } from '../../src/core/suggestions';
import { loadWordForms, parseWordForms, wordFormsFileOf, type WordForms } from '../../src/core/wordForms';
import { requirePython, trainerDir } from './helpers/python';
import { tinyModel } from './helpers/tinyModel';

const at = (s: string, word: string) => ({ start: s.indexOf(word), end: s.indexOf(word) + word.length });

/** A copy of `source` with word_forms.txt.gz added by the trainer's own command, as a user upgrades an older folder. */
function withWordForms(source: string): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cola-bert-forms-')), 'model');
  cpSync(source, dir, { recursive: true });
  const r = spawnSync(requirePython(), ['-m', 'cola_trainer', 'word-forms', dir], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: trainerDir } });
  if (r.status !== 0) throw new Error(`word-forms failed (${r.status}): ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout but protocol events');
  return dir;
}

describe('word forms: a word\'s siblings from the model folder\'s word_forms.txt.gz', () => {
  const text = '# cola-bert word forms 1, from lemminflect 0.2.3: N NN NNS; V VB VBZ VBD VBN VBG VBP\nV\twrite\twrites\twrote\twritten\twriting\twrite\nN\tfile\tfiles\nV\tfile\tfiles\tfiled\tfiled\tfiling\tfile\nV\tbe\tis\twas/were\tbeen\tbeing\tam/are\n';

  it('gives the other forms of every lemma of the word, in its case', () => {
    const forms = parseWordForms(text);
    assert.equal(forms.groups, 4);
    assert.deepEqual(forms.siblings('wrote'), ['write', 'writes', 'written', 'writing']);
    assert.deepEqual(forms.siblings('Wrote'), ['Write', 'Writes', 'Written', 'Writing']);
    assert.deepEqual(forms.siblings('FILES'), ['FILE', 'FILED', 'FILING'], 'noun and verb groups, no duplicates');
    assert.deepEqual(forms.siblings('were'), ['be', 'is', 'was', 'been', 'being', 'am', 'are']);
    assert.deepEqual(forms.siblings('xylophonist'), []);
  });

  it('finds the file through cola-bert.json, only inside the folder and only of a format it reads', () => {
    assert.equal(wordFormsFileOf({ word_forms: { file: 'word_forms.txt.gz', format: 1 } }, '/m'), path.join('/m', 'word_forms.txt.gz'));
    assert.equal(wordFormsFileOf({}, '/m'), null, 'older folders');
    assert.equal(wordFormsFileOf({ word_forms: null }, '/m'), null);
    assert.equal(wordFormsFileOf({ word_forms: { file: 'word_forms.txt.gz', format: 2 } }, '/m'), null);
    assert.equal(wordFormsFileOf({ word_forms: { file: '../x.gz', format: 1 } }, '/m'), null);
  });

  it('says which file is unreadable and how to write it again', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-bert-forms-bad-'));
    try {
      const file = path.join(dir, 'word_forms.txt.gz');
      writeFileSync(file, 'not gzip');
      assert.throws(() => loadWordForms(file), (e: Error) => e.message.includes(file) && e.message.includes('python -m cola_trainer word-forms'));
      writeFileSync(file, gzipSync('# something else\nV\ta\tb\n'));
      assert.throws(() => loadWordForms(file), /not a word-forms file of format 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('suggestions: inflections, pronoun case, determiner number and prepositions (the trainer\'s word_forms.txt.gz)', function () {
  this.timeout(120_000);
  let dir: string;
  let forms: WordForms;
  const texts = (s: string, suspect: string, f: WordForms | null = forms) => candidateEdits(s, [at(s, suspect)], [], f).map((c) => c.text);
  const kinds = (s: string, suspect: string) => new Set(candidateEdits(s, [at(s, suspect)], [], forms).map((c) => c.kind));
  before(() => {
    dir = withWordForms(tinyModel());
    forms = loadWordForms(wordFormsFileOf(JSON.parse(readFileSync(path.join(dir, 'cola-bert.json'), 'utf8')) as object, dir)!);
  });
  after(() => dir && rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('changes the number, tense or participle of a suspect word (each error type corrupt.py makes with lemminflect)', () => {
    assert.ok(texts('He write the tests first.', 'write').includes('He writes the tests first.'), 'subject-verb');
    assert.ok(texts('The checks is slow.', 'is').includes('The checks are slow.'), 'subject-verb, auxiliary');
    assert.ok(texts('It has wrote the file.', 'wrote').includes('It has written the file.'), 'verb form');
    assert.ok(texts('We are run the tests.', 'run').includes('We are running the tests.'), 'verb form, -ing');
    assert.ok(texts('Each files has an owner.', 'files').includes('Each file has an owner.'), 'determiner-noun, the noun');
    assert.ok(texts('Tests comes first.', 'comes').includes('Tests come first.'));
    assert.ok(texts('Children plays here.', 'Children').includes('Child plays here.'), 'a first word keeps its capital');
    assert.ok(!texts('He write the tests first.', 'write', null).includes('He writes the tests first.'), 'no inflections without the file');
  });

  it('swaps a pronoun\'s case, a determiner\'s number and a preposition', () => {
    assert.ok(texts('Him wrote the guide.', 'Him').includes('He wrote the guide.'), 'pronoun at the start, capital kept');
    assert.ok(texts('Me and Ana left early.', 'Me').includes('I and Ana left early.'), '"I" is always a capital');
    assert.ok(texts('Send it to I today.', 'I').includes('Send it to me today.'), 'and "me" is not');
    assert.ok(texts('Ask the maintainers who you trust.', 'who').includes('Ask the maintainers whom you trust.'), 'who/whom');
    assert.ok(texts('This files are generated.', 'This').includes('These files are generated.'), 'determiner number');
    assert.ok(texts('Those file is generated.', 'Those').includes('That file is generated.'));
    assert.ok(texts('The file is on the folder.', 'on').includes('The file is in the folder.'), 'preposition');
    assert.ok(texts('Read the rest for the guide.', 'for').includes('Read the rest of the guide.'), 'the way back of a one-way swap');
    assert.deepEqual([...kinds('The file is on the folder.', 'on')].filter((k) => k === 'pronoun_case' || k === 'determiner'), []);
  });

  it('a cola-bert.json whose word_forms reaches outside the folder is a clear metadata error', () => {
    const bad = path.join(path.dirname(dir), 'bad');
    cpSync(dir, bad, { recursive: true });
    const file = path.join(bad, 'cola-bert.json');
    writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), word_forms: { file: '../word_forms.txt.gz', format: 1 } }));
    assert.throws(() => readModelFolder(bad), (e: unknown) => e instanceof ModelFolderError && e.code === 'invalid_metadata' && /"word_forms" must be null or an object with "file"/.test(e.message));
    assert.doesNotThrow(() => readModelFolder(dir));
  });

  it('the worker loads the folder\'s word forms and scores those candidates like the others; a folder without them has none', async () => {
    const sentence = 'The children was playing in the the garden.';
    const plain = await InferenceService.open(tinyModel(), { preferInt8: false, threads: 1, workers: 1 });
    // The candidate budget off, so every candidate is scored and the sets compare.
    const withForms = await InferenceService.open(dir, { preferInt8: false, threads: 2, workers: 2, suggestionBudget: Infinity });
    try {
      const suspects = distinctSuspects((await plain.attribute(sentence)).suspects, 2);
      const expected = candidateEdits(sentence, suspects, [], forms);
      const got = await withForms.suggest(sentence);
      assert.ok(expected.some((c) => c.kind === 'inflection'), 'the random model\'s suspects have inflections');
      assert.deepEqual(new Set(got.candidates.map((c) => c.text)), new Set(expected.map((c) => c.text)));
      assert.ok(!(await plain.suggest(sentence)).candidates.some((c) => c.kind === 'inflection'));
      const inflections = got.candidates.filter((c) => c.kind === 'inflection');
      const predicted = await withForms.predict(inflections.map((c) => c.text));
      inflections.forEach((c, i) => assert.ok(Math.abs(c.pAcceptable - predicted[i].pAcceptable) < 1e-5, c.text));
    } finally {
      await plain.dispose();
      await withForms.dispose();
    }
  });
});
