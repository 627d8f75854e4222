import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureWarmup, probeEnvironment, startTraining, trainArgs, TrainerRunError, type RunResult, type TrainerProcessOptions } from '../../src/core/trainerClient';
import type { TrainerEvent } from '../../protocol/trainerProtocol';
import { optionKey, TRAIN_ARG_SPECS } from '../../protocol/trainArgs';
import { colaDir, repoRoot, requirePython, trainerDir } from './helpers/python';

const fakeTrainerDir = path.join(repoRoot, 'test', 'fixtures', 'fake_trainer');

async function failure(p: Promise<RunResult>): Promise<TrainerRunError> {
  try {
    const r = await p;
    assert.fail(`expected a failure, got ${JSON.stringify(r)}`);
  } catch (e) {
    assert.ok(e instanceof TrainerRunError, `expected TrainerRunError, got ${e}`);
    return e;
  }
}

describe('trainerClient', function () {
  this.timeout(60_000);
  const python = { python: requirePython() };

  it('trainArgs maps every option to the trainer flag', () => {
    assert.deepEqual(
      trainArgs({
        model: 'm', dataDir: '/d', outputDir: '/o', epochs: 2, batchSize: 16, learningRate: 3e-5, warmupRatio: 0.06, maxLength: 64, seed: 7,
        device: 'cpu', precision: 'bf16', maxTrain: 300, maxEval: 50, resume: true, noInt8: true,
      }),
      [
        '--model', 'm', '--max-length', '64', '--data-dir', '/d', '--max-train', '300', '--max-eval', '50', '--output-dir', '/o', '--epochs', '2', '--batch-size', '16',
        '--learning-rate', '0.00003', '--warmup-ratio', '0.06', '--seed', '7', '--device', 'cpu', '--precision', 'bf16', '--resume', '--no-int8',
      ],
    );
    assert.deepEqual(trainArgs({}), []);
  });

  it("trainArgs builds argv that the trainer's own parser reads back as the same values, for every described option", () => {
    const options: Record<string, string | number | boolean> = {};
    for (const s of TRAIN_ARG_SPECS) {
      const valid = s.type === 'bool' ? true : s.choices ? s.choices[s.choices.length - 1] : s.type === 'string' ? (s.example ?? `v-${s.name}`) : (s.minimum ?? (s.exclusiveMinimum ?? 0) + 0.25);
      options[optionKey(s.name)] = valid;
    }
    const script = 'import json, sys\nfrom cola_trainer.args import parse_train_args\na = parse_train_args(sys.argv[1:]).as_dict()\nprint(json.dumps({k: v for g in a.values() for k, v in g.items()}))';
    const r = spawnSync(python.python, ['-c', script, ...trainArgs(options)], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: trainerDir } });
    assert.equal(r.status, 0, r.stderr);
    const parsed = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const s of TRAIN_ARG_SPECS) assert.deepEqual(parsed[s.name], options[optionKey(s.name)], s.name);
  });

  describe('against a scripted trainer process', () => {
    function run(scenario: string, extra: Partial<TrainerProcessOptions> = {}) {
      const logs: string[] = [];
      const r = startTraining(python, { model: 'tiny', epochs: 1, dataDir: '/data dir/with space' }, {
        trainerDir: fakeTrainerDir,
        env: { ...process.env, FAKE_TRAINER_SCENARIO: scenario },
        logger: (l) => logs.push(l),
        ...extra,
      });
      return { r, logs };
    }

    it('delivers every event typed and in order, with the exact line, and resolves with done', async () => {
      const { r, logs } = run('ok');
      const seen: TrainerEvent[] = [];
      const lines: string[] = [];
      r.onEvent((e, line) => {
        seen.push(e);
        lines.push(line);
      });
      const result = await r.result;
      assert.deepEqual(
        seen.map((e) => e.event),
        ['started', 'step', 'step', 'evaluation', 'holdout', 'exported', 'done'],
      );
      assert.equal(result.status, 'done');
      if (result.status !== 'done') return;
      assert.equal(result.exitCode, 0);
      assert.equal(result.holdout?.mcc, 0.5);
      assert.equal(result.exported?.onnx_int8, 'model.int8.onnx');
      assert.equal(result.started?.device_name, 'Fake CPU');
      assert.deepEqual(JSON.parse(lines[0]), seen[0]);
      assert.deepEqual(r.events, seen);
      // No shell: the space inside the argument arrives intact; PYTHONPATH starts with the trainer folder.
      const argv = logs.find((l) => l.startsWith('argv '));
      assert.deepEqual(JSON.parse(argv!.slice(5)), ['train', '--model', 'tiny', '--data-dir', '/data dir/with space', '--epochs', '1']);
      assert.ok(logs.some((l) => l.startsWith(`pythonpath ${fakeTrainerDir}`)));
    });

    it('a disposed listener gets no more events', async () => {
      const { r } = run('ok');
      let count = 0;
      const sub = r.onEvent(() => {
        count++;
        sub.dispose();
      });
      await r.result;
      assert.equal(count, 1);
    });

    it('an error event rejects with its code, message, hint, file and line', async () => {
      const e = await failure(run('error').r.result);
      assert.equal(e.code, 'data_malformed');
      assert.equal(e.exitCode, 1);
      assert.equal(e.event?.line, 7);
      assert.match(e.message, /label must be 0 or 1.*\(\/data\/in_domain_train\.tsv:7\)\nfix the file/s);
    });

    it('a schema violation stops the run and says what was wrong', async () => {
      const t0 = Date.now();
      const e = await failure(run('invalid').r.result);
      assert.equal(e.code, 'protocol');
      assert.match(e.message, /invalid "step" event: .*must have required property 'epoch'/);
      assert.ok(Date.now() - t0 < 20_000, 'the process was stopped, not waited for');
    });

    it('a stray print on stdout is a protocol error', async () => {
      const e = await failure(run('not-json').r.result);
      assert.equal(e.code, 'protocol');
      assert.match(e.message, /not JSON.*Epoch 1\/4 loss=0\.5/);
    });

    it('a crash rejects with the exit code and the last 50 stderr lines', async () => {
      const e = await failure(run('crash').r.result);
      assert.equal(e.code, 'crashed');
      assert.equal(e.exitCode, 1);
      assert.equal(e.stderrTail.length, 50);
      assert.match(e.stderrTail[e.stderrTail.length - 1], /RuntimeError: simulated crash/);
      assert.match(e.message, /exited with code 1 without a result.*simulated crash/s);
      assert.ok(!e.stderrTail.includes('log line 0'), 'only the tail is kept');
    });

    it('death by a signal is reported with the signal', async () => {
      const e = await failure(run('segfault').r.result);
      assert.equal(e.code, 'crashed');
      assert.equal(e.signal, 'SIGSEGV');
      assert.match(e.message, /killed by SIGSEGV/);
    });

    it('"done" followed by a non-zero exit is still a failure', async () => {
      const e = await failure(run('done-then-fail').r.result);
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /reported "done" but exited with code 3/);
    });

    it('cancel() sends {"command":"cancel"} and resolves with the cancelled event', async () => {
      const { r, logs } = run('cancellable');
      r.onEvent((e) => {
        if (e.event === 'step' && e.step === 3) r.cancel();
      });
      const result = await r.result;
      assert.equal(result.status, 'cancelled');
      if (result.status !== 'cancelled') return;
      assert.equal(result.exitCode, 130);
      assert.equal(result.cancelled?.checkpoint, '/tmp/fake-out.checkpoint');
      assert.ok(logs.includes('command {"command": "cancel"}'));
    });

    it('an AbortSignal cancels like cancel()', async () => {
      const controller = new AbortController();
      const { r } = run('cancellable', { signal: controller.signal });
      r.onEvent((e) => e.event === 'step' && controller.abort());
      const result = await r.result;
      assert.equal(result.status, 'cancelled');
    });

    it('a trainer that ignores cancel and SIGTERM is killed with SIGKILL', async () => {
      const { r, logs } = run('stubborn', { cancelGraceMs: 300, killGraceMs: 300 });
      r.onEvent((e) => e.event === 'step' && r.cancel());
      const result = await r.result;
      assert.equal(result.status, 'cancelled');
      if (result.status !== 'cancelled') return;
      assert.equal(result.cancelled, null);
      assert.equal(result.signal, 'SIGKILL');
      assert.ok(logs.some((l) => /sending SIGTERM/.test(l)));
      assert.ok(logs.some((l) => /sending SIGKILL/.test(l)));
    });

    it('settles soon after the trainer exits even when a process it started keeps the pipes open', async () => {
      const t0 = Date.now();
      const result = await run('background-holds-pipes').r.result;
      assert.equal(result.status, 'done');
      assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms (the grandchild sleeps 30 s)`);
    });

    it('a trainer that reports done but does not exit is stopped, and the run is done', async () => {
      const { r, logs } = run('done-then-hang', { exitAfterDoneMs: 300, killGraceMs: 300 });
      const result = await r.result;
      assert.equal(result.status, 'done');
      assert.ok(logs.some((l) => /reported "done" but did not exit; sending SIGTERM/.test(l)));
    });

    it('events after the terminal one cannot change the outcome', async () => {
      const { r, logs } = run('done-then-error');
      const result = await r.result;
      assert.equal(result.status, 'done');
      assert.ok(logs.some((l) => /ignored a "error" event after the run ended/.test(l)));
    });

    it('a crash after a checkpoint names it, with the --resume hint', async () => {
      const e = await failure(run('checkpoint-then-crash').r.result);
      assert.equal(e.code, 'crashed');
      assert.equal(e.checkpoint, '/tmp/fake-out.checkpoint');
      assert.match(e.message, /A checkpoint was saved in \/tmp\/fake-out\.checkpoint: run again with --resume/);
    });

    it('killed after "exported" but before "done": the exported model folder is the result, not a crash', async () => {
      const { r, logs } = run('exported-then-killed');
      const result = await r.result;
      assert.equal(result.status, 'done');
      if (result.status !== 'done') return;
      assert.equal(result.done, null);
      assert.equal(result.exported?.path, '/tmp/fake-out');
      assert.equal(result.holdout?.mcc, 0.5);
      assert.ok(logs.some((l) => l.includes('was killed by SIGKILL after it exported /tmp/fake-out')), logs.join('\n'));
    });

    it('exit 130 without an event after a cancel (Ctrl-C reached Python first) is a cancel, not a crash', async () => {
      const { r } = run('interrupted-on-cancel');
      r.onEvent((e) => e.event === 'started' && r.cancel());
      const result = await r.result;
      assert.equal(result.status, 'cancelled');
      if (result.status === 'cancelled') assert.equal(result.exitCode, 130);
    });

    it('a cancel after the last training step waits for the holdout and export instead of SIGTERM', async () => {
      const { r, logs } = run('finishing', { cancelGraceMs: 200, killGraceMs: 200 });
      r.onEvent((e) => e.event === 'step' && r.cancel());
      const result = await r.result;
      assert.equal(result.status, 'done');
      assert.ok(logs.some((l) => /training is complete: the trainer finishes the holdout evaluation and the export/.test(l)));
      assert.ok(!logs.some((l) => /got SIGTERM|sending SIGTERM/.test(l)), logs.join('\n'));
    });

    it('lines without an end are cut, not buffered without bound: stderr lines at 4,096 characters, stdout is a protocol error', async () => {
      const { r, logs } = run('endless-line');
      const e = await failure(r.result);
      assert.equal(e.code, 'protocol');
      assert.match(e.message, /stdout line longer than 1048576 characters/);
      const long = logs.find((l) => l.startsWith('xxxx'));
      assert.ok(long && long.length < 4200 && /…\[line cut at 4096 characters\]$/.test(long), `log line of ${long?.length} characters`);
    });

    it('junk on stdout before the trainer starts is blamed on the interpreter', async () => {
      const e = await failure(run('not-json').r.result);
      assert.equal(e.code, 'protocol');
      assert.match(e.message, /wrote something that is not the trainer's protocol to stdout before the trainer started/);
    });

    it('a missing interpreter is a clear spawn error', async () => {
      const r = startTraining({ python: '/nonexistent/python3' }, {}, { trainerDir: fakeTrainerDir });
      const e = await failure(r.result);
      assert.equal(e.code, 'spawn');
      assert.match(e.message, /Python interpreter not found: \/nonexistent\/python3/);
    });

    it('probeEnvironment returns the environment event', async () => {
      const env = await probeEnvironment(python, { trainerDir: fakeTrainerDir });
      assert.equal(env.devices[0].name, 'Fake CPU');
    });
  });

  describe('against the real trainer (python -m cola_trainer)', function () {
    this.timeout(300_000);
    let tmp: string;
    let tiny: string;

    before(() => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-client-'));
      tiny = path.join(tmp, 'tiny');
      const r = spawnSync(requirePython(), [path.join(trainerDir, 'tests', 'tiny_model.py'), tiny], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: trainerDir } });
      if (r.status !== 0) throw new Error(`tiny_model.py failed: ${r.stderr}`);
    });
    after(() => rmSync(tmp, { recursive: true, force: true }));

    it('probeEnvironment: versions of the real interpreter', async () => {
      const env = await probeEnvironment(python, { trainerDir });
      assert.match(env.torch, /^2\.13\.0/);
      assert.ok(env.devices.some((d) => d.kind === 'cpu'));
    });

    it('measureWarmup: times a few training steps of a local model (issue 16 item 5)', async () => {
      const w = await measureWarmup(python, tiny, 64, { trainerDir, env: { COLA_DIR: colaDir } });
      assert.equal(w.model, tiny);
      assert.equal(w.max_length, 64);
      assert.ok(w.samples_per_second > 0 && w.seconds > 0, JSON.stringify(w));
    });

    it('measureWarmup: an abort stops the measurement at once', async () => {
      const abort = new AbortController();
      const measuring = measureWarmup(python, tiny, 128, { trainerDir, signal: abort.signal });
      setTimeout(() => abort.abort(), 300);
      const started = Date.now();
      await assert.rejects(measuring);
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    });

    it('measureWarmup: a model that is not on this machine is model_unavailable, without a download', async () => {
      const started = Date.now();
      const e = await measureWarmup(python, 'some-org/not-a-cached-model', 128, { trainerDir, env: { HF_HOME: path.join(tmp, 'hf') } }).then(
        () => assert.fail('expected a failure'),
        (err: unknown) => err as TrainerRunError,
      );
      assert.ok(e instanceof TrainerRunError, String(e));
      assert.equal(e.code, 'model_unavailable');
      assert.ok(Date.now() - started < 60_000);
    });

    it('bad input becomes a typed error event (data_missing) with a hint', async () => {
      const r = startTraining(python, { model: tiny, dataDir: path.join(tmp, 'no-such-folder') }, { trainerDir });
      const e = await failure(r.result);
      assert.equal(e.code, 'data_missing');
      assert.match(e.message, /no-such-folder/);
      assert.ok(e.event?.hint);
    });

    it('a real run streams schema-valid events and stops on cancel with a cancelled event', async () => {
      const events: TrainerEvent[] = [];
      const r = startTraining(
        python,
        { model: tiny, dataDir: colaDir, outputDir: path.join(tmp, 'out'), epochs: 1, batchSize: 8, maxTrain: 200, maxEval: 16, device: 'cpu' },
        { trainerDir, env: { ...process.env, HF_HUB_OFFLINE: '1' } },
      );
      r.onEvent((e) => {
        events.push(e);
        if (e.event === 'step' && e.step === 2) r.cancel();
      });
      const result = await r.result;
      assert.equal(result.status, 'cancelled', JSON.stringify(result));
      if (result.status !== 'cancelled') return;
      assert.equal(result.exitCode, 130);
      assert.ok(result.cancelled, 'the trainer wrote its cancelled event');
      assert.deepEqual(events.slice(0, 2).map((e) => e.event), ['environment', 'started']);
      assert.ok(events.filter((e) => e.event === 'step').length >= 2);
      assert.equal(events[events.length - 1].event, 'cancelled');
    });
  });
});
