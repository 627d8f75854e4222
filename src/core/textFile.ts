// Reading a prose file the way an editor does, for `cola-bert check`: UTF-8 (the default) or UTF-16 with a
// byte order mark, the mark itself removed, so that positions match what VS Code and LSP clients count.
// Anything else (invalid UTF-8, NUL bytes) is refused with a message naming the file, never judged as
// mojibake. Only regular files are read (a FIFO would block, /dev/zero never ends), up to a size limit.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

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

/**
 * The most one prose file may hold unless the caller raises it: 10 MiB is ~3,000 pages of prose, and
 * extraction holds several copies of a document in memory while it runs.
 */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface ReadLimit {
  /** Largest size read, in bytes (default DEFAULT_MAX_FILE_BYTES). */
  maxBytes?: number;
  /** How the user raises the limit (e.g. "--max-file-mb"), named in the message. */
  raiseWith?: string;
  /** What to pass instead of a folder (default: its files, e.g. docs/*.md). */
  folderHint?: string;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `size` is known for a file, not for a stream or a file that grew while being read. */
function tooLarge(name: string, size: number | undefined, limit: ReadLimit): TextFileError {
  const max = mib(limit.maxBytes ?? DEFAULT_MAX_FILE_BYTES);
  const what = size === undefined ? `${name} holds more than the ${max} limit for one file` : `${name} is ${mib(size)}, over the ${max} limit for one file`;
  const hint = limit.raiseWith ? `; if it really is one document, raise the limit with ${limit.raiseWith}${size === undefined ? '' : ` ${Math.ceil(size / (1024 * 1024))}`}` : '';
  return new TextFileError(name, `${what}${hint}.`);
}

function folder(limit: ReadLimit): string {
  return `a folder, not a file (${limit.folderHint ?? 'pass the files in it, e.g. docs/*.md'})`;
}

function kindOf(st: Stats, limit: ReadLimit): string {
  if (st.isDirectory()) return folder(limit);
  if (st.isFIFO()) return 'a named pipe (FIFO), not a regular file (save what it carries to a file first)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device, not a regular file';
  if (st.isSocket()) return 'a socket, not a regular file';
  return 'not a regular file';
}

/** Opens `file` for reading, if it is a regular file within the limit; the caller closes the descriptor. */
function openRegularFile(file: string, limit: ReadLimit): { fd: number; size: number } {
  let fd: number;
  try {
    // Without O_NONBLOCK, opening a FIFO waits for a writer forever. It has no effect on regular files.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? `is ${folder(limit)}` : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? (e as Error).message})`;
    throw new TextFileError(file, `${file} ${why}.`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new TextFileError(file, `${file} is ${kindOf(st, limit)}.`);
    if (st.size > (limit.maxBytes ?? DEFAULT_MAX_FILE_BYTES)) throw tooLarge(file, st.size, limit);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Throws the TextFileError readRegularFile would (missing, not a regular file, too large) without reading. */
export function checkRegularFile(file: string, limit: ReadLimit = {}): void {
  closeSync(openRegularFile(file, limit).fd);
}

/**
 * A regular file's bytes, at most `limit.maxBytes`: the type and size are checked on the open descriptor
 * before anything is read, so a FIFO, a device or a huge file fails at once with a message naming it.
 */
export function readRegularFile(file: string, limit: ReadLimit = {}): Buffer {
  const max = limit.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const { fd, size } = openRegularFile(file, limit);
  try {
    // The size can change while we read (a log being written): read until the end, never past the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(size - total, 0) + 1, max - total + 1, 1 << 20));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        throw new TextFileError(file, `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > max) throw tooLarge(file, undefined, limit);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** A stream's bytes (standard input), at most `limit.maxBytes`: `check - < /dev/zero` stops at the limit. */
export async function readStreamLimited(stream: AsyncIterable<unknown>, name: string, limit: ReadLimit = {}): Promise<Buffer> {
  const max = limit.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(bytes);
    total += bytes.length;
    if (total > max) throw tooLarge(name, undefined, limit);
  }
  return Buffer.concat(chunks, total);
}

/** Reads and decodes a prose file; every failure is a TextFileError that names the file and the cause. */
export function readTextFile(file: string, limit: ReadLimit = {}): { text: string; encoding: TextEncodingName } {
  return decodeText(readRegularFile(file, limit), file);
}
