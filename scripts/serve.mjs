// `npm run serve [-- --port N] [-- --model DIR] [-- --folder DIR]`: try cola-bert without VS Code
// desktop. Builds and packages the extension (npm run package), installs the VSIX into a code-server
// profile kept in .cache/serve/, and serves a sample workspace on 127.0.0.1 (no password: loopback
// only; from another machine use `ssh -L PORT:127.0.0.1:PORT host`). Ctrl+C stops it.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureE2eTools } from './e2e-install.mjs';
import { packageVsix } from './package.mjs';

// fileURLToPath, not URL.pathname: the latter keeps %20 and %C3%A9 in folder names (and gives /C:/… on Windows).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    model: { type: 'string' },
    folder: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`[serve] --port must be a TCP port number, got ${values.port}`);
  process.exit(2);
}
if (values.model && !existsSync(path.join(values.model, 'cola-bert.json'))) {
  console.error(`[serve] --model ${values.model} is not an exported cola-bert model folder (no cola-bert.json)`);
  process.exit(2);
}

const tools = ensureE2eTools();
const serveDir = path.join(root, '.cache', 'serve');
const vsix = packageVsix({ target: 'linux-x64', out: path.join(serveDir, 'cola-bert-linux-x64.vsix'), build: !values['no-build'] });

// A profile that survives restarts (settings, trained models in global storage), XDG folders inside it.
const dirs = Object.fromEntries(['user-data', 'extensions', 'xdg-config', 'xdg-data', 'xdg-cache'].map((d) => {
  const full = path.join(serveDir, 'profile', d);
  mkdirSync(full, { recursive: true });
  return [d, full];
}));
const env = {
  ...process.env,
  PATH: `${tools.nodeBinDir}${path.delimiter}${process.env.PATH}`,
  XDG_CONFIG_HOME: dirs['xdg-config'],
  XDG_DATA_HOME: dirs['xdg-data'],
  XDG_CACHE_HOME: dirs['xdg-cache'],
};

// User settings for the workbench; cola-bert's settings are machine-overridable, and a code-server
// window (a remote window, as over Remote-SSH) reads those from the remote machine's settings.
const readJson = (file, fallback) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : fallback);
const userSettingsFile = path.join(dirs['user-data'], 'User', 'settings.json');
const machineSettingsFile = path.join(dirs['user-data'], 'Machine', 'settings.json');
mkdirSync(path.dirname(userSettingsFile), { recursive: true });
mkdirSync(path.dirname(machineSettingsFile), { recursive: true });
// A first look shows the product: no welcome page, and no chat side bar taking a fifth of the window.
// Keys the user already set in this profile are kept.
const userDefaults = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  // The sample workspace lives inside this repository's .cache/: no prompt to open the enclosing repository.
  'git.openRepositoryInParentFolders': 'never',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
};
writeFileSync(userSettingsFile, JSON.stringify({ ...userDefaults, ...readJson(userSettingsFile, {}) }, null, 2));
const machine = readJson(machineSettingsFile, {});
const venvPython = path.join(root, '.venv', 'bin', 'python');
if (!machine['cola-bert.pythonPath'] && existsSync(venvPython)) machine['cola-bert.pythonPath'] = venvPython;
if (values.model) machine['cola-bert.modelPath'] = path.resolve(values.model);
writeFileSync(machineSettingsFile, JSON.stringify(machine, null, 2));

const install = spawnSync(tools.codeServer, ['--user-data-dir', dirs['user-data'], '--extensions-dir', dirs.extensions,
  '--install-extension', vsix, '--force'], { env, stdio: 'inherit' });
if (install.status !== 0) {
  console.error('[serve] installing the VSIX into code-server failed');
  process.exit(1);
}

const folder = values.folder ? path.resolve(values.folder) : path.join(serveDir, 'workspace');
if (!values.folder && !existsSync(folder)) cpSync(path.join(root, 'test', 'e2e', 'fixture-workspace'), folder, { recursive: true });

// The sample workspace is our own files, so it opens trusted (Restricted Mode would hide what cola-bert does);
// a folder the user names with --folder gets the workbench's normal trust prompt.
const trust = values.folder ? [] : ['--disable-workspace-trust'];
const child = spawn(tools.codeServer, ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
  '--disable-update-check', '--disable-getting-started-override', ...trust, '--user-data-dir', dirs['user-data'],
  '--extensions-dir', dirs.extensions, folder], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
child.stdout.on('data', (chunk) => process.stdout.write(chunk));

const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
for (let i = 0; i < 300; i++) {
  if (child.exitCode !== null) break;
  const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
  if (ok) {
    console.log(`\n[serve] cola-bert in code-server: ${url}`);
    console.log(`[serve] workspace ${folder}; profile ${path.join(serveDir, 'profile')}. Ctrl+C stops it.`);
    break;
  }
  await new Promise((r) => setTimeout(r, 200));
}
const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code, signal) => process.exit(signal ? 0 : code ?? 0));
