import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ColaFormatError, parseColaTsv, readColaTsv } from '../../src/core/cola';
import { colaDir, pythonJson, repoRoot } from './helpers/python';

type PyResult = { rows: [string, number, string, number][] } | { error: string; line: number | null };

const malformed: Record<string, string> = {
  'three-columns.tsv': 'gj04\t1\t\tGood sentence.\nclc95\t0\tBad row with three columns\n',
  'bad-label.tsv': 'gj04\t1\t\tFine.\ngj04\t2\t*\tLabel two.\n',
  'label-with-space.tsv': 'gj04\t 1\t\tSpace before the label.\n',
  'empty-sentence.tsv': 'gj04\t1\t\tFine.\n\ngj04\t0\t*\t   \n',
  'five-columns.tsv': 'gj04\t1\t\tA sentence\twith a tab.\n',
  'blank-only.tsv': '\n\n   \n',
  'crlf-and-quotes.tsv': 'gj04\t1\t\t"Quoted," he said.\r\ngj04\t0\t*\t  Padded sentence.  \r\n\r\nbc01\t1\t\tLast line, no newline.',
  'form-feed-line-break.tsv': 'gj04\t1\t\tBefore\x0cafter.\n',
  'bom.tsv': '\ufeffgj04\t1\t\tBOM stays in the source column.\n',
  // Rows end at \n only: U+2028, NEL and lone CRs stay inside the sentence, and line numbers stay right.
  'unicode-line-separators.tsv': 'gj04\t1\t\tOne\u2028two.\ngj04\t0\t*\tThree\u0085four\rfive.\ngj04\t1\tthree columns\n',
  'lone-cr.tsv': 'gj04\t1\t\tSix\rseven.\n',
};

describe('CoLA TSV reader (same rules as the trainer)', function () {
  this.timeout(120_000);
  let dir: string;
  const files = () => [
    path.join(colaDir, 'in_domain_train.tsv'),
    path.join(colaDir, 'out_of_domain_dev.tsv'),
    path.join(colaDir, '..', 'tokenized', 'in_domain_train.tsv'),
    path.join(colaDir, '..', 'tokenized', 'out_of_domain_dev.tsv'),
    ...Object.keys(malformed).map((n) => path.join(dir, n)),
    path.join(dir, 'does-not-exist.tsv'),
  ];
  let python: PyResult[];

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cola-tsv-'));
    for (const [name, text] of Object.entries(malformed)) writeFileSync(path.join(dir, name), text);
    python = pythonJson([path.join(repoRoot, 'test', 'fixtures', 'read_tsv.py'), ...files()]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the real CoLA files exactly like the trainer (rows, labels, trimmed sentences, line numbers)', () => {
    const counts: number[] = [];
    files()
      .slice(0, 4)
      .forEach((file, i) => {
        const ts = readColaTsv(file).map((e) => [e.source, e.label, e.sentence, e.line]);
        const py = python[i];
        assert.ok('rows' in py, `python failed on ${file}`);
        assert.deepEqual(ts, py.rows, file);
        counts.push(ts.length);
      });
    assert.deepEqual(counts, [8551, 516, 8551, 516]);
  });

  it('malformed files: the same verdict and the same line as the trainer', () => {
    const all = files();
    for (let i = 4; i < all.length; i++) {
      const file = all[i];
      const py = python[i];
      let ts: PyResult;
      try {
        ts = { rows: readColaTsv(file).map((e) => [e.source, e.label, e.sentence, e.line] as [string, number, string, number]) };
      } catch (e) {
        assert.ok(e instanceof ColaFormatError, `${file}: ${e}`);
        ts = { error: e.message, line: e.line ?? null };
      }
      if ('rows' in py) assert.deepEqual(ts, py, path.basename(file));
      else {
        assert.ok('error' in ts, `${path.basename(file)}: the trainer rejects it (${py.error}) but TypeScript accepted it`);
        assert.equal(ts.line, py.line, `${path.basename(file)}: line`);
        assert.equal(ts.error, py.error, `${path.basename(file)}: message`);
      }
    }
  });

  it('errors name the file and line', () => {
    assert.throws(() => parseColaTsv('a\t1\t\tok\nb\tx\t\tbad\n', '/d/f.tsv'), (e: unknown) => e instanceof ColaFormatError && e.line === 2 && /f\.tsv line 2: label must be 0 or 1, found 'x'/.test(e.message));
    assert.throws(() => readColaTsv(path.join(os.tmpdir(), 'nope-cola.tsv')), /CoLA file not found/);
  });

  it('rejects a file that is not UTF-8', () => {
    const f = path.join(dir, 'latin1.tsv');
    writeFileSync(f, Buffer.from([0x61, 0x09, 0x31, 0x09, 0x09, 0xe9, 0x0a]));
    assert.throws(() => readColaTsv(f), /not UTF-8/);
  });
});
