// Reading a prose file the way an editor does, for `cola-bert check`: UTF-8 (the default) or UTF-16 with a
// byte order mark, the mark itself removed, so that positions match what VS Code and LSP clients count.
// Anything else (invalid UTF-8, NUL bytes) is refused with a message naming the file, never judged as
// mojibake.
import { readFileSync } from 'node:fs';

export class TextFileError extends Error {
  override readonly name = 'TextFileError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be';

/** Decodes file bytes: a UTF-16 BOM selects UTF-16, otherwise strict UTF-8; a leading BOM is dropped. */
export function decodeText(bytes: Uint8Array, name: string): { text: string; encoding: TextEncodingName } {
  let encoding: TextEncodingName = 'utf-8';
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  else if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  let text: string;
  try {
    if (encoding === 'utf-16be') {
      if (bytes.length % 2) throw new TypeError('odd number of bytes');
      // TextDecoder has no strict UTF-16BE in every Node build: swap to little-endian first.
      const swapped = new Uint8Array(bytes.length);
      for (let i = 0; i < bytes.length; i += 2) {
        swapped[i] = bytes[i + 1];
        swapped[i + 1] = bytes[i];
      }
      text = new TextDecoder('utf-16le', { fatal: true }).decode(swapped);
    } else {
      // The decoder drops a leading BOM (ignoreBOM: false), as editors do.
      text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    }
  } catch {
    throw new TextFileError(name, `${name} is not valid ${encoding === 'utf-8' ? 'UTF-8' : encoding.toUpperCase()} text; save it as UTF-8 (or UTF-16 with a byte order mark).`);
  }
  if (text.includes('\u0000')) throw new TextFileError(name, `${name} is not a text file (it contains NUL characters: binary data, or UTF-16 without a byte order mark); check only Markdown and plain-text files.`);
  return { text, encoding };
}

/** Reads and decodes a prose file; every failure is a TextFileError that names the file and the cause. */
export function readTextFile(file: string): { text: string; encoding: TextEncodingName } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file (pass the files in it, e.g. docs/*.md)' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? (e as Error).message})`;
    throw new TextFileError(file, `${file} ${why}.`);
  }
  return decodeText(bytes, file);
}
