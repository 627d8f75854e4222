// What both runners of the integration suite need: the extension built, the suite bundled as
// CommonJS (VS Code loads extensionTestsPath with require), a model, a workspace copy, settings.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDiagnosticsModel, makeTinyModel, python, repoRoot, smallCola } from '../e2e/harness/models';

export interface Prepared {
  tmp: string;
  workspace: string;
  model: string;
  /** out/integration/index.js: the module whose run() VS Code calls. */
  testsEntry: string;
  /** Settings the suite runs under (cola-bert.* are machine-overridable). */
  settings: Record<string, unknown>;
  /** Environment of the extension host that runs the suite. */
  env: Record<string, string>;
}

export async function prepare(): Promise<Prepared> {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('scripts/build.mjs failed');
  const outDir = path.join(repoRoot, 'out', 'integration');
  await esbuild.build({
    entryPoints: [path.join(import.meta.dirname, 'suite', 'index.ts'), path.join(import.meta.dirname, 'suite', 'extension.test.ts'), path.join(import.meta.dirname, 'suite', 'training.test.ts')],
    outdir: outDir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true,
    external: ['vscode', 'mocha'], logLevel: 'warning',
  });
  const model = process.env.COLA_BERT_TEST_MODEL ?? ensureDiagnosticsModel((m) => console.log(`integration: ${m}`));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-bert-integration-'));
  const workspace = path.join(tmp, 'workspace');
  cpSync(path.join(repoRoot, 'test', 'e2e', 'fixture-workspace'), workspace, { recursive: true });
  mkdirSync(path.join(tmp, 'user-data', 'User'), { recursive: true });
  // The panel's training run (then "Export report" and "Open model folder"): a tiny random BERT, a small CoLA.
  const tinyModel = makeTinyModel(path.join(tmp, 'tiny-bert'));
  const cola = smallCola(path.join(tmp, 'cola-small'), 320, 120);
  return {
    tmp, workspace, model, testsEntry: path.join(outDir, 'index.js'),
    settings: { 'cola-bert.pythonPath': python, 'cola-bert.modelPath': model },
    env: { COLA_BERT_TEST_MODEL: model, COLA_BERT_TEST_TINY_MODEL: tinyModel, COLA_BERT_TEST_COLA: cola, COLA_BERT_TEST_OUT: path.join(tmp, 'out') },
  };
}
