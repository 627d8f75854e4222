import assert from 'node:assert/strict';
import { emphasizeSuspects, escapeMarkdown, suspectLines } from '../../src/core/suspectMarkdown';

describe('suspect words in the hover', () => {
  it('bolds each suspect in the sentence, skipping one that overlaps a bolded one', () => {
    const sentence = 'He go to the the shop.';
    const suspects = [
      { start: 3, end: 5, text: 'go', delta: 0.5 },
      { start: 13, end: 16, text: 'the', delta: 0.3 },
      { start: 0, end: 5, text: 'He go', delta: 0.2 },
    ];
    assert.equal(emphasizeSuspects(sentence, suspects), 'He **go** to the **the** shop\\.');
  });

  it('escapes Markdown in the sentence so it shows as written', () => {
    assert.equal(escapeMarkdown('a *b* [c](d) `e` <f> #1_x'), 'a \\*b\\* \\[c\\]\\(d\\) \\`e\\` \\<f\\> \\#1\\_x');
    assert.equal(emphasizeSuspects('use *this*', [{ start: 4, end: 10, text: '*this*', delta: 0.4 }]), 'use **\\*this\\***');
  });

  it('says what each suspect does to P, and says so when nothing stands out', () => {
    assert.deepEqual(suspectLines([{ start: 3, end: 5, text: 'go', delta: 0.42 }], 0.12), ['without **go**: P(acceptable) 0.12 → 0.54 (+0.42)']);
    assert.match(suspectLines([], 0.2)[0], /No single word or pair stands out/);
  });

  it('leads with the model\'s own error score when the tokens method found the word, and signs a drop', () => {
    assert.deepEqual(suspectLines([{ start: 3, end: 5, text: 'go', delta: 0.42, errorScore: 0.931 }, { start: 0, end: 2, text: 'He', delta: -0.05, errorScore: 0.4 }], 0.12), [
      '**go**: error score 0.93; without it P(acceptable) 0.12 → 0.54 (+0.42)',
      '**He**: error score 0.40; without it P(acceptable) 0.12 → 0.07 (−0.05)',
    ]);
  });
});
