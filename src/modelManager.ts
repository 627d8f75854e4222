// Which model folder is active, and its inference service. Resolves the folder (setting under Workspace
// Trust → newest panel-trained model → newest <workspace>/models/*), opens it in a worker thread, reports
// its state, and switches at runtime (settings change, "Choose model folder", the panel's useModel()).
// A missing or corrupt model gives one clear message and state 'error': diagnostics stay off, nothing throws.
import path from 'node:path';
import * as vscode from 'vscode';
import { modelPathSetting, readConfig, writeModelPath } from './config';
import { InferenceService, type Prediction } from './core/inference';
import { describeHoldout, describeScaling } from './core/modelFolder';
import { defaultModelDir } from './core/modelLocation';
import { logError, ms, type Log } from './log';

export type ModelState =
  | { kind: 'none' }
  | { kind: 'loading'; dir: string }
  | { kind: 'ready'; dir: string; service: InferenceService }
  | { kind: 'error'; dir: string; message: string };

/** Settings that change which session is loaded or how it runs. */
const RELOAD_SETTINGS = ['modelPath', 'preferInt8', 'inferenceThreads', 'inferenceWorkers'];

export class ModelManager implements vscode.Disposable {
  private current: ModelState = { kind: 'none' };
  private generation = 0;
  /** The open in flight; joined only by a request for the same folder made in the same generation. */
  private loading: { dir: string; promise: Promise<void>; generation: number } | undefined;
  private readonly changed = new vscode.EventEmitter<ModelState>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private readonly reported = new Set<string>();
  /** Fires after every state change (loading, ready, error, none). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Log,
  ) {
    vscode.workspace.onDidChangeConfiguration(
      (e) => {
        if (RELOAD_SETTINGS.some((name) => e.affectsConfiguration(`cola-bert.${name}`))) void this.reload();
      },
      this,
      this.disposables,
    );
    vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reload(), this, this.disposables);
  }

  get state(): ModelState {
    return this.current;
  }

  /** The ready service, if any. */
  get service(): InferenceService | undefined {
    return this.current.kind === 'ready' ? this.current.service : undefined;
  }

  /** Where the panel writes trained models; the default model is the newest folder here. */
  get globalModelsDir(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'models');
  }

  predict(sentences: readonly string[], signal?: AbortSignal): Promise<Prediction[]> {
    const service = this.service;
    if (!service) return Promise.reject(new Error('no model is loaded'));
    return service.predict(sentences, signal);
  }

  /** The folder the settings and defaults point at, or undefined when there is none. */
  resolveDir(): string | undefined {
    const setting = modelPathSetting();
    if (setting.ignoredWorkspaceValue) {
      this.log.warn(`Workspace is not trusted: ignoring cola-bert.modelPath from workspace settings (${setting.ignoredWorkspaceValue}).`);
    }
    if (setting.value) {
      const relative = !path.isAbsolute(setting.value) && !setting.value.startsWith('~/');
      // A relative path resolves against the workspace: in an untrusted one that would let the repository supply the model.
      if (!relative || vscode.workspace.isTrusted) return this.absolute(setting.value);
      this.log.warn(`Workspace is not trusted: cola-bert.modelPath "${setting.value}" is relative to it, so it is not used; give an absolute path.`);
    }
    const folders = vscode.workspace.isTrusted ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath) : [];
    return defaultModelDir(this.globalModelsDir, folders);
  }

  /**
   * Opens a model folder the way diagnostics run it (the int8, thread and worker settings, the bundled
   * worker): the editor's one way to open a model. The caller owns the service and disposes it.
   */
  openService(dir: string): Promise<InferenceService> {
    const config = readConfig();
    return InferenceService.open(dir, {
      preferInt8: config.preferInt8,
      threads: config.inferenceThreads || undefined,
      workers: config.inferenceWorkers || undefined,
      workerScript: path.join(this.context.extensionPath, 'dist', 'inferenceWorker.js'),
    });
  }

  /** Makes `dir` the active model (persisted in the settings, so it survives a restart) and loads it. */
  async useModel(dir: string): Promise<void> {
    const absolute = this.absolute(dir);
    await writeModelPath(absolute);
    // The configuration listener reloads too; loading here as well makes the switch observable on return.
    await this.load(absolute);
  }

  /**
   * Re-resolves the folder and opens it again, even when that folder is already loaded: its files may
   * have been re-exported, or the settings of how it runs (int8, threads, workers) changed.
   */
  async reload(): Promise<void> {
    const dir = this.resolveDir();
    if (!dir) {
      this.generation++;
      await this.setState({ kind: 'none' });
      return;
    }
    await this.load(dir, true);
  }

  private absolute(dir: string): string {
    const expanded = dir.startsWith('~/') ? path.join(process.env.HOME ?? '', dir.slice(2)) : dir;
    if (path.isAbsolute(expanded)) return expanded;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return root ? path.join(root, expanded) : path.resolve(expanded);
  }

  private load(dir: string, force = false): Promise<void> {
    if (!force && this.current.kind === 'ready' && this.current.dir === dir && this.current.service.alive) return Promise.resolve();
    // A load of the same folder from an older generation (the setting changed away and back meanwhile) ends discarded: not joined.
    if (!force && this.loading?.dir === dir && this.loading.generation === this.generation) return this.loading.promise;
    const promise = this.open(dir).finally(() => {
      if (this.loading?.promise === promise) this.loading = undefined;
    });
    // open() took its generation synchronously, before its first await.
    this.loading = { dir, promise, generation: this.generation };
    return promise;
  }

  private async open(dir: string): Promise<void> {
    const generation = ++this.generation;
    await this.setState({ kind: 'loading', dir });
    const t0 = performance.now();
    try {
      const service = await this.openService(dir);
      if (generation !== this.generation) {
        await service.dispose();
        return;
      }
      const m = service.model;
      this.log.info(
        `Model loaded in ${ms(performance.now() - t0)}: ${m.dir} (${path.basename(m.onnxFile)}${m.quantized ? ', int8' : ''}, base ${m.baseModel}, holdout MCC ${describeHoldout(m.holdout)}, ${describeScaling(m.calibration)}; ` +
          `${service.parallelism.workers} worker(s) × ${service.parallelism.threadsPerWorker} thread(s))`,
      );
      service.onDidCrash((error) => {
        if (this.current.kind === 'ready' && this.current.service === service) {
          logError(this.log, 'Inference worker crashed', error);
          const message = `The inference worker stopped: ${error.message}`;
          void this.setState({ kind: 'error', dir, message });
          void vscode.window.showErrorMessage(`cola-bert: ${message} Diagnostics are off until the model is reloaded.`, 'Reload model', 'Show log').then((choice) => {
            if (choice === 'Reload model') void this.reload();
            if (choice === 'Show log') this.log.show(true);
          });
        }
      });
      await this.setState({ kind: 'ready', dir, service });
    } catch (e) {
      if (generation !== this.generation) return;
      const message = (e as Error).message;
      logError(this.log, `Could not load the model in ${dir}`, e);
      await this.setState({ kind: 'error', dir, message });
      this.reportOnce(dir, message);
    }
  }

  private async setState(next: ModelState): Promise<void> {
    const previous = this.current;
    this.current = next;
    if (previous.kind === 'ready' && (next.kind !== 'ready' || next.service !== previous.service)) await previous.service.dispose();
    this.changed.fire(next);
  }

  /** One error message per folder and problem, never one per keystroke. */
  private reportOnce(dir: string, message: string): void {
    const key = `${dir}\u0000${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    void vscode.window
      .showErrorMessage(`cola-bert cannot use the model in ${dir}: ${message} Diagnostics are off until a valid model folder is chosen.`, 'Choose model folder', 'Show log')
      .then((choice) => {
        if (choice === 'Choose model folder') void vscode.commands.executeCommand('cola-bert.chooseModel');
        if (choice === 'Show log') this.log.show(true);
      });
  }

  dispose(): void {
    this.generation++;
    if (this.current.kind === 'ready') void this.current.service.dispose();
    this.current = { kind: 'none' };
    for (const d of this.disposables) d.dispose();
  }
}
