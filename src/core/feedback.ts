// The writer's feedback file: sentences taught as acceptable ("This sentence is fine") or learned from an
// applied fix (the original unacceptable, the fix acceptable), in CoLA's four tab-separated columns so the
// trainer reads it like CoLA (`--feedback FILE`, trainer/cola_trainer/feedback.py) and a team can diff and
// commit it. Every change is written to a temporary file and renamed over the old one, so a crash never
// leaves half a line; the user's own lines and edits are kept byte for byte.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ColaFormatError, parseColaTsv, type ColaExample } from './cola';
import { normalizeSentence } from './documentChecker';

/** Where a workspace folder keeps its feedback, relative to the folder. */
export const FEEDBACK_RELATIVE_PATH = '.vscode/cola-bert/feedback.tsv';
/** CoLA's first column names the source; the editor's rows say where they came from. */
export const FEEDBACK_SOURCE = 'feedback';

export interface Taught {
  sentence: string;
  label: 0 | 1;
}

export interface FeedbackChange {
  /** Rows appended. */
  added: Taught[];
  /** Already in the file with this label: nothing written for them. */
  unchanged: Taught[];
  /** In the file with the other label: that row now carries the new one (the latest word wins). */
  relabelled: Taught[];
}

export function feedbackFile(folder: string): string {
  return path.join(folder, ...FEEDBACK_RELATIVE_PATH.split('/'));
}

/** One row: whitespace runs (tabs and line breaks included) become one space, as the model reads the sentence. */
export function feedbackRow(t: Taught): string {
  const sentence = normalizeSentence(t.sentence);
  if (!sentence) throw new Error('cannot record an empty sentence');
  // CoLA marks an unacceptable sentence with '*' in the third column.
  return `${FEEDBACK_SOURCE}\t${t.label}\t${t.label === 0 ? '*' : ''}\t${sentence}`;
}

/** The rows of a feedback file's text; empty or blank text has none (CoLA's reader refuses a file without rows). */
export function parseFeedback(text: string, file: string): ColaExample[] {
  return text.trim() === '' ? [] : parseColaTsv(text, file);
}

/** The new text of the file after recording `entries` (pure: the writing is `recordFeedback`'s). */
export function applyFeedback(text: string, file: string, entries: readonly Taught[]): { text: string; change: FeedbackChange } {
  const rows = parseFeedback(text, file);
  const lines = text === '' ? [] : text.split('\n');
  const byKey = new Map<string, ColaExample>();
  for (const r of rows) byKey.set(normalizeSentence(r.sentence), r);
  const change: FeedbackChange = { added: [], unchanged: [], relabelled: [] };
  const appended: string[] = [];
  for (const entry of entries) {
    const key = normalizeSentence(entry.sentence);
    const row = feedbackRow(entry);
    const known = byKey.get(key);
    if (known?.label === entry.label) change.unchanged.push(entry);
    else if (known) {
      // Every row with this sentence gets the new label, so the file never holds both (the trainer refuses that).
      for (const r of rows) if (normalizeSentence(r.sentence) === key) lines[r.line - 1] = lines[r.line - 1].endsWith('\r') ? `${row}\r` : row;
      byKey.set(key, { ...known, label: entry.label });
      change.relabelled.push(entry);
    } else {
      appended.push(row);
      byKey.set(key, { source: FEEDBACK_SOURCE, label: entry.label, sentence: key, line: -1 });
      change.added.push(entry);
    }
  }
  let out = lines.join('\n');
  if (appended.length) out = `${out}${out === '' || out.endsWith('\n') ? '' : '\n'}${appended.join('\n')}\n`;
  return { text: out, change };
}

export class FeedbackFileError extends Error {
  override readonly name = 'FeedbackFileError';
}

// One write at a time per file in this process: two quick fixes in a row must not both read the old text.
const queues = new Map<string, Promise<unknown>>();

/**
 * Records `entries` in `file` (created with its folders when missing): appends new sentences, relabels ones
 * the writer changed their mind about, skips ones already there. A file that is not valid CoLA TSV is left
 * untouched and reported with its line, so the user can fix it.
 */
export function recordFeedback(file: string, entries: readonly Taught[]): Promise<FeedbackChange> {
  const previous = queues.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => writeFeedback(file, entries));
  queues.set(file, next);
  void next.finally(() => queues.get(file) === next && queues.delete(file)).catch(() => undefined);
  return next;
}

async function writeFeedback(file: string, entries: readonly Taught[]): Promise<FeedbackChange> {
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FeedbackFileError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let result: ReturnType<typeof applyFeedback>;
  try {
    result = applyFeedback(text, file, entries);
  } catch (e) {
    if (e instanceof ColaFormatError) throw new FeedbackFileError(`${file} was left unchanged: ${e.message}. Fix that line (source, label 0 or 1, mark, sentence; tab-separated) and teach again.`);
    throw e;
  }
  if (result.text === text) return result.change;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    await fs.writeFile(tmp, result.text, 'utf8');
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw new FeedbackFileError(`cannot write ${file}: ${(e as Error).message}`);
  }
  return result.change;
}
