import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CHECK_OPTIONS, DocumentChecker, extractOptionsOf, extractSentences, looksBinary, normalizeSentence, type CheckOptions, type Predictor } from '../../src/core/documentChecker';
import { ProseWorkerClient } from '../../src/core/proseWorkerClient';
import { packExtraction, unpackExtraction } from '../../protocol/proseProtocol';
import type { Prediction } from '../../src/core/inference';

/**
 * A predictor that records what it is asked. Its scores come from the text (sentences containing "bad"
 * score 0.1, others 0.9), which is what these tests need: they check which sentences reach the model,
 * not what the model thinks (test/unit/check.test.ts runs the real model).
 */
class RecordingPredictor implements Predictor {
  calls: string[][] = [];
  gate: Promise<void> | undefined;
  async predict(sentences: readonly string[], signal?: AbortSignal): Promise<Prediction[]> {
    this.calls.push([...sentences]);
    if (this.gate) await this.gate;
    if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    return sentences.map((s) => {
      const p = s.includes('bad') ? 0.1 : 0.9;
      return { pAcceptable: p, pUnacceptable: 1 - p };
    });
  }
  get asked(): string[] {
    return this.calls.flat();
  }
}

const options = (extra: Partial<CheckOptions> = {}): CheckOptions => ({ ...DEFAULT_CHECK_OPTIONS, ...extra });

const doc = ['# Title', '', 'The first sentence is fine. The second one is bad.', '', '```', 'code is bad here', '```', '', 'A third sentence sits here.', ''].join('\n');

describe('DocumentChecker', () => {
  it('flags sentences below the threshold with exact ranges, never inside code', async () => {
    const predictor = new RecordingPredictor();
    const r = await new DocumentChecker(predictor).check(doc, options());
    assert.deepEqual(r.sentences.map((s) => [s.text, s.flagged]), [
      ['The first sentence is fine.', false],
      ['The second one is bad.', true],
      ['A third sentence sits here.', false],
    ]);
    assert.deepEqual(r.sentences[1].range, { start: { line: 2, character: 28 }, end: { line: 2, character: 50 } });
    assert.equal(r.pending, 0);
    assert.equal(r.total, 3);
    assert.ok(!predictor.asked.some((t) => t.includes('code')));
  });

  it('re-infers only the sentences whose text changed', async () => {
    const predictor = new RecordingPredictor();
    const checker = new DocumentChecker(predictor);
    await checker.check(doc, options());
    assert.equal(predictor.asked.length, 3);
    const edited = doc.replace('The second one is bad.', 'The second one is now good.');
    const r = await checker.check(edited, options());
    assert.deepEqual(predictor.calls[1], ['The second one is now good.']);
    assert.equal(r.inferred, 1);
    assert.equal(r.sentences.filter((s) => s.flagged).length, 0);
    // Unchanged text: nothing reaches the model at all.
    const again = await checker.check(edited, options());
    assert.equal(predictor.calls.length, 2);
    assert.equal(again.inferred, 0);
    assert.equal(again.sentences.length, 3);
  });

  it('asks once for a sentence that occurs twice', async () => {
    const predictor = new RecordingPredictor();
    const r = await new DocumentChecker(predictor).check('It rains today.\n\nIt rains today.\n', options());
    assert.deepEqual(predictor.calls, [['It rains today.']]);
    assert.equal(r.sentences.length, 2);
  });

  it('caps the work of one pass, visible ranges first, and finishes in later passes', async () => {
    const predictor = new RecordingPredictor();
    const checker = new DocumentChecker(predictor);
    const text = Array.from({ length: 10 }, (_, i) => `Sentence number ${i} is here.`).join('\n\n');
    const visibleStart = text.indexOf('Sentence number 7');
    const first = await checker.check(text, options({ maxSentencesPerPass: 4, priority: [{ start: visibleStart, end: visibleStart + 10 }] }));
    assert.equal(predictor.calls[0][0], 'Sentence number 7 is here.');
    assert.equal(first.sentences.length, 4);
    assert.equal(first.pending, 6);
    const second = await checker.check(text, options({ maxSentencesPerPass: 4 }));
    assert.equal(second.pending, 2);
    const third = await checker.check(text, options({ maxSentencesPerPass: 4 }));
    assert.equal(third.pending, 0);
    assert.equal(third.sentences.length, 10);
    assert.equal(new Set(predictor.asked).size, 10, 'each sentence inferred exactly once');
    assert.equal(predictor.asked.length, 10);
  });

  it('never flags an ignored sentence but still reports its probabilities', async () => {
    const ignored = new Set([normalizeSentence('The second one   is bad.')]);
    const r = await new DocumentChecker(new RecordingPredictor()).check(doc, options({ isIgnored: (t) => ignored.has(t) }));
    const s = r.sentences.find((x) => x.text === 'The second one is bad.')!;
    assert.equal(s.flagged, false);
    assert.equal(s.ignored, true);
    assert.equal(s.pAcceptable, 0.1);
  });

  it('honours the threshold', async () => {
    const r = await new DocumentChecker(new RecordingPredictor()).check(doc, options({ threshold: 0.95 }));
    assert.equal(r.sentences.filter((s) => s.flagged).length, 3);
  });

  it('rejects with AbortError when cancelled and keeps what it knew', async () => {
    const predictor = new RecordingPredictor();
    const checker = new DocumentChecker(predictor);
    await checker.check(doc, options());
    let open!: () => void;
    predictor.gate = new Promise((r) => (open = r));
    const controller = new AbortController();
    const pass = checker.check(doc + '\nA brand new sentence appears.\n', options(), controller.signal);
    controller.abort();
    open();
    await assert.rejects(pass, { name: 'AbortError' });
    predictor.gate = undefined;
    const r = await checker.check(doc, options());
    assert.equal(r.inferred, 0, 'the sentences known before the aborted pass are still known');
    assert.equal(checker.sentenceAt(doc.indexOf('second one'))?.text, 'The second one is bad.');
  });

  it('sentenceAt: where two sentences touch, the one starting there wins; a sentence\'s end still finds it', async () => {
    const text = 'Why did it bark?The dog barked the cat loudly.';
    const checker = new DocumentChecker(new RecordingPredictor());
    const r = await checker.check(text, options({ language: 'plaintext' }));
    assert.deepEqual(
      r.sentences.map((s) => [s.text, s.start, s.end]),
      [
        ['Why did it bark?', 0, 16],
        ['The dog barked the cat loudly.', 16, 46],
      ],
    );
    assert.equal(checker.sentenceAt(16)?.text, 'The dog barked the cat loudly.', 'the start of the second sentence');
    assert.equal(checker.sentenceAt(15)?.text, 'Why did it bark?');
    assert.equal(checker.sentenceAt(46)?.text, 'The dog barked the cat loudly.', 'just after the final period');
  });

  it('skips binary content and very long lines with a reason', async () => {
    const predictor = new RecordingPredictor();
    const checker = new DocumentChecker(predictor);
    const binary = await checker.check('PK\u0003\u0004\u0000\u0000 binary stuff here.', options());
    assert.equal(binary.skipped[0].reason, 'binary');
    assert.equal(predictor.calls.length, 0);
    const long = `A normal sentence is here.\n\n${'word '.repeat(3000)}end.\n`;
    const r = await checker.check(long, options({ maxLineLength: 10_000 }));
    assert.deepEqual(r.sentences.map((s) => s.text), ['A normal sentence is here.']);
    assert.equal(r.skipped[0].reason, 'long-line');
    assert.match(r.skipped[0].detail, /line 3 has 15004 characters/);
    assert.equal(looksBinary('Plain text with tabs\tand\r\nnewlines.'), false);
  });

  it('forgets everything on reset (a new model)', async () => {
    const predictor = new RecordingPredictor();
    const checker = new DocumentChecker(predictor);
    await checker.check(doc, options());
    checker.reset();
    assert.equal(checker.lastResult, undefined);
    const r = await checker.check(doc, options());
    assert.equal(r.inferred, 3);
  });
});

describe('ProseWorkerClient', function () {
  this.timeout(30_000);
  const text = `${doc}\n> A quoted line that goes\n> on here.\n\n${'x'.repeat(200)}\n`;
  const extractOptions = { ...extractOptionsOf(options()), maxLineLength: 100 };

  it('extracts in a worker thread exactly what the calling thread extracts', async () => {
    const client = new ProseWorkerClient(path.join(__dirname, '..', '..', 'src', 'core', 'proseWorker.ts'), (r) => assert.fail(r));
    try {
      const inWorker = await client.extract(text, extractOptions);
      assert.deepEqual(inWorker, extractSentences(text, extractOptions));
      assert.equal(inWorker.sentences.length, 4);
      assert.equal(inWorker.skipped[0].reason, 'long-line');
      // And a checker using it behaves as before.
      const r = await new DocumentChecker(new RecordingPredictor(), client.extract).check(text, options());
      assert.equal(r.sentences.filter((s) => s.flagged).length, 1);
    } finally {
      await client.dispose();
    }
  });

  it('falls back to the calling thread, once and with a reason, when the worker script is missing', async () => {
    const reasons: string[] = [];
    const client = new ProseWorkerClient(path.join(os.tmpdir(), 'no-such-prose-worker.js'), (r) => reasons.push(r));
    assert.deepEqual(await client.extract(text, extractOptions), extractSentences(text, extractOptions));
    await client.extract(text, extractOptions);
    assert.equal(reasons.length, 1);
    assert.match(reasons[0], /missing; extracting prose on the calling thread instead/);
  });
});

describe('prose worker wire format', () => {
  it('round-trips sentences (non-BMP text, masks, ranges) and rejects an answer whose parts disagree', () => {
    const text = 'Emoji 🎉 here is a sentence. The `code` part is masked in this one.\r\n\r\nA third sentence, with tabs\there.\n';
    const extraction = extractSentences(text, extractOptionsOf(options()));
    assert.ok(extraction.sentences.some((s) => s.masked));
    const packed = packExtraction(extraction);
    assert.deepEqual(unpackExtraction(packed), extraction);
    assert.deepEqual(unpackExtraction(packExtraction({ sentences: [], skipped: [] })), { sentences: [], skipped: [] });
    assert.throws(() => unpackExtraction({ ...packed, texts: packed.texts + 'x' }), /do not add up/);
    assert.throws(() => unpackExtraction({ ...packed, numbers: packed.numbers.subarray(1) }), /malformed/);
  });
});
