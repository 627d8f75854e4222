// The hostile inputs of issue 14 (items 4-7), generated at any size: the regression corpus that
// test/unit/extractionHostile.test.ts runs and `npm run bench:extract` times. Generated, never stored.

const repeatTo = (piece: string, length: number) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length);

function linesOf(length: number, line: (i: number) => string, separator = '\n'): string {
  const out: string[] = [];
  let n = 0;
  for (let i = 0; n < length; i++) {
    const l = line(i);
    out.push(l);
    n += l.length + separator.length;
  }
  return out.join(separator) + '\n';
}

const WORDS = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'a', 'lazy', 'dog', 'again'];

/** Each hostile input and what extraction is expected to skip for it (undefined: nothing, it must just be fast). */
export const HOSTILE: Record<string, { make(length: number): string; skips?: 'long-line' | 'deep-nesting' | 'dense-markup' }> = {
  // Item 4: one hard-wrapped paragraph of plain sentences (was quadratic in splitting).
  'hard-wrapped paragraph': { make: (n) => linesOf(n, (i) => `${WORDS.map((w, j) => (j === 0 && i % 2 === 0 ? 'The' : w)).join(' ')}${i % 2 ? '.' : ''}`) },
  // Item 4: a line over the line limit (was parsed and split before being skipped).
  'one long line': { make: (n) => `A normal sentence comes first.\n\n${repeatTo('Words go on and on. ', n)}\n\nA normal sentence comes last.\n`, skips: 'long-line' },
  // Item 5: mixed emphasis/link/code characters on one line and in 8,000-character lines of one paragraph.
  'dense markup line': { make: (n) => `${repeatTo('*_[`', Math.min(n, 9_000))}\n`, skips: 'dense-markup' },
  'dense markup paragraph': { make: (n) => linesOf(n, () => repeatTo('*_[`', 8_000)), skips: 'dense-markup' },
  'dense markup paragraphs': { make: (n) => linesOf(n, () => repeatTo('*_', 256), '\n\n'), skips: 'dense-markup' },
  'unmatched brackets among lines': { make: (n) => linesOf(n, (i) => (i % 10 === 0 ? ']' : 'a')), skips: 'dense-markup' },
  'emphasis in every word of one paragraph': { make: (n) => linesOf(n, () => repeatTo('a *b* ', 600)), skips: 'dense-markup' },
  'emphasis in every word of short paragraphs': { make: (n) => linesOf(n, () => repeatTo('a *b* ', 120), '\n\n') },
  // Items 6 and 7: deep block quotes and lists, up to the depth that overflowed the stack.
  'blockquote 1,000 deep': { make: (n) => linesOf(n, () => `${'> '.repeat(1_000)}x`), skips: 'deep-nesting' },
  // Under the 10,000-character line limit, so that the nesting itself is what gets caught.
  'blockquote 9,000 deep': { make: (n) => linesOf(n, () => `${'>'.repeat(9_000)}x`), skips: 'deep-nesting' },
  'list 4,900 deep': { make: (n) => linesOf(n, () => `${'- '.repeat(4_900)}x`), skips: 'deep-nesting' },
  'mixed quote and list 3,300 deep': { make: (n) => linesOf(n, () => `${'>- '.repeat(3_300)}x`), skips: 'deep-nesting' },
  // Over the line limit: cut before parsing.
  'blockquote 10,000 deep on one line': { make: () => `${'> '.repeat(10_000)}x\n`, skips: 'long-line' },
  'list staircase': { make: (n) => linesOf(n, (i) => `${' '.repeat(2 * (i % 1_000))}- item`), skips: 'deep-nesting' },
};

/** Ordinary Markdown prose (headings, lists, links, code, quotes, tables) of about `length` characters. */
export function ordinaryMarkdown(length: number): string {
  const section = (i: number) =>
    [
      `## Section ${i}`,
      '',
      `The ${WORDS[i % 10]} report explains how the *parser* reads a file. It keeps [the links](https://example.com/${i}) and masks \`code\` spans.`,
      'Each paragraph holds a few sentences, wrapped at a comfortable width so that',
      'editors show them well. Nothing here is unusual for a README or a guide.',
      '',
      `- The first item of list ${i} is a short sentence.`,
      '- The second item has **bold** text and a [reference][ref].',
      '',
      '> A quoted remark closes the section. It has two sentences.',
      '',
      '```js',
      `const answer = ${i} * 2; // code is never read as prose`,
      '```',
      '',
      '| name | value |',
      '| --- | --- |',
      `| row ${i} | cell |`,
      '',
    ].join('\n');
  const parts: string[] = ['[ref]: https://example.com/ref\n'];
  let n = parts[0].length;
  for (let i = 0; n < length; i++) {
    const s = section(i);
    parts.push(s);
    n += s.length;
  }
  return parts.join('\n');
}
