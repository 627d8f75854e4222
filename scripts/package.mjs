// `npm run package [-- --target T] [-- --out FILE] [-- --no-build]`: a platform-specific VSIX.
// The npm package onnxruntime-node carries native binaries for every platform (~290 MB); a VSIX
// for one target carries only that target's. What goes in is the allow-list in .vscodeignore plus
// one line added here for the target's binary folder. After packaging, the archive's listing is
// checked (exactly one native binding, the right one; no tests, sources, dev dependencies).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { listZip } from './zip-list.mjs';

// fileURLToPath, not URL.pathname: the latter keeps %20 and %C3%A9 in folder names (and gives /C:/… on Windows).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** vsce target → onnxruntime-node binary folder (bin/napi-v6/<platform>/<arch>). */
const ortFolders = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
  'darwin-arm64': 'darwin/arm64',
};

function fail(msg) {
  console.error(`[package] ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  console.log(`[package] ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) fail(`could not start ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

/** Builds the VSIX and returns its path. */
export function packageVsix({ target = 'linux-x64', out, build = true } = {}) {
  const ortFolder = ortFolders[target];
  if (!ortFolder) {
    fail(`no onnxruntime-node binary for target "${target}". onnxruntime-node 1.30 ships: ${Object.keys(ortFolders).join(', ')} ` +
      '(darwin-x64, alpine-* and linux-armhf are not among them).');
  }
  const ortDir = path.join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', ortFolder);
  if (!existsSync(path.join(ortDir, 'onnxruntime_binding.node'))) fail(`${ortDir} has no onnxruntime_binding.node: run npm run setup`);

  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsix = path.resolve(out ?? path.join(root, `${manifest.name}-${manifest.version}-${target}.vsix`));

  mkdirSync(path.dirname(vsix), { recursive: true });
  if (build) run(process.execPath, ['scripts/build.mjs', '--production']);
  for (const f of ['dist/extension.js', 'dist/inferenceWorker.js']) if (!existsSync(path.join(root, f))) fail(`${f} is missing after the build`);

  // vsce globs its whole working folder before applying .vscodeignore; at the repository root that
  // means .venv and .cache (hundreds of thousands of files, minutes). So it runs in a staging folder
  // holding only candidate files; .vscodeignore still decides what goes in.
  const stage = path.join(root, '.cache', 'package', `stage-${target}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const copy = (rel, filter) => {
    const from = path.join(root, rel);
    if (existsSync(from)) cpSync(from, path.join(stage, rel), { recursive: true, filter: filter ? (src) => filter(path.relative(root, src)) : undefined });
  };
  for (const rel of ['dist', 'media', 'docs/editor.md', 'README.md', 'LICENSE', 'CHANGELOG.md', 'trainer/cola_trainer', 'trainer/requirements.txt', 'trainer/pyproject.toml']) {
    copy(rel, (f) => !f.includes('__pycache__'));
  }
  const otherPlatforms = (f) => !/^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/[^/]+\/[^/]+/.test(f) ||
    f.startsWith(`node_modules/onnxruntime-node/bin/napi-v6/${ortFolder}`);
  copy('node_modules/onnxruntime-node', otherPlatforms);
  copy('node_modules/onnxruntime-common');
  // Runtime dependencies are what the bundle leaves external (onnxruntime-node, see scripts/build.mjs);
  // the rest is bundled. onnxruntime-node's own adm-zip and global-agent serve its install script only.
  const staged = { ...manifest, dependencies: { 'onnxruntime-node': manifest.dependencies['onnxruntime-node'] } };
  delete staged.devDependencies;
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
  const ortManifest = path.join(stage, 'node_modules', 'onnxruntime-node', 'package.json');
  const ort = JSON.parse(readFileSync(ortManifest, 'utf8'));
  ort.dependencies = { 'onnxruntime-common': ort.dependencies['onnxruntime-common'] };
  writeFileSync(ortManifest, `${JSON.stringify(ort, null, 2)}\n`);
  const ignoreFile = path.join(root, '.cache', 'package', `vscodeignore-${target}`);
  writeFileSync(ignoreFile, `${readFileSync(path.join(root, '.vscodeignore'), 'utf8')}\n!node_modules/onnxruntime-node/bin/napi-v6/${ortFolder}/*\n`);

  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = [vsce, 'package', '--target', target, '--out', vsix, '--ignoreFile', ignoreFile,
    '--allow-missing-repository', '--no-rewrite-relative-links'];
  if (!existsSync(path.join(root, 'LICENSE'))) args.push('--skip-license');
  // stdin closed: vsce never waits on a y/N prompt in CI.
  run(process.execPath, args, { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'] });

  verify(vsix, ortFolder);
  return vsix;
}

function verify(vsix, ortFolder) {
  const names = listZip(vsix).map((e) => e.name);
  const problems = [];
  const bindings = names.filter((n) => n.endsWith('onnxruntime_binding.node'));
  const want = `extension/node_modules/onnxruntime-node/bin/napi-v6/${ortFolder}/onnxruntime_binding.node`;
  if (bindings.length !== 1 || bindings[0] !== want) problems.push(`native bindings: ${JSON.stringify(bindings)}, expected only ${want}`);
  // Every bundle scripts/build.mjs wrote except the developer benchmark.
  const bundles = readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.js') && !f.startsWith('bench-')).map((f) => `extension/dist/${f}`);
  for (const required of ['extension/package.json', ...bundles,
    'extension/node_modules/onnxruntime-node/dist/index.js', 'extension/node_modules/onnxruntime-common/dist/cjs/index.js']) {
    if (!names.includes(required)) problems.push(`missing ${required}`);
  }
  const forbidden = /^extension\/(test|src|webview|scripts|bench|dist\/bench-|\.venv|\.cache|models|trainer\/tests|node_modules\/(?!onnxruntime-(node|common)\/))|\.map$|\.ts$/;
  const leaked = names.filter((n) => forbidden.test(n));
  if (leaked.length) problems.push(`files that do not belong in the VSIX: ${leaked.slice(0, 10).join(', ')}${leaked.length > 10 ? ` (+${leaked.length - 10})` : ''}`);
  if (problems.length) fail(`${vsix} failed its check:\n  ${problems.join('\n  ')}`);
  const mb = (statSync(vsix).size / 1024 / 1024).toFixed(1);
  console.log(`[package] ${path.relative(process.cwd(), vsix) || vsix}: ${mb} MB, ${names.length} files, onnxruntime binary for ${ortFolder} only`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: { target: { type: 'string' }, out: { type: 'string' }, 'no-build': { type: 'boolean', default: false } },
  });
  packageVsix({ target: values.target ?? 'linux-x64', out: values.out, build: !values['no-build'] });
}
