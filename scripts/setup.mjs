// `npm run setup`: everything a fresh clone needs, idempotent and fast when already done.
//   1. node_modules from package-lock.json (npm ci), skipped when the lock file is unchanged;
//   2. .venv with trainer/requirements*.txt, torch pinned and installed first, skipped when unchanged.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const stampDir = path.join(root, '.cache', 'stamps');
mkdirSync(stampDir, { recursive: true });

function run(cmd, args, opts = {}) {
  console.log(`[setup] ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`[setup] could not start ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`[setup] ${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function hashOf(files) {
  const h = createHash('sha256');
  for (const f of files) h.update(f).update(existsSync(path.join(root, f)) ? readFileSync(path.join(root, f)) : '');
  return h.digest('hex');
}

function upToDate(name, files) {
  const stamp = path.join(stampDir, name);
  const want = hashOf(files);
  return { fresh: existsSync(stamp) && readFileSync(stamp, 'utf8') === want, mark: () => writeFileSync(stamp, want) };
}

// 1. Node packages.
const nodeStamp = upToDate('node_modules', ['package-lock.json']);
if (!nodeStamp.fresh || !existsSync(path.join(root, 'node_modules'))) {
  run('npm', ['ci', '--no-audit', '--no-fund']);
  nodeStamp.mark();
} else console.log('[setup] node_modules up to date');

// 2. Python environment.
const venv = path.join(root, '.venv');
const py = process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');
const pyStamp = upToDate('venv', ['trainer/requirements.txt', 'trainer/requirements-dev.txt']);
if (!pyStamp.fresh || !existsSync(py)) {
  const base = process.env.COLA_BERT_PYTHON || (process.platform === 'win32' ? 'python' : 'python3');
  if (!existsSync(py)) run(base, ['-m', 'venv', venv]);
  const pip = [py, '-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off'];
  run(pip[0], [...pip.slice(1), 'torch==2.13.0']);
  run(pip[0], [...pip.slice(1), '-r', 'trainer/requirements.txt', '-r', 'trainer/requirements-dev.txt']);
  pyStamp.mark();
} else console.log('[setup] .venv up to date');
