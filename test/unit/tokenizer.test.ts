import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readColaTsv } from '../../src/core/cola';
import { ColaTokenizer } from '../../src/core/tokenizer';
import { cachedMpnetFolder, colaDir, fakeMpnetFolder, miniLmFolder, pythonJson, repoRoot } from './helpers/python';

const unicodeCases = [
  '',
  ' ',
  '\t\n',
  'Café crème brûlée, naïve façade, Ångström, Øresund.',
  'ÉCOLE ÉLÉMENTAIRE in UPPER CASE with ACCENTS.',
  '“Curly double” and ‘curly single’ quotes — em dash – en dash… ellipsis.',
  '日本語の文です。中文句子。한국어 문장.',
  'Mixed 中文 and English words中文.',
  'Emoji 🙂👍🏽 and family 👨‍👩‍👧 and flags 🇫🇷.',
  'Combining marks: e\u0301 a\u0308 n\u0303 and precomposed é ä ñ.',
  'Zero\u200bwidth\u200cjoiners\u200dand\ufeffBOM.',
  'Control\u0007chars\u0000and\u001fsoft\u00adhyphen.',
  'Greek Ελληνικά, Cyrillic кириллица, Arabic العربية, Hebrew עברית, Thai ภาษาไทย.',
  'Math ∑∫√∞ ≤ ≥ ≠ and symbols © ® ™ § ¶ † ‡ • ° ± × ÷.',
  'Fullwidth ＡＢＣ１２３ and halfwidth ｶﾀｶﾅ.',
  'Ligatures ﬁ ﬂ and ǅ ß ẞ İ ı.',
  "Don't can't won't y'all o'clock rock'n'roll.",
  'URLs https://example.com/a?b=c&d=e and e-mail a.b@c.de.',
  'Numbers 3.14159 1,000,000 -42 1e-5 ½ ¾.',
  'tab\tseparated\twords  and   multiple    spaces.',
  'supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis',
  '[CLS] [SEP] [PAD] [MASK] [UNK] literal special tokens.',
  '<s> </s> <pad> <mask> <unk> literal MPNet specials, and<mask>glued</s>ones.',
  '\u00a0non-breaking\u00a0spaces\u2003em\u3000ideographic.',
  'a'.repeat(300),
  Array.from({ length: 200 }, (_, i) => `word${i}`).join(' '),
  Array.from({ length: 150 }, () => 'The cat sat on the mat.').join(' '),
  '🙂'.repeat(140),
  'ab😀cd'.repeat(60),
];


interface Variant {
  title: string;
  /** undefined: not available on this machine (the suite says so and skips). */
  folder: () => string | undefined;
  cls: number;
  sep: number;
  pad: number;
  cleanup?: (dir: string) => void;
}

const variants: Variant[] = [
  { title: 'all-MiniLM-L6-v2 (BERT WordPiece, [CLS] … [SEP])', folder: miniLmFolder, cls: 101, sep: 102, pad: 0 },
  {
    title: 'an MPNet-shaped tokenizer (<s> … </s>, pad 1, no token types; made by the test)',
    folder: fakeMpnetFolder,
    cls: 0,
    sep: 2,
    pad: 1,
    cleanup: (dir) => rmSync(dir, { recursive: true, force: true }),
  },
  { title: 'all-mpnet-base-v2 from the encoder cache', folder: cachedMpnetFolder, cls: 0, sep: 2, pad: 1 },
];

for (const variant of variants) describe(`tokenizer parity with Hugging Face (Python AutoTokenizer): ${variant.title}`, function () {
  this.timeout(300_000);
  let model: string;
  const cases: Array<{ name: string; maxLength: number; sentences: string[] }> = [];
  for (const kind of ['raw', 'tokenized']) {
    for (const file of ['in_domain_train.tsv', 'out_of_domain_dev.tsv']) {
      cases.push({ name: `every sentence of ${kind}/${file} (max_length 128)`, maxLength: 128, sentences: readColaTsv(path.join(colaDir, '..', kind, file)).map((e) => e.sentence) });
    }
  }
  cases.push({ name: 'unicode edge cases: accents, curly quotes, CJK, emoji, combining marks, empty, very long', maxLength: 128, sentences: unicodeCases });
  cases.push({
    name: 'truncation at a short max_length keeps the leading and trailing specials like Python',
    maxLength: 8,
    sentences: [...unicodeCases, ...readColaTsv(path.join(colaDir, 'out_of_domain_dev.tsv')).map((e) => e.sentence)],
  });
  const expected = new Map<string, number[][]>();

  before(function () {
    const folder = variant.folder();
    if (!folder) {
      console.log(`    skipped: ${variant.title} is not on this machine (python -m cola_trainer train --model all-mpnet-base-v2 fetches it)`);
      this.skip();
    }
    model = folder;
    // One Python process for every case: importing transformers dominates the cost.
    const answers = pythonJson<number[][][]>([path.join(repoRoot, 'test', 'fixtures', 'hf_tokenize.py')], {
      model,
      requests: cases.map((c) => ({ max_length: c.maxLength, sentences: c.sentences })),
    });
    cases.forEach((c, i) => expected.set(c.name, answers[i]));
  });

  after(() => {
    if (model) variant.cleanup?.(model);
  });

  function parity(name: string, sentences: string[], maxLength: number): void {
    const reference = expected.get(name)!;
    assert.equal(reference.length, sentences.length);
    const tokenizer = ColaTokenizer.fromFolder(model, maxLength);
    let mismatches = 0;
    const examples: string[] = [];
    sentences.forEach((s, i) => {
      const got = tokenizer.encode(s).inputIds;
      if (JSON.stringify(got) !== JSON.stringify(reference[i])) {
        mismatches++;
        if (examples.length < 5) examples.push(`${JSON.stringify(s)}\n    ts: ${JSON.stringify(got)}\n    py: ${JSON.stringify(reference[i])}`);
      }
    });
    assert.equal(mismatches, 0, `${mismatches} of ${sentences.length} differ, e.g.\n  ${examples.join('\n  ')}`);
  }

  for (const c of cases) {
    it(c.name, () => {
      assert.ok(c.sentences.length > 20);
      parity(c.name, c.sentences, c.maxLength);
    });
  }

  it('the CoLA cases cover both files of both variants (8551 + 516 sentences each)', () => {
    assert.deepEqual(
      cases.slice(0, 4).map((c) => c.sentences.length),
      [8551, 516, 8551, 516],
    );
  });

  it('pads a batch on the right with the pad id and a zero mask', () => {
    const t = ColaTokenizer.fromFolder(model, 128);
    const b = t.encodeBatch(['Hi.', 'This is longer.']);
    assert.equal(b.batch, 2);
    assert.equal(b.sequence, 6);
    // 'hi' and '.' have BERT's ids in BERT and 4 more in MPNet, whose own specials come first.
    const shift = variant.cls === 0 ? 4 : 0;
    assert.deepEqual(b.inputIds.slice(0, 6), [variant.cls, 7632 + shift, 1012 + shift, variant.sep, variant.pad, variant.pad]);
    assert.deepEqual(b.attentionMask.slice(0, 6), [1, 1, 1, 1, 0, 0]);
    assert.deepEqual(b.attentionMask.slice(6), [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(b.tokenTypeIds, Array(12).fill(0));
  });

  it('refuses a max_length with no room for text', () => {
    assert.throws(() => ColaTokenizer.fromFolder(model, 2), /leaves no room/);
  });
});

describe('the pad id of an MPNet tokenizer, however its folder names it', function () {
  this.timeout(120_000);
  let dir: string;
  let json: object;
  before(() => {
    dir = fakeMpnetFolder();
    json = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is <pad> (1) from a string pad_token in tokenizer_config.json', () => {
    assert.equal(ColaTokenizer.fromJson(json, { pad_token: '<pad>' }, 64).padId, 1);
  });
  it('is <pad> (1) from an AddedToken object, as newer exports write it', () => {
    assert.equal(ColaTokenizer.fromJson(json, { pad_token: { content: '<pad>', lstrip: false, rstrip: false, normalized: false, special: true } }, 64).padId, 1);
  });
  it('is <pad> (1) from tokenizer.json alone, not MPNet\'s [PAD] (4)', () => {
    const t = ColaTokenizer.fromJson(json, {}, 64);
    assert.equal(t.padId, 1);
    assert.deepEqual(t.encodeBatch(['Hi.', 'This is longer.']).inputIds.slice(0, 6), [0, 7636, 1016, 2, 1, 1]);
  });
});
