// `npm test`: setup, build, then every suite in order. Each suite is one entry below.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const env = { ...process.env, COLA_DIR: process.env.COLA_DIR || path.resolve(root, '..', 'shared', 'datasets', 'cola', 'raw') };

const suites = [
  ['setup', 'npm', ['run', 'setup']],
  ['build', 'npm', ['run', 'build']],
  ['unit (TypeScript core, mocha)', 'npm', ['run', 'test:unit']],
  ['trainer (pytest)', 'npm', ['run', 'test:python']],
  ['CLI integration', 'npm', ['run', 'test:cli']],
  ['webview (headless Chromium)', 'npm', ['run', 'test:webview']],
  ['integration (@vscode/test-electron)', 'npm', ['run', 'test:integration']],
  ['integration suite in code-server\'s extension host', 'npm', ['run', 'test:integration:code-server']],
  ['e2e (real workbench: code-server + Chromium)', 'npm', ['run', 'test:e2e']],
];

const results = [];
for (const [name, cmd, args] of suites) {
  const t0 = Date.now();
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env });
  const ok = r.status === 0;
  results.push({ name, ok, seconds: (Date.now() - t0) / 1000 });
  if (!ok) break;
}
console.log('\n=== summary ===');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(1)} s)`);
const failed = results.filter((r) => !r.ok).length + (suites.length - results.length);
console.log(`${results.filter((r) => r.ok).length} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
