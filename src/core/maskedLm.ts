// Masked-LM candidates for suggestions (issue 12, section 2): when the model folder carries the base
// checkpoint's MLM head (cola-bert.json "mlm", written by trainer/cola_trainer/mlm_export.py), the word at a
// suspect position is masked, and a mask is put before it, and the MLM's best whole words there become
// candidate edits that the acceptability model scores with the others. Pure functions; the inference
// worker runs the MLM session. Folders without the block (all-MiniLM-L6-v2 has no MLM head) get none.
import path from 'node:path';
import type { MaskedLmInfo } from '../../protocol/inferenceProtocol';
import { words, type CharRange } from './attribution';

// Defined with the worker messages that carry it (protocol/inferenceProtocol.ts).
export type { MaskedLmInfo };

/** The MLM recorded in parsed cola-bert.json, or null when there is none (or the block names a file outside the folder). */
export function maskedLmOf(metadata: object, dir: string): MaskedLmInfo | null {
  const m = (metadata as { mlm?: { onnx?: unknown; top_k?: unknown; mask_token?: unknown } | null }).mlm;
  if (!m || typeof m !== 'object') return null;
  const file = m.onnx;
  if (typeof file !== 'string' || !file || path.basename(file) !== file || file === '.' || file === '..') return null;
  if (!Number.isInteger(m.top_k) || (m.top_k as number) < 1 || typeof m.mask_token !== 'string' || !m.mask_token) return null;
  return { onnxPath: path.join(dir, file), topK: m.top_k as number, maskToken: m.mask_token };
}

/** Whether the MLM's word replaces the suspect word or goes in before it (a dropped word). */
export type MaskMode = 'replace' | 'insert';

export interface MaskQuery {
  /** Index of the suspect word in words(sentence). */
  word: number;
  mode: MaskMode;
  /** The sentence with the mask in place. */
  text: string;
}

/** Most words masked per sentence: the two best distinct suspects are single words by default. */
const MAX_MASKED_WORDS = 2;

/** The masked sentences the MLM reads: each suspect word replaced by the mask, and a mask inserted before it. */
export function maskQueries(sentence: string, suspects: readonly CharRange[], maskToken: string): MaskQuery[] {
  const ws = words(sentence);
  const picked = ws.map((w, i) => ({ w, i })).filter(({ w }) => suspects.some((s) => w.start < s.end && s.start < w.end)).slice(0, MAX_MASKED_WORDS);
  return picked.flatMap(({ w, i }) => [
    { word: i, mode: 'replace' as const, text: sentence.slice(0, w.start) + maskToken + sentence.slice(w.end) },
    { word: i, mode: 'insert' as const, text: `${sentence.slice(0, w.start)}${maskToken} ${sentence.slice(w.start)}` },
  ]);
}

/** The MLM's proposals at one query: whole words, best first. */
export interface Proposal {
  word: number;
  mode: MaskMode;
  words: string[];
}

/** Whole words the MLM proposes in place of the suspect word, and before it. */
export const REPLACEMENTS_PER_WORD = 5;
export const INSERTIONS_PER_WORD = 3;

/**
 * The usable words among the MLM's best tokens (best first): whole words only (no "##" pieces, no special or
 * unused tokens, no punctuation), not the word that is already there, at most `limit`.
 */
export function proposedWords(tokens: readonly (string | undefined)[], original: string, limit: number): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (out.length >= limit) break;
    if (!t || !/^[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*$/u.test(t)) continue;
    if (t.toLowerCase() === original.toLowerCase() || out.includes(t)) continue;
    out.push(t);
  }
  return out;
}
