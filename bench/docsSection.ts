// The benches write their tables into docs/benchmarks.md between `<!-- bench:NAME:start/end -->` markers (and
// JSON results beside them), each replacing only its own section, atomically (temp file, then rename).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
export const BENCHMARKS_MD = path.join(root, 'docs', 'benchmarks.md');

export function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Replaces the `name` section of docs/benchmarks.md, or appends it under `heading` the first time. */
export function writeDocsSection(name: string, heading: string, body: string, file = BENCHMARKS_MD): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const block = `${start}\n${body}\n${end}`;
  const i = current.indexOf(start);
  const j = current.indexOf(end);
  writeAtomically(file, i >= 0 && j > i ? current.slice(0, i) + block + current.slice(j + end.length) : `${current.trimEnd()}\n\n## ${heading}\n\n${block}\n`);
  console.log(`wrote ${path.relative(root, file)} (${name})`);
}
