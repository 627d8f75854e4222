import { strict as assert } from 'node:assert';
import { HarperBaseline } from '../../bench/harper';

describe('Harper baseline (bench:quality)', function () {
  this.timeout(120_000);

  it('assigns each lint to the sentence it falls in, across chunk and Unicode boundaries', async () => {
    const harper = new HarperBaseline();
    await harper.setup();
    const sentences = [
      'The proposal was accepted by the council.',
      'This is a apple.',
      'Naïve “quoted” café owners agree — mostly.',
      'We should of done it.',
      'The committee reviewed the draft in May.',
    ];
    const verdicts = await harper.check(sentences);
    assert.equal(verdicts.length, sentences.length);
    assert.equal(verdicts[1].grammarLint, true, JSON.stringify(verdicts[1]));
    assert.equal(verdicts[3].grammarLint, true, JSON.stringify(verdicts[3]));
    assert.equal(verdicts[0].grammarLint, false, JSON.stringify(verdicts[0]));
    assert.equal(verdicts[4].grammarLint, false, JSON.stringify(verdicts[4]));
    // The same sentences one by one give the same verdicts as the batched document.
    for (let i = 0; i < sentences.length; i++) {
      const [alone] = await harper.check([sentences[i]]);
      assert.deepEqual(alone.kinds, verdicts[i].kinds, sentences[i]);
    }
  });
});
