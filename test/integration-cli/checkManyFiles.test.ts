// Issue 17: `cola-bert check` over a few hundred files with long paths died with SIGSEGV inside onnxruntime.
// onnxruntime-node's telemetry read /proc/self/cmdline when the first session was created, with a recursion
// per character, in a worker thread with a 4 MB stack: the crash depended on the length of the command line
// only. So this runs the built CLI as its own process, with a long command line: 1,000 files in a deep
// folder with long names, with the int8 and the fp32 model.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckReport } from '../../src/cli/check';
import { repoRoot } from '../unit/helpers/python';
import { tinyModel } from '../unit/helpers/tinyModel';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const FILES = 1_000;

describe('cola-bert check on 1,000 files with long paths (issue 17)', function () {
  this.timeout(300_000);
  let tmp: string;
  let files: string[];
  let model: string;

  before(() => {
    const build = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(build.status, 0, `build failed: ${build.stderr}`);
    model = tinyModel();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-check-many-'));
    const deep = path.join(tmp, ...['project-documentation-sources', 'chapter-folders-with-long-names', 'section-by-section-drafts-for-review'].map((d) => `${d}-0123456789`));
    mkdirSync(deep, { recursive: true });
    files = Array.from({ length: FILES }, (_, i) => {
      const file = path.join(deep, `notes-about-a-topic-that-needs-a-descriptive-name-${String(i).padStart(4, '0')}.md`);
      writeFileSync(file, `# Note ${i}\n\nThe cat number ${i} sat on the mat. Him go to the store number ${i}.\n`);
      return file;
    });
  });
  after(() => tmp && rmSync(tmp, { recursive: true, force: true }));

  for (const fp32 of [false, true]) {
    it(`checks every file and exits normally (${fp32 ? 'fp32' : 'int8'} model)`, () => {
      const argv = [cli, 'check', ...files, '--model', model, '--json', '--all', ...(fp32 ? ['--fp32'] : [])];
      const length = argv.reduce((n, a) => n + a.length + 1, 0);
      // Before the fix the worker's stack overflowed from about 14,500 characters of command line on.
      assert.ok(length > 150_000, `command line of ${length} characters`);
      // The variable is what the fix sets; a value from the caller's environment would hide a regression.
      const env = { ...process.env };
      delete env.ORT_DISABLE_TELEMETRY;
      const started = Date.now();
      const r = spawnSync(process.execPath, argv, { cwd: repoRoot, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
      assert.equal(r.signal, null, `killed by ${r.signal}; stderr: ${r.stderr.slice(-2000)}`);
      assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr.slice(-2000)}`);
      // The telemetry client left an empty /tmp/mat-debug-PID.log behind on every run; it no longer starts. PIDs are
      // reused (pid_max is often 32768), so a file an earlier process with this PID left behind is not this run's:
      // only one written since the spawn counts.
      const debugLog = `/tmp/mat-debug-${r.pid}.log`;
      if (process.platform === 'linux') assert.ok(!existsSync(debugLog) || statSync(debugLog).mtimeMs < started, 'onnxruntime telemetry started');
      const report = JSON.parse(r.stdout) as CheckReport;
      assert.equal(report.files.length, FILES);
      for (const [i, f] of report.files.entries()) {
        assert.equal(f.path, files[i]);
        assert.equal(f.error, undefined);
        assert.deepEqual(
          f.sentences.map((s) => s.text),
          [`The cat number ${i} sat on the mat.`, `Him go to the store number ${i}.`],
        );
      }
    });
  }
});
