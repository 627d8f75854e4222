import { strict as assert } from 'node:assert';
import { diagnosticMessage, excerpt } from '../../src/core/diagnosticMessage';

describe('diagnostic message', () => {
  it('quotes a short sentence whole, whitespace collapsed', () => {
    assert.equal(diagnosticMessage('The dog\n  barked the cat.', 0.123), 'Possibly ungrammatical: “The dog barked the cat.” (P(acceptable) = 0.12)');
  });

  it('cuts a long sentence at a word boundary with an ellipsis', () => {
    const s = 'Contributors who has read the guide before opening a pull request usually get faster reviews.';
    const e = excerpt(s);
    assert.ok(e.length <= 48, e);
    assert.ok(e.endsWith('…'));
    assert.ok(s.startsWith(e.slice(0, -1)), e);
    assert.equal(e, 'Contributors who has read the guide before…');
  });

  it('cuts one long token where it is instead of returning only an ellipsis', () => {
    const e = excerpt('x'.repeat(200));
    assert.equal(e, `${'x'.repeat(47)}…`);
  });

  it('drops trailing punctuation before the ellipsis', () => {
    assert.equal(excerpt('Alpha beta gamma, delta epsilon zeta eta theta, iota kappa lambda', 48), 'Alpha beta gamma, delta epsilon zeta eta theta…');
  });
});
