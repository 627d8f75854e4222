// Word forms for inflection suggestions (issue 12, section 2): the model folder's word_forms.txt.gz, written
// from lemminflect by trainer/cola_trainer/word_forms.py (its docstring defines the format), gives a word's
// siblings: the other forms of its lemma ("wrote" → write, writes, written, writing). TypeScript has no
// morphology library worth trusting, so the forms come with the folder; a folder without the file gets no
// inflection candidates. The inference worker loads it once, on the first suggestion.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The file format this reader understands (cola-bert.json "word_forms.format"). */
export const WORD_FORMS_FORMAT = 1;

export interface WordForms {
  /** The other forms of each lemma `word` is a form of, in the case `word` is written in; [] for an unknown word. */
  siblings(word: string): string[];
  /** Lemma groups read (a part of speech of a lemma each). */
  readonly groups: number;
}

/** The word-forms file recorded in parsed cola-bert.json, or null when there is none, its format is unknown, or it names a file outside the folder. */
export function wordFormsFileOf(metadata: object, dir: string): string | null {
  const w = (metadata as { word_forms?: { file?: unknown; format?: unknown } | null }).word_forms;
  if (!w || typeof w !== 'object' || w.format !== WORD_FORMS_FORMAT) return null;
  const file = w.file;
  if (typeof file !== 'string' || !file || path.basename(file) !== file || file === '.' || file === '..') return null;
  return path.join(dir, file);
}

/** `form` written as `like` is: all capitals ("WROTE"), a capital first letter ("Wrote"), or as it is. */
function inCaseOf(form: string, like: string): string {
  if (like.length > 1 && like === like.toUpperCase() && like !== like.toLowerCase()) return form.toUpperCase();
  if (like[0] !== like[0].toLowerCase()) return form[0].toUpperCase() + form.slice(1);
  return form;
}

/** The forms of the file's text (one lemma group a line: part of speech, then tab-separated tag columns, "/" between spellings). */
export function parseWordForms(text: string): WordForms {
  const groups: string[][] = [];
  const groupsOf = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const forms = [...new Set(line.split('\t').slice(1).flatMap((column) => column.split('/')).filter(Boolean))];
    if (forms.length < 2) continue;
    const g = groups.push(forms) - 1;
    for (const f of forms) {
      const of = groupsOf.get(f);
      if (of) of.push(g);
      else groupsOf.set(f, [g]);
    }
  }
  return {
    groups: groups.length,
    siblings(word: string): string[] {
      const low = word.toLowerCase();
      const out = new Set<string>();
      for (const g of groupsOf.get(low) ?? []) for (const f of groups[g]) if (f !== low) out.add(inCaseOf(f, word));
      return [...out];
    },
  };
}

/** Reads and parses a word-forms file; throws an Error that names the file when it cannot. */
export function loadWordForms(file: string): WordForms {
  let text: string;
  try {
    text = gunzipSync(readFileSync(file)).toString('utf8');
  } catch (e) {
    throw new Error(`cannot read the word forms ${file}: ${(e as Error).message}; run \`python -m cola_trainer word-forms ${path.dirname(file)}\` to write it again`);
  }
  const header = text.slice(0, text.indexOf('\n'));
  if (!header.startsWith(`# cola-bert word forms ${WORD_FORMS_FORMAT},`)) {
    throw new Error(`${file} is not a word-forms file of format ${WORD_FORMS_FORMAT} (it starts "${header.slice(0, 60)}"); run \`python -m cola_trainer word-forms ${path.dirname(file)}\` to write it again`);
  }
  return parseWordForms(text);
}
