// A CliIo over in-memory streams, for running the CLI's main() in-process and reading what it printed.
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../../src/cli/args';

export function io(stdin = ''): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { stdout, stderr, stdin: Readable.from([stdin]), env: process.env, cwd: process.cwd(), out: () => out, err: () => err };
}
