// Lists the entries of a zip archive (a VSIX) from its central directory, without extracting.
// Enough for the archives vsce writes (no zip64, no multi-disk); anything else is a clear error.
import { readFileSync } from 'node:fs';

/** @returns {{ name: string, size: number, compressedSize: number }[]} */
export function listZip(file) {
  const buf = readFileSync(file);
  const eocdSignature = 0x06054b50;
  let eocd = -1;
  // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === eocdSignature) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file}: not a zip archive (no end-of-central-directory record)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw new Error(`${file}: zip64 archives are not supported`);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: corrupt central directory at entry ${i}`);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    entries.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), size, compressedSize });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
