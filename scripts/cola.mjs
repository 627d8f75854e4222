// Where `npm test` and `npm run demo` find CoLA: one lookup for both, so the README's main command works
// wherever its test command does. $COLA_DIR (the `raw` folder of the release) wins, then
// ../shared/datasets/cola/raw beside the checkout (this project's CI), then the official release fetched once
// into .cache/cola (checked by SHA-256). Needs the .venv (run after setup).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The CoLA raw/ folder, or undefined when it could not be fetched (the message is printed). */
export function colaDir(env = process.env) {
  if (env.COLA_DIR) return env.COLA_DIR;
  const shared = path.resolve(root, '..', 'shared', 'datasets', 'cola', 'raw');
  if (existsSync(path.join(shared, 'in_domain_train.tsv'))) return shared;
  const release = path.join(root, '.cache', 'cola');
  if (existsSync(path.join(release, 'raw', 'in_domain_train.tsv'))) return path.join(release, 'raw');
  console.log(`\n=== CoLA: no $COLA_DIR and no ${shared}; fetching the official release into ${release} ===`);
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-python.mjs'), '-m', 'cola_trainer', 'fetch-cola', release], { stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
  if (r.status !== 0) {
    console.error(`Could not fetch CoLA (exit ${r.status}). Set COLA_DIR to the raw/ folder of an unzipped cola_public_1.1.zip (it must have tokenized/ beside it).`);
    return undefined;
  }
  return path.join(release, 'raw');
}
