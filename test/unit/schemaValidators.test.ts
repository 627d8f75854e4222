// The precompiled schema validators (scripts/gen-validators.mjs → protocol/schemaValidators.generated.mjs):
// current with both schemas, free of run-time code generation in every bundle the project ships (the
// webview's CSP has no 'unsafe-eval'), and cola-bert.json problems worded by the schema's annotations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { metadataProblems } from '../../src/core/modelFolder';

const ROOT = path.join(__dirname, '..', '..');

/** A folder as inference needs it, nothing more. */
const MINIMAL = { format: 1, base_model: 'bert-base-uncased', labels: ['unacceptable', 'acceptable'], max_length: 128, onnx: 'model.onnx', inputs: ['input_ids'] };

describe('precompiled schema validators', function () {
  this.timeout(60_000);

  it('are what scripts/gen-validators.mjs makes of the schemas now (else: npm run gen:validators)', async () => {
    // A plain .mjs script without declarations: the specifier is a variable so TypeScript does not look for them.
    const script = '../../scripts/gen-validators.mjs';
    const gen = (await import(script)) as { generate(): { js: string; dts: string }; OUTPUT: string; OUTPUT_TYPES: string };
    const { js, dts } = gen.generate();
    assert.ok(js === readFileSync(path.join(ROOT, gen.OUTPUT), 'utf8'), `${gen.OUTPUT} is stale: run npm run gen:validators`);
    assert.ok(dts === readFileSync(path.join(ROOT, gen.OUTPUT_TYPES), 'utf8'), `${gen.OUTPUT_TYPES} is stale: run npm run gen:validators`);
  });

  for (const entry of ['webview/main.ts', 'src/extension.ts', 'src/cli.ts']) {
    it(`leave no run-time code generation in the ${entry} bundle`, async () => {
      const webview = entry.startsWith('webview/');
      const result = await esbuild.build({
        entryPoints: [path.join(ROOT, entry)],
        bundle: true,
        write: false,
        platform: webview ? 'browser' : 'node',
        format: webview ? 'iife' : 'cjs',
        external: ['vscode', 'onnxruntime-node'],
        loader: { '.css': 'text', '.json': 'json' },
        logLevel: 'silent',
      });
      const code = result.outputFiles[0].text;
      assert.ok(code.length > 10_000, `${entry}: bundle of ${code.length} characters`);
      assert.doesNotMatch(code, /new Function\(|\beval\(/);
    });
  }

  it('word cola-bert.json problems with the schema\'s `problem` texts, deepest value first', () => {
    assert.deepEqual(metadataProblems(MINIMAL), []);
    assert.deepEqual(metadataProblems({ ...MINIMAL, format: 2, onnx: '../x.onnx' }), ['"format" is 2, expected 1', '"onnx" must be a file name inside the folder']);
    assert.deepEqual(metadataProblems({ ...MINIMAL, calibration: { temperature: -1, threshold: 0.5 } }), ['"calibration.temperature" is -1, expected a number > 0']);
    assert.deepEqual(metadataProblems({ ...MINIMAL, calibration: { threshold: 0.5 } }), ['"calibration.temperature" is missing, expected a number > 0']);
    assert.deepEqual(metadataProblems({ ...MINIMAL, holdout_by_file: { 'model.onnx': { mcc: 'high', threshold: 0.5, temperature: 1 } } }), [
      '"holdout_by_file" must be an object keyed by ONNX file name, each with numeric "mcc", "threshold" and "temperature"',
    ]);
    const { labels: _labels, ...noLabels } = MINIMAL;
    assert.deepEqual(metadataProblems(noLabels), ['"labels" must be two strings (index 0 = unacceptable, index 1 = acceptable)']);
    assert.deepEqual(metadataProblems([]), ['it is not a JSON object']);
  });
});
