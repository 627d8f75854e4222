// `cola-bert check` end to end with a real exported model: argument handling, the JSON report, exit codes,
// and fidelity: CoLA out_of_domain_dev rendered as Markdown (code blocks between the paragraphs) gives the
// same MCC through `check --all` as `cola-bert eval` on the TSV, and nothing inside code is judged.
//
// The model is a small random BERT exported by test/fixtures/make_onnx_model.py (helpers/tinyModel.ts).
// Set COLA_BERT_TEST_MODEL to a fine-tuned model folder to run the fidelity test on it as well.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { checkExitCode, checkFiles, CheckStoppedError, parseCheckArgs, runCheck, type CheckArgs, type CheckReport } from '../../src/cli/check';
import { distinctSuspects, words } from '../../src/core/attribution';
import { createExtractor, type Extractor } from '../../src/core/documentChecker';
import { InferenceService } from '../../src/core/inference';
import { run as runEval } from '../../src/cli/eval';
import { readColaTsv, type ColaExample } from '../../src/core/cola';
import { binaryMetrics, labelOf } from '../../src/core/metrics';
import { LineIndex } from '../../src/core/positions';
import { CRASH_SENTENCE } from './helpers/crashSentence';
import { tinyModel } from './helpers/tinyModel';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'markdown');
const colaDir = process.env.COLA_DIR ?? path.resolve(root, '..', 'shared', 'datasets', 'cola', 'raw');

function writeText(dir: string, name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

function capture() {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

async function check(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await runCheck(argv, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function evalMcc(model: string, tsv: string, fp32: boolean): Promise<number> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  // 0.5 because the comparison below labels check's probabilities with labelOf's default; a calibrated model's own threshold would differ.
  const code = await runEval(['--model', model, '--data', tsv, '--json', '--threshold', '0.5', ...(fp32 ? ['--fp32'] : [])], {
    stdout: out,
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: process.env,
    cwd: root,
  });
  assert.equal(code, 0);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')).mcc as number;
}

/** Escapes what Markdown would read as syntax, so each CoLA sentence is one paragraph of plain words. */
function markdownEscape(s: string): string {
  return s.replace(/[\\`*_[\]<>&$~|#]/g, (c) => `\\${c}`).replace(/^([-+=]|\d+[.)])/, '\\$1');
}

interface Rendered {
  markdown: string;
  /** Zero-based line of each example's paragraph. */
  lineOf: number[];
  /** Zero-based lines that belong to code blocks or front matter. */
  codeLines: Set<number>;
}

/** Front matter, then each example as a paragraph, with fenced and indented code blocks in between. */
function renderAsMarkdown(examples: readonly ColaExample[]): Rendered {
  const lines = ['---', 'title: CoLA out-of-domain dev as a document', 'note: This front matter sentence is not prose.', '---', ''];
  const codeLines = new Set([0, 1, 2, 3]);
  const lineOf: number[] = [];
  const code = (block: string[]) => {
    for (const l of block) {
      codeLines.add(lines.length);
      lines.push(l);
    }
    lines.push('');
  };
  examples.forEach((e, i) => {
    lineOf.push(lines.length);
    lines.push(markdownEscape(e.sentence), '');
    // Code holding sentences too: if code were read as prose, these would be judged and show up.
    if (i % 3 === 0) code(['```text', examples[(i + 1) % examples.length].sentence, 'The dog the the chased cat.', '```']);
    else if (i % 3 === 1) code([`    ${examples[(i + 2) % examples.length].sentence}`, '    Him is went there yesterday.']);
  });
  return { markdown: lines.join('\n'), lineOf, codeLines };
}

describe('cola-bert check: arguments', () => {
  it('parses files and options', () => {
    const a = parseCheckArgs(['a.md', '--model', 'm', '--threshold=0.3', '--all', '--json', 'b.txt']);
    assert.ok(a !== 'help');
    assert.deepEqual(a.files, ['a.md', 'b.txt']);
    assert.equal(a.threshold, 0.3);
    assert.equal(a.all, true);
    assert.equal(a.json, true);
    const b = parseCheckArgs(['a.md', '--model', 'm', '--threads', '2', '--workers=1']);
    assert.ok(b !== 'help');
    assert.equal(b.threads, 2);
    assert.equal(b.workers, 1);
  });

  it('exits 2 with a clear message on bad usage', async () => {
    for (const [argv, message] of [
      [['a.md'], /--model DIR is required/],
      [['--model', 'm'], /no files to check/],
      [['a.md', '--model', 'm', '--threshold', '1.5'], /between 0 and 1/],
      // These three come from the parser every subcommand shares (parseFlags), worded as for train and eval.
      [['a.md', '--model', 'm', '--bogus'], /Unknown option '--bogus'/],
      [['a.md', '--model', 'm', '--workers', '0'], /--workers needs a whole number from 1 to 256/],
      [['a.md', '--model', 'm', '--threads', '99999'], /--threads needs a whole number from 1 to 256, got "99999"/],
      // Number('') is 0: an unset variable in CI (`--threshold=$T`) must not switch flagging off.
      [['a.md', '--model', 'm', '--threshold='], /--threshold needs a probability between 0 and 1, got ""/],
      [['a.md', '--model', 'm', '--min-words='], /--min-words needs a whole number ≥ 0, got ""/],
      [['a.md', '--model', '--json'], /Option '--model' argument is ambiguous/],
      [['a.md', '--model', 'm', '--json=no'], /Option '--json' does not take an argument/],
      [['a.md', '--model='], /--model needs a folder/],
      // Number() reads hex, binary and octal literals and overflows to Infinity: only decimals are numbers here.
      [['a.md', '--model', 'm', '--threshold', '0x1'], /--threshold needs a probability between 0 and 1, got "0x1"/],
      [['a.md', '--model', 'm', '--threshold', '0b1'], /got "0b1"/],
      [['a.md', '--model', 'm', '--threshold', '1e400'], /got "1e400"/],
      [['a.md', '--model', 'm', '--min-words', '0x10'], /--min-words needs a whole number ≥ 0, got "0x10"/],
      [['a.md', '--model', 'm', '--max-file-mb', '0'], /--max-file-mb needs a whole number of MiB from 1 to 256, got "0"/],
      [['a.md', '--model', 'm', '--max-file-mb', '1.5'], /--max-file-mb needs a whole number/],
    ] as const) {
      const r = await check([...argv]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
    }
  });

  it('reads decimal thresholds and --max-file-mb in MiB', () => {
    for (const [value, expected] of [['0.25', 0.25], ['.5', 0.5], ['1', 1], ['5e-1', 0.5], [' 0.3 ', 0.3]] as const) {
      const a = parseCheckArgs(['a.md', '--model', 'm', '--threshold', value]);
      assert.ok(a !== 'help');
      assert.equal(a.threshold, expected, value);
    }
    const a = parseCheckArgs(['a.md', '--model', 'm']);
    const b = parseCheckArgs(['a.md', '--model', 'm', '--max-file-mb', '64']);
    assert.ok(a !== 'help' && b !== 'help');
    assert.equal(a.maxFileBytes, 10 * 1024 * 1024);
    assert.equal(b.maxFileBytes, 64 * 1024 * 1024);
  });

  it('refuses a FIFO, a device and a file over --max-file-mb at once, naming it, before loading the model', async function () {
    if (process.platform === 'win32') this.skip();
    this.timeout(20_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-check-special-'));
    try {
      const fifo = path.join(dir, 'fifo.md');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
      const big = path.join(dir, 'big.md');
      writeFileSync(big, 'A sentence of prose. '.repeat(60_000)); // 1.2 MiB
      const noModel = path.join(dir, 'no-model');
      for (const [argv, message] of [
        [[fifo], /fifo\.md is a named pipe \(FIFO\), not a regular file/],
        [['/dev/zero'], /\/dev\/zero is a device, not a regular file/],
        [[big, '--max-file-mb', '1'], /big\.md is 1\.2 MiB, over the 1\.0 MiB limit for one file; if it really is one document, raise the limit with --max-file-mb 2\./],
      ] as const) {
        const t0 = Date.now();
        const r = await check([...argv, '--model', noModel]);
        assert.equal(r.code, 2, argv[0]);
        assert.match(r.stderr, message);
        assert.ok(Date.now() - t0 < 5_000, `${argv[0]} answered in ${Date.now() - t0} ms`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes everything after -- as a file name', () => {
    const a = parseCheckArgs(['--model', 'm', '--', '-notes.md', '--all']);
    assert.ok(a !== 'help');
    assert.deepEqual(a.files, ['-notes.md', '--all']);
    assert.equal(a.all, false);
  });

  it('exits 2 naming the file when a path is missing, a folder, binary or not UTF-8, before loading the model', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-check-inputs-'));
    try {
      writeFileSync(path.join(dir, 'binary.md'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]));
      writeFileSync(path.join(dir, 'latin1.md'), Buffer.from('Caf\xe9 au lait.', 'latin1'));
      // The model folder does not exist either: the file error must come first (no model load for a typo).
      const noModel = path.join(dir, 'no-model');
      for (const [file, message] of [
        ['missing.md', /missing\.md does not exist\./],
        ['.', /is a folder, not a file/],
        ['binary.md', /binary\.md is not (valid UTF-8 text|a text file)/],
        ['latin1.md', /latin1\.md is not valid UTF-8 text; save it as UTF-8/],
      ] as const) {
        const r = await check([path.join(dir, file), '--model', noModel]);
        assert.equal(r.code, 2, file);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on a missing model folder', async () => {
    const r = await check([path.join(fixtures, 'emoji.md'), '--model', path.join(os.tmpdir(), 'no-such-cola-model')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /does not exist/);
  });
});

describe('cola-bert check: with a model', function () {
  this.timeout(180_000);
  let model: string;
  before(() => {
    model = tinyModel();
  });

  it('prints the JSON report with LSP ranges; exit 1 when flagged, 0 when clean', async () => {
    const file = path.join(fixtures, 'lists-quotes.md');
    const source = readFileSync(file, 'utf8');
    const all = await check([file, '--model', model, '--all', '--json', '--threshold', '1']);
    assert.equal(all.code, 1, 'threshold 1 flags every sentence');
    const report = JSON.parse(all.stdout) as CheckReport;
    assert.equal(report.files.length, 1);
    assert.equal(report.files[0].path, file);
    const sentences = report.files[0].sentences;
    assert.equal(sentences.length, 8);
    const lines = source.split('\n');
    for (const s of sentences) {
      assert.deepEqual(Object.keys(s).sort(), ['flagged', 'pAcceptable', 'range', 'suspects', 'text']);
      assert.equal(s.flagged, true);
      assert.ok(s.pAcceptable > 0 && s.pAcceptable < 1);
      assert.ok(lines[s.range.start.line].slice(s.range.start.character).startsWith(s.text.split(' ')[0]));
    }
    assert.deepEqual(sentences[5].range, { start: { line: 7, character: 2 }, end: { line: 8, character: 28 } });

    const clean = await check([file, '--model', model, '--json', '--threshold', '0']);
    assert.equal(clean.code, 0);
    assert.deepEqual(JSON.parse(clean.stdout), { files: [{ path: file, sentences: [] }] });

    // Without --all only flagged sentences are listed, and they are the ones below the threshold.
    const t = 0.5;
    const flagged = await check([file, '--model', model, '--json', '--threshold', String(t)]);
    const expected = (JSON.parse((await check([file, '--model', model, '--all', '--json', '--threshold', String(t)])).stdout) as CheckReport).files[0].sentences.filter((s) => s.pAcceptable < t);
    assert.deepEqual((JSON.parse(flagged.stdout) as CheckReport).files[0].sentences, expected);
    assert.equal(flagged.code, expected.length ? 1 : 0);
  });

  it('names the suspect words of each flagged sentence: where they are in the file, and how much P rises without them', async () => {
    const file = path.join(fixtures, 'lists-quotes.md');
    const source = readFileSync(file, 'utf8');
    const index = new LineIndex(source);
    const r = await check([file, '--model', model, '--json', '--threshold', '1']);
    const sentences = (JSON.parse(r.stdout) as CheckReport).files[0].sentences;
    const service = await InferenceService.open(model);
    try {
      let seen = 0;
      for (const s of sentences) {
        const expected = distinctSuspects((await service.attribute(s.text)).suspects, 3);
        assert.ok(s.suspects && s.suspects.length <= 3);
        assert.deepEqual(s.suspects.map((k) => k.text), expected.map((k) => k.text).slice(0, s.suspects.length), s.text);
        for (const [i, k] of s.suspects.entries()) {
          seen++;
          assert.ok(Math.abs(k.delta - expected[i].delta) < 1e-6 && k.delta > 0);
          const inFile = source.slice(index.offset(k.range.start), index.offset(k.range.end));
          assert.deepEqual(words(inFile).map((w) => w.text.toLowerCase()), words(k.text).map((w) => w.text.toLowerCase()), `${inFile} vs ${k.text}`);
        }
      }
      assert.ok(seen > 0, 'the random model finds some words that raise P');
    } finally {
      await service.dispose();
    }
    const unflagged = await check([file, '--model', model, '--json', '--all', '--threshold', '0']);
    assert.ok((JSON.parse(unflagged.stdout) as CheckReport).files[0].sentences.every((s) => !('suspects' in s)), 'only flagged sentences get suspects');
    const off = await check([file, '--model', model, '--json', '--threshold', '1', '--no-suspects']);
    assert.ok((JSON.parse(off.stdout) as CheckReport).files[0].sentences.every((s) => !('suspects' in s)), '--no-suspects');
    const text = await check([file, '--model', model, '--threshold', '1']);
    assert.match(text.stdout, /^ {2}suspect words: “[^”]+” at \d+:\d+ \(P \+0\.\d\d without it\)/m);
  });

  it('prints file:line:column lines without --json', async () => {
    const file = path.join(fixtures, 'crlf.md');
    const r = await check([file, '--model', model, '--all']);
    assert.match(r.stdout, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1: .*P\\(acceptable\\) = 0\\.\\d\\d\\) The first line ends with CRLF and the sentence goes on\\.$`, 'm'));
    assert.match(r.stderr, /sentences flagged in 1 file\(s\)/);
  });

  it('reports what it did not check (stderr and "skipped" in --json) instead of passing silently', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-check-skipped-'));
    try {
      const file = path.join(dir, 'data.md');
      writeFileSync(file, `The cat sat on the mat.\n\n${'x'.repeat(12_000)}\n\n${'word '.repeat(300)}end.\n`);
      const r = await check([file, '--model', model, '--json', '--all']);
      assert.equal(r.code === 0 || r.code === 1, true, r.stderr);
      const entry = (JSON.parse(r.stdout) as CheckReport).files[0];
      assert.deepEqual(entry.sentences.map((s) => s.text), ['The cat sat on the mat.']);
      assert.deepEqual(
        entry.skipped?.map((k) => [k.reason, k.range.start.line]),
        [
          ['long-line', 2],
          ['long-sentence', 4],
        ],
      );
      assert.match(r.stderr, new RegExp(`data\\.md:3:1: not checked: line 3 has 12000 characters \\(limit 10000\\)`));
      assert.match(r.stderr, /data\.md:5:1: not checked: sentence of 1504 characters \(limit 1000\)/);
      // A clean file's entry keeps the documented shape.
      const clean = await check([path.join(fixtures, 'emoji.md'), '--model', model, '--json', '--threshold', '0']);
      assert.deepEqual(Object.keys((JSON.parse(clean.stdout) as CheckReport).files[0]).sort(), ['path', 'sentences']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads stdin for the file name -, and UTF-16 and byte-order-marked files with editor positions', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-check-encodings-'));
    try {
      const body = 'The dog barked the cat loudly. Him go store. The cat sat on the mat.\n\nHim go store again now.\n';
      const expected = (await check([writeText(dir, 'plain.md', Buffer.from(body)), '--model', model, '--json', '--all'])).stdout;
      const ranges = (out: string) => (JSON.parse(out) as CheckReport).files[0].sentences.map((s) => [s.text, s.range]);
      const withBom = await check([writeText(dir, 'bom.md', Buffer.from(`\uFEFF${body}`)), '--model', model, '--json', '--all']);
      const utf16 = await check([writeText(dir, 'utf16.md', Buffer.from(`\uFEFF${body}`, 'utf16le')), '--model', model, '--json', '--all']);
      // VS Code does not count the mark: same positions as the file without one.
      assert.deepEqual(ranges(withBom.stdout), ranges(expected));
      assert.deepEqual(ranges(utf16.stdout), ranges(expected));
      const stdin = capture();
      const stdout = capture();
      const code = await runCheck(['-', '--model', model, '--json', '--all', '--language', 'markdown'], {
        stdout,
        stderr: stdin,
        stdin: (async function* () {
          yield Buffer.from(body);
        })(),
      });
      assert.notEqual(code, 2, stdin.text());
      const fromStdin = JSON.parse(stdout.text()) as CheckReport;
      assert.equal(fromStdin.files[0].path, '-');
      assert.deepEqual(ranges(stdout.text()), ranges(expected));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("one file's failure is its own: the others are reported, the failed one is named, exit 2", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-check-isolation-'));
    try {
      const ok = writeText(dir, 'ok.md', Buffer.from('The cat sat on the mat. Him go store yesterday.\n'));
      // Deep nesting made extraction overflow the stack (issue 14, item 7); whatever the extractor does with it
      // now, a RangeError thrown for this file must stay this file's.
      const deep = '> '.repeat(10_000) + 'Deep text.\n';
      const q = writeText(dir, 'q.md', Buffer.from(deep));
      const throwing = (): Extractor => {
        const real = createExtractor();
        return (text, options) => {
          if (text === deep) throw new RangeError('Maximum call stack size exceeded');
          return real(text, options);
        };
      };
      const args = parseCheckArgs([ok, q, ok, '--model', model, '--all']) as CheckArgs;
      const service = await InferenceService.open(model, { workers: 1, threads: 1 });
      try {
        const texts = new Map([
          [ok, readFileSync(ok, 'utf8')],
          [q, deep],
        ]);
        const { report, flagged } = await checkFiles(args, service, texts, throwing);
        assert.deepEqual(
          report.files.map((f) => f.path),
          [ok, q, ok],
        );
        assert.equal(report.files[0].sentences.length, 2, "ok.md's sentences are reported");
        assert.deepEqual(report.files[2].sentences, report.files[0].sentences, 'and the file after the failure is checked too');
        assert.equal(report.files[1].error, 'its sentences could not be extracted (RangeError: Maximum call stack size exceeded)');
        assert.deepEqual(report.files[1].sentences, []);
        assert.equal(checkExitCode(report, flagged), 2, 'a failed file outranks flagged and clean');
        assert.equal(checkExitCode({ files: [report.files[0]] }, flagged), flagged > 0 ? 1 : 0);
      } finally {
        await service.dispose();
      }
      // Through the command: the failure is named on stderr and in --json, the other file's results are printed.
      const r = await check([ok, q, '--model', model, '--all', '--json']);
      const parsed = JSON.parse(r.stdout) as CheckReport;
      assert.equal(parsed.files[0].sentences.length, 2);
      if (parsed.files[1].error) {
        assert.equal(r.code, 2);
        assert.match(r.stderr, /q\.md: not checked: /);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a worker that dies stops the run with exit 2, naming the file being checked', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-check-crash-'));
    try {
      const files = [writeText(dir, 'a.md', Buffer.from('The cat sat on the mat.\n')), writeText(dir, 'b.md', Buffer.from(`Fine words here. ${CRASH_SENTENCE}\n`)), writeText(dir, 'c.md', Buffer.from('Not reached at all.\n'))];
      const args = parseCheckArgs([...files, '--model', model]) as CheckArgs;
      const service = await InferenceService.open(model, { workers: 1, threads: 1, cacheSize: 0, workerScript: path.join(__dirname, 'helpers', 'crashingInferenceWorker.ts') });
      try {
        const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
        await assert.rejects(checkFiles(args, service, texts), (e: unknown) => {
          assert.ok(e instanceof CheckStoppedError, String(e));
          assert.match(e.message, /^the inference worker stopped while checking .*b\.md: the inference worker crashed: simulated crash in the inference worker\. 1 of 3 file\(s\) had been checked; no report is printed\./);
          assert.doesNotMatch(e.message, /Reopen the model/, 'no editor advice in the CLI');
          return true;
        });
      } finally {
        await service.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 when a file cannot be read', async () => {
    const r = await check([path.join(fixtures, 'no-such-file.md'), '--model', model]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no-such-file\.md/);
  });

  for (const which of ['tiny', 'fine-tuned'] as const) {
    for (const fp32 of [false, true]) {
      it(`fidelity (${which} model, ${fp32 ? 'fp32' : 'int8'}): out_of_domain_dev as Markdown gives eval's MCC, nothing judged in code`, async function () {
        const dir = which === 'tiny' ? model : process.env.COLA_BERT_TEST_MODEL;
        if (!dir) this.skip();
        const examples = readColaTsv(path.join(colaDir, 'out_of_domain_dev.tsv'));
        const tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-fidelity-'));
        try {
          const rendered = renderAsMarkdown(examples);
          const md = path.join(tmp, 'out_of_domain_dev.md');
          writeFileSync(md, rendered.markdown);
          const r = await check([md, '--model', dir, '--all', '--json', '--no-suspects', '--min-words', '1', ...(fp32 ? ['--fp32'] : [])]);
          assert.notEqual(r.code, 2, r.stderr);
          const sentences = (JSON.parse(r.stdout) as CheckReport).files[0].sentences;

          // Nothing from code blocks or front matter, and every judged sentence starts on an example's line.
          const exampleAt = new Map(rendered.lineOf.map((line, i) => [line, i]));
          const perExample: number[][] = examples.map(() => []);
          for (const s of sentences) {
            assert.ok(!rendered.codeLines.has(s.range.start.line), `judged inside code: ${s.text}`);
            const i = exampleAt.get(s.range.start.line);
            assert.ok(i !== undefined, `sentence on line ${s.range.start.line} is not an example: ${s.text}`);
            perExample[i].push(s.pAcceptable);
          }
          assert.ok(perExample.every((p) => p.length >= 1), 'every example is judged');

          // Examples the segmenter keeps whole (all but CoLA's few two-sentence items) are scored exactly as eval scores them.
          const whole = examples.filter((_, i) => perExample[i].length === 1);
          const split = examples.filter((_, i) => perExample[i].length > 1);
          assert.ok(split.length <= 6, `${split.length} examples split into several sentences`);
          for (const e of split) assert.match(e.sentence, /[.?!] +[A-Z]/, `only genuine multi-sentence items are split: ${e.sentence}`);
          // Same sentences in the same order on both sides: int8 scores depend on batch neighbours (dynamic
          // quantization scales activations per batch), so both runs must see identical batches.
          const tsv = path.join(tmp, 'single-sentence.tsv');
          writeFileSync(tsv, whole.map((e) => `${e.source}\t${e.label}\t${e.label ? '' : '*'}\t${e.sentence}`).join('\n') + '\n');
          const wholeMd = path.join(tmp, 'single-sentence.md');
          const wholeRendered = renderAsMarkdown(whole);
          writeFileSync(wholeMd, wholeRendered.markdown);
          const r2 = await check([wholeMd, '--model', dir, '--all', '--json', '--no-suspects', '--min-words', '1', ...(fp32 ? ['--fp32'] : [])]);
          const wholeSentences = (JSON.parse(r2.stdout) as CheckReport).files[0].sentences;
          assert.deepEqual(wholeSentences.map((s) => s.range.start.line), wholeRendered.lineOf);
          const checkMetrics = binaryMetrics(
            whole.map((e) => e.label),
            wholeSentences.map((s) => labelOf(s.pAcceptable)),
          );
          const evalWhole = await evalMcc(dir, tsv, fp32);
          assert.equal(checkMetrics.mcc, evalWhole, `check MCC ${checkMetrics.mcc} vs eval MCC ${evalWhole} on ${whole.length} single-sentence examples`);

          // The whole set, a two-sentence item counting as unacceptable when either sentence is flagged.
          const all = binaryMetrics(examples.map((e) => e.label), perExample.map((p) => labelOf(Math.min(...p))));
          const evalAll = await evalMcc(dir, path.join(colaDir, 'out_of_domain_dev.tsv'), fp32);
          console.log(
            `      ${which} ${fp32 ? 'fp32' : 'int8'}: check MCC ${checkMetrics.mcc.toFixed(4)} = eval MCC ${evalWhole.toFixed(4)} on ${whole.length} single-sentence examples; ` +
              `all ${examples.length}: check ${all.mcc.toFixed(4)}, eval ${evalAll.toFixed(4)} (${split.length} two-sentence items split)`,
          );
          assert.ok(Math.abs(all.mcc - evalAll) <= 0.05, `whole-set MCC differs by ${Math.abs(all.mcc - evalAll)}`);
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
      });
    }
  }
});
