// Runs the project's Python (.venv, created by `npm run setup`) with the given arguments, without a shell.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not URL.pathname: the latter keeps %20 and %C3%A9 in folder names (and gives /C:/… on Windows).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = process.platform === 'win32' ? path.join(root, '.venv', 'Scripts', 'python.exe') : path.join(root, '.venv', 'bin', 'python');
if (!existsSync(python)) {
  console.error(`No Python environment at ${path.dirname(path.dirname(python))}. Run \`npm run setup\` first.`);
  process.exit(2);
}
const env = { ...process.env, PYTHONPATH: [path.join(root, 'trainer'), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
const r = spawnSync(python, process.argv.slice(2), { stdio: 'inherit', env, cwd: root });
process.exit(r.status ?? 1);
