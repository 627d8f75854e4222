// Which model folder the editor uses when nothing is chosen explicitly, and how Workspace Trust limits
// the `cola-bert.modelPath` setting. Pure (file system only), unit-tested.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { METADATA_FILE } from './modelFolder';

export interface InspectedString {
  globalValue?: string;
  workspaceValue?: string;
  workspaceFolderValue?: string;
}

/**
 * The model folder setting honoured under Workspace Trust: in an untrusted workspace only the user's own
 * (global) value counts, because a folder named by the workspace could hold a crafted model.
 */
export function effectiveModelPath(inspected: InspectedString | undefined, trusted: boolean): { value: string; ignoredWorkspaceValue?: string } {
  const workspace = inspected?.workspaceFolderValue || inspected?.workspaceValue || '';
  const global = inspected?.globalValue || '';
  if (trusted) return { value: workspace || global };
  return { value: global, ignoredWorkspaceValue: workspace || undefined };
}

export interface FoundModel {
  dir: string;
  /** `created` from cola-bert.json, else the metadata file's modification time (ms since epoch). */
  created: number;
}

/** Finished model folders directly under `parent` (ones holding cola-bert.json), newest first. */
export function modelsUnder(parent: string): FoundModel[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const found: FoundModel[] = [];
  for (const name of names) {
    // The trainer's partial exports and resumable checkpoints are not models.
    if (name.includes('.tmp-') || name.endsWith('.checkpoint')) continue;
    const dir = path.join(parent, name);
    const meta = path.join(dir, METADATA_FILE);
    if (!existsSync(meta)) continue;
    let created = NaN;
    try {
      const parsed = JSON.parse(readFileSync(meta, 'utf8')) as { created?: unknown };
      if (typeof parsed.created === 'string') created = Date.parse(parsed.created);
      if (!Number.isFinite(created)) created = statSync(meta).mtimeMs;
    } catch {
      continue;
    }
    found.push({ dir, created });
  }
  return found.sort((a, b) => b.created - a.created);
}

/**
 * Default model when `cola-bert.modelPath` is empty: the newest model the training panel wrote to the
 * extension's global storage (`<globalStorage>/models/*`), then the newest `<workspace folder>/models/*`.
 */
export function defaultModelDir(globalModelsDir: string | undefined, workspaceFolders: readonly string[]): string | undefined {
  if (globalModelsDir) {
    const own = modelsUnder(globalModelsDir);
    if (own.length) return own[0].dir;
  }
  const inWorkspace = workspaceFolders.flatMap((f) => modelsUnder(path.join(f, 'models')));
  inWorkspace.sort((a, b) => b.created - a.created);
  return inWorkspace[0]?.dir;
}
