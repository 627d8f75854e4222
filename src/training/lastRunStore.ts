// The workspace's last ended run, kept in a file of the workspace's storage so a reloaded window shows its
// result (and can use, open or resume its model) again. No `vscode` import (unit-tested in plain mocha).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { checkToWebview, type RunSnapshot, type ToWebview } from '../../protocol/panelMessages';

export interface LastRun {
  snapshot: RunSnapshot;
  outputDir: string;
}

/** Writes through a temp file and a rename: a reload in the middle never finds half a file. */
export async function saveLastRun(file: string, run: LastRun): Promise<void> {
  if (run.snapshot.outcome === 'running') throw new Error('a running run is not kept');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(`${file}.tmp`, JSON.stringify(run));
  await fs.rename(`${file}.tmp`, file);
}

/**
 * The kept run, or undefined when there is none. A file that does not hold a valid run (edited, or written
 * by another version) throws, with the reason: the panel's schema decides, as for a message.
 */
export async function loadLastRun(file: string): Promise<LastRun | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const saved = JSON.parse(text) as { snapshot?: unknown; outputDir?: unknown };
  const { run } = checkToWebview({ type: 'runStarted', run: saved.snapshot }) as Extract<ToWebview, { type: 'runStarted' }>;
  if (typeof saved.outputDir !== 'string' || !saved.outputDir) throw new Error('it names no model folder');
  if (run.outcome === 'running') throw new Error('it holds a run that never ended');
  return { snapshot: run, outputDir: saved.outputDir };
}
