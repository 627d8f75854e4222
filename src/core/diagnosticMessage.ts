// The Problems panel lists diagnostics without their text, so the message carries a short excerpt of the
// sentence: a writer can tell the rows apart without clicking each one.

const EXCERPT_CHARS = 48;

/** The sentence's start, whitespace collapsed, cut at a word boundary within `maxChars`, with an ellipsis. */
export function excerpt(sentence: string, maxChars = EXCERPT_CHARS): string {
  const flat = sentence.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, maxChars - 1);
  const space = flat[cut.length] === ' ' ? cut.length : cut.lastIndexOf(' ');
  // A single long token (a URL, a compound) is cut where it is rather than dropped.
  const head = space >= maxChars / 2 ? cut.slice(0, space) : cut;
  return `${head.replace(/[\s,;:]+$/, '')}…`;
}

export function diagnosticMessage(sentence: string, pAcceptable: number): string {
  return `Possibly ungrammatical: “${excerpt(sentence)}” (P(acceptable) = ${pAcceptable.toFixed(2)})`;
}
