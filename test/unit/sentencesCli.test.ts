import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli';
import { DEFAULT_CHECK_OPTIONS, extractOptionsOf, extractSentences } from '../../src/core/documentChecker';
import { io } from './helpers/cliIo';


const DOC = [
  '---',
  'title: Front matter is not prose',
  '---',
  '# A heading is not judged',
  '',
  'The `parse()` function reads the whole file. It returns a tree',
  'that the checker walks.',
  '',
  '```python',
  'print("code is never a sentence")',
  '```',
  '',
  '| a table | cell |',
  '| --- | --- |',
  '| is left | out |',
  '',
].join('\n');

describe('cola-bert sentences', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sentences-'));
    mkdirSync(path.join(dir, 'sub'));
    mkdirSync(path.join(dir, '.hidden'));
    writeFileSync(path.join(dir, 'sub', 'b.md'), DOC);
    writeFileSync(path.join(dir, 'a.txt'), 'Plain text has sentences too. Here is one more.\n');
    writeFileSync(path.join(dir, 'notes.rst'), 'Not searched in a folder.\n');
    writeFileSync(path.join(dir, '.hidden', 'c.md'), 'Hidden folders are skipped entirely.\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints exactly the sentences check would judge, masked the same way, with file and lines', async () => {
    const file = path.join(dir, 'sub', 'b.md');
    const t = io();
    assert.equal(await main(['sentences', '--json', file], t), 0);
    const rows = t.out().trim().split('\n').map((l) => JSON.parse(l));
    const expected = extractSentences(DOC, { ...extractOptionsOf(DEFAULT_CHECK_OPTIONS), language: 'markdown' }).sentences;
    assert.deepEqual(rows, expected.map((s) => ({ file, range: s.range, text: s.text, masked: s.masked })));
    assert.deepEqual(rows.map((r) => r.text), ['The X function reads the whole file.', 'It returns a tree that the checker walks.']);
    assert.equal(rows[0].masked, true);
    const plain = io();
    assert.equal(await main(['sentences', file], plain), 0);
    assert.equal(plain.out(), `${file}:6: The X function reads the whole file.\n${file}:6-7: It returns a tree that the checker walks.\n`);
  });

  it('searches folders for Markdown and .txt in sorted order, skipping hidden folders', async () => {
    const t = io();
    assert.equal(await main(['sentences', dir], t), 0);
    const files = [...new Set(t.out().trim().split('\n').map((l) => l.slice(0, l.indexOf(':'))))];
    assert.deepEqual(files, [path.join(dir, 'a.txt'), path.join(dir, 'sub', 'b.md')]);
  });

  it('a missing file is exit 2 with its name; no arguments is a usage error', async () => {
    const t = io();
    assert.equal(await main(['sentences', path.join(dir, 'nope.md')], t), 2);
    assert.match(t.err(), /nope\.md/);
    const u = io();
    assert.equal(await main(['sentences'], u), 2);
    assert.match(u.err(), /no files or folders given/);
  });
});
