import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MASK_WORD, markdownProse, plaintextProse, proseLanguageOf } from '../../src/core/prose';
import { DEFAULT_SEGMENT_OPTIONS, documentSentences, IncrementalSentences, type SegmentOptions } from '../../src/core/sentences';
import { markdownChunks } from '../../src/core/prose';
import { LineIndex } from '../../src/core/positions';
import { ordinaryMarkdown } from '../../bench/hostileMarkdown';

const fixtures = path.join(__dirname, '..', 'fixtures', 'markdown');
const read = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

function texts(source: string, options: Partial<SegmentOptions> = {}): string[] {
  return documentSentences(source, 'markdown', { ...DEFAULT_SEGMENT_OPTIONS, ...options }).sentences.map((s) => s.text);
}

/** Every sentence's range must point at exactly its source slice, and start/end must round-trip. */
function assertRangesExact(source: string, options: Partial<SegmentOptions> = {}, language: 'markdown' | 'plaintext' = 'markdown') {
  const index = new LineIndex(source);
  const lines = source.split(/\r\n|\r|\n/);
  const result = documentSentences(source, language, { ...DEFAULT_SEGMENT_OPTIONS, ...options });
  for (const s of result.sentences) {
    assert.equal(index.offset(s.range.start), s.start, `start of ${s.text}`);
    assert.equal(index.offset(s.range.end), s.end, `end of ${s.text}`);
    // The range's first and last characters, read line by line as an editor would, are the sentence's.
    const first = lines[s.range.start.line].slice(s.range.start.character);
    const lastLine = lines[s.range.end.line].slice(0, s.range.end.character);
    const words = s.text.split(' ');
    if (words[0] !== MASK_WORD) assert.ok(first.startsWith(words[0]), `${JSON.stringify(first)} starts with ${words[0]}`);
    const lastWord = words[words.length - 1];
    if (!lastWord.startsWith(MASK_WORD)) assert.ok(lastLine.endsWith(lastWord), `${JSON.stringify(lastLine)} ends with ${lastWord}`);
  }
  return result.sentences;
}

describe('prose extraction (Markdown)', () => {
  it('skips code fences, indented code, front matter, HTML blocks, display math, definitions and headings', () => {
    const src = read('code-and-frontmatter.md');
    assert.deepEqual(texts(src), [
      'The first paragraph has two sentences.',
      'Here is the second one.',
      `Run ${MASK_WORD} before you push the branch.`,
      `Inline ${MASK_WORD} math is masked.`,
      'See the guide for more details.',
      `Visit ${MASK_WORD} today.`,
    ]);
    for (const t of texts(src)) assert.doesNotMatch(t, /front matter|fenced|indented|Tilde|HTML|display math|definition|example\.com|npm/);
    assertRangesExact(src);
  });

  it('judges headings only when asked', () => {
    const src = read('code-and-frontmatter.md');
    assert.ok(texts(src, { headings: true }).includes('The heading is not judged by default'));
  });

  it('masks inline code but the range covers it', () => {
    const src = read('code-and-frontmatter.md');
    const s = documentSentences(src, 'markdown').sentences.find((x) => x.text.startsWith('Run '))!;
    assert.equal(src.slice(s.start, s.end), 'Run `npm test` before you push the branch.');
    assert.equal(s.masked, true);
  });

  it('strips list markers and quote markers but maps ranges to the source', () => {
    const src = read('lists-quotes.md');
    const sentences = assertRangesExact(src);
    assert.deepEqual(
      sentences.map((s) => s.text),
      [
        'The first item is a full sentence.',
        'The second item spans two lines of the list.',
        'A nested ordered item is here.',
        'It continues on this line.',
        'Deeper nesting works as well.',
        'A quoted sentence starts here and ends on the next line.',
        'A nested quote is also prose.',
        'A task list item is prose too.',
      ],
    );
    const quoted = sentences[5];
    assert.equal(src.slice(quoted.start, quoted.end), 'A quoted sentence starts here\n> and ends on the next line.');
    assert.deepEqual(quoted.range, { start: { line: 7, character: 2 }, end: { line: 8, character: 28 } });
    assert.deepEqual(sentences[6].range.start, { line: 10, character: 4 });
  });

  it('reads table cells only when tables are enabled', () => {
    const src = read('tables.md');
    assert.deepEqual(texts(src), ['Text after the table is prose.']);
    assert.deepEqual(texts(src, { tables: true }), ['What it does', 'The table cell is a sentence here.', 'Text after the table is prose.']);
    const cell = documentSentences(src, 'markdown', { ...DEFAULT_SEGMENT_OPTIONS, tables: true }).sentences[1];
    assert.deepEqual(cell.range, { start: { line: 2, character: 9 }, end: { line: 2, character: 43 } });
  });

  it('handles CRLF line endings and tabs', () => {
    const src = read('crlf.md');
    assert.ok(src.includes('\r\n'), 'fixture keeps its CRLF endings');
    const sentences = assertRangesExact(src);
    assert.deepEqual(sentences.map((s) => s.text), [
      'The first line ends with CRLF and the sentence goes on.',
      'Tabs are here.',
      'Quoted with CRLF still one sentence.',
    ]);
    assert.deepEqual(sentences[0].range, { start: { line: 2, character: 0 }, end: { line: 3, character: 25 } });
    assert.deepEqual(sentences[1].range, { start: { line: 3, character: 26 }, end: { line: 3, character: 40 } });
    assert.deepEqual(sentences[2].range, { start: { line: 5, character: 2 }, end: { line: 6, character: 21 } });
  });

  it('counts emoji and other non-BMP characters as two UTF-16 code units', () => {
    const src = read('emoji.md');
    const sentences = assertRangesExact(src);
    const second = sentences.find((s) => s.text.startsWith('Then'))!;
    // "The cat 😺 sat on the mat. " is 27 code units (the cat emoji is a surrogate pair).
    assert.deepEqual(second.range, { start: { line: 0, character: 27 }, end: { line: 0, character: 60 } });
    assert.equal(second.text, 'Then 𝒳 marked the spot 🎉 again.');
    const last = sentences[sentences.length - 1];
    assert.equal(last.text, 'Emoji at the end 👍🏽.');
    assert.equal(src.split('\n')[2].slice(last.range.start.character, last.range.end.character), 'Emoji at the end 👍🏽.');
  });

  it('decodes escapes and character references while keeping exact ranges', () => {
    const src = '> He said \\*hello\\* &amp; left &copy; here.\n> She &#x1F600; stayed.\n';
    const sentences = assertRangesExact(src);
    assert.deepEqual(sentences.map((s) => s.text), ['He said *hello* & left © here.', 'She 😀 stayed.']);
    assert.equal(src.slice(sentences[1].start, sentences[1].end), 'She &#x1F600; stayed.');
  });

  it('keeps link text, drops link destinations, masks images and bare URLs', () => {
    const src = 'Read [the **fine** manual](https://x.y/z "title") and ![a chart](c.png) at www.example.org now.\n';
    assert.deepEqual(texts(src), [`Read the fine manual and ${MASK_WORD} at ${MASK_WORD} now.`]);
  });

  it('ignores inline HTML, footnote references and one-word fragments', () => {
    const src = 'Press <kbd>Enter</kbd> to go on.[^1]\n\n[^1]: The footnote is prose too.\n\nFragment\n';
    assert.deepEqual(texts(src), ['Press Enter to go on.', 'The footnote is prose too.']);
  });

  it('does not break after titles, initials and dotted acronyms', () => {
    const src = 'Mary asked me if, in St. Louis, John could rent a house. Mr. Smith and John F. Kennedy met in the U.S. Army camp. It rained.\n';
    assert.deepEqual(texts(src), ['Mary asked me if, in St. Louis, John could rent a house.', 'Mr. Smith and John F. Kennedy met in the U.S. Army camp.', 'It rained.']);
  });

  it('gives blocks whose source maps are as long as their text', () => {
    for (const name of ['code-and-frontmatter.md', 'lists-quotes.md', 'crlf.md', 'emoji.md']) {
      for (const b of markdownProse(read(name))) {
        for (let i = 0; i < b.text.length; i++) assert.ok(b.start(i) < b.end(i), 'every character has a source span');
        for (let i = 1; i < b.text.length; i++) assert.ok(b.start(i) >= b.start(i - 1), 'source map is monotonic');
      }
    }
  });
});

describe('prose extraction (plain text)', () => {
  it('splits on blank lines and joins lines inside a paragraph', () => {
    const src = 'First line of one\r\nparagraph here.   Second sentence.\r\n\r\n  \r\nAnother paragraph\tis here.\n';
    const sentences = assertRangesExact(src, {}, 'plaintext');
    assert.deepEqual(sentences.map((s) => s.text), ['First line of one paragraph here.', 'Second sentence.', 'Another paragraph is here.']);
    assert.deepEqual(sentences[2].range, { start: { line: 4, character: 0 }, end: { line: 4, character: 26 } });
    assert.equal(plaintextProse('').length, 0);
  });

  it('does not treat Markdown syntax specially', () => {
    const src = 'Run `npm test` first.\n';
    assert.deepEqual(documentSentences(src, 'plaintext').sentences.map((s) => s.text), ['Run `npm test` first.']);
  });

  it('maps language ids and file names', () => {
    assert.equal(proseLanguageOf('markdown'), 'markdown');
    assert.equal(proseLanguageOf('docs/README.md'), 'markdown');
    assert.equal(proseLanguageOf('notes.txt'), 'plaintext');
    assert.equal(proseLanguageOf('plaintext'), 'plaintext');
  });
});

describe('LineIndex', () => {
  it('converts offsets and positions with \\n, \\r\\n and \\r', () => {
    const index = new LineIndex('ab\r\ncd\nef\rgh');
    assert.deepEqual(index.position(0), { line: 0, character: 0 });
    assert.deepEqual(index.position(4), { line: 1, character: 0 });
    assert.deepEqual(index.position(7), { line: 2, character: 0 });
    assert.deepEqual(index.position(10), { line: 3, character: 0 });
    assert.equal(index.offset({ line: 3, character: 2 }), 12);
    assert.equal(index.lineCount, 4);
  });

  it('finds very long lines', () => {
    const index = new LineIndex(`short\n${'x'.repeat(50)}\r\nshort`);
    assert.deepEqual(index.longLines(20), [{ line: 1, start: 6, end: 56 }]);
  });
});

describe('incremental extraction', () => {
  const tricky = [
    '---',
    'title: Front matter',
    '',
    'with: a blank line inside',
    '---',
    '',
    'First paragraph uses [a reference][ref] and a footnote.[^n] It goes on.',
    '',
    '```',
    'A fence with a blank line',
    '',
    'Still code here, not prose.',
    '```',
    '',
    '<!--',
    'A comment with a blank line',
    '',
    'Still a comment.',
    '-->',
    '',
    '$$',
    'x = 1',
    '',
    'y = 2',
    '$$',
    '',
    '- A list item sentence is here.',
    '',
    '  A second paragraph in the item.',
    '- Another item follows now.',
    '',
    '    Indented code after the list.',
    '',
    '---',
    '',
    'A paragraph after a thematic break.',
    'Heading below',
    '=============',
    '',
    '> A quote',
    'with a lazy line.',
    '',
    '[ref]: https://example.com',
    '[^n]: The footnote text is prose.',
    '',
  ].join('\n');
  const sources = [tricky, ...['code-and-frontmatter.md', 'lists-quotes.md', 'tables.md', 'crlf.md', 'emoji.md'].map(read)];

  it('cuts documents into several chunks', () => {
    assert.ok(markdownChunks(tricky).length >= 8);
    // The front matter (with its blank line), the fence, the comment and the math block stay whole.
    for (const c of markdownChunks(tricky)) {
      const text = tricky.slice(c.start, c.end);
      assert.doesNotMatch(text, /^(with: a blank|Still code|Still a comment|y = 2)/);
    }
  });

  it('parses the whole document once when most of it is new, then single chunks', () => {
    const inc = new IncrementalSentences();
    inc.extract(tricky, 'markdown');
    assert.equal(inc.lastParsed, -1);
    const edited = tricky.replace('A paragraph after a thematic break.', 'A paragraph after a thematic break was edited.');
    assert.deepEqual(inc.extract(edited, 'markdown'), documentSentences(edited, 'markdown'));
    assert.equal(inc.lastParsed, 1);
    const referenced = tricky.replace('It goes on.', 'It goes on and on.');
    assert.deepEqual(inc.extract(referenced, 'markdown'), documentSentences(referenced, 'markdown'));
  });

  it('gives exactly what a whole-document parse gives', () => {
    for (const src of sources) {
      for (const options of [DEFAULT_SEGMENT_OPTIONS, { ...DEFAULT_SEGMENT_OPTIONS, headings: true, tables: true, minWords: 1 }]) {
        assert.deepEqual(new IncrementalSentences().extract(src, 'markdown', options), documentSentences(src, 'markdown', options));
      }
    }
  });

  it('reads a large document in its first pass in time linear in it, like documentSentences', function () {
    this.timeout(60_000);
    const cpuMs = (fn: () => void) => {
      const c0 = process.cpuUsage();
      fn();
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / 1000;
    };
    const doc = ordinaryMarkdown(1_600_000);
    documentSentences(ordinaryMarkdown(300_000), 'markdown'); // warm up the JIT
    const whole = Math.max(cpuMs(() => documentSentences(doc, 'markdown')), 20);
    const inc = new IncrementalSentences();
    const first = cpuMs(() => inc.extract(doc, 'markdown'));
    // Filing each sentence under its chunk by filtering all of them per chunk took 1.8 s for 2 MB.
    assert.ok(first < 3 * whole, `incremental ${first.toFixed(0)} ms, whole ${whole.toFixed(0)} ms`);
    assert.equal(inc.lastParsed, -1);
  });

  it('stays identical through a hundred random edits and re-parses only changed chunks', function () {
    this.timeout(120_000);
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = ['```', '\n\n', '\n', ' word', '$$', '<!--', '-->', '> ', '- ', '    ', '---\n', '[ref]', '[x]: /u\n', '. Next', '`', '*', '#'];
    const inc = new IncrementalSentences();
    let text = tricky + sources.slice(1).join('\n\n');
    inc.extract(text, 'markdown');
    let reused = 0;
    for (let i = 0; i < 120; i++) {
      const at = Math.floor(random() * (text.length + 1));
      if (random() < 0.35 && text.length > 10) {
        text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 6));
      } else {
        text = text.slice(0, at) + pieces[Math.floor(random() * pieces.length)] + text.slice(at);
      }
      assert.deepEqual(inc.extract(text, 'markdown'), documentSentences(text, 'markdown'), `edit ${i}`);
      if (inc.lastParsed >= 0 && inc.lastParsed < markdownChunks(text).length) reused++;
    }
    assert.ok(reused > 90, `chunks were reused in ${reused} of 120 passes`);
  });
});
