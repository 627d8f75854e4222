import assert from 'node:assert/strict';
import { sentenceSpans } from '../../src/core/sentences';

/** Runs `fn` while counting the work V8's sentence segmenter does: each step costs the length of its whole string. */
function segmenterWork(fn: () => void): number {
  const proto = Intl.Segmenter.prototype;
  const original = proto.segment;
  let work = 0;
  proto.segment = function (this: Intl.Segmenter, input: string) {
    const segments = original.call(this, input);
    const iterate = segments[Symbol.iterator].bind(segments);
    return Object.assign(Object.create(segments), {
      [Symbol.iterator]: function* () {
        for (const s of iterate()) {
          work += input.length;
          yield s;
        }
      },
    });
  };
  try {
    fn();
  } finally {
    proto.segment = original;
  }
  return work;
}

function hardWrappedParagraph(length: number): string {
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'quickly', 'today'];
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < length; i++) {
    const word = words[i % words.length];
    const w = (i % 12 === 0 ? word[0].toUpperCase() + word.slice(1) : word) + (i % 12 === 11 ? '. ' : ' ');
    parts.push(w);
    n += w.length;
  }
  return parts.join('').slice(0, length);
}

describe('sentence splitting scales linearly', () => {
  it('hands ICU bounded windows, so its work grows linearly with the block', () => {
    for (const length of [50_000, 200_000]) {
      const text = hardWrappedParagraph(length);
      let spans: [number, number][] = [];
      const work = segmenterWork(() => (spans = sentenceSpans(text)));
      assert.ok(spans.length > length / 100);
      // One pass over the whole block costs (sentences × length): 200,000 characters would be ~3,600× the length, windows of 4,096 are ~80×.
      assert.ok(work < 200 * length, `segmenter work ${work} for ${length} characters`);
    }
  });

  it('gives the same spans as one whole-block segmentation, across window edges', () => {
    const text = hardWrappedParagraph(30_000).replace(/cat/g, 'Dr. Cat').replace(/mat/g, 'U.S. mat?! (x)');
    const whole: [number, number][] = [];
    let from = 0;
    for (const s of new Intl.Segmenter('en', { granularity: 'sentence' }).segment(text)) {
      whole.push([from, s.index + s.segment.length]);
      from = s.index + s.segment.length;
    }
    const spans = sentenceSpans(text);
    // Our spans are ICU's minus the breaks after abbreviations: every span end is one of ICU's breaks.
    const icuEnds = new Set(whole.map((s) => s[1]));
    for (const [, end] of spans) assert.ok(icuEnds.has(end), `break at ${end} is ICU's`);
    assert.ok(spans.some(([s, e]) => text.slice(s, e).includes('Dr. Cat')), 'no break after "Dr."');
  });

  it('undoes breaks after abbreviations in time linear in the merged run', function () {
    this.timeout(20_000);
    // Thousands of titles in a row merge into one span; re-testing the whole merged run at each break was quadratic.
    const text = 'Mr. '.repeat(100_000) + 'Smith left.';
    const t0 = performance.now();
    assert.deepEqual(sentenceSpans(text), [[0, text.length]]);
    assert.ok(performance.now() - t0 < 5_000, `${(performance.now() - t0).toFixed(0)} ms`);
  });
});
