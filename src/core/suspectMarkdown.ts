// The hover's "which words" block: the sentence with its suspect words in bold, and what each one does to
// P(acceptable). Markdown text built here, pure, so the escaping is unit-tested without VS Code.
import type { Suspect } from './attribution';

/** Escapes every character Markdown could read as syntax, so sentence text shows as written. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/** The sentence with its suspects in bold; `suspects` best first, and one overlapping a better one is left out. */
export function emphasizeSuspects(sentence: string, suspects: readonly Suspect[]): string {
  const kept: Suspect[] = [];
  for (const s of suspects) if (!kept.some((k) => s.start < k.end && k.start < s.end)) kept.push(s);
  kept.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const s of kept) {
    out += escapeMarkdown(sentence.slice(at, s.start)) + `**${escapeMarkdown(sentence.slice(s.start, s.end))}**`;
    at = s.end;
  }
  return out + escapeMarkdown(sentence.slice(at));
}

/** A change of P with its sign: "+0.42", "−0.05" (a word the model points at may not help when deleted). */
export function signedDelta(delta: number): string {
  return `${delta < 0 ? '−' : '+'}${Math.abs(delta).toFixed(2)}`;
}

/**
 * "without **was**: P … (+0.42)" per suspect, best first, led by the model's own error score for the word when
 * the tokens method found it; a note when no word's removal raises P.
 */
export function suspectLines(suspects: readonly Suspect[], base: number): string[] {
  if (!suspects.length) return ['No single word or pair stands out: removing any of them does not raise P(acceptable).'];
  return suspects.map((s) => {
    const effect = `P(acceptable) ${base.toFixed(2)} → ${Math.min(1, Math.max(0, base + s.delta)).toFixed(2)} (${signedDelta(s.delta)})`;
    const word = `**${escapeMarkdown(s.text)}**`;
    return s.errorScore === undefined ? `without ${word}: ${effect}` : `${word}: error score ${s.errorScore.toFixed(2)}; without it ${effect}`;
  });
}
