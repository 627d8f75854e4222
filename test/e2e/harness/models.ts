// Models the e2e run needs, made at test time with the project's own trainer and CLI:
//  - a diagnostics model: all-MiniLM-L6-v2 fine-tuned on a CoLA subset, cached in .cache/e2e/models
//    under a key of the trainer's sources and arguments (a fresh clone has no model at all);
//  - a tiny random BERT (trainer/tests/tiny_model.py) as the base of the panel's short training run;
//  - a small CoLA folder (a few hundred rows) for that run.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
export const cacheDir = path.join(repoRoot, '.cache', 'e2e');
export const python = path.join(repoRoot, '.venv', 'bin', 'python');

export function colaDir(): string {
  const dir = process.env.COLA_DIR ?? path.resolve(repoRoot, '..', 'shared', 'datasets', 'cola', 'raw');
  if (!existsSync(path.join(dir, 'in_domain_train.tsv'))) {
    throw new Error(`CoLA not found in ${dir}: set COLA_DIR to a folder holding in_domain_train.tsv and out_of_domain_dev.tsv`);
  }
  return dir;
}

/** The fine-tune that makes the diagnostics model: short enough for a cold CI run, good enough to be confident on the fixture. */
// The chapter's recipe on the offline default, exactly what `npm run demo` trains: shorter recipes
// (a subset, 1–2 epochs, lr 1e-4) left MiniLM predicting "acceptable" for everything.
export const diagnosticsTrainArgs = ['--model', 'all-minilm-l6-v2', '--epochs', '4', '--batch-size', '32',
  '--learning-rate', '2e-5', '--seed', '42', '--device', 'cpu'];

/** The fixture workspace's `cola-bert.threshold` (.vscode/settings.json); the CLI oracle uses the same. */
export const fixtureThreshold = 0.6;

function filesBelow(dir: string, accept: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) { if (name !== '__pycache__') out.push(...filesBelow(full, accept)); }
    else if (accept(name)) out.push(full);
  }
  return out;
}

function trainerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: path.join(repoRoot, 'trainer'), HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' };
}

/**
 * Returns the folder of the cached diagnostics model, training it first when the trainer's sources
 * or the arguments changed. The trainer's own atomic export (tmp folder, rename) means a folder that
 * exists is complete.
 */
export function ensureDiagnosticsModel(log: (msg: string) => void): string {
  // For harness development only: reuse an existing model folder instead of the recipe above.
  const override = process.env.COLA_BERT_E2E_MODEL;
  if (override) {
    if (!existsSync(path.join(override, 'cola-bert.json'))) throw new Error(`COLA_BERT_E2E_MODEL=${override} is not an exported model folder`);
    log(`diagnostics model from COLA_BERT_E2E_MODEL: ${override}`);
    return path.resolve(override);
  }
  const sources = filesBelow(path.join(repoRoot, 'trainer', 'cola_trainer'), (f) => f.endsWith('.py') || f.endsWith('.json'));
  const h = createHash('sha256').update(diagnosticsTrainArgs.join(' '));
  for (const f of sources) h.update(path.relative(repoRoot, f)).update(readFileSync(f));
  const dir = path.join(cacheDir, 'models', `minilm-${h.digest('hex').slice(0, 12)}`);
  if (existsSync(path.join(dir, 'cola-bert.json'))) {
    log(`diagnostics model cached: ${path.relative(repoRoot, dir)}`);
    return dir;
  }
  mkdirSync(path.dirname(dir), { recursive: true });
  const logFile = `${dir}.train.log`;
  log(`fine-tuning the diagnostics model (${diagnosticsTrainArgs.join(' ')}); log: ${path.relative(repoRoot, logFile)}`);
  const t0 = Date.now();
  const fd = openSync(logFile, 'w');
  const r = spawnSync('nice', ['-n', '10', python, '-m', 'cola_trainer', 'train', ...diagnosticsTrainArgs,
    '--data-dir', colaDir(), '--output-dir', dir], { cwd: repoRoot, env: trainerEnv(), stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (r.status !== 0 || !existsSync(path.join(dir, 'cola-bert.json'))) {
    throw new Error(`training the diagnostics model failed (exit ${r.status ?? r.error?.message}); last lines of ${logFile}:\n` +
      readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n'));
  }
  const meta = JSON.parse(readFileSync(path.join(dir, 'cola-bert.json'), 'utf8'));
  log(`diagnostics model ready in ${((Date.now() - t0) / 1000).toFixed(0)} s, holdout MCC ${meta.metrics?.holdout?.mcc?.toFixed?.(3)}`);
  return dir;
}

/** A tiny random BERT folder (base model for the panel's training run), made by the trainer's test helper. */
export function makeTinyModel(dir: string): string {
  const r = spawnSync(python, [path.join(repoRoot, 'trainer', 'tests', 'tiny_model.py'), dir],
    { cwd: repoRoot, env: trainerEnv(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`trainer/tests/tiny_model.py ${dir} exited with ${r.status}:\n${r.stderr}`);
  return dir;
}

/** A CoLA folder holding the first `train` rows of in_domain_train.tsv and `holdout` of out_of_domain_dev.tsv. */
export function smallCola(dir: string, train: number, holdout: number): string {
  const src = colaDir();
  mkdirSync(dir, { recursive: true });
  const head = (file: string, n: number) => readFileSync(path.join(src, file), 'utf8').split('\n').filter(Boolean).slice(0, n).join('\n') + '\n';
  for (const [file, n] of [['in_domain_train.tsv', train], ['out_of_domain_dev.tsv', holdout]] as const) {
    const tmp = path.join(dir, `${file}.tmp`);
    writeFileSync(tmp, head(file, n));
    renameSync(tmp, path.join(dir, file));
  }
  return dir;
}

export interface CheckedSentence {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
  pAcceptable: number;
  flagged: boolean;
}

/** `cola-bert check --all --json`: the same extraction and inference as the editor, from the CLI. */
export function cliCheck(file: string, model: string): CheckedSentence[] {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'check', file, '--model', model, '--all', '--json',
    '--threshold', String(fixtureThreshold)],
    // A model load and a pass over a small file: seconds idle, minutes on a CPU shared with other work.
    { cwd: repoRoot, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`cola-bert check exited with ${r.status}:\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as { files: { path: string; sentences: CheckedSentence[] }[] };
  return out.files[0].sentences;
}

export function removeQuietly(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
