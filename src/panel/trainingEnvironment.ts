// Which Python runs the trainer, what it can do, and "Set up training environment": a venv in the
// extension's global storage with trainer/requirements.txt (its torch pin first, on its own).
// Workspace Trust: an interpreter named in workspace settings is never run in an untrusted workspace
// (pythonEnv.ts drops such candidates when `trusted` is false; we pass vscode.workspace.isTrusted).
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { findPython, pythonCandidates, venvPython, whichOnPath, type PythonEnv } from '../core/pythonEnv';
import { pipInstallSteps, torchIndexArgs } from '../core/pythonInstall.mjs';
import { isolatedModuleArgs } from '../core/pythonIsolation';
import { measureWarmup, probeEnvironment } from '../core/trainerClient';
import type { EnvironmentEvent, WarmupEvent } from '../../protocol/trainerProtocol';
import type { EnvironmentView } from '../../protocol/panelMessages';

const SOURCE_LABEL: Record<PythonEnv['source'], string> = {
  setting: 'cola-bert.pythonPath',
  'workspace-setting': 'workspace setting cola-bert.pythonPath',
  extension: "the extension's environment",
  workspace: 'workspace .venv',
  path: 'PATH',
};


/** `python -m pip`, without importing from the working folder. */
const PIP = isolatedModuleArgs('pip', []);

export class TrainingEnvironment {
  readonly venvDir: string;
  readonly trainerDir: string;
  private current: { python: PythonEnv; environment: EnvironmentEvent } | undefined;
  private setupRunning = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.venvDir = path.join(context.globalStorageUri.fsPath, 'python-env');
    this.trainerDir = path.join(context.extensionPath, 'trainer');
  }

  /** The interpreter found by the last successful check. */
  get python(): PythonEnv | undefined {
    return this.current?.python;
  }

  get deviceEvent(): EnvironmentEvent | undefined {
    return this.current?.environment;
  }

  private settingInfo(): { setting?: string; settingFromWorkspace: boolean; ignoredUntrusted: boolean } {
    const config = vscode.workspace.getConfiguration('cola-bert');
    // get() already leaves out workspace values of restricted settings in an untrusted workspace;
    // inspect() tells whether the effective value is the workspace's (user, remote-machine or default otherwise).
    const value = config.get<string>('pythonPath')?.trim() ?? '';
    const inspected = config.inspect<string>('pythonPath');
    const workspaceValue = (inspected?.workspaceFolderValue || inspected?.workspaceValue || '').trim();
    const trusted = vscode.workspace.isTrusted;
    if (workspaceValue && workspaceValue === value) return { setting: value, settingFromWorkspace: true, ignoredUntrusted: !trusted };
    return { setting: value || undefined, settingFromWorkspace: false, ignoredUntrusted: !!workspaceValue && !trusted };
  }

  /** Finds the interpreter and runs `python -m cola_trainer env` in it. Never throws. */
  async check(signal?: AbortSignal): Promise<EnvironmentView> {
    const s = this.settingInfo();
    const trusted = vscode.workspace.isTrusted;
    let python: PythonEnv;
    try {
      python = await findPython({
        trusted,
        setting: s.setting,
        settingFromWorkspace: s.settingFromWorkspace,
        extensionVenv: this.venvDir,
        workspaceFolders: trusted ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath) : [],
        signal,
      });
    } catch (e) {
      this.current = undefined;
      this.log.warn(`training environment: ${(e as Error).message}`);
      return { status: 'missing', message: (e as Error).message, trusted: s.ignoredUntrusted ? false : undefined };
    }
    try {
      const environment = await probeEnvironment(python, { trainerDir: this.trainerDir, cwd: this.trainerDir, signal, logger: (l) => this.log.debug(`[env] ${l}`) });
      this.current = { python, environment };
      this.log.info(`training environment: ${python.python} (${python.source}), torch ${environment.torch}, CUDA ${environment.cuda ?? 'none'}`);
      return this.view(python, environment, s.ignoredUntrusted);
    } catch (e) {
      this.current = undefined;
      this.log.error(`training environment: ${(e as Error).message}`);
      return { status: 'error', python: python.python, source: SOURCE_LABEL[python.source], pythonVersion: python.version, torch: python.packages.torch, transformers: python.packages.transformers, message: (e as Error).message };
    }
  }

  /**
   * A few timed training steps of `model` in the checked interpreter (`cola_trainer warmup`), the same isolated
   * spawn as the environment probe. Rejects when no check succeeded or the model is not on this machine.
   */
  async warmup(model: string, maxLength: number, signal: AbortSignal): Promise<WarmupEvent> {
    const python = this.current?.python;
    if (!python) throw new Error('no training environment has been checked yet');
    return measureWarmup(python, model, maxLength, { trainerDir: this.trainerDir, cwd: this.trainerDir, signal, logger: (l) => this.log.debug(`[warmup] ${l}`) });
  }

  private view(python: PythonEnv, env: EnvironmentEvent, ignoredUntrusted: boolean): EnvironmentView {
    const gpu = env.devices.find((d) => d.kind === 'cuda') ?? env.devices.find((d) => d.kind === 'mps');
    const device = gpu ? { kind: gpu.kind, name: gpu.name, memoryBytes: gpu.memory_bytes } : { kind: 'cpu' as const, name: env.devices.find((d) => d.kind === 'cpu')?.name ?? 'CPU' };
    return {
      status: 'ready',
      python: python.python,
      source: SOURCE_LABEL[python.source],
      pythonVersion: env.python,
      torch: env.torch,
      transformers: env.transformers,
      cuda: env.cuda,
      device,
      cpuThreads: env.cpu_threads,
      bf16Cpu: env.bf16_cpu,
      hub: env.hub ? { reachable: env.hub.reachable, defaultModel: env.hub.default_model, defaultModelCached: env.hub.default_model_cached } : undefined,
      message: gpu ? undefined : 'No GPU visible to torch: training runs on the CPU, where all-minilm-l6-v2 trains about 8 times faster than bert-base-uncased.',
      trusted: ignoredUntrusted ? false : undefined,
    };
  }

  /**
   * Creates (or repairs) the venv and installs the trainer requirements, reporting each phase and
   * pip's progress lines. The base interpreter is python3 from PATH or the user-level setting — never
   * a workspace setting in an untrusted workspace.
   */
  async setup(report: (message: string, percent?: number) => void, token: vscode.CancellationToken): Promise<void> {
    if (this.setupRunning) throw new Error('The training environment is already being set up.');
    this.setupRunning = true;
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const s = this.settingInfo();
      const base =
        (!s.settingFromWorkspace && s.setting) ||
        pythonCandidates({ trusted: false, searchPath: true }).find((c) => c.source === 'path')?.python ||
        whichOnPath('python3');
      if (!base) throw new Error('No python3 found on PATH to create the environment with. Install Python 3.10 or newer, or choose an interpreter.');
      const python = venvPython(this.venvDir);
      await fs.mkdir(path.dirname(this.venvDir), { recursive: true });
      let exists = false;
      try {
        await fs.access(python);
        exists = true;
      } catch {
        /* create it below */
      }
      if (!exists) {
        report(`Creating a virtual environment with ${base}…`, 2);
        await this.exec(base, isolatedModuleArgs('venv', [this.venvDir]), abort.signal);
      }
      report('Upgrading pip…', 5);
      await this.exec(python, [...PIP, 'install', '--upgrade', 'pip'], abort.signal);
      // The steps of `npm run setup` too (core/pythonInstall.mjs): torch pinned and alone first, from the CPU index without a GPU.
      const [torch, rest] = pipInstallSteps({ requirementsFile: path.join(this.trainerDir, 'requirements.txt'), indexArgs: await torchIndexArgs() });
      report(`Installing ${torch.what} (the largest download; can take several minutes)…`, 10);
      await this.exec(python, [...PIP, ...torch.args], abort.signal, (line) => report(`torch: ${line}`));
      report('Installing transformers, onnx, onnxruntime and the offline model…', 70);
      await this.exec(python, [...PIP, ...rest.args], abort.signal, (line) => report(line));
      report('Checking the new environment…', 95);
    } finally {
      sub.dispose();
      this.setupRunning = false;
    }
  }

  private exec(command: string, args: string[], signal: AbortSignal, onLine?: (line: string) => void): Promise<void> {
    this.log.info(`$ ${command} ${args.join(' ')}`);
    return new Promise((resolve, reject) => {
      // Our own folder as the working folder: pip and venv run there, never in whatever folder the host has.
      const cwd = path.dirname(this.venvDir);
      const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], signal, windowsHide: true, env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONSAFEPATH: '1' } });
      const tail: string[] = [];
      const onData = (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split(/\r?\n/)) {
          if (!line.trim()) continue;
          this.log.info(line);
          tail.push(line);
          if (tail.length > 20) tail.shift();
          // pip's "Collecting x" / "Downloading x" / "Installing collected packages" lines are the visible progress.
          if (onLine && /^(Collecting|Downloading|Installing|Successfully|Requirement already satisfied: torch)/.test(line)) onLine(line.slice(0, 120));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', (e) => reject((e as NodeJS.ErrnoException).name === 'AbortError' ? new vscode.CancellationError() : new Error(`${command} could not be run: ${e.message}`)));
      child.on('close', (code, sig) => {
        if (code === 0) resolve();
        else if (signal.aborted) reject(new vscode.CancellationError());
        else reject(new Error(`\`${path.basename(command)} ${args.slice(0, 4).join(' ')}…\` failed (${sig ?? `exit code ${code}`}):\n${tail.slice(-8).join('\n')}`));
      });
    });
  }

  /** Lets the user pick an interpreter and stores it in the user (not workspace) setting. */
  async chooseInterpreter(): Promise<boolean> {
    const picked = await vscode.window.showOpenDialog({
      title: 'Choose the Python interpreter that runs the trainer (needs torch and transformers)',
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      openLabel: 'Use this interpreter',
      filters: process.platform === 'win32' ? { Python: ['exe'] } : undefined,
    });
    if (!picked?.length) return false;
    await vscode.workspace.getConfiguration('cola-bert').update('pythonPath', picked[0].fsPath, vscode.ConfigurationTarget.Global);
    return true;
  }
}
