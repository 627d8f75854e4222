// Candidate corrections around the suspect words of a flagged sentence (attribution.ts): delete a word,
// swap it with a neighbour, a/an, a common confusable, insert a function word before it, another form of its
// lemma (number, tense, participle, person: wordForms.ts, from the model folder's word_forms.txt.gz), the other
// case of a pronoun, the other number of a determiner, a preposition writers confuse with it, and, when the
// model folder has a masked LM (maskedLm.ts), the MLM's best words in place of a suspect word or before it.
// The inference worker scores the likeliest of them (candidateBudget.ts: a ranked budget, since each costs a
// model run); the best that cross the threshold become quick fixes.
import { sourceRangeOf, words, type CharRange, type WordSpan } from './attribution';
import { EDIT_CLASSES } from './editClasses.generated';
import type { Proposal } from './maskedLm';
import type { WordForms } from './wordForms';
import type { Candidate, EditKind } from '../../protocol/inferenceProtocol';

// Defined with the worker messages that carry them (protocol/inferenceProtocol.ts).
export type { Candidate, EditKind };

// Closed lists only: pairs writers confuse and the function words most often dropped.
const CONFUSABLES: readonly (readonly string[])[] = [
  ['its', "it's"],
  ['your', "you're"],
  ['their', 'there', "they're"],
  ['then', 'than'],
  ['to', 'too'],
  ['affect', 'effect'],
  ['lose', 'loose'],
  ['whose', "who's"],
  ['were', 'where'],
  ['of', 'have'],
];
const INSERTABLE = ['the', 'a', 'to', 'of', 'is'] as const;

/** Each word of a pair mapped to the other. */
function pairMap(pairs: readonly (readonly [string, string])[]): ReadonlyMap<string, string> {
  return new Map(pairs.flatMap(([a, b]) => [[a, b] as const, [b, a] as const]));
}

// The swaps corrupt.py makes (editClasses.generated.ts) undone; who/whom is the editor's own: writers mix it
// up though corrupt.py never does.
const PRONOUN_CASE = pairMap([...EDIT_CLASSES.pronounCase, ['who', 'whom']]);
const DETERMINER_NUMBER = pairMap(EDIT_CLASSES.determinerNumber);
const PREPOSITIONS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(EDIT_CLASSES.prepositionSwaps));

function matchCase(word: string, like: string): string {
  return like[0] === like[0].toUpperCase() && like[0] !== like[0].toLowerCase() ? word[0].toUpperCase() + word.slice(1) : word;
}

/** `word` in the case of `like`, except the pronoun "I", which is always a capital. */
function closedClassCase(word: string, like: string): string {
  return word === 'i' ? 'I' : like === 'I' ? word : matchCase(word, like);
}

/** A sentence's first word lowercased when it moves inward ("I" and acronyms stay). */
function inward(word: string): string {
  return word === 'I' || (word.length > 1 && word === word.toUpperCase()) ? word : word[0].toLowerCase() + word.slice(1);
}

function startsWithVowelSound(word: string): boolean {
  return /^[aeiou]/i.test(word) && !/^(uni|use|usu|eu|one|once)/i.test(word);
}

function apply(sentence: string, ws: readonly WordSpan[], first: number, last: number, replacement: string): string {
  let start = ws[first].start;
  let end = ws[last].end;
  if (replacement === '') {
    if (start > 0 && /\s/.test(sentence[start - 1])) start--;
    else if (end < sentence.length && /\s/.test(sentence[end])) end++;
  }
  return sentence.slice(0, start) + replacement + sentence.slice(end);
}

/** Words of the sentence inside or next to any of the suspects, by index. */
function wordsNear(ws: readonly WordSpan[], suspects: readonly CharRange[]): number[] {
  const near = new Set<number>();
  ws.forEach((w, i) => {
    if (suspects.some((s) => w.start < s.end && s.start < w.end)) for (const j of [i - 1, i, i + 1]) if (j >= 0 && j < ws.length) near.add(j);
  });
  return [...near].sort((a, b) => a - b);
}

/**
 * Distinct candidate edits of `sentence` around `suspects` (never the sentence itself), then the masked LM's
 * `proposals` (maskQueries and proposedWords) as edits of kind 'mlm'. Without `wordForms` (a folder without
 * the file) there are no 'inflection' edits.
 */
export function candidateEdits(sentence: string, suspects: readonly CharRange[], proposals: readonly Proposal[] = [], wordForms: WordForms | null = null): Candidate[] {
  const ws = words(sentence);
  const out: Candidate[] = [];
  const seen = new Set<string>([sentence]);
  const add = (kind: EditKind, first: number, last: number, replacement: string) => {
    const text = apply(sentence, ws, first, last, replacement);
    if (seen.has(text)) return;
    seen.add(text);
    out.push({ text, kind, first, last, replacement });
  };
  for (const i of wordsNear(ws, suspects)) {
    const w = ws[i].text;
    const low = w.toLowerCase();
    const adjacent = i + 1 < ws.length && sentence.slice(ws[i].end, ws[i + 1].start) === ' ';
    // At the start the next word takes over the capital.
    if (i === 0 && adjacent) add('delete', 0, 1, matchCase(ws[1].text, w));
    else add('delete', i, i, '');
    if (adjacent) {
      const next = ws[i + 1].text;
      add('swap', i, i + 1, i === 0 ? `${matchCase(next, w)} ${inward(w)}` : `${next} ${w}`);
    }
    if ((low === 'a' || low === 'an') && i + 1 < ws.length) add('a_an', i, i, matchCase(startsWithVowelSound(ws[i + 1].text) ? 'an' : 'a', w));
    for (const group of CONFUSABLES) if (group.includes(low)) for (const other of group) if (other !== low) add('confusable', i, i, matchCase(other, w));
    for (const f of INSERTABLE) add('insert', i, i, i === 0 ? `${matchCase(f, w)} ${inward(w)}` : `${f} ${w}`);
    for (const form of wordForms?.siblings(w) ?? []) add('inflection', i, i, form);
    const pronoun = PRONOUN_CASE.get(low);
    if (pronoun) add('pronoun_case', i, i, closedClassCase(pronoun, w));
    const determiner = DETERMINER_NUMBER.get(low);
    if (determiner) add('determiner', i, i, matchCase(determiner, w));
    for (const p of PREPOSITIONS.get(low) ?? []) add('preposition', i, i, matchCase(p, w));
  }
  for (const p of proposals) {
    if (p.word < 0 || p.word >= ws.length) continue;
    const w = ws[p.word].text;
    for (const m of p.words) {
      if (p.mode === 'replace') add('mlm', p.word, p.word, matchCase(m, w));
      else add('mlm', p.word, p.word, p.word === 0 ? `${matchCase(m, w)} ${inward(w)}` : `${m} ${w}`);
    }
  }
  return out;
}

/**
 * The document edit that applies `candidate` (an edit of the model's text of a sentence at
 * [sentenceStart, sentenceEnd) of `source`): the candidate's words located in the source, a deletion taking
 * one neighbouring space with it; null when the words are not found there.
 */
export function sourceEdit(candidate: Candidate, sentence: string, source: string, sentenceStart: number, sentenceEnd: number): { start: number; end: number; text: string } | null {
  const ws = words(sentence);
  const where = sourceRangeOf({ start: ws[candidate.first].start, end: ws[candidate.last].end }, sentence, source, sentenceStart, sentenceEnd);
  if (!where) return null;
  let { start, end } = where;
  if (candidate.replacement === '') {
    if (start > sentenceStart && source[start - 1] === ' ') start--;
    else if (end < sentenceEnd && source[end] === ' ') end++;
  }
  return { start, end, text: candidate.replacement };
}

/** The best candidates that cross the threshold and beat the sentence, at most `limit`, best first. */
export function offeredFixes<T extends { pAcceptable: number }>(scored: readonly T[], base: number, threshold: number, limit = 3): T[] {
  return scored.filter((c) => c.pAcceptable >= threshold && c.pAcceptable > base).slice(0, limit);
}
