// The panel's "try a sentence" (src/training/sentenceTrial.ts) runs the model the way diagnostics do: through
// the one opener the extension passes in (issue 13: the panel opened a second inference path that ignored
// the int8, thread and worker settings). A real tiny model, real workers.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InferenceService, type InferenceOptions } from '../../src/core/inference';
import { SentenceTrial } from '../../src/training/sentenceTrial';
import { tinyModel } from './helpers/tinyModel';

const ROOT = path.join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    return statSync(path.join(ROOT, rel)).isDirectory() ? tsFiles(rel) : rel.endsWith('.ts') ? [rel] : [];
  });
}

describe("the panel's try-a-sentence", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = tinyModel();
  });

  it('opens through the opener it is given, with that opener\'s settings, once per folder', async () => {
    const opened: string[] = [];
    const settings: InferenceOptions = { preferInt8: false, threads: 1, workers: 1 };
    const trial = new SentenceTrial((d) => {
      opened.push(d);
      return InferenceService.open(d, settings);
    });
    try {
      const p = await trial.predict(dir, 'The cat sat on the mat.');
      assert.ok(p.pAcceptable >= 0 && p.pAcceptable <= 1 && Math.abs(p.pAcceptable + p.pUnacceptable - 1) < 1e-5, JSON.stringify(p));
      await trial.predict(dir, 'Cat the mat on sat.');
      assert.deepEqual(opened, [dir]);
      // The same sentence through a service opened with the same settings gives the same probability.
      const direct = await InferenceService.open(dir, settings);
      try {
        assert.equal(direct.model.quantized, false);
        assert.deepEqual(direct.parallelism, { workers: 1, threadsPerWorker: 1 });
        const [q] = await direct.predict(['The cat sat on the mat.']);
        assert.equal(q.pAcceptable, p.pAcceptable);
      } finally {
        await direct.dispose();
      }
    } finally {
      trial.close();
    }
  });

  it('does not keep a failed open: the next try opens again', async () => {
    let calls = 0;
    const trial = new SentenceTrial(async () => {
      calls++;
      throw new Error('cannot open');
    });
    await assert.rejects(trial.predict(dir, 'A sentence.'), /cannot open/);
    await assert.rejects(trial.predict(dir, 'A sentence.'), /cannot open/);
    assert.equal(calls, 2);
    assert.equal(trial.dir, undefined);
  });

  it('is the only way the editor opens a model besides ModelManager: one InferenceService.open in src/ outside the CLI', () => {
    const calls = tsFiles('src')
      .filter((f) => !f.startsWith('src/cli') && f !== 'src/core/inference.ts')
      .flatMap((f) => (readFileSync(path.join(ROOT, f), 'utf8').match(/InferenceService\.open\(/g) ?? []).map(() => f));
    assert.deepEqual(calls, ['src/modelManager.ts']);
  });
});
