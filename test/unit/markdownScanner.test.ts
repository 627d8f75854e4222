import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { differences } from '../../bench/diffExtract';
import { HOSTILE, ordinaryMarkdown } from '../../bench/hostileMarkdown';
import { proseFilesIn } from '../../src/cli/sentences';
import { forEachMarkdownBlock, DEFAULT_PROSE_OPTIONS } from '../../src/core/extraction/markdownProse';
import type { ProseBlock } from '../../src/core/extraction/proseBlock';
import { MASK_WORD } from '../../src/core/prose';
import { DEFAULT_SEGMENT_OPTIONS, documentSentences, type SegmentOptions } from '../../src/core/sentences';

const X = MASK_WORD;
const all: SegmentOptions = { ...DEFAULT_SEGMENT_OPTIONS, headings: true, tables: true, minWords: 1 };

function texts(source: string, options: SegmentOptions = all): string[] {
  return documentSentences(source, 'markdown', options).sentences.map((s) => s.text);
}

/** The new scanner and the micromark reference give the same sentences (text, range, masked) for `source`. */
function sameAsReference(source: string, options: SegmentOptions = all): void {
  const d = differences(source, options);
  assert.deepEqual({ onlyReference: d.onlyReference.map((s) => [s.start, s.end, s.text]), onlyNew: d.onlyNew.map((s) => [s.start, s.end, s.text]) }, { onlyReference: [], onlyNew: [] }, JSON.stringify(source));
}

describe('Markdown scanner (src/core/extraction/): tricky cases, checked against the micromark reference', () => {
  const cases: Record<string, { source: string; expect?: string[] }> = {
    'code spans with backtick runs': {
      source: 'Use ``a ` b`` here and `c`` d` there. A lone `` ` `` tick. Unclosed ``` stays text.\n',
      expect: [`Use ${X} here and ${X} there.`, `A lone ${X} tick.`, 'Unclosed ``` stays text.'],
    },
    'backslash before a backtick': { source: 'Escaped \\`not code\\` here and `real` code.\n', expect: [`Escaped \`not code\` here and ${X} code.`] },
    'nested emphasis': {
      source: 'This ***very*** and *nested **strong** text* and _under_score_ words and **unclosed emphasis.\n',
      expect: ['This very and nested strong text and under_score words and **unclosed emphasis.'],
    },
    'intraword and flanking delimiters': { source: 'snake_case_name and 2 * 3 * 4 and a*b*c and ~~gone~~ ~one~ ~~~three~~~.\n' },
    'links with nested brackets': {
      source: 'See [the [inner] text](https://x.y "t") and [a [b](u) c](v) and ![alt [x]](i.png) now.\n',
      expect: [`See the [inner] text and [a b c](v) and ${X} now.`],
    },
    'reference links': {
      source: 'A [full][Ref], a [collapsed][], a [Ref] shortcut and an [undefined] one.\n\n[ref]: https://example.com\n[collapsed]: /c "Title"\n',
      expect: ['A full, a collapsed, a Ref shortcut and an [undefined] one.'],
    },
    'reference definitions spanning lines, then a paragraph': { source: '[a]:\n  /url\n  "title"\nThe paragraph after it.\n\n[b]: /x\n\'not a title\' stays.\n' },
    'autolinks and literal URLs': {
      source: 'Mail <me@x.org> or <https://x.org/a> or www.example.com/path. Also https://x.y/a_(b). And a@b.co.\n',
      // One sentence: a sentence ending in the placeholder looks like an initial ("X.") to the splitter.
      expect: [`Mail ${X} or ${X} or ${X}. Also ${X}. And ${X}.`],
    },
    'a link whose text is its URL': { source: 'Go to [https://a.b/c](https://a.b/c) now and [a.b](http://a.b) too.\n' },
    'inline HTML and entities': { source: 'Press <kbd>Ctrl</kbd>+<kbd>C</kbd> &amp; go &copy; &#65;&#x42; &bogus; <!-- gone --> on.\n' },
    'HTML blocks': {
      source: '<div>\nHidden *block*.\n</div>\n\nShown text here.\n\n<!--\nA comment\n\nwith a blank line.\n-->\n\n<custom-tag>\nHidden again.\n\nShown after the blank.\n',
      expect: ['Shown text here.', 'Shown after the blank.'],
    },
    'lists in quotes, lazy lines and task items': {
      source: '> - A quoted item\ncontinued lazily.\n>   1. Nested ordered item.\n>\n> - [x] A done task.\n> - [ ]\n\n- item\n\n  indented second paragraph.\n',
      // `- [ ]` with nothing after it is no task: its text "[ ]" has no word to judge.
      expect: ['A quoted item continued lazily.', 'Nested ordered item.', 'A done task.', 'item', 'indented second paragraph.'],
    },
    'setext headings': {
      source: 'Title line\n===\n\nA paragraph\nwith two lines\n---\n\nNot a heading\n\n---\n',
      expect: ['Title line', 'A paragraph with two lines', 'Not a heading'],
    },
    'tables': {
      // A pipe splits cells even inside a code span (GFM), so `b `|` c` makes three header cells and no table.
      source: 'Intro text.\n| a | b `x` c |\n| - | :-: |\n| cell one | cell \\| two |\nlazy row\n\n| a | b `|` c |\n| - | - |\n',
      expect: ['Intro text.', 'a', `b ${X} c`, 'cell one', 'cell | two', 'lazy row', `| a | b ${X} c | | - | - |`],
    },
    'front matter': { source: '---\ntitle: Front\n---\nBody text here.\n', expect: ['Body text here.'] },
    'unclosed front matter is a thematic break': { source: '---\ntitle: x\n' },
    'math': {
      source: 'Inline $x^2$ and $$y$$ math.\n\n$$\nE = mc^2\n$$\n\nCosts $5 and $10 today.\n',
      expect: [`Inline ${X} and ${X} math.`, `Costs ${X}10 today.`],
    },
    'footnotes': {
      source: 'A claim.[^1] An undefined[^nope] call. Wow![^1]\n\n[^1]: The note\n    continues here.\n',
      expect: ['A claim.', 'An undefined[^nope] call.', 'Wow!', 'The note continues here.'],
    },
    'code blocks and tabs': { source: '\tindented code\n\n```js\nfenced code\n```\n\n~~~\ntilde\n~~~\n\n-\tTabbed item text.\n\n>\tTabbed quote text.\n' },
    'hard breaks and escapes': { source: 'Line one  \nline two\\\nline three \\* star \\\\ slash.\n' },
    'CRLF and CR line endings': { source: 'First line\r\nsecond line.\r\n\r\n> Quote\r\n> more.\rLast.\r' },
  };
  for (const [name, { source, expect }] of Object.entries(cases)) {
    it(name, () => {
      sameAsReference(source);
      sameAsReference(source, DEFAULT_SEGMENT_OPTIONS);
      if (expect) assert.deepEqual(texts(source), expect);
    });
  }

  const corpus = path.resolve(__dirname, '..', '..', '..', 'shared', 'datasets', 'prose');
  (existsSync(corpus) ? it : it.skip)('gives the reference sentences on every 25th document of the prose corpus (bench/diffExtract.ts checks all)', function () {
    this.timeout(120_000);
    const files = proseFilesIn(corpus).filter((f, i) => f.endsWith('.md') && i % 25 === 0);
    assert.ok(files.length >= 25);
    let sentences = 0;
    for (const file of files) {
      const d = differences(readFileSync(file, 'utf8'), DEFAULT_SEGMENT_OPTIONS);
      sentences += d.total;
      assert.deepEqual([d.onlyReference.length, d.onlyNew.length], [0, 0], path.basename(file));
    }
    assert.ok(sentences > 1000);
  });
});

describe('Markdown scanner: a paragraph read as one stretch of source', () => {
  // Lines joined by '\n' alone are read as one slice of the source and copied whitespace piece by piece
  // (for memory); indented or CRLF lines, tabs and no-break spaces must come out as they did line by line.
  const block = (source: string) => {
    const blocks: ProseBlock[] = [];
    forEachMarkdownBlock(source, DEFAULT_PROSE_OPTIONS, false, undefined, (b) => blocks.push(b));
    assert.equal(blocks.length, 1);
    return blocks[0];
  };
  it('maps every character of a hard-wrapped paragraph with tabs and no-break spaces to its own source character', () => {
    const source = 'One\tline of text,\nand\u00a0another one.\nA third\u2003line ends it.\n';
    const b = block(source);
    assert.equal(b.text, source.trimEnd().replace(/\s/g, ' '));
    for (let i = 0; i < b.text.length; i++) assert.deepEqual([b.start(i), b.end(i)], [i, i + 1], `character ${i}`);
  });
  for (const [name, source] of [
    ['CRLF', 'First line of it,\r\nsecond\tline.\r\n'],
    ['indented', 'First line of it,\n   second line.\n'],
  ] as const) {
    it(`keeps ${name} lines apart in the map, and matches the reference`, () => {
      const b = block(source);
      assert.equal(b.text, 'First line of it, second line.');
      const second = b.text.indexOf('second');
      assert.equal(source.slice(b.start(second), b.end(second + 5)), 'second');
      assert.equal(source[b.start(second - 1)], name === 'CRLF' ? '\r' : '\n');
      sameAsReference(source);
    });
  }
  it('finds the same sentences as the reference in a hard-wrapped paragraph with inline marks across lines', () => {
    sameAsReference('The *parser reads\nthe file* and `co\nde` spans.\nA [link\ntext](https://example.com) ends\nit here. Done\\\nnow.\n');
  });
});

describe('Markdown scanner: random Markdown-like text', () => {
  it('never throws, and every sentence lies inside the text with its first and last characters in place', () => {
    const pieces = ['```', '\n\n', '\n', ' word', 'Text here.', '$$', '$', '<!--', '-->', '> ', '- ', '1. ', '    ', '\t', '---\n', '[ref]', '[x]: /u\n', '. Next', '`', '``', '*', '**', '_', '~~', '#', '|', '| a | b |\n| - | - |\n', '[', ']', '(', ')', '![', '<a href="x">', '</a>', '&amp;', '&#', '\\', 'www.x.org', 'http://a.b/c.', 'a@b.co', '[^1]', '[^1]: note\n', '<div>', '\r\n', '===', '"', "'", '<http://x.y>', ':'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let d = 0; d < 1_000; d++) {
      let text = '';
      for (let i = 5 + Math.floor(random() * 60); i > 0; i--) text += pieces[Math.floor(random() * pieces.length)];
      for (const s of documentSentences(text, 'markdown', all).sentences) {
        assert.ok(s.start >= 0 && s.start < s.end && s.end <= text.length, JSON.stringify([text, s]));
        const words = s.text.split(' ');
        // The range starts at the sentence's first character, or at the escape or reference that stands for it.
        const first = text[s.start];
        if (!words[0].startsWith(X) && first !== '\\' && first !== '&') assert.equal(first, s.text[0], JSON.stringify([text, s.text]));
      }
    }
  });
});

describe('Markdown scanner: linear without the guard', function () {
  this.timeout(120_000);
  /** CPU milliseconds of `documentSentences` (no markupGuard in front). */
  const cpuMs = (text: string) => {
    const c0 = process.cpuUsage();
    documentSentences(text, 'markdown');
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  const lines = (size: number, line: (i: number) => string) => {
    const out: string[] = [];
    for (let n = 0, i = 0; n < size; i++) {
      out.push(line(i));
      n += out[out.length - 1].length + 1;
    }
    return out.join('\n');
  };
  const inputs: Record<string, (size: number) => string> = {
    // Each grows the thing that was rescanned with the input: the nesting, the indentation, the dot run.
    'a list nested at every marker': (n) => `${'- '.repeat(n / 2)}x`,
    'items 1,000 deep, continued by indentation': (n) => `${'- '.repeat(1_000)}item\n${lines(n, () => `${'  '.repeat(1_000)}- item`)}`,
    'runs of dots after URLs': (n) => `see http://a.b/${'.'.repeat(n / 2)}x and www.a${'.'.repeat(n / 2)}x`,
    'dense emphasis, brackets and code': (n) => lines(n, () => '*_[`'.repeat(2_000)),
    'reference labels in brackets': (n) => `[a]: /u\n\n${lines(n, () => `${'['.repeat(50)}${'a'.repeat(500)}${']'.repeat(50)}`)}`,
    'unclosed titles and comments': (n) => lines(n, () => `[a](b "${'c '.repeat(50)} <!-- ${'d '.repeat(50)}`),
    'a URL or math in every sentence of one paragraph': (n) => lines(n, () => 'Go www.a.bc now. See $x$ too. '.repeat(4)),
  };
  // Ordinary Markdown of the same size, measured alongside, is the yardstick: whatever load the machine
  // carries slows both. What rescans a line or a run per position took 20-200× longer than it.
  let ordinary = 0;
  before(() => {
    cpuMs(ordinaryMarkdown(400_000)); // warm up the JIT
    ordinary = Math.max(cpuMs(ordinaryMarkdown(800_000)), 20);
  });
  for (const [name, make] of Object.entries(inputs)) {
    it(`${name}: 800 kB cost less than 4× what 800 kB of ordinary Markdown cost`, () => {
      const ms = cpuMs(make(800_000));
      assert.ok(ms < 4 * ordinary, `${ms.toFixed(0)} ms, ordinary Markdown ${ordinary.toFixed(0)} ms`);
    });
  }

  it('reads every hostile input of issue 14 at 300 kB in under 3 s of CPU, guard or not', () => {
    for (const [name, { make }] of Object.entries(HOSTILE)) {
      const ms = cpuMs(make(300_000));
      assert.ok(ms < 3_000, `${name}: ${ms.toFixed(0)} ms`);
    }
  });
});
