// The browser the headless webview test drives: /usr/bin/chromium, installed with apt-get only when
// it is missing (so `npm test` works on a fresh Debian/Ubuntu machine and costs nothing afterwards).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

function found(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CANDIDATES.find((p) => existsSync(p));
}

export function ensureChromium(log: (line: string) => void = console.log): string {
  const have = found();
  if (have) return have;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    throw new Error('Chromium is missing and there is no apt-get: install chromium and set CHROMIUM_PATH to its executable.');
  }
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (args: string[]) => {
    const cmd = [...sudo, 'apt-get', '-o', 'DPkg::Lock::Timeout=600', ...args];
    log(`$ ${cmd.join(' ')}`);
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (exit ${r.status}); install chromium by hand or set CHROMIUM_PATH`);
  };
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', 'chromium']);
  const now = found();
  if (!now) throw new Error('apt-get installed chromium but no /usr/bin/chromium exists; set CHROMIUM_PATH');
  return now;
}
