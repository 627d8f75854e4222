// `npm run setup`: everything a fresh clone needs, idempotent and fast when already done.
//   1. node_modules from package-lock.json (npm ci), skipped when the lock file is unchanged;
//   2. .venv with trainer/requirements*.txt (torch, pinned there, installed first: src/core/pythonInstall.mjs),
//      skipped when unchanged.
// A stamp is removed before its step runs and written only after the step succeeded, so an interrupted
// install is redone next time instead of being taken for complete.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmCommand } from './npm.mjs';
import { pipInstallSteps, torchIndexArgs } from '../src/core/pythonInstall.mjs';

// fileURLToPath, not URL.pathname: the latter keeps %20 and %C3%A9 in folder names (and gives /C:/… on Windows).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampDir = path.join(root, '.cache', 'stamps');
mkdirSync(stampDir, { recursive: true });
const MIN_PYTHON = [3, 10];

function fail(message) {
  console.error(`[setup] ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  console.log(`[setup] ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`[setup] could not start ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`[setup] ${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function npm(args, opts = {}) {
  run(...npmCommand(args), opts);
}

function hashOf(files) {
  const h = createHash('sha256');
  for (const f of files) h.update(f).update(existsSync(path.join(root, f)) ? readFileSync(path.join(root, f)) : '');
  return h.digest('hex');
}

function stamp(name, files) {
  const file = path.join(stampDir, name);
  const want = hashOf(files);
  return {
    fresh: existsSync(file) && readFileSync(file, 'utf8') === want,
    clear: () => rmSync(file, { force: true }),
    mark: () => writeFileSync(file, want),
  };
}

/** The interpreter that creates .venv: $COLA_BERT_SETUP_PYTHON, else python3 (python on Windows); 3.10 or newer. */
function basePython() {
  const base = process.env.COLA_BERT_SETUP_PYTHON || (process.platform === 'win32' ? 'python' : 'python3');
  const r = spawnSync(base, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  const need = `Python ${MIN_PYTHON.join('.')} or newer with the venv module`;
  if (r.error) fail(`${base} was not found. Install ${need} (Debian/Ubuntu: apt install python3 python3-venv), or set COLA_BERT_SETUP_PYTHON to one.`);
  if (r.status !== 0) {
    fail(`${base} cannot create virtual environments (${(r.stderr || '').trim().split('\n').pop()}). Install the venv module (Debian/Ubuntu: apt install python3-venv), or set COLA_BERT_SETUP_PYTHON to another ${need}.`);
  }
  const [major, minor] = r.stdout.trim().split('.').map(Number);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    fail(`${base} is Python ${major}.${minor}; the trainer needs ${need}. Set COLA_BERT_SETUP_PYTHON to one (e.g. python3.11).`);
  }
  return base;
}

// 1. Node packages.
const nodeStamp = stamp('node_modules', ['package-lock.json']);
if (!nodeStamp.fresh || !existsSync(path.join(root, 'node_modules'))) {
  nodeStamp.clear();
  // onnxruntime-node's postinstall downloads CUDA binaries from NuGet on Linux x64 (fatal offline); the CPU
  // binaries ship inside the npm package. Its environment switch, unlike an .npmrc key, draws no npm warning.
  npm(['ci', '--no-audit', '--no-fund'], { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  nodeStamp.mark();
} else console.log('[setup] node_modules up to date');

// 2. Python environment.
const venv = path.join(root, '.venv');
const py = process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');
const pyStamp = stamp('venv', ['trainer/requirements.txt', 'trainer/requirements-dev.txt', 'scripts/setup.mjs', 'src/core/pythonInstall.mjs']);
if (!pyStamp.fresh || !existsSync(py)) {
  pyStamp.clear();
  // A .venv whose creation failed half-way (no pip: python3-venv was missing) is made again, not reused.
  if (existsSync(py) && spawnSync(py, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status !== 0) {
    console.log(`[setup] ${venv} has no working pip: creating it again`);
    rmSync(venv, { recursive: true, force: true });
  }
  if (!existsSync(py)) run(basePython(), ['-m', 'venv', venv]);
  // The same steps as the extension's "Set up training environment" (src/core/pythonInstall.mjs).
  const indexArgs = await torchIndexArgs();
  if (indexArgs.length) console.log('[setup] no NVIDIA GPU: torch comes from the CPU index (no CUDA libraries)');
  for (const step of pipInstallSteps({ requirementsFile: 'trainer/requirements.txt', extra: ['trainer/requirements-dev.txt'], indexArgs })) {
    run(py, ['-m', 'pip', ...step.args]);
  }
  pyStamp.mark();
} else console.log('[setup] .venv up to date');
