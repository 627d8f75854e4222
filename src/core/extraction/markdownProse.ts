// Markdown → prose blocks: the block scan (markdownBlocks.ts) finds the leaves and definitions, then each
// leaf's inline content is read (markdownInline.ts) with every definition of the document known, as
// CommonMark resolves references to definitions that come later.
import { scanBlocks, type Leaf } from './markdownBlocks';
import { readInline } from './markdownInline';
import { ProseBuilder, type ProseBlock } from './proseBlock';
import type { ProseOptions } from '../../../protocol/proseProtocol';

export type { ProseOptions };

export const DEFAULT_PROSE_OPTIONS: ProseOptions = { headings: false, tables: false };

export interface Definition {
  start: number;
  /** Enough source to define the label again elsewhere. */
  source: string;
}

const KINDS: Leaf['kind'][] = ['paragraph', 'heading', 'tableCell'];

/** Calls `visit` with each prose block of `source` in document order. */
export function forEachMarkdownBlock(
  source: string,
  options: ProseOptions,
  frontMatter: boolean,
  definitions: Definition[] | undefined,
  visit: (block: ProseBlock) => void,
): void {
  // Leaves wait for the document's last definition, packed flat (kind, line count, then start and end of
  // each line): a large document has one per paragraph, and objects for them cost several times more.
  const leaves: number[] = [];
  const links = new Set<string>();
  const footnotes = new Set<string>();
  scanBlocks(
    source,
    {
      leaf: (leaf) => {
        if (leaf.kind === 'heading' && !options.headings) return;
        leaves.push(KINDS.indexOf(leaf.kind), leaf.lines.length / 2);
        for (const offset of leaf.lines) leaves.push(offset);
      },
      definition: (d) => {
        (d.kind === 'link' ? links : footnotes).add(d.label);
        definitions?.push({ start: d.start, source: d.kind === 'link' ? source.slice(d.start, d.end) : `${source.slice(d.start, d.end)} x` });
      },
    },
    { frontMatter, tables: options.tables },
  );
  const context = { links, footnotes };
  for (let k = 0; k < leaves.length; ) {
    const kind = KINDS[leaves[k]];
    const lines = leaves.slice(k + 2, k + 2 + 2 * leaves[k + 1]);
    k += 2 + lines.length;
    const block = inlineBlock(source, { kind, lines }, context);
    if (block) visit(block);
  }
}

function inlineBlock(source: string, leaf: Leaf, context: { links: Set<string>; footnotes: Set<string> }): ProseBlock | undefined {
  const { lines } = leaf;
  let c: string;
  let toSource: (i: number) => number;
  if (lines.length >= 2 && joinedByNewlines(source, lines)) {
    // The lines joined by '\n' are then the source itself: a slice of it, no copy (a 1 MB hard-wrapped
    // paragraph's copy outlived the young generation and stayed in memory until the next full collection).
    const s = lines[0];
    c = source.slice(s, lines[lines.length - 1]);
    toSource = (i) => s + i;
  } else {
    const parts: string[] = [];
    const lineAt = new Int32Array(lines.length / 2);
    let length = 0;
    for (let k = 0; k < lines.length; k += 2) {
      lineAt[k >> 1] = length;
      parts.push(source.slice(lines[k], lines[k + 1]));
      length += lines[k + 1] - lines[k] + 1;
    }
    c = parts.join('\n');
    toSource = (i) => {
      let lo = 0;
      let hi = lineAt.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineAt[mid] <= i) lo = mid;
        else hi = mid - 1;
      }
      return lines[2 * lo] + (i - lineAt[lo]);
    };
  }
  const out = new ProseBuilder();
  readInline(c, toSource, context, out);
  return out.length > 0 ? out.build(leaf.kind) : undefined;
}

/** Whether each line but the first starts right after a '\n' that ends the line before (no indent, no '\r'). */
function joinedByNewlines(source: string, lines: readonly number[]): boolean {
  for (let k = 1; k + 1 < lines.length; k += 2) {
    if (lines[k + 1] !== lines[k] + 1 || source.charCodeAt(lines[k]) !== 10) return false;
  }
  return true;
}
