import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { words } from '../../src/core/attribution';
import { readColaTsv } from '../../src/core/cola';
import { wordTokenPositions, type PieceTokenizer } from '../../src/core/tokenAlignment';
import { ColaTokenizer } from '../../src/core/tokenizer';
import { cachedMpnetFolder, colaDir, fakeMpnetFolder, miniLmFolder, pythonJson, repoRoot } from './helpers/python';

/** Each word's tokens as text, through the product's path (ColaTokenizer.textTokens, then the alignment). */
function wordPieces(tokenizer: ColaTokenizer, sentence: string): string[][] | null {
  const encoded = tokenizer.encode(sentence);
  const text = tokenizer.textTokens(encoded);
  const at = wordTokenPositions(sentence, words(sentence), tokenizer, text.ids, text.offset);
  return at && at.map((positions) => positions.map((i) => tokenizer.tokenOf(encoded.inputIds[i])!));
}

describe('token alignment: the tokens of each word (tokenAlignment.ts)', function () {
  this.timeout(60_000);
  let bert: ColaTokenizer;
  before(() => {
    bert = ColaTokenizer.fromFolder(miniLmFolder(), 128);
  });

  it('gives each word its word pieces and leaves punctuation to no word', () => {
    assert.deepEqual(wordPieces(bert, 'The unhappiest cats, surely?'), [['the'], ['un', '##ha', '##pp', '##iest'], ['cats'], ['surely']]);
  });

  it('keeps a contraction whole and splits abbreviations at their dots', () => {
    assert.deepEqual(wordPieces(bert, "Don't ask the U.S. team."), [['don', "'", 't'], ['ask'], ['the'], ['u'], ['s'], ['team']]);
  });

  it('finds a word glued to a symbol inside its chunk ("©2020" is ©, ##20, ##20; "2020" alone one token)', () => {
    assert.deepEqual(bert.bareIds('2020').length, 1, 'the premise: the word alone tokenizes differently');
    assert.deepEqual(wordPieces(bert, 'Written ©2020 by us.'), [['written'], ['##20', '##20'], ['by'], ['us']]);
  });

  it('gives the words past the truncation no tokens', () => {
    const short = ColaTokenizer.fromFolder(miniLmFolder(), 6); // [CLS] + 4 tokens + [SEP]
    assert.deepEqual(wordPieces(short, 'One two, three four five six.'), [['one'], ['two'], ['three'], [], [], []]);
  });

  it('refuses a tokenizer whose tokens cross whitespace (no alignment rather than a wrong one)', () => {
    // Byte-level BPE style: a word's token carries the space before it, so "cat" alone is not " cat".
    const vocab = new Map<string, number>();
    const id = (t: string) => vocab.get(t) ?? (vocab.set(t, vocab.size), vocab.size - 1);
    const spaced: PieceTokenizer = { bareIds: (text) => (text.match(/ ?\S+/g) ?? []).map(id) };
    const sentence = 'the cat sat';
    assert.equal(wordTokenPositions(sentence, words(sentence), spaced, spaced.bareIds(sentence), 1), null);
    assert.deepEqual(wordTokenPositions('cat', words('cat'), spaced, spaced.bareIds('cat'), 1), [[1]]);
  });
});


const hardCases = [
  'Café crème brûlée, naïve façade, Ångström, Øresund.',
  '“Curly double” and ‘curly single’ quotes — em dash – en dash… ellipsis.',
  'Mixed 中文 and English words中文.',
  'Emoji 🙂👍🏽 and family 👨‍👩‍👧 in text.',
  'Combining marks: e\u0301 a\u0308 n\u0303 and precomposed é ä ñ.',
  'Zero\u200bwidth\u200cjoiners and soft\u00adhyphen.',
  "Don't can't won't y'all o'clock rock'n'roll.",
  'URLs https://example.com/a?b=c&d=e and e-mail a.b@c.de.',
  'Numbers 3.14159 1,000,000 -42 1e-5 ½ ¾ and ©2020.',
  'supercalifragilisticexpialidocious antidisestablishmentarianism.',
  Array.from({ length: 150 }, (_, i) => `word${i}`).join(' '),
];

interface Reference {
  sentences: string[];
  ids: number[][];
  offsets: Array<Array<[number, number] | null>>;
}

const variants: Array<{ title: string; folder: () => string | undefined; cleanup?: (dir: string) => void }> = [
  { title: 'all-MiniLM-L6-v2 (BERT WordPiece)', folder: miniLmFolder },
  { title: 'an MPNet-shaped tokenizer (made by the test)', folder: fakeMpnetFolder, cleanup: (dir) => rmSync(dir, { recursive: true, force: true }) },
  { title: 'all-mpnet-base-v2 from the encoder cache', folder: cachedMpnetFolder },
];

for (const variant of variants) describe(`token alignment against Python's offsets: ${variant.title}`, function () {
  this.timeout(300_000);
  let folder: string | undefined;
  let reference: Reference;
  const cola = ['in_domain_train.tsv', 'out_of_domain_dev.tsv'].flatMap((f) => readColaTsv(path.join(colaDir, f)).map((e) => e.sentence));

  before(function () {
    folder = variant.folder();
    if (!folder) {
      console.log(`    skipped: ${variant.title} is not on this machine (python -m cola_trainer train --model all-mpnet-base-v2 fetches it)`);
      this.skip();
    }
    // 1,500 sentences of the prose corpus's test documents and a corrupted twin of each (the attribution bench's kind).
    reference = pythonJson<Reference>([path.join(repoRoot, 'test', 'fixtures', 'hf_offsets.py')], { model: folder, max_length: 128, sentences: [...cola, ...hardCases], prose: 1500 }, 240_000);
  });
  after(() => {
    if (folder) variant.cleanup?.(folder);
  });

  it('every word gets exactly the tokens whose Python offsets overlap it: CoLA, prose, corrupted prose, hard cases', () => {
    const tokenizer = ColaTokenizer.fromFolder(folder!, 128);
    assert.ok(reference.sentences.length > cola.length + hardCases.length + 2000, `${reference.sentences.length} sentences`);
    let wordsSeen = 0;
    let mismatches = 0;
    const examples: string[] = [];
    reference.sentences.forEach((sentence, n) => {
      const encoded = tokenizer.encode(sentence);
      assert.deepEqual(encoded.inputIds, reference.ids[n], `token ids of ${JSON.stringify(sentence)}`);
      const ws = words(sentence);
      const text = tokenizer.textTokens(encoded);
      const got = wordTokenPositions(sentence, ws, tokenizer, text.ids, text.offset);
      const expected = ws.map((w) => reference.offsets[n].flatMap((o, i) => (o && o[0] < o[1] && o[0] < w.end && w.start < o[1] ? [i] : [])));
      wordsSeen += ws.length;
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        mismatches++;
        if (examples.length < 5) examples.push(`${JSON.stringify(sentence)}\n    ts: ${JSON.stringify(got)}\n    py: ${JSON.stringify(expected)}`);
      }
    });
    console.log(`    ${reference.sentences.length} sentences, ${wordsSeen} words: ${mismatches} differ`);
    assert.equal(mismatches, 0, `${mismatches} of ${reference.sentences.length} differ, e.g.\n  ${examples.join('\n  ')}`);
  });
});
