// How the trainer's Python packages are installed, for both installers: `npm run setup` (scripts/setup.mjs,
// plain Node before node_modules exists, hence JavaScript) and the extension's "Set up training environment"
// (src/panel/trainingEnvironment.ts, bundled). trainer/requirements.txt is the one list and holds the one torch pin.
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The `torch==X` line of a requirements file: installed first and alone. */
export function torchRequirement(requirementsFile) {
  const text = readFileSync(requirementsFile, 'utf8');
  const line = text.split(/\r?\n/).map((l) => l.replace(/#.*/, '').trim()).find((l) => /^torch\s*==/.test(l));
  if (!line) throw new Error(`${requirementsFile} pins no torch version (a line torch==X)`);
  return line.replace(/\s+/g, '');
}

function onPath(exe, env) {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE').split(';') : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter)) {
    for (const ext of exts) {
      try {
        if (dir && statSync(path.join(dir, exe + ext)).isFile()) return true;
      } catch {
        // Not in this folder.
      }
    }
  }
  return false;
}

/** Whether a TCP connection to host:443 opens within `ms` (no request is made). */
export function reachable(host, ms = 3000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: 443, timeout: ms });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

export const CPU_TORCH_INDEX = 'https://download.pytorch.org/whl/cpu';

/**
 * Extra pip arguments for torch: on a machine without an NVIDIA GPU, PyPI's Linux torch wheel would still
 * bring several GB of CUDA libraries; PyTorch's CPU index has the same version without them. Only when that
 * index answers and the user has not configured pip's indexes (a local mirror, as on this project's CI).
 */
export async function torchIndexArgs({ platform = process.platform, env = process.env, isReachable = reachable } = {}) {
  if (platform !== 'linux' || onPath('nvidia-smi', env)) return [];
  if (env.PIP_INDEX_URL || env.PIP_EXTRA_INDEX_URL || env.PIP_FIND_LINKS) return [];
  if (!(await isReachable(new URL(CPU_TORCH_INDEX).hostname))) return [];
  return ['--extra-index-url', CPU_TORCH_INDEX];
}

/**
 * The pip installs, in order, as arguments after `python -m pip`: torch alone first (installed after its
 * dependents, pip could pick another build of it), then the requirements (plus `extra` files, e.g. dev).
 */
export function pipInstallSteps({ requirementsFile, extra = [], indexArgs = [] }) {
  const pip = ['install', '--disable-pip-version-check', '--progress-bar', 'off'];
  const torch = torchRequirement(requirementsFile);
  return [
    { what: torch, args: [...pip, ...indexArgs, torch] },
    { what: 'the trainer requirements', args: [...pip, ...[requirementsFile, ...extra].flatMap((f) => ['-r', f])] },
  ];
}
