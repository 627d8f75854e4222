// Reading prose files as editors do (src/core/textFile.ts), and extraction when a document starts with a
// byte order mark: positions must be the ones VS Code and LSP clients count.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CHECK_OPTIONS, extractOptionsOf, extractSentences } from '../../src/core/documentChecker';
import { checkRegularFile, decodeText, DEFAULT_MAX_FILE_BYTES, readRegularFile, readStreamLimited, readTextFile, TextFileError } from '../../src/core/textFile';

const BOM = '\uFEFF';

function utf16(text: string, bigEndian: boolean): Buffer {
  const le = Buffer.from(`${BOM}${text}`, 'utf16le');
  if (!bigEndian) return le;
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1];
    be[i + 1] = le[i];
  }
  return be;
}

describe('text files', () => {
  const text = 'Him go store. 😀 The cat sat — “quoted” 日本語.\r\nNext line.\n';

  it('decodes UTF-8, with or without a byte order mark, and drops the mark', () => {
    assert.deepEqual(decodeText(Buffer.from(text, 'utf8'), 'a.md'), { text, encoding: 'utf-8' });
    assert.deepEqual(decodeText(Buffer.from(`${BOM}${text}`, 'utf8'), 'a.md'), { text, encoding: 'utf-8' });
  });

  it('decodes UTF-16 little- and big-endian when a byte order mark says so', () => {
    assert.deepEqual(decodeText(utf16(text, false), 'a.md'), { text, encoding: 'utf-16le' });
    assert.deepEqual(decodeText(utf16(text, true), 'a.md'), { text, encoding: 'utf-16be' });
  });

  it('refuses invalid UTF-8, NUL bytes and UTF-16 without a mark, naming the file', () => {
    assert.throws(() => decodeText(Buffer.from([0x54, 0x68, 0xff, 0x65]), 'bad.md'), (e: unknown) => e instanceof TextFileError && e.file === 'bad.md' && /bad\.md is not valid UTF-8/.test(e.message));
    assert.throws(() => decodeText(Buffer.from('a\u0000b', 'utf8'), 'bin.md'), /bin\.md is not a text file \(it contains NUL characters/);
    assert.throws(() => decodeText(Buffer.from('Hello.', 'utf16le'), 'u16.md'), /UTF-16 without a byte order mark/);
    assert.throws(() => decodeText(Buffer.concat([utf16('Hi.', true), Buffer.from([0x41])]), 'odd.md'), /odd\.md is not valid UTF-16BE/);
  });

  it('says why a path cannot be read', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-textfile-'));
    try {
      mkdirSync(path.join(dir, 'docs'));
      writeFileSync(path.join(dir, 'ok.md'), `${BOM}Fine.`);
      assert.deepEqual(readTextFile(path.join(dir, 'ok.md')), { text: 'Fine.', encoding: 'utf-8' });
      assert.throws(() => readTextFile(path.join(dir, 'nope.md')), /nope\.md does not exist\./);
      assert.throws(() => readTextFile(path.join(dir, 'docs')), /docs is a folder, not a file \(pass the files in it, e\.g\. docs\/\*\.md\)\./);
      assert.throws(() => checkRegularFile(path.join(dir, 'docs'), { folderHint: 'pass the TSV in it' }), /docs is a folder, not a file \(pass the TSV in it\)\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads regular files only: a FIFO or a device fails at once instead of blocking or growing', function () {
    if (process.platform === 'win32') this.skip();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-textfile-special-'));
    try {
      const fifo = path.join(dir, 'fifo.md');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
      // Opening a FIFO without O_NONBLOCK waits for a writer forever (and blocks this thread with it).
      assert.throws(() => readTextFile(fifo), (e: unknown) => e instanceof TextFileError && e.file === fifo && /fifo\.md is a named pipe \(FIFO\), not a regular file/.test(e.message));
      assert.throws(() => readTextFile('/dev/zero'), /\/dev\/zero is a device, not a regular file\./);
      assert.throws(() => checkRegularFile('/dev/null'), /\/dev\/null is a device/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('caps the size: 10 MiB by default, the message says how to raise it', () => {
    assert.equal(DEFAULT_MAX_FILE_BYTES, 10 * 1024 * 1024);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cola-textfile-size-'));
    try {
      const file = path.join(dir, 'big.md');
      writeFileSync(file, Buffer.alloc(3 * 1024 * 1024 + 1, 0x61));
      assert.throws(() => readRegularFile(file, { maxBytes: 3 * 1024 * 1024, raiseWith: '--max-file-mb' }), /big\.md is 3\.0 MiB, over the 3\.0 MiB limit for one file; if it really is one document, raise the limit with --max-file-mb 4\./);
      assert.equal(readRegularFile(file, { maxBytes: 4 * 1024 * 1024 }).length, 3 * 1024 * 1024 + 1);
      assert.equal(readRegularFile(file).length, 3 * 1024 * 1024 + 1, 'under the default');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops reading a stream at the limit (an endless stdin ends with an error, not out of memory)', async () => {
    let produced = 0;
    async function* endless() {
      for (;;) {
        produced += 65536;
        yield Buffer.alloc(65536);
      }
    }
    await assert.rejects(readStreamLimited(endless(), 'standard input', { maxBytes: 1024 * 1024, raiseWith: '--max-file-mb' }), /standard input holds more than the 1\.0 MiB limit for one file; if it really is one document, raise the limit with --max-file-mb\./);
    assert.ok(produced <= 1024 * 1024 + 65536, `read ${produced} bytes`);
    assert.deepEqual(await readStreamLimited((async function* () { yield Buffer.from('ab'); yield 'c'; })(), 'stdin'), Buffer.from('abc'));
  });
});

describe('extraction after a byte order mark', () => {
  for (const language of ['markdown', 'plaintext'] as const) {
    it(`${language}: same sentences as without the mark, one code unit later, first line one character later`, () => {
      const body = 'The dog barked the cat loudly. Him go store. The cat sat on the mat.\nSecond line here now.\n\nHim go store again now.\n';
      const options = extractOptionsOf({ ...DEFAULT_CHECK_OPTIONS, language });
      const plain = extractSentences(body, options).sentences;
      const marked = extractSentences(`${BOM}${body}`, options).sentences;
      assert.ok(plain.length >= 4);
      assert.deepEqual(
        marked.map((s) => s.text),
        plain.map((s) => s.text),
      );
      const source = `${BOM}${body}`;
      marked.forEach((s, i) => {
        const p = plain[i];
        assert.equal(s.start, p.start + 1);
        assert.equal(s.end, p.end + 1);
        const shift = (line: number) => (line === 0 ? 1 : 0);
        assert.deepEqual(s.range, {
          start: { line: p.range.start.line, character: p.range.start.character + shift(p.range.start.line) },
          end: { line: p.range.end.line, character: p.range.end.character + shift(p.range.end.line) },
        });
        // The range covers the whole sentence, final period included (micromark once made it drop one).
        assert.equal(source.slice(s.start, s.end).replace(/\s+/g, ' '), s.text);
      });
    });
  }
});
