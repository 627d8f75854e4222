import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli';
import { parseDecimal } from '../../src/cli/args';
import { describeDone, describeEvaluation, describeStarted, formatDuration, LossSmoother, renderBar } from '../../src/cli/progress';
import { parseTrainArgs, trainUsage, usage } from '../../src/cli/train';
import { TRAIN_ARG_SPECS, trainArgv, type TrainArgSpec } from '../../protocol/trainArgs';
import { splitLines } from '../../src/cli/tokenize';
import { trainArgs } from '../../src/core/trainerClient';
import { LruCache } from '../../src/core/lru';
import type { StartedEvent, StepEvent } from '../../protocol/trainerProtocol';
import { miniLmFolder, repoRoot } from './helpers/python';
import { io } from './helpers/cliIo';


const step: StepEvent = { event: 'step', v: 1, epoch: 2, step: 482, total_steps: 964, loss: 0.41234, lr: 1e-5, samples_per_second: 812.4, elapsed_s: 60, eta_s: 65 };

describe('CLI pieces', () => {
  describe('progress rendering', () => {
    it('formats durations', () => {
      assert.equal(formatDuration(5.4), '5s');
      assert.equal(formatDuration(65), '1m05s');
      assert.equal(formatDuration(3 * 3600 + 120), '3h02m');
      assert.equal(formatDuration(NaN), '--');
    });
    it('renders a bar with epoch, percent, steps, loss, speed and ETA that fits the width', () => {
      const line = renderBar(step, 4, 100);
      assert.match(line, /^epoch 2\/4 \[█+░+\]  50% 482\/964 loss 0\.4123 812 samples\/s ETA 1m05s$/);
      assert.ok(line.length <= 100, `${line.length}`);
      const narrow = renderBar(step, 4, 40);
      assert.ok(narrow.length < 40 && !narrow.includes('['), narrow);
    });
    it("names the head's own learning rate only when it differs from the encoder's", () => {
      const started: StartedEvent = {
        event: 'started', v: 1, run_id: 'r', model: 'all-mpnet-base-v2', device: 'cpu', device_name: 'AMD EPYC', precision: 'bf16', world_size: 1,
        train_size: 7000, validation_size: 855, holdout_size: 516, epochs: 1, batch_size: 32, learning_rate: 5e-5, steps_per_epoch: 219,
        total_steps: 219, start_step: 0, seed: 42, output_dir: '/out',
      };
      assert.match(describeStarted({ ...started, head_lr_scale: 50 }), /batch 32, lr 0\.00005 \(head ×50\), seed 42$/);
      assert.match(describeStarted({ ...started, head_lr_scale: 1 }), /batch 32, lr 0\.00005, seed 42$/);
      assert.match(describeStarted(started), /batch 32, lr 0\.00005, seed 42$/, 'a trainer from before the option');
    });
    it('describes an epoch and the end of a run', () => {
      assert.equal(
        describeEvaluation({ event: 'evaluation', v: 1, epoch: 1, step: 241, train_loss: 0.6, val_loss: 0.5, val_accuracy: 0.8, val_mcc: 0.41, best: true, epoch_seconds: 61.25, elapsed_s: 62 }, 4),
        'epoch 1/4  train loss 0.6000  val loss 0.5000  val acc 0.8000  val MCC 0.4100  (best so far)  61.3 s',
      );
      assert.equal(describeDone({ event: 'done', v: 1, output_dir: '/m', holdout_mcc: 0.5123, elapsed_s: 300 }), 'Done in 5m00s: holdout MCC 0.5123. Model folder: /m');
    });
    it('smooths the loss', () => {
      const s = new LossSmoother(0.5);
      assert.equal(s.add(1), 1);
      assert.equal(s.add(0), 0.5);
    });
  });

  describe('train flags', () => {
    it('map --data, --out and --lr to the trainer flags', () => {
      const { options, json } = parseTrainArgs(['--model', 'all-minilm-l6-v2', '--data', '/d', '--out', '/o', '--lr', '3e-5', '--epochs', '2', '--max-train', '300', '--resume', '--json']);
      assert.equal(json, true);
      // In args.py's order, whatever the order on the command line.
      assert.deepEqual(trainArgs(options), ['--model', 'all-minilm-l6-v2', '--data-dir', '/d', '--max-train', '300', '--output-dir', '/o', '--epochs', '2', '--learning-rate', '0.00003', '--resume']);
    });
    it('take every trainer flag under its own name, and its usage line', () => {
      for (const s of TRAIN_ARG_SPECS) {
        const argv = s.type === 'bool' ? [s.flag] : [s.flag, String(s.choices?.[0] ?? (s.type === 'string' ? 'x' : (s.minimum ?? s.exclusiveMinimum! + 1e-3)))];
        assert.deepEqual(trainArgs(parseTrainArgs(argv).options), argv, s.flag);
        assert.match(usage, new RegExp(`^  ${s.flag}\\b`, 'm'), s.flag);
      }
      assert.throws(() => parseTrainArgs(['--lr', '3e-5', '--learning-rate', '2e-5']), /--learning-rate and --lr are the same option/);
    });
    it('bound the seed as the trainer does: [0, 2**32)', () => {
      assert.equal(parseTrainArgs(['--seed', String(2 ** 32 - 1)]).options.seed, 2 ** 32 - 1);
      assert.throws(() => parseTrainArgs(['--seed', String(2 ** 32)]), /--seed must be in \[0, 2\*\*32\), got 4294967296/);
    });
    it('pick up an option added to the description with no other edit', () => {
      const extra: TrainArgSpec = { name: 'calibration_bins', flag: '--calibration-bins', group: 'training', type: 'int', default: 15, help: 'Bins of the calibration curve.', metavar: 'N', minimum: 2, maximum: 100 };
      const specs = [...TRAIN_ARG_SPECS, extra];
      const { options } = parseTrainArgs(['--calibration-bins', '20', '--epochs', '1'], specs);
      assert.deepEqual(options, { epochs: 1, calibrationBins: 20 });
      assert.deepEqual(trainArgv(options, specs), ['--epochs', '1', '--calibration-bins', '20']);
      assert.throws(() => trainArgv({ epochs: { n: 1 } }, specs), /--epochs takes a number or text, got \{"n":1\}/);
      assert.throws(() => parseTrainArgs(['--calibration-bins', '1'], specs), /--calibration-bins must be in \[2, 100\], got 1/);
      assert.match(trainUsage(specs), /--calibration-bins N +Bins of the calibration curve\. \(default: 15\)/);
    });
    it('reject bad values before Python starts', () => {
      assert.throws(() => parseTrainArgs(['--epochs', 'two']), /--epochs must be an integer/);
      assert.throws(() => parseTrainArgs(['--lr', '5']), /--lr must be in \(0, 1\)/);
      assert.throws(() => parseTrainArgs(['--device', 'tpu']), /--device must be one of auto, cpu, cuda/);
      assert.throws(() => parseTrainArgs(['--bogus']), /Unknown option '--bogus'/);
      assert.throws(() => parseTrainArgs(['--python', '']), /--python is empty/);
    });
  });

  describe('dispatcher', () => {
    it('--help lists every command; no command is a usage error (2)', async () => {
      const a = io();
      assert.equal(await main(['--help'], a), 0);
      for (const c of ['train', 'eval', 'check', 'tokenize']) assert.match(a.out(), new RegExp(`^  ${c} `, 'm'));
      const b = io();
      assert.equal(await main([], b), 2);
    });
    it('unknown command and bad flags exit 2 with usage', async () => {
      const a = io();
      assert.equal(await main(['frobnicate'], a), 2);
      assert.match(a.err(), /unknown command 'frobnicate'/);
      const b = io();
      assert.equal(await main(['eval', '--data', 'x.tsv'], b), 2);
      assert.match(b.err(), /--model is required[\s\S]*Usage: cola-bert eval/);
    });
    it('eval on a missing model folder: exit 2 and an actionable message', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-cli-'));
      try {
        const a = io();
        const tsv = path.join(dir, 'x.tsv');
        writeFileSync(tsv, 'a\t1\t\tFine.\n');
        assert.equal(await main(['eval', '--model', path.join(dir, 'none'), '--data', tsv], a), 2);
        assert.match(a.err(), /Model folder .*none does not exist\. Choose a folder written by `cola-bert train`/);
        const b = io();
        assert.equal(await main(['eval', '--model', dir, '--data', path.join(dir, 'missing.tsv')], b), 2);
        assert.match(b.err(), /missing\.tsv does not exist\./);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    it('eval --data: a folder, a FIFO or a NUL in a sentence is a clear error (exit 2), before the model loads', async function () {
      this.timeout(20_000);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-cli-data-'));
      try {
        const fifo = path.join(dir, 'fifo.tsv');
        const fifoMade = process.platform !== 'win32' && spawnSync('mkfifo', [fifo]).status === 0;
        const nul = path.join(dir, 'nul.tsv');
        writeFileSync(nul, 'src\t1\t\tFine.\nsrc\t0\t*\tThe cat\u0000 sat.\n');
        const noModel = path.join(dir, 'no-model');
        for (const [data, message] of [
          [dir, /cola-bert eval: .*cola-cli-data-\w+ is a folder, not a file \(pass the TSV file in it, e\.g\. DIR\/out_of_domain_dev\.tsv\)\.\n$/],
          [nul, /cola-bert eval: nul\.tsv line 2: the sentence contains a NUL character \(U\+0000\), which `check` and `tokenize` refuse too/],
          ...(fifoMade ? [[fifo, /fifo\.tsv is a named pipe \(FIFO\), not a regular file/] as const] : []),
        ] as const) {
          const a = io();
          assert.equal(await main(['eval', '--model', noModel, '--data', data], a), 2, data);
          assert.match(a.err(), message);
          assert.doesNotMatch(a.err(), /EISDIR|\n\s+at /, 'no raw errno or stack');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    it('number flags take decimals only: 0x1, 0b1, Infinity, 1e400 and an empty value are usage errors', async () => {
      assert.equal(parseDecimal('0.25'), 0.25);
      assert.equal(parseDecimal(' .5 '), 0.5);
      assert.equal(parseDecimal('-2e-3'), -0.002);
      for (const bad of ['0x1', '0b1', '0o7', 'Infinity', '1e400', '', ' ', '1_000', '1,5', '0.5.1', 'NaN']) assert.ok(Number.isNaN(parseDecimal(bad)), bad);
      for (const bad of ['0x1', '1e400', '']) {
        const a = io();
        assert.equal(await main(['eval', '--model', 'm', '--data', 'd.tsv', '--threshold', bad], a), 2, bad);
        assert.match(a.err(), new RegExp(`--threshold must be a decimal number, got '${bad}'`));
      }
    });
    it('tokenize: clear errors for a missing folder and invalid UTF-8; a folder without ONNX files is fine', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-cli-tok-'));
      try {
        const a = io('hi\n');
        assert.equal(await main(['tokenize', '--model', path.join(dir, 'none')], a), 2);
        assert.match(a.err(), /Model folder .*none does not exist\./);
        const b = io('hi\n');
        assert.equal(await main(['tokenize', '--model', dir], b), 2);
        assert.match(b.err(), /has no tokenizer\.json; pass a model folder/);
        // A model folder whose ONNX file is empty still tokenizes: tokenize reads only the tokenizer and metadata.
        for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(miniLmFolder(), f), path.join(dir, f));
        writeFileSync(path.join(dir, 'cola-bert.json'), JSON.stringify({ format: 1, base_model: 'test', labels: ['unacceptable', 'acceptable'], max_length: 16, onnx: 'model.onnx', inputs: ['input_ids'] }));
        writeFileSync(path.join(dir, 'model.onnx'), '');
        const c = io('The cat sat.\n');
        assert.equal(await main(['tokenize', '--model', dir], c), 0, c.err());
        assert.deepEqual(JSON.parse(c.out()), [[101, 1996, 4937, 2938, 1012, 102]]);
        const d: ReturnType<typeof io> = { ...io(), stdin: Readable.from([Buffer.from([0x54, 0xff, 0x0a])]) };
        assert.equal(await main(['tokenize', '--model', dir], d), 2);
        assert.match(d.err(), /standard input is not valid UTF-8/);
        // Endless input (`tokenize < /dev/zero`) stops at the size limit instead of filling memory.
        const zeros = (function* () { for (;;) yield Buffer.alloc(1 << 20); })();
        const e: ReturnType<typeof io> = { ...io(), stdin: Readable.from(zeros) };
        assert.equal(await main(['tokenize', '--model', dir], e), 2);
        assert.match(e.err(), /standard input holds more than the 10\.0 MiB limit/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    it('a reader that closes the pipe early ends the CLI quietly with its own exit code (no EPIPE crash)', function () {
      this.timeout(60_000);
      // `cola-bert tokenize … | head -c 10`, with the real process and a real pipe.
      const script = path.join(repoRoot, 'src', 'cli.ts');
      const r = spawnSync('bash', ['-c', 'set -o pipefail; yes "The cat sat on the mat." | head -200000 | "$0" --import tsx "$1" tokenize --model "$2" | head -c 10 >/dev/null; echo "status ${PIPESTATUS[2]}" >&2', process.execPath, script, miniLmFolder()], { encoding: 'utf8', cwd: repoRoot });
      assert.match(r.stderr, /status 0\n$/, r.stderr);
      assert.doesNotMatch(r.stderr, /EPIPE|Unhandled 'error' event/);
    });
    it('-h after -- is a file name, not a request for help', async () => {
      const a = io();
      assert.equal(await main(['check', '--model', path.join(os.tmpdir(), 'no-model-here'), '--', '-h'], a), 2);
      assert.match(a.err(), /-h does not exist\./);
      assert.doesNotMatch(a.out(), /Usage:/);
      const b = io();
      assert.equal(await main(['check', '-h'], b), 0);
      assert.match(b.out(), /Usage: cola-bert check/);
    });
    it('tokenize splits stdin lines (LF or CRLF, trailing newline optional)', () => {
      assert.deepEqual(splitLines('a\r\nb\n\nc\n'), ['a', 'b', '', 'c']);
      assert.deepEqual(splitLines('only'), ['only']);
      assert.deepEqual(splitLines(''), []);
    });
  });

  describe('LruCache', () => {
    it('evicts the least recently used entry', () => {
      const c = new LruCache<string, number>(2);
      c.set('a', 1);
      c.set('b', 2);
      c.get('a');
      c.set('c', 3);
      assert.equal(c.has('b'), false);
      assert.equal(c.get('a'), 1);
      assert.equal(c.size, 2);
    });
    it('capacity 0 stores nothing; bad capacity throws', () => {
      const c = new LruCache<string, number>(0);
      c.set('a', 1);
      assert.equal(c.size, 0);
      assert.throws(() => new LruCache(-1), RangeError);
    });
  });
});
