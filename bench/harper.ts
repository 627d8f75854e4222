// Harper (harper.js, a rule-based grammar checker that runs offline in WebAssembly) as the baseline that
// bench:quality measures side by side with our model on the same held-out sentences.
import type { LocalLinter } from 'harper.js';

/**
 * Lint kinds that speak to grammar rather than spelling, style or layout. Our corruptions never misspell a
 * word, and a writer's "clean" sentence with a rare technical term is not a grammar error, so the baseline
 * counts these; the raw count over every kind is reported beside it.
 */
export const GRAMMAR_KINDS: ReadonlySet<string> = new Set([
  'Agreement', 'BoundaryError', 'Eggcorn', 'Grammar', 'Malapropism', 'Miscellaneous', 'Nonstandard',
  'Punctuation', 'Redundancy', 'Repetition', 'Typo', 'Usage', 'WordChoice',
]);

export interface HarperVerdict {
  /** Lint kinds Harper reported inside the sentence (one entry per lint). */
  kinds: string[];
  /** Any lint at all. */
  anyLint: boolean;
  /** A lint of a grammar kind (GRAMMAR_KINDS). */
  grammarLint: boolean;
}

// Sentences are linted together as paragraphs of one plain-text document (one WebAssembly call per chunk
// instead of one per sentence: ~100× fewer calls); a lint belongs to the sentence its span starts in.
const SEPARATOR = '\n\n';
const CHUNK_CHARS = 20_000;

export class HarperBaseline {
  private linter?: LocalLinter;

  async setup(): Promise<void> {
    // harper.js is published as ES modules only (no `require` export), so it is loaded with import().
    const { Dialect, LocalLinter } = await import('harper.js');
    const { binaryInlined } = await import('harper.js/binaryInlined');
    this.linter = new LocalLinter({ binary: binaryInlined, dialect: Dialect.American });
    await this.linter.setup();
  }

  async check(sentences: readonly string[]): Promise<HarperVerdict[]> {
    if (!this.linter) throw new Error('HarperBaseline.setup() first');
    const verdicts: HarperVerdict[] = sentences.map(() => ({ kinds: [], anyLint: false, grammarLint: false }));
    let first = 0;
    while (first < sentences.length) {
      // Harper's spans count Unicode scalar values, so offsets are kept in code points.
      const starts: number[] = [];
      let text = '';
      let chars = 0;
      let last = first;
      while (last < sentences.length && (last === first || text.length < CHUNK_CHARS)) {
        const sentence = sentences[last].replace(/\s+/g, ' ').trim();
        if (last > first) {
          text += SEPARATOR;
          chars += SEPARATOR.length;
        }
        starts.push(chars);
        text += sentence;
        chars += Array.from(sentence).length;
        last++;
      }
      for (const lint of await this.linter.lint(text, { language: 'plaintext' })) {
        const start = lint.span().start;
        let i = starts.length - 1;
        while (i > 0 && starts[i] > start) i--;
        const v = verdicts[first + i];
        const kind = lint.lint_kind();
        v.kinds.push(kind);
        v.anyLint = true;
        if (GRAMMAR_KINDS.has(kind)) v.grammarLint = true;
      }
      first = last;
    }
    return verdicts;
  }
}
