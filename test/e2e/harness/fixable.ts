// Which sentence the e2e step for suspect words and suggested fixes types (issue 12, sections 1 and 2): the
// first of a few ordinary mistakes that the diagnostics model flags and for which cola-bert offers a fix
// the model no longer flags. The diagnostics model is trained in the run (test/e2e/harness/models.ts), so
// the sentence is chosen by asking it, through the same InferenceService the extension runs (two workers,
// int8, the fixture's threshold), rather than fixed by hand.
import { distinctSuspects } from '../../../src/core/attribution';
import { InferenceService } from '../../../src/core/inference';
import { offeredFixes } from '../../../src/core/suggestions';

/** Ordinary single mistakes (agreement, verb form, doubled word, dropped or extra word), best candidates first. */
export const FIXABLE_CANDIDATES = [
  'He can sings very well.',
  'She did not went to the party.',
  'The dog barked barked at the mailman.',
  'The books is on the table.',
  'Him likes the new book.',
  'The cat the sat on the mat.',
  'Mary the has written three novels.',
  'They was going to the store.',
];

export interface Fixable {
  sentence: string;
  pAcceptable: number;
  /** The top suspect word, which the hover shows in bold. */
  suspect: string;
  /** The best offered fix (the first "Replace with" quick fix) and its P(acceptable). */
  fix: string;
  fixP: number;
}

/** The first candidate the model flags below `threshold` with a top suspect and a fix above it; null when none is. */
export async function firstFixable(model: string, threshold: number, candidates: readonly string[] = FIXABLE_CANDIDATES): Promise<{ pick: Fixable | null; tried: string[] }> {
  const service = await InferenceService.open(model);
  const tried: string[] = [];
  try {
    for (const sentence of candidates) {
      const [p] = await service.predict([sentence]);
      if (p.pAcceptable >= threshold) {
        tried.push(`${sentence} (P ${p.pAcceptable.toFixed(2)}: not flagged)`);
        continue;
      }
      const top = distinctSuspects((await service.attribute(sentence)).suspects, 1)[0];
      const suggestions = await service.suggest(sentence);
      const fix = offeredFixes(suggestions.candidates, suggestions.pAcceptable, threshold)[0];
      if (!top || !fix) {
        tried.push(`${sentence} (P ${p.pAcceptable.toFixed(2)}: ${top ? 'no fix offered' : 'no suspect'})`);
        continue;
      }
      return { pick: { sentence, pAcceptable: p.pAcceptable, suspect: top.text, fix: fix.text, fixP: fix.pAcceptable }, tried };
    }
    return { pick: null, tried };
  } finally {
    await service.dispose();
  }
}
