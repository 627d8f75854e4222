import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkPython, findPython, PythonEnvError, pythonCandidates, venvPython, whichOnPath } from '../../src/core/pythonEnv';
import { repoRoot, requirePython } from './helpers/python';

describe('pythonEnv', function () {
  this.timeout(120_000);
  let tmp: string;
  let bareVenvParent: string;
  let binDir: string;
  const system = whichOnPath('python3');

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-pyenv-'));
    // A "workspace" whose .venv is a real interpreter without torch (the system Python 3).
    bareVenvParent = path.join(tmp, 'workspace');
    mkdirSync(path.join(bareVenvParent, '.venv', 'bin'), { recursive: true });
    if (system) symlinkSync(system, venvPython(path.join(bareVenvParent, '.venv')));
    binDir = path.join(tmp, 'bin');
    mkdirSync(binDir);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('candidates come in order: setting, extension venv, workspace .venv, PATH', () => {
    const c = pythonCandidates({
      trusted: true,
      setting: '/custom/python',
      extensionVenv: path.join(repoRoot, '.venv'),
      workspaceFolders: [bareVenvParent],
      env: { PATH: path.dirname(system ?? '/usr/bin/python3') },
    });
    const sources = c.map((x) => x.source);
    assert.deepEqual(sources.slice(0, 3), ['setting', 'extension', 'workspace']);
    if (system) assert.ok(sources.length > 3 && sources.slice(3).every((s) => s === 'path'), sources.join(', '));
    assert.equal(c[0].python, '/custom/python');
    assert.equal(c[1].python, requirePython());
  });

  it('an untrusted workspace contributes neither its .venv nor its setting', () => {
    const c = pythonCandidates({ trusted: false, setting: '/ws/python', settingFromWorkspace: true, workspaceFolders: [bareVenvParent], searchPath: false });
    assert.deepEqual(c, []);
    const user = pythonCandidates({ trusted: false, setting: '/user/python', settingFromWorkspace: false, searchPath: false });
    assert.deepEqual(user, [{ python: '/user/python', source: 'setting' }]);
  });

  it('whichOnPath finds executables without a shell', () => {
    const f = path.join(binDir, 'fakepython');
    writeFileSync(f, '#!/bin/sh\n');
    chmodSync(f, 0o755);
    assert.equal(whichOnPath('fakepython', { PATH: `/nonexistent${path.delimiter}${binDir}` }), f);
    assert.equal(whichOnPath('fakepython', { PATH: '/nonexistent' }), null);
  });

  it('checkPython imports torch, transformers, onnx and onnxruntime in the project .venv', async () => {
    const c = await checkPython(requirePython());
    assert.match(c.packages.torch ?? '', /^2\.13\.0/);
    assert.ok(c.packages.transformers && c.packages.onnx && c.packages.onnxruntime);
    assert.deepEqual(c.missing, {});
  });

  it('the quick check (importCheck: false) locates the same packages without importing them', async () => {
    const quick = await checkPython(requirePython(), { importCheck: false });
    assert.match(quick.packages.torch ?? '', /^2\.13\.0/);
    assert.deepEqual(Object.keys(quick.packages).sort(), ['onnx', 'onnxruntime', 'torch', 'transformers']);
    if (system) {
      const bare = await checkPython(system, { importCheck: false });
      assert.match(bare.missing.torch ?? '', /No module named 'torch'/);
    }
  });

  it('findPython returns the first interpreter that has everything', async () => {
    const env = await findPython({ trusted: true, workspaceFolders: [bareVenvParent, repoRoot], searchPath: false });
    assert.equal(env.python, requirePython());
    assert.equal(env.source, 'workspace');
    assert.match(env.packages.torch, /^2\.13\.0/);
  });

  it('without a usable interpreter the error names the missing packages and the fixes', async function () {
    if (!system) this.skip();
    const e = await findPython({ trusted: true, workspaceFolders: [bareVenvParent], searchPath: false }).then(
      () => assert.fail('expected an error'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof PythonEnvError);
    assert.ok(e.missing.includes('torch'), `missing: ${e.missing}`);
    assert.match(e.message, /needs torch.*Tried:.*ModuleNotFoundError.*npm run setup.*Set up training environment.*pip install torch==2\.13\.0/s);
  });

  it('an explicit setting is final: when broken it is reported, with no silent fall-back', async () => {
    const e = await findPython({ trusted: true, setting: path.join(tmp, 'no-python'), workspaceFolders: [repoRoot], searchPath: false }).then(
      () => assert.fail('expected an error'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof PythonEnvError);
    assert.match(e.message, /no-python \(from the cola-bert\.pythonPath setting\): .*does not exist/);
    assert.equal(e.tried.length, 1);
  });

  it('the CLI names where the interpreter came from, and never suggests `<not-python> -m pip`', async () => {
    const e = await findPython({ trusted: true, setting: '/etc/passwd', settingLabel: '$COLA_BERT_PYTHON', searchPath: false }).then(
      () => assert.fail('expected an error'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof PythonEnvError);
    assert.match(e.message, /\/etc\/passwd \(from \$COLA_BERT_PYTHON\): /);
    assert.match(e.message, /`python3 -m pip install torch==2\.13\.0 transformers onnx onnxruntime` \(or point \$COLA_BERT_PYTHON at an interpreter that has them\)/);
    assert.doesNotMatch(e.message, /\/etc\/passwd -m pip/);
  });

  it('a wrapper whose background job keeps the pipes open does not hold the check', async () => {
    const f = path.join(binDir, 'bg-python');
    writeFileSync(f, `#!/bin/sh\nsleep 20 &\nexec ${requirePython()} "$@"\n`);
    chmodSync(f, 0o755);
    const t0 = Date.now();
    const check = await checkPython(f, { importCheck: false });
    assert.ok(check.version.startsWith('3.'));
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
  });

  it('something that is not Python is reported as such', async () => {
    const f = path.join(binDir, 'notpython');
    writeFileSync(f, '#!/bin/sh\necho hello\nexit 3\n');
    chmodSync(f, 0o755);
    await assert.rejects(checkPython(f), /not a working Python 3 \(exit code 3\)/);
  });

  it('no candidates at all says so', async () => {
    await assert.rejects(findPython({ trusted: true, searchPath: false }), /No Python interpreter found/);
  });
});
