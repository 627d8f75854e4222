// One installer: `npm run setup` and "Set up training environment" take their steps from
// src/core/pythonInstall.mjs, and trainer/requirements.txt is the only place the torch version is written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CPU_TORCH_INDEX, pipInstallSteps, torchIndexArgs, torchRequirement } from '../../src/core/pythonInstall.mjs';
import { repoRoot } from './helpers/python';

const requirements = path.join(repoRoot, 'trainer', 'requirements.txt');
const read = (rel: string) => readFileSync(path.join(repoRoot, rel), 'utf8');

describe('python installer (one list, one torch pin, one CPU-index choice)', () => {
  it('the torch pin is written only in trainer/requirements.txt (pyproject.toml repeats it, checked equal)', () => {
    const pin = torchRequirement(requirements);
    assert.match(pin, /^torch==\d+\.\d+\.\d+$/);
    const files = execFileSync('git', ['ls-files', 'src', 'scripts', 'trainer/cola_trainer', 'webview', 'protocol'], { cwd: repoRoot, encoding: 'utf8' }).trim().split('\n');
    const copies = files.filter((f) => /torch\s*==\s*\d/.test(read(f)));
    assert.deepEqual(copies, []);
    assert.ok(read('trainer/pyproject.toml').includes(`"${pin}"`), `trainer/pyproject.toml must pin ${pin} too`);
  });

  it('npm run setup and the extension run the same steps', () => {
    for (const file of ['scripts/setup.mjs', 'src/panel/trainingEnvironment.ts']) {
      const source = read(file);
      assert.match(source, /pipInstallSteps\(/, file);
      assert.match(source, /torchIndexArgs\(\)/, file);
    }
  });

  it('installs torch alone first (with the index arguments), then the requirement files', () => {
    const steps = pipInstallSteps({ requirementsFile: requirements, extra: ['dev.txt'], indexArgs: ['--extra-index-url', 'X'] });
    assert.equal(steps.length, 2);
    assert.deepEqual(steps[0].args.slice(-3), ['--extra-index-url', 'X', torchRequirement(requirements)]);
    assert.deepEqual(steps[1].args.slice(-4), ['-r', requirements, '-r', 'dev.txt']);
    assert.ok(!steps[1].args.includes('--extra-index-url'));
  });

  it('takes torch from the CPU index only on GPU-less Linux, without a configured pip index, when it answers', async () => {
    const yes = async () => true;
    const no = async () => false;
    const noGpu = { PATH: '' };
    assert.deepEqual(await torchIndexArgs({ platform: 'linux', env: noGpu, isReachable: yes }), ['--extra-index-url', CPU_TORCH_INDEX]);
    assert.deepEqual(await torchIndexArgs({ platform: 'linux', env: noGpu, isReachable: no }), []);
    assert.deepEqual(await torchIndexArgs({ platform: 'darwin', env: noGpu, isReachable: yes }), []);
    assert.deepEqual(await torchIndexArgs({ platform: 'linux', env: { ...noGpu, PIP_INDEX_URL: 'http://mirror' }, isReachable: yes }), []);
  });
});
