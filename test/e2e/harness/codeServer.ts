// A throw-away code-server: its own user-data, extensions and XDG folders under one temp root,
// a free loopback port, a process group we can end as a whole.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { STATE_DEADLINE_MS } from './deadlines';

export interface CodeServerTools {
  /** .../bin/code-server of the cached install. */
  codeServer: string;
  /** Node 24's bin folder: first on PATH, code-server's launcher is `#!/usr/bin/env node`. */
  nodeBinDir: string;
}

export interface Profile {
  root: string;
  userDataDir: string;
  extensionsDir: string;
  env: NodeJS.ProcessEnv;
}

/** Settings that keep a headless workbench quiet and deterministic, plus the caller's. */
export const baseSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'editor.hover.delay': 100,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // The Problems list is virtualized: opened maximized, every row of the fixture is in the DOM.
  'workbench.panel.opensMaximized': 'always',
};

/**
 * `settings` go to the user settings; `machineSettings` to the remote machine's settings
 * (<user-data-dir>/Machine/settings.json). In a remote window, which a code-server workbench is,
 * VS Code ignores `machine` and `machine-overridable` settings found in the user settings
 * (cola-bert.pythonPath and cola-bert.modelPath are machine-overridable), as in Remote-SSH.
 */
export function createProfile(root: string, tools: CodeServerTools, settings: Record<string, unknown>,
  machineSettings: Record<string, unknown> = {}): Profile {
  const p = (name: string) => {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const userDataDir = p('user-data');
  const extensionsDir = p('extensions');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${tools.nodeBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: p('xdg-config'),
    XDG_DATA_HOME: p('xdg-data'),
    XDG_CACHE_HOME: p('xdg-cache'),
    // The workbench's own terminal and tasks must not pick up this process's Node or npm settings.
    npm_config_nodedir: undefined,
    NODE_OPTIONS: undefined,
  };
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...baseSettings, ...settings }, null, 2));
  mkdirSync(path.join(userDataDir, 'Machine'), { recursive: true });
  writeFileSync(machineSettingsFile(userDataDir), JSON.stringify(machineSettings, null, 2));
  return { root, userDataDir, extensionsDir, env };
}

export function machineSettingsFile(userDataDir: string): string {
  return path.join(userDataDir, 'Machine', 'settings.json');
}

export function installExtension(tools: CodeServerTools, profile: Profile, vsix: string): void {
  const r = spawnSync(tools.codeServer, ['--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir,
    '--install-extension', vsix, '--force'], { env: profile.env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningCodeServer {
  url: string;
  port: number;
  process: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

export async function startCodeServer(tools: CodeServerTools, profile: Profile, workspace: string,
  opts: { port?: number; logFile?: string; timeoutMs?: number; extraArgs?: string[] } = {}): Promise<RunningCodeServer> {
  const port = opts.port ?? (await freePort());
  const logFile = opts.logFile ?? path.join(profile.root, 'code-server.log');
  const log = createWriteStream(logFile);
  const child = spawn(tools.codeServer, [
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened',
    '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir, ...(opts.extraArgs ?? []), workspace,
  ], { env: profile.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited: string | undefined;
  // code-server runs in its own process group; end it with this process, however this one ends.
  const killGroup = () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } };
  const onSignal = (signal: NodeJS.Signals) => { killGroup(); process.exit(signal === 'SIGINT' ? 130 : 143); };
  process.once('exit', killGroup);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  child.on('exit', (code, signal) => {
    exited = `exited (${signal ?? code})`;
    process.off('exit', killGroup);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await gone;
    clearTimeout(timer);
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? STATE_DEADLINE_MS);
  for (;;) {
    if (exited) throw new Error(`code-server ${exited} before it answered; log ${logFile}:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer ${url}/healthz in time; log:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, process: child, logFile, stop };
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Every file below `dir` whose name passes `accept` (logs of the workbench and extension host). */
export function findFiles(dir: string, accept: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findFiles(full, accept));
    else if (accept(name)) out.push(full);
  }
  return out;
}
