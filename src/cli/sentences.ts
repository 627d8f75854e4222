// `cola-bert sentences FILE|DIR... [--json]`: the sentences `check` and the editor would feed the model,
// without a model. The trainer builds its prose corpus from this output, so training sees exactly what
// the checker sees (same extraction, same inline-code masks, same heading/table/min-words rules).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CHECK_OPTIONS, extractOptionsOf, extractSentences } from '../core/documentChecker';
import { proseLanguageOf, type ProseLanguage } from '../core/prose';
import { readTextFile, TextFileError } from '../core/textFile';
import { CliError, EXIT_ERROR, EXIT_OK, parseFlags, UsageError, writeLine, type CliCommand, type CliIo } from './args';

const MARKDOWN_EXTENSIONS = ['.md', '.markdown', '.mdown', '.mkd', '.mkdn', '.mdx'];
const FOLDER_EXTENSIONS = new Set([...MARKDOWN_EXTENSIONS, '.txt']);

export const summary = 'Print the sentences check would judge in files or folders (no model needed)';

export const usage = `Usage: cola-bert sentences FILE|DIR... [--json] [--language markdown|plaintext]

Prints every sentence that \`cola-bert check\` (with its default options) and the editor would send to
the model: inline code, math, URLs and images masked as ${JSON.stringify('X')}, code blocks, front matter,
HTML, headings and tables left out, sentences under ${DEFAULT_CHECK_OPTIONS.minWords} words skipped. A folder is searched
recursively for Markdown (${MARKDOWN_EXTENSIONS.join(', ')}) and .txt files, in sorted order; hidden folders and
node_modules are skipped.

Output: one line per sentence, "FILE:LINE[-LINE]: TEXT" (lines 1-based). With --json, one JSON object per
line (JSON Lines): {"file","range":{"start":{"line","character"},"end":…} (0-based),"text","masked"}.
Exit code 0, or 2 on errors (a missing or unreadable file, invalid text).`;


/** Files of a folder tree that hold prose, sorted by path so the output is the same on every machine. */
export function proseFilesIn(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && FOLDER_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) found.push(full);
    }
  };
  walk(dir);
  return found;
}

function expand(inputs: readonly string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    let isDir = false;
    try {
      isDir = statSync(input).isDirectory();
    } catch {
      // Not there: readTextFile reports it with the file name.
    }
    files.push(...(isDir ? proseFilesIn(input) : [input]));
  }
  return files;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseFlags(argv, { json: { type: 'boolean' }, language: { type: 'string' } }, true);
  if (v.language !== undefined && v.language !== 'markdown' && v.language !== 'plaintext') {
    throw new UsageError(`--language is markdown or plaintext, got ${JSON.stringify(v.language)}`);
  }
  if (!positionals.length) throw new UsageError('no files or folders given');
  const options = extractOptionsOf(DEFAULT_CHECK_OPTIONS);
  for (const file of expand(positionals)) {
    let text: string;
    try {
      text = readTextFile(file).text;
    } catch (e) {
      if (e instanceof TextFileError) throw new CliError(e.message, EXIT_ERROR);
      throw e;
    }
    const language: ProseLanguage = v.language ?? proseLanguageOf(file);
    const { sentences, skipped } = extractSentences(text, { ...options, language });
    for (const s of sentences) {
      if (v.json) {
        writeLine(io.stdout, JSON.stringify({ file, range: s.range, text: s.text, masked: s.masked }));
      } else {
        const lines = s.range.start.line === s.range.end.line ? `${s.range.start.line + 1}` : `${s.range.start.line + 1}-${s.range.end.line + 1}`;
        writeLine(io.stdout, `${file}:${lines}: ${s.text}`);
      }
    }
    for (const k of skipped) writeLine(io.stderr, `${file}: not extracted (${k.reason}): ${k.detail}`);
  }
  return EXIT_OK;
}

export const command: CliCommand = { summary, usage, run };
