import assert from 'node:assert/strict';
import { DEFAULT_KIND_PRIOR, KIND_PRIORS, PLACE_PRIORS, placeOf, priorOf, rankCandidates, SUGGESTION_BUDGET, withinBudget } from '../../src/core/candidateBudget';
import { candidateEdits, type Candidate } from '../../src/core/suggestions';

const at = (s: string, word: string) => ({ start: s.indexOf(word), end: s.indexOf(word) + word.length });

describe('suggestion budget: which candidates get scored', () => {
  const sentence = 'She said that there dog were barking all night long.';
  const suspects = [at(sentence, 'were'), at(sentence, 'there')];
  const all = candidateEdits(sentence, suspects);

  it('places an edit by the suspect it is nearest and how many words away; an insertion sits before its word', () => {
    const were = sentence.split(' ').indexOf('were');
    const edit = (kind: Candidate['kind'], first: number, last: number, replacement: string): Candidate => ({ kind, first, last, replacement, text: '' });
    assert.deepEqual(placeOf(sentence, edit('delete', were, were, ''), suspects), [0, 0]);
    assert.deepEqual(placeOf(sentence, edit('delete', were + 1, were + 1, ''), suspects), [0, 1]);
    assert.deepEqual(placeOf(sentence, edit('insert', were + 1, were + 1, 'the barking'), suspects), [0, 0], 'between "were" and "barking"');
    assert.deepEqual(placeOf(sentence, edit('confusable', were - 2, were - 2, 'their'), suspects), [1, 0]);
    assert.deepEqual(placeOf(sentence, edit('delete', 0, 0, ''), suspects), [1, 3]);
    assert.deepEqual(placeOf(sentence, edit('delete', 0, 0, ''), []), [0, Infinity], 'no suspects: nothing is near');
  });

  it('ranks by the kind\'s prior times the place\'s: the best suspect\'s words first, its neighbours later, none elsewhere', () => {
    const ranked = rankCandidates(sentence, all, { suspects });
    assert.equal(ranked.length, all.length);
    assert.deepEqual(new Set(ranked), new Set(all), 'a permutation');
    const priors = ranked.map((c) => priorOf(sentence, c, suspects));
    for (let i = 1; i < priors.length; i++) assert.ok(priors[i - 1] >= priors[i]);
    const edit = (kind: Candidate['kind'], first: number): Candidate => ({ kind, first, last: first, replacement: '', text: '' });
    const were = sentence.split(' ').indexOf('were');
    assert.ok(priorOf(sentence, edit('delete', were), suspects) > priorOf(sentence, edit('delete', were - 2), suspects), 'best suspect before the second');
    assert.ok(priorOf(sentence, edit('delete', were - 2), suspects) > priorOf(sentence, edit('delete', were + 1), suspects), 'the second suspect before a neighbour of the best');
    assert.equal(priorOf(sentence, edit('delete', 0), []), 0, 'no suspects: nothing is near');
    assert.ok(priorOf(sentence, edit('swap', were), suspects) > priorOf(sentence, { ...edit('insert', were), replacement: 'the were' }, suspects), 'a swap before an insertion');
  });

  it('ranks a kind without a measured prior (new, or a/an) with the default, without throwing', () => {
    const were = sentence.split(' ').indexOf('were');
    const unknown: Candidate = { kind: 'not_a_kind_yet' as Candidate['kind'], first: were, last: were, replacement: 'was', text: 'x' };
    assert.equal(KIND_PRIORS.a_an, undefined);
    assert.equal(priorOf(sentence, unknown, suspects), DEFAULT_KIND_PRIOR * PLACE_PRIORS[0][0]);
    assert.equal(rankCandidates(sentence, [...all, unknown], { suspects }).length, all.length + 1);
  });

  it('ranks the same list the same way every time (every worker must take the same slice)', () => {
    const a = rankCandidates(sentence, all, { suspects });
    const b = rankCandidates(sentence, [...all], { suspects });
    assert.deepEqual(a, b);
  });

  it('caps the candidates to score, however many there are; known texts are free and all kept', () => {
    const ranked = rankCandidates(sentence, all, { suspects });
    assert.ok(ranked.length > SUGGESTION_BUDGET, 'this sentence makes more candidates than the budget');
    const known = new Set([ranked[0].text, ranked[ranked.length - 1].text]);
    const chosen = withinBudget(ranked, 5, known);
    assert.deepEqual(chosen.known, [ranked[0], ranked[ranked.length - 1]]);
    assert.equal(chosen.toScore.length, 5);
    assert.deepEqual(chosen.toScore, ranked.slice(1, 6), 'the best ranked of the rest, in order');
    assert.equal(withinBudget(ranked, Infinity, new Set()).toScore.length, ranked.length);
    assert.equal(withinBudget(ranked, 0, new Set()).toScore.length, 0);
    const doubled = [...ranked, ...ranked.map((c) => ({ ...c, text: `${c.text} ` }))];
    assert.equal(withinBudget(doubled, SUGGESTION_BUDGET, new Set()).toScore.length, SUGGESTION_BUDGET, 'twice the candidates, the same cost');
  });
});
