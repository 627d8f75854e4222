// The small exported model the check tests share: a random BERT written by test/fixtures/make_onnx_model.py,
// built once per machine (about 30 s) into the OS temp folder and reused.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, requirePython } from './python';

export function tinyModel(): string {
  const dir = path.join(os.tmpdir(), 'cola-bert-test-models', 'tiny-random-bert');
  if (existsSync(path.join(dir, 'cola-bert.json'))) return dir;
  const r = spawnSync(requirePython(), [path.join(repoRoot, 'test', 'fixtures', 'make_onnx_model.py'), dir], { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
  if (r.status !== 0) throw new Error(`make_onnx_model.py failed (${r.status}):\n${r.stderr}`);
  return dir;
}

/**
 * A small tokens-head folder (`--head tokens`: model.onnx also outputs token_logits), written by
 * test/fixtures/make_token_head_model.py through the trainer's own export, built once per machine and reused.
 */
export function tinyTokensModel(): string {
  const dir = path.join(os.tmpdir(), 'cola-bert-test-models', 'tiny-random-bert-tokens');
  if (existsSync(path.join(dir, 'cola-bert.json'))) return dir;
  const r = spawnSync(requirePython(), [path.join(repoRoot, 'test', 'fixtures', 'make_token_head_model.py'), dir], {
    encoding: 'utf8',
    env: { ...process.env, HF_HUB_OFFLINE: '1', PYTHONPATH: path.join(repoRoot, 'trainer') },
  });
  if (r.status !== 0) throw new Error(`make_token_head_model.py failed (${r.status}):\n${r.stderr}`);
  return dir;
}
