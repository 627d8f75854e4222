// `npm run diff:extract`: the differential check of the Markdown extraction against its micromark
// reference (test/reference/micromarkProse.ts). Every Markdown file under the given folders (default: the
// prose corpus, ../shared/datasets/prose) is read both ways; the sentences (text, source range, masked)
// must be the same. Prints each difference and a summary; exit 1 when any sentence differs.
//
//   npm run diff:extract -- [DIR...] [--headings] [--tables] [--quiet]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { proseFilesIn } from '../src/cli/sentences';
import { DEFAULT_SEGMENT_OPTIONS, documentSentences, sentencesOfBlocks, type SegmentOptions, type Sentence } from '../src/core/sentences';
import { micromarkProse } from '../test/reference/micromarkProse';

export interface DocumentDifference {
  file: string;
  /** Sentences only the reference gives, and only the new extractor gives. */
  onlyReference: Sentence[];
  onlyNew: Sentence[];
}

const key = (s: Sentence) => `${s.start}:${s.end}:${s.masked ? 1 : 0}:${s.text}`;

/** The sentences of `source` that differ between the reference and the new extractor (an empty result: none). */
export function differences(source: string, options: SegmentOptions): { onlyReference: Sentence[]; onlyNew: Sentence[]; total: number } {
  const reference = sentencesOfBlocks(micromarkProse(source, options, true), source, options).sentences;
  const fresh = documentSentences(source, 'markdown', options).sentences;
  const inFresh = new Set(fresh.map(key));
  const inReference = new Set(reference.map(key));
  return { onlyReference: reference.filter((s) => !inFresh.has(key(s))), onlyNew: fresh.filter((s) => !inReference.has(key(s))), total: reference.length };
}

function main(): void {
  const argv = process.argv.slice(2);
  const dirs = argv.filter((a) => !a.startsWith('--'));
  const options: SegmentOptions = { ...DEFAULT_SEGMENT_OPTIONS, headings: argv.includes('--headings'), tables: argv.includes('--tables') };
  const quiet = argv.includes('--quiet');
  const roots = dirs.length ? dirs : [path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'prose')];
  let files = 0;
  let total = 0;
  let differing = 0;
  let documents = 0;
  for (const root of roots) {
    for (const file of proseFilesIn(root)) {
      if (!file.endsWith('.md')) continue;
      files++;
      const d = differences(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), options);
      total += d.total;
      if (!d.onlyReference.length && !d.onlyNew.length) continue;
      documents++;
      differing += Math.max(d.onlyReference.length, d.onlyNew.length);
      if (quiet) continue;
      console.log(`${path.relative(process.cwd(), file)}:`);
      for (const s of d.onlyReference) console.log(`  - ${s.range.start.line + 1}:${s.range.start.character + 1}-${s.range.end.line + 1}:${s.range.end.character + 1} ${JSON.stringify(s.text)}${s.masked ? ' (masked)' : ''}`);
      for (const s of d.onlyNew) console.log(`  + ${s.range.start.line + 1}:${s.range.start.character + 1}-${s.range.end.line + 1}:${s.range.end.character + 1} ${JSON.stringify(s.text)}${s.masked ? ' (masked)' : ''}`);
    }
  }
  console.log(`${files} documents, ${total} reference sentences: ${differing} differ, in ${documents} documents`);
  process.exitCode = differing ? 1 : 0;
}

if (require.main === module) main();
