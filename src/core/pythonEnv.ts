// Finds the Python interpreter that runs the trainer. Order: explicit setting → the extension's own venv
// (global storage) → `.venv` in the workspace folders / repo → `python3`, `python` on PATH. Each candidate
// is checked by importing the packages the trainer needs; the error says what is missing and how to fix it.
// Pure core: the caller says whether the workspace is trusted; untrusted workspaces contribute nothing.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { torchRequirement } from './pythonInstall.mjs';
import { DROP_CWD_FROM_PATH } from './pythonIsolation';

export type PythonSource = 'setting' | 'workspace-setting' | 'extension' | 'workspace' | 'path';

export interface PythonCandidate {
  python: string;
  source: PythonSource;
}

export interface PythonEnv extends PythonCandidate {
  version: string;
  packages: Record<RequiredPackage, string>;
}

export const REQUIRED_PACKAGES = ['torch', 'transformers', 'onnx', 'onnxruntime'] as const;
export type RequiredPackage = (typeof REQUIRED_PACKAGES)[number];

export interface FindPythonOptions {
  /** Whether the workspace is trusted: when false, workspace-sourced candidates are ignored. */
  trusted: boolean;
  /** The `cola-bert.pythonPath` setting, if set (or the CLI's --python / $COLA_BERT_PYTHON: see settingLabel). */
  setting?: string;
  /** How messages name where `setting` came from (default "the cola-bert.pythonPath setting"). */
  settingLabel?: string;
  /** Whether that setting came from workspace (not user/machine) settings. */
  settingFromWorkspace?: boolean;
  /** The extension's own venv folder (in global storage), if any. */
  extensionVenv?: string;
  /** Workspace folders (or the repo root for the CLI) whose `.venv` to try. */
  workspaceFolders?: readonly string[];
  /** Whether to try `python3` and `python` on PATH (default true). */
  searchPath?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Per-candidate check timeout (default 60 s: importing torch on a cold disk is slow). */
  timeoutMs?: number;
  /**
   * true (default): import each package, which also catches broken installs but costs seconds (torch).
   * false: only locate them (importlib find_spec + metadata), for callers that start the trainer right
   * away anyway; the trainer reports a broken install itself as a `dependency_missing` error.
   */
  importCheck?: boolean;
}

export class PythonEnvError extends Error {
  override readonly name = 'PythonEnvError';
  constructor(
    message: string,
    /** What was tried and why each was rejected. */
    readonly tried: ReadonlyArray<{ candidate: PythonCandidate; problem: string }>,
    /** Packages missing from the best candidate, if that was the problem. */
    readonly missing: readonly string[] = [],
  ) {
    super(message);
  }
}

const isWindows = process.platform === 'win32';

export function venvPython(venv: string): string {
  return isWindows ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Searches PATH like the shell would, without running a shell. */
export function whichOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = isWindows ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = path.join(dir, command + ext);
      if (isFile(p)) return p;
    }
  }
  return null;
}

/** The candidates in discovery order (duplicates removed); nothing is run. */
export function pythonCandidates(options: FindPythonOptions): PythonCandidate[] {
  const out: PythonCandidate[] = [];
  const add = (python: string, source: PythonSource) => {
    if (!out.some((c) => c.python === python)) out.push({ python, source });
  };
  if (options.setting?.trim()) {
    if (!options.settingFromWorkspace) add(options.setting.trim(), 'setting');
    else if (options.trusted) add(options.setting.trim(), 'workspace-setting');
  }
  if (options.extensionVenv) {
    const p = venvPython(options.extensionVenv);
    if (existsSync(p)) add(p, 'extension');
  }
  if (options.trusted) {
    for (const folder of options.workspaceFolders ?? []) {
      const p = venvPython(path.join(folder, '.venv'));
      if (existsSync(p)) add(p, 'workspace');
    }
  }
  if (options.searchPath ?? true) {
    for (const name of isWindows ? ['python', 'py'] : ['python3', 'python']) {
      const p = whichOnPath(name, options.env);
      if (p) add(p, 'path');
    }
  }
  return out;
}

// Imports (or only locates) each package; prints JSON. Importing catches a broken install here rather
// than minutes into training.
const CHECK_SCRIPT = `${DROP_CWD_FROM_PATH}
import importlib, importlib.util, importlib.metadata, json, sys
deep = sys.argv[1] == "import"
out = {"python": sys.version.split()[0], "packages": {}, "missing": {}}
for name in ${JSON.stringify(REQUIRED_PACKAGES)}:
    try:
        if deep:
            m = importlib.import_module(name)
            out["packages"][name] = str(getattr(m, "__version__", "unknown"))
        elif importlib.util.find_spec(name) is None:
            out["missing"][name] = f"ModuleNotFoundError: No module named '{name}'"
        else:
            out["packages"][name] = importlib.metadata.version(name)
    except Exception as e:
        out["missing"][name] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
`;

export interface PythonCheck {
  version: string;
  packages: Partial<Record<RequiredPackage, string>>;
  missing: Partial<Record<RequiredPackage, string>>;
}

function run(python: string, args: string[], env: NodeJS.ProcessEnv | undefined, timeoutMs: number, signal?: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let child;
    try {
      // The root folder: the check must not depend on (or run code from) wherever the host happens to be.
      child = spawn(python, args, { cwd: path.parse(process.cwd()).root, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, signal, timeout: timeoutMs });
    } catch (e) {
      resolve({ code: null, stdout, stderr, error: e as Error });
      return;
    }
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (error) => resolve({ code: null, stdout, stderr, error }));
    child.on('exit', (code) => {
      // 'close' waits for every holder of the pipes: a background process a wrapper script started would
      // hold this check for as long as it runs. The answer is one line printed before exit.
      const drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code, stdout, stderr });
      }, 2000);
      drain.unref();
      child.once('close', () => {
        clearTimeout(drain);
        resolve({ code, stdout, stderr });
      });
    });
  });
}

/** Runs the import check in one interpreter. Rejects only when the interpreter cannot run at all. */
export async function checkPython(python: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; signal?: AbortSignal; importCheck?: boolean } = {}): Promise<PythonCheck> {
  const mode = options.importCheck === false ? 'find' : 'import';
  const r = await run(python, ['-c', CHECK_SCRIPT, mode], options.env, options.timeoutMs ?? 60_000, options.signal);
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${python} does not exist or is not executable` : `${python} could not be run: ${r.error.message}`);
  }
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(last) as { python: string; packages: PythonCheck['packages']; missing: PythonCheck['missing'] };
    return { version: parsed.python, packages: parsed.packages, missing: parsed.missing };
  } catch {
    const tail = r.stderr.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${python} is not a working Python 3 (exit code ${r.code})${tail ? `:\n${tail}` : ''}`);
  }
}

/** The torch pin of trainer/requirements.txt (found from the bundle in dist/ or from src/core under tsx); 'torch' without it. */
function pinnedTorch(): string {
  for (let dir = __dirname, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'trainer', 'requirements.txt');
    if (existsSync(file)) return torchRequirement(file);
  }
  return 'torch';
}

export function fixHint(python: string, settingLabel = '`cola-bert.pythonPath`'): string {
  return (
    'To fix: in the cola-bert repository run `npm run setup`; in VS Code run "cola-bert: Set up training environment"; ' +
    `or install the packages into this interpreter: \`${python} -m pip install ${pinnedTorch()} transformers onnx onnxruntime\` ` +
    `(or point ${settingLabel} at an interpreter that has them).`
  );
}

function sourceLabel(source: PythonSource, settingLabel?: string): string {
  return {
    setting: settingLabel ?? 'the cola-bert.pythonPath setting',
    'workspace-setting': 'the workspace cola-bert.pythonPath setting',
    extension: "the extension's environment",
    workspace: 'the workspace .venv',
    path: 'PATH',
  }[source];
}

/**
 * Returns the first candidate that has every required package. An explicit setting is final: when it
 * is set and broken, the error is about it rather than a silent fall-back to another interpreter.
 */
export async function findPython(options: FindPythonOptions): Promise<PythonEnv> {
  const candidates = pythonCandidates(options);
  const tried: Array<{ candidate: PythonCandidate; problem: string }> = [];
  let best: { candidate: PythonCandidate; missing: string[] } | null = null;
  for (const candidate of candidates) {
    if (options.signal?.aborted) throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    let check: PythonCheck;
    try {
      check = await checkPython(candidate.python, { env: options.env, timeoutMs: options.timeoutMs, signal: options.signal, importCheck: options.importCheck });
    } catch (e) {
      tried.push({ candidate, problem: (e as Error).message });
      if (candidate.source === 'setting' || candidate.source === 'workspace-setting') break;
      continue;
    }
    const missing = REQUIRED_PACKAGES.filter((p) => !(p in check.packages));
    if (!missing.length) return { ...candidate, version: check.version, packages: check.packages as Record<RequiredPackage, string> };
    const detail = missing.map((m) => `${m} (${check.missing[m]})`).join(', ');
    tried.push({ candidate, problem: `Python ${check.version} lacks ${detail}` });
    if (!best || missing.length < best.missing.length) best = { candidate, missing };
    if (candidate.source === 'setting' || candidate.source === 'workspace-setting') break;
  }
  if (!candidates.length) {
    throw new PythonEnvError(`No Python interpreter found (no setting, no .venv, no python3 on PATH). ${fixHint('python3')}`, tried);
  }
  const lines = tried.map((t) => `  ${t.candidate.python} (from ${sourceLabel(t.candidate.source, options.settingLabel)}): ${t.problem}`);
  const head = best
    ? `The trainer needs ${best.missing.join(', ')}, which ${best.candidate.python} does not have.`
    : 'No usable Python interpreter was found.';
  // Only an interpreter that ran is worth a pip command; for a path that is not Python, the generic one.
  const hintLabel = options.settingLabel ? options.settingLabel : undefined;
  throw new PythonEnvError(`${head}\nTried:\n${lines.join('\n')}\n${fixHint(best?.candidate.python ?? 'python3', hintLabel)}`, tried, best?.missing ?? []);
}
