// Issue 14: modules lying in the working folder must never be imported by the Pythons we start (an onnx.py
// where `cola-bert train` runs was executed). Real interpreter, real trainer; the planted modules only
// leave a marker file behind when they run.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkPython } from '../../src/core/pythonEnv';
import { probeEnvironment, startTraining, TrainerRunError } from '../../src/core/trainerClient';
import { requirePython, trainerDir } from './helpers/python';

describe('Python started in a folder holding look-alike modules', function () {
  this.timeout(120_000);
  const python = { python: requirePython() };
  let cwd: string;
  let marker: string;

  beforeEach(() => {
    cwd = mkdtempSync(path.join(os.tmpdir(), 'cola-planted-'));
    marker = path.join(cwd, 'EXECUTED');
    for (const name of ['onnx', 'torch', 'json', 'runpy']) {
      writeFileSync(path.join(cwd, `${name}.py`), `open(${JSON.stringify(marker)}, "a").write("${name}\\n")\n`);
    }
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const executed = () => (existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n') : []);

  it('train: the trainer imports the real packages, not the planted ones', async () => {
    const run = startTraining(python, { epochs: 0 }, { trainerDir, cwd });
    const error = await run.result.then(
      () => assert.fail('a run with --epochs 0 must fail'),
      (e: unknown) => e as TrainerRunError,
    );
    assert.equal(error.code, 'bad_arguments', error.message);
    assert.ok(run.events.some((e) => e.event === 'environment'), 'torch was imported (the environment event) before the arguments were checked');
    assert.deepEqual(executed(), []);
  });

  it('the environment probe', async () => {
    const env = await probeEnvironment(python, { trainerDir, cwd });
    assert.match(env.torch, /^\d/);
    assert.deepEqual(executed(), []);
  });

  it('the interpreter check, whatever folder the host is in', async () => {
    const before = process.cwd();
    process.chdir(cwd);
    try {
      const check = await checkPython(python.python);
      assert.deepEqual(Object.keys(check.missing), []);
    } finally {
      process.chdir(before);
    }
    assert.deepEqual(executed(), []);
  });
});
