// The model's own tokenizer.json through @huggingface/tokenizers (no hand-written WordPiece), with the
// truncation the trainer uses (Hugging Face `truncation=True, max_length=N` on single sentences:
// keep the first N − specials tokens, then add the special tokens). Parity with Python's
// AutoTokenizer is tested on every CoLA sentence in test/unit/tokenizer.test.ts.
import { Tokenizer } from '@huggingface/tokenizers';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface EncodedSentence {
  inputIds: number[];
  attentionMask: number[];
  tokenTypeIds: number[];
}

/** A padded batch, flat row-major [batch, sequence] arrays ready for BigInt64Array tensors. */
export interface EncodedBatch {
  batch: number;
  sequence: number;
  inputIds: number[];
  attentionMask: number[];
  tokenTypeIds: number[];
}

interface PostProcessorLike {
  post_process(tokens: string[]): { tokens: string[]; token_type_ids?: number[] };
}

/**
 * The pad token as Python's tokenizer finds it: tokenizer_config.json's pad_token (a string, or an AddedToken
 * object in newer exports), else tokenizer.json's padding, else BERT's [PAD]. MPNet has a [PAD] too (id 4)
 * besides its real pad <pad> (id 1), so guessing [PAD] would pad its batches with the wrong id.
 */
function padToken(tokenizerJson: object, tokenizerConfig: object): string {
  const configured = (tokenizerConfig as { pad_token?: unknown }).pad_token;
  if (typeof configured === 'string') return configured;
  const content = (configured as { content?: unknown } | null | undefined)?.content;
  if (typeof content === 'string') return content;
  const padding = (tokenizerJson as { padding?: { pad_token?: unknown } | null }).padding;
  return typeof padding?.pad_token === 'string' ? padding.pad_token : '[PAD]';
}

export class ColaTokenizer {
  private readonly specialCount: number;
  /** Special tokens before the text in an encoding ([CLS] or <s>: 1). */
  private readonly leadingSpecials: number;
  readonly padId: number;

  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly maxLength: number,
    padToken: string,
  ) {
    this.specialCount = tokenizer.encode('', { add_special_tokens: true }).ids.length;
    if (maxLength <= this.specialCount) throw new Error(`max_length ${maxLength} leaves no room for text next to ${this.specialCount} special tokens`);
    this.padId = tokenizer.token_to_id(padToken) ?? 0;
    const probe = tokenizer.encode('a', { add_special_tokens: true }).ids;
    const bare = tokenizer.encode('a', { add_special_tokens: false }).ids;
    this.leadingSpecials = Math.max(0, probe.findIndex((_, i) => bare.every((id, j) => probe[i + j] === id)));
  }

  /** Builds a tokenizer from parsed tokenizer.json (and tokenizer_config.json when available). */
  static fromJson(tokenizerJson: object, tokenizerConfig: object, maxLength: number): ColaTokenizer {
    return new ColaTokenizer(new Tokenizer(tokenizerJson, tokenizerConfig), maxLength, padToken(tokenizerJson, tokenizerConfig));
  }

  /** Loads `tokenizer.json` (and `tokenizer_config.json` beside it, if any) from a model folder. */
  static fromFolder(dir: string, maxLength: number): ColaTokenizer {
    const file = path.join(dir, 'tokenizer.json');
    let json: object;
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as object;
    } catch (e) {
      throw new Error(`Cannot read the tokenizer ${file}: ${(e as Error).message}`);
    }
    let config: object = {};
    try {
      config = JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as object;
    } catch {
      // tokenizer_config.json is optional: tokenizer.json alone defines the pipeline.
    }
    try {
      return ColaTokenizer.fromJson(json, config, maxLength);
    } catch (e) {
      throw new Error(`The tokenizer ${file} cannot be used: ${(e as Error).message}`);
    }
  }

  /** Token ids of one sentence with special tokens, truncated to maxLength. */
  encode(text: string): EncodedSentence {
    const full = this.tokenizer.encode(text, { add_special_tokens: true, return_token_type_ids: true });
    if (full.ids.length <= this.maxLength) {
      return { inputIds: full.ids, attentionMask: full.attention_mask, tokenTypeIds: full.token_type_ids ?? full.ids.map(() => 0) };
    }
    // Too long: truncate the bare tokens, then let the tokenizer's own post-processor add the specials.
    const tokens = this.tokenizer.tokenize(text, { add_special_tokens: false }).slice(0, this.maxLength - this.specialCount);
    const post = this.tokenizer.post_processor as unknown as PostProcessorLike | null;
    const processed = post ? post.post_process(tokens) : { tokens };
    const ids = processed.tokens.map((t) => {
      const id = this.tokenizer.token_to_id(t);
      if (id === undefined) throw new Error(`token ${JSON.stringify(t)} is not in the vocabulary`);
      return id;
    });
    return { inputIds: ids, attentionMask: ids.map(() => 1), tokenTypeIds: processed.token_type_ids ?? ids.map(() => 0) };
  }

  /** Token ids of `text` alone: no special tokens, no truncation (attribution aligns tokens to words with them). */
  bareIds(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** The text's own tokens in an encoding of this tokenizer (special tokens left out) and the position of the first. */
  textTokens(encoded: EncodedSentence): { ids: number[]; offset: number } {
    const end = encoded.inputIds.length - (this.specialCount - this.leadingSpecials);
    return { ids: encoded.inputIds.slice(this.leadingSpecials, Math.max(this.leadingSpecials, end)), offset: this.leadingSpecials };
  }

  /** The id of a token of the vocabulary (e.g. the mask token), undefined when it has none. */
  idOf(token: string): number | undefined {
    return this.tokenizer.token_to_id(token) ?? undefined;
  }

  /** The vocabulary entry of an id ("##ing" for a word piece), undefined when out of range. */
  tokenOf(id: number): string | undefined {
    return this.tokenizer.id_to_token(id) ?? undefined;
  }

  /** Pads a group of encoded sentences to the longest one (dynamic padding, right side). */
  pad(items: readonly EncodedSentence[]): EncodedBatch {
    const sequence = Math.max(1, ...items.map((e) => e.inputIds.length));
    const n = items.length * sequence;
    const inputIds = new Array<number>(n).fill(this.padId);
    const attentionMask = new Array<number>(n).fill(0);
    const tokenTypeIds = new Array<number>(n).fill(0);
    items.forEach((e, row) => {
      const base = row * sequence;
      for (let i = 0; i < e.inputIds.length; i++) {
        inputIds[base + i] = e.inputIds[i];
        attentionMask[base + i] = e.attentionMask[i];
        tokenTypeIds[base + i] = e.tokenTypeIds[i];
      }
    });
    return { batch: items.length, sequence, inputIds, attentionMask, tokenTypeIds };
  }

  /** Encodes and pads a batch of sentences. */
  encodeBatch(texts: readonly string[]): EncodedBatch {
    return this.pad(texts.map((t) => this.encode(t)));
  }
}
