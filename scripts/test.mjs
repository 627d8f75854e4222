// `npm test`: setup, build, then every suite in order, each run even when an earlier one failed. Each suite is one entry below.
// CoLA comes from $COLA_DIR (the `raw` folder of the release), else ../shared/datasets/cola/raw beside the
// checkout (this project's CI), else the official release fetched once into .cache/cola (checked by SHA-256).
// A suite that exits with SKIPPED (77, as automake does) is reported as skipped, not as passed.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { colaDir } from './cola.mjs';
import { e2eUnsupported } from './e2e-install.mjs';
import { npmCommand as npm } from './npm.mjs';
import { summarize } from './test-summary.mjs';

// fileURLToPath, not URL.pathname: the latter keeps %20 and %C3%A9 in folder names (and gives /C:/… on Windows).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SKIPPED = 77;

/** Suites that drive code-server (Linux x64 builds): skipped up front elsewhere, so none counts as passed. */
const WORKBENCH_SUITES = new Set(["integration suite in code-server's extension host", 'e2e (real workbench: code-server + Chromium)']);

/** Suites the rest need: the run stops when one fails. Any other failing suite lets the later ones run. */
const PREREQUISITES = new Set(['setup', 'build']);

const suites = [
  ['setup', ...npm(['run', 'setup'])],
  ['build', ...npm(['run', 'build'])],
  ['lint (typescript-eslint, ruff)', ...npm(['run', 'lint'])],
  ['unit (TypeScript core, mocha)', ...npm(['run', 'test:unit'])],
  ['trainer (pytest)', ...npm(['run', 'test:python'])],
  ['CLI integration', ...npm(['run', 'test:cli'])],
  ['webview (headless Chromium)', ...npm(['run', 'test:webview'])],
  ['integration (@vscode/test-electron)', ...npm(['run', 'test:integration'])],
  ['integration suite in code-server\'s extension host', ...npm(['run', 'test:integration:code-server'])],
  ['e2e (real workbench: code-server + Chromium)', ...npm(['run', 'test:e2e'])],
];

const results = [];
let stopReason;
let env = process.env;
for (const [name, cmd, args] of suites) {
  // After setup: the .venv that can fetch CoLA exists.
  if (name === 'build') {
    const cola = colaDir();
    if (!cola) {
      stopReason = 'CoLA could not be fetched';
      break;
    }
    env = { ...process.env, COLA_DIR: cola };
  }
  const t0 = Date.now();
  console.log(`\n=== ${name} ===`);
  const unsupported = WORKBENCH_SUITES.has(name) ? e2eUnsupported() : null;
  if (unsupported) {
    console.log(`SKIPPED: ${unsupported}`);
    results.push({ name, status: 'skipped', seconds: 0, why: unsupported });
    continue;
  }
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env });
  const status = r.status === 0 ? 'ok' : r.status === SKIPPED ? 'skipped' : 'FAIL';
  if (r.error) console.error(`could not start ${cmd}: ${r.error.message}`);
  const why = r.error ? `could not start ${cmd}` : r.signal ? `ended by ${r.signal}` : status === 'FAIL' ? `exit ${r.status}` : undefined;
  results.push({ name, status, seconds: (Date.now() - t0) / 1000, why });
  // Without setup or build nothing else can run; a failing suite, though, should not hide the others' results.
  if (status === 'FAIL' && PREREQUISITES.has(name)) break;
}
console.log('\n=== summary ===');
const summary = summarize(suites.map(([name]) => name), results, stopReason);
for (const line of summary.lines) console.log(line);
process.exit(summary.exitCode);
