// The "Fine-tune BERT on CoLA" panel's controller: what each panel message does (run, cancel, resume,
// environment, history, report, try-a-sentence). The webview plumbing (one panel, HTML and CSP, message
// validation) is panelHost.ts; messages are protocol/panelMessages.ts.
// The run lives in a TrainingSession owned by the controller, not by the panel: closing the panel keeps
// training (a progress notification stays) and reopening it shows the run in progress.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../protocol/trainerProtocol';
import { compareRuns, recordFromSnapshot, reportMarkdown, RunHistory, toHistoryEntry } from '../training/runHistory';
import { PANEL_VIEW_TYPE, PanelHost } from './panelHost';
import { TrainingEnvironment } from './trainingEnvironment';
import { trainerStarter, TrainingSession, type SessionUpdate } from '../training/trainingSession';
import { degenerateModel } from '../../protocol/degenerateModel';
import { loadLastRun, saveLastRun } from '../training/lastRunStore';
import { SentenceTrial, type OpenInference } from '../training/sentenceTrial';
import { DEFAULT_FORM, validateForm, type EnvironmentView, type ToHost, type ToWebview, type TrainForm, type WarmupMessage } from '../../protocol/panelMessages';

/** Per workspace (workspaceState): the form as last typed, and the last run's snapshot for its result after a reload. */
const FORM_KEY = 'cola-bert.training.form';
const LAST_RUN_FILE = 'last-training-run.json';

export interface TrainingPanelDeps {
  log: vscode.LogOutputChannel;
  /** Opens a model folder the way diagnostics run it (ModelManager.openService): try-a-sentence uses it. */
  openInference: OpenInference;
  /** Switches diagnostics to a model folder (modelManager.useModel). */
  useModel(dir: string): Promise<unknown> | unknown;
  /** A run finished and exported a model (the editor re-resolves its default model). */
  modelTrained?(dir: string): Promise<unknown> | unknown;
  /** The workspace's feedback file the form starts with (src/feedbackStore.ts), if any. */
  defaultFeedbackFile?(): string | undefined;
  /** The model folder diagnostics use now: a run with feedback scores it as 'before' (--feedback-baseline). */
  currentModel?(): string | undefined;
}

export class TrainingController implements vscode.Disposable {
  readonly session: TrainingSession;
  readonly history: RunHistory;
  readonly environment: TrainingEnvironment;
  private readonly host: PanelHost;
  private envView: EnvironmentView = { status: 'checking' };
  private envCheck: Promise<EnvironmentView> | undefined;
  private runStartedAt = new Date();
  private pendingTab: 'train' | 'history' | undefined;
  private pendingForm: Partial<TrainForm> | undefined;
  /** Try-a-sentence: the run's model, opened on the first try and released with the panel. */
  private readonly trial: SentenceTrial;
  private progress: { report(v: { message?: string; increment?: number }): void; done(): void; lastPct: number } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Warm-up results of this session, by interpreter, model and max length; one measurement runs at a time. */
  private readonly warmups = new Map<string, WarmupMessage>();
  private warmupInFlight: { key: string; abort: AbortController } | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: TrainingPanelDeps,
  ) {
    this.history = new RunHistory(context.globalStorageUri.fsPath);
    this.trial = new SentenceTrial(deps.openInference);
    this.host = new PanelHost(context.extensionUri, deps.log, {
      received: (msg) => this.handle(msg),
      failed: (e) => this.fail(e),
      // The "try a sentence" model is held per worker; only the panel uses it.
      closed: () => this.trial.close(),
    });
    this.environment = new TrainingEnvironment(context, deps.log);
    this.session = new TrainingSession(
      trainerStarter(
        () => this.environment.python,
        this.environment.trainerDir,
        (line) => deps.log.info(`[trainer] ${line}`),
        (form) => {
          const baseline = form.feedback?.trim() ? deps.currentModel?.() : undefined;
          return baseline && existsSync(path.join(baseline, 'cola-bert.json')) ? { feedbackBaseline: baseline } : {};
        },
      ),
    );
    const sub = this.session.onDidUpdate((u) => this.onSessionUpdate(u));
    this.disposables.push({ dispose: () => sub.dispose() }, { dispose: () => this.session.dispose() });
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('cola-bert.pythonPath')) void this.checkEnvironment();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.checkEnvironment()),
    );
  }

  /** The command: opens the panel, or reveals it when it is already open; `form` presets fields (the no-model prompt's quick start). */
  show(tab?: 'train' | 'history', form?: Partial<TrainForm>): void {
    if (tab) this.pendingTab = tab;
    this.pendingForm = form;
    if (!this.host.open()) return;
    if (tab) this.post({ type: 'showTab', tab });
    if (form?.model && !this.session.running) this.post({ type: 'folderChosen', field: 'model', path: form.model });
  }

  /** WebviewPanelSerializer: a panel that was open before the window reloaded. */
  revive(panel: vscode.WebviewPanel): void {
    this.host.revive(panel);
  }

  private post(msg: ToWebview): void {
    this.host.post(msg);
  }

  private fail(e: unknown): void {
    if (e instanceof vscode.CancellationError) return;
    const message = e instanceof Error ? e.message : String(e);
    this.deps.log.error(`training panel: ${e instanceof Error ? (e.stack ?? message) : message}`);
    this.post({ type: 'notice', level: 'error', message });
    void vscode.window.showErrorMessage(`cola-bert: ${message}`, 'Open log').then((a) => a && this.deps.log.show());
  }

  private async handle(msg: ToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        await this.sendInit();
        for (const w of this.warmups.values()) this.post(w);
        if (this.pendingTab) this.post({ type: 'showTab', tab: this.pendingTab });
        this.pendingTab = undefined;
        if (this.envView.status === 'checking' && !this.envCheck) void this.checkEnvironment();
        return;
      case 'checkEnvironment':
        await this.checkEnvironment();
        return;
      case 'setupEnvironment':
        await this.setupEnvironment();
        return;
      case 'chooseInterpreter':
        if (await this.environment.chooseInterpreter()) await this.checkEnvironment();
        return;
      case 'chooseFolder': {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          title: msg.field === 'model' ? 'Choose a model folder (config.json + weights + tokenizer)' : 'Choose the CoLA folder (in_domain_train.tsv, out_of_domain_dev.tsv)',
        });
        if (picked?.length) this.post({ type: 'folderChosen', field: msg.field, path: picked[0].fsPath });
        return;
      }
      case 'start':
        await this.start(msg.form);
        return;
      case 'formChanged':
        await this.context.workspaceState.update(FORM_KEY, msg.form);
        this.measureWarmup(msg.form);
        return;
      case 'resume':
        if (this.envView.status !== 'ready') await this.checkEnvironment();
        this.runStartedAt = new Date();
        this.session.resume();
        return;
      case 'cancel':
        this.session.cancel();
        return;
      case 'useModel': {
        const dir = await this.exportedDir();
        if (!(await this.confirmUse())) return;
        await this.deps.useModel(dir);
        void vscode.window.showInformationMessage(`cola-bert: diagnostics now use the model in ${dir}.`);
        return;
      }
      case 'openModelFolder':
        await this.openModelFolder();
        return;
      case 'openLog':
        this.deps.log.show();
        return;
      case 'exportReport':
        await this.exportReport(msg.charts);
        return;
      case 'predict':
        await this.predict(msg.requestId, msg.sentence);
        return;
      case 'compareRuns': {
        const [a, b] = await Promise.all(msg.ids.map((id) => this.history.get(id)));
        if (!a || !b) throw new Error('One of the runs to compare no longer exists.');
        this.post({ type: 'compare', runs: compareRuns(a, b) });
        return;
      }
      case 'deleteRun': {
        const record = await this.history.get(msg.id);
        if (this.session.running && this.session.snapshot?.id === msg.id) throw new Error('This run is still training; cancel it first.');
        const answer = await vscode.window.showWarningMessage(
          `Delete the run of ${record ? new Date(record.started).toLocaleString() : msg.id}${record?.exported ? ' and its model folder' : ''}?`,
          { modal: true, detail: record?.outputDir },
          'Delete',
        );
        if (answer !== 'Delete') return;
        if (record && this.trial.dir === record.outputDir) this.trial.close();
        const { removed } = await this.history.delete(msg.id);
        this.deps.log.info(`deleted run ${msg.id}${removed.length ? ` and ${removed.join(', ')}` : ''}`);
        await this.sendHistory();
        return;
      }
    }
  }

  /** A degenerate model (protocol/degenerateModel.ts) is switched to only after a modal yes. */
  private async confirmUse(): Promise<boolean> {
    const holdout = [...(this.session.snapshot?.events ?? [])].reverse().find((e) => e.event === 'holdout');
    const verdict = holdout && holdout.event === 'holdout' ? degenerateModel(holdout) : null;
    if (!verdict) return true;
    const answer = await vscode.window.showWarningMessage(`This model learned nothing useful: ${verdict.reason}. Use it for diagnostics anyway?`, { modal: true, detail: verdict.advice }, 'Use anyway');
    return answer === 'Use anyway';
  }

  private lastRunFile(): string | undefined {
    return this.context.storageUri ? path.join(this.context.storageUri.fsPath, LAST_RUN_FILE) : undefined;
  }

  /** Keeps the ended run in the workspace's storage, so a reloaded window shows it. */
  private async saveLastRun(): Promise<void> {
    const file = this.lastRunFile();
    const snapshot = this.session.snapshot;
    const outputDir = this.session.outputDir;
    if (!file || !snapshot || !outputDir || snapshot.outcome === 'running') return;
    await saveLastRun(file, { snapshot, outputDir });
  }

  /** After a reload the session is empty: takes back this workspace's last run, if it is still valid. */
  private async restoreLastRun(): Promise<void> {
    const file = this.lastRunFile();
    if (!file || this.session.snapshot) return;
    try {
      const last = await loadLastRun(file);
      if (last) this.session.restore(last.snapshot, last.outputDir);
    } catch (e) {
      this.deps.log.warn(`training panel: ignored ${file}: ${(e as Error).message}`);
    }
  }

  private async sendInit(): Promise<void> {
    await this.restoreLastRun();
    const form = { ...DEFAULT_FORM, ...this.context.workspaceState.get<TrainForm>(FORM_KEY), ...this.pendingForm };
    // Shown in the form, so the user sees (and can clear) what the run will learn from.
    if (!form.feedback?.trim()) form.feedback = this.deps.defaultFeedbackFile?.() ?? '';
    this.pendingForm = undefined;
    this.post({ type: 'init', form, environment: this.envView, run: this.session.snapshot, history: await this.historyEntries() });
  }

  private async historyEntries() {
    return (await this.history.list((f, why) => this.deps.log.warn(`run history: skipped ${f}: ${why}`))).map(toHistoryEntry);
  }

  private async sendHistory(): Promise<void> {
    this.post({ type: 'history', runs: await this.historyEntries() });
  }

  async checkEnvironment(): Promise<EnvironmentView> {
    if (this.envCheck) return this.envCheck;
    this.envView = { status: 'checking' };
    this.post({ type: 'environment', environment: this.envView });
    this.envCheck = this.environment.check().finally(() => (this.envCheck = undefined));
    this.envView = await this.envCheck;
    this.post({ type: 'environment', environment: this.envView });
    this.measureWarmup({ ...DEFAULT_FORM, ...this.context.workspaceState.get<TrainForm>(FORM_KEY) });
    return this.envView;
  }

  /**
   * Times a few training steps of the form's model on this CPU in the background, once per interpreter, model
   * and max length in this session, so the estimate can use this device's speed (issue 16 item 5). A GPU run
   * is not estimated from it; a newer form cancels an older measurement.
   */
  private measureWarmup(form: TrainForm): void {
    const python = this.environment.python?.python;
    const model = form.model.trim();
    if (this.envView.status !== 'ready' || this.envView.device?.kind !== 'cpu' || !python || !model) return;
    if (this.session.snapshot?.outcome === 'running' || !Number.isInteger(form.maxLength)) return;
    const key = JSON.stringify([python, model, form.maxLength]);
    if (this.warmups.has(key) || this.warmupInFlight?.key === key) return;
    this.warmupInFlight?.abort.abort();
    const abort = new AbortController();
    this.warmupInFlight = { key, abort };
    const base = { type: 'warmup' as const, model, maxLength: form.maxLength };
    this.post({ ...base, state: 'measuring' });
    void this.environment.warmup(model, form.maxLength, abort.signal).then(
      (event): WarmupMessage => ({ ...base, state: 'measured', samplesPerSecond: event.samples_per_second }),
      (e: unknown): WarmupMessage => ({ ...base, state: 'failed', message: (e as Error).message }),
    ).then((result) => {
      if (this.warmupInFlight?.key === key) this.warmupInFlight = undefined;
      if (abort.signal.aborted) {
        // Not cached: the same form measures again later; the panel stops saying "measuring…".
        this.post({ ...base, state: 'failed', message: 'cancelled' });
        return;
      }
      if (result.state === 'failed') this.deps.log.info(`warm-up of ${model}: ${result.message ?? 'failed'}`);
      this.warmups.set(key, result);
      this.post(result);
    });
  }

  /** Creates the extension's venv with visible progress, then checks again; resolves to that check's result. */
  async setupEnvironment(): Promise<EnvironmentView> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'cola-bert: setting up the training environment', cancellable: true },
      async (progress, token) => {
        let last = 0;
        const report = (message: string, percent?: number) => {
          if (percent !== undefined && percent > last) {
            progress.report({ message, increment: percent - last });
            last = percent;
          } else progress.report({ message });
          this.envView = { ...this.envView, setup: { message, percent: percent ?? last } };
          this.post({ type: 'environment', environment: this.envView });
        };
        try {
          await this.environment.setup(report, token);
        } finally {
          this.envView = { ...this.envView, setup: undefined };
        }
      },
    ).then(
      () => this.checkEnvironment(),
      async (e: unknown) => {
        await this.checkEnvironment();
        throw e;
      },
    );
  }

  async start(form: TrainForm): Promise<void> {
    const errors = validateForm(form);
    if (Object.keys(errors).length) throw new Error(`Invalid settings: ${Object.values(errors).join(' ')}`);
    if (this.session.running) throw new Error('A training run is already in progress; cancel it before starting another.');
    await this.context.workspaceState.update(FORM_KEY, form);
    if (this.envView.status !== 'ready' || !this.environment.python) await this.checkEnvironment();
    if (this.envView.status !== 'ready') throw new Error(`No working training environment: ${this.envView.message ?? 'see the Environment section'}`);
    // The run's own step times replace the estimate, and a warm-up would take CPU from the run.
    this.warmupInFlight?.abort.abort();
    const id = RunHistory.newId();
    await fs.mkdir(this.history.modelsDir, { recursive: true });
    this.runStartedAt = new Date();
    this.session.start(id, form, this.history.modelDir(id));
  }

  private onSessionUpdate(u: SessionUpdate): void {
    switch (u.kind) {
      case 'started':
        this.post({ type: 'runStarted', run: u.run });
        this.showProgressNotification();
        break;
      case 'events':
        this.post({ type: 'runEvents', id: u.id, events: u.events, log: u.log });
        this.updateProgressNotification(u.events);
        break;
      case 'ended':
        this.post({ type: 'runEnded', id: u.id, outcome: u.outcome, failure: u.failure, resumable: u.resumable });
        this.progress?.done();
        this.progress = undefined;
        void this.recordRun().catch((e: unknown) => this.fail(e));
        void this.saveLastRun().catch((e: unknown) => this.deps.log.warn(`training panel: could not keep the last run: ${(e as Error).message}`));
        if (u.outcome === 'done' && this.session.outputDir) {
          const dir = this.session.outputDir;
          void Promise.resolve(this.deps.modelTrained?.(dir)).catch((e: unknown) => this.fail(e));
        }
        this.announceEnd(u);
        break;
    }
  }

  private async recordRun(): Promise<void> {
    const snap = this.session.snapshot;
    const dir = this.session.outputDir;
    if (!snap || !dir || snap.outcome === 'running') return;
    const previous = await this.history.get(snap.id);
    await this.history.save(recordFromSnapshot(snap, dir, previous ? new Date(previous.started) : this.runStartedAt, new Date()));
    await this.sendHistory();
  }

  private announceEnd(u: Extract<SessionUpdate, { kind: 'ended' }>): void {
    const visible = this.host.visible;
    const snap = this.session.snapshot;
    if (u.outcome === 'done') {
      const mcc = [...(snap?.events ?? [])].reverse().find((e) => e.event === 'holdout');
      const text = `cola-bert: training finished${mcc && mcc.event === 'holdout' ? `, holdout MCC ${mcc.mcc.toFixed(3)}` : ''}.`;
      if (!visible) void vscode.window.showInformationMessage(text, 'Show results', 'Use for diagnostics').then((a) => this.onEndAction(a).catch((e: unknown) => this.fail(e)));
    } else if (u.outcome === 'error' || u.outcome === 'crashed') {
      void vscode.window.showErrorMessage(`cola-bert: training failed: ${u.failure?.message ?? 'unknown error'}`, 'Open log', 'Show panel').then((a) => this.onEndAction(a));
    }
  }

  private async onEndAction(action: string | undefined): Promise<void> {
    if (action === 'Show results' || action === 'Show panel') this.show();
    else if (action === 'Open log') this.deps.log.show();
    else if (action === 'Use for diagnostics') {
      const dir = await this.exportedDir();
      if (await this.confirmUse()) await this.deps.useModel(dir);
    }
  }

  /** A notification for the whole run, so closing the panel never hides that training goes on. */
  private showProgressNotification(): void {
    if (this.progress) return;
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    const holder: NonNullable<TrainingController['progress']> = { report: () => undefined, done: () => finish(), lastPct: 0 };
    this.progress = holder;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'cola-bert: fine-tuning', cancellable: true }, (progress, token) => {
      holder.report = (v) => progress.report(v);
      token.onCancellationRequested(() => this.session.cancel());
      progress.report({ message: 'starting the trainer…' });
      return finished;
    });
  }

  private updateProgressNotification(events: TrainerEvent[]): void {
    const p = this.progress;
    if (!p) return;
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i];
      if (e.event === 'step') {
        const pct = Math.floor((100 * e.step) / e.total_steps);
        p.report({ message: `epoch ${e.epoch}, step ${e.step}/${e.total_steps}, ETA ${Math.round(e.eta_s)} s`, increment: Math.max(0, pct - p.lastPct) });
        p.lastPct = Math.max(p.lastPct, pct);
        return;
      }
      if (e.event === 'exported') {
        p.report({ message: 'model exported; writing the model folder…' });
        return;
      }
      if (e.event === 'holdout') {
        p.report({ message: `holdout MCC ${e.mcc.toFixed(3)}; exporting the model (ONNX fp32 and int8)…` });
        return;
      }
    }
  }

  private async exportedDir(): Promise<string> {
    const snap = this.session.snapshot;
    const exported = [...(snap?.events ?? [])].reverse().find((e) => e.event === 'exported');
    if (!exported || exported.event !== 'exported') throw new Error('This run has no exported model yet.');
    return exported.path;
  }

  /**
   * "Open model folder". In a local desktop window the OS file manager shows it; where the extension
   * host is not on the user's machine (Remote-SSH, dev container, code-server) an OS file manager
   * would look on the wrong machine, so the folder opens in a new editor window instead.
   * Resolves to what was done, for the caller (and the integration test) to check.
   */
  async openModelFolder(): Promise<{ dir: string; how: 'revealFileInOS' | 'openFolder' }> {
    const dir = await this.exportedDir();
    try {
      if (!(await fs.stat(dir)).isDirectory()) throw new Error('not a folder');
    } catch {
      throw new Error(`The model folder ${dir} no longer exists (deleted with its run?).`);
    }
    const local = vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
    const how = local ? 'revealFileInOS' : 'openFolder';
    if (local) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(dir));
    else await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(dir), { forceNewWindow: true });
    this.deps.log.info(`opened the model folder ${dir} (${how})`);
    return { dir, how };
  }

  /** Releases try-a-sentence's model (a copy per inference worker); the next try opens it again. */
  releaseTrial(): void {
    this.trial.close();
  }

  private async predict(requestId: number, sentence: string): Promise<void> {
    try {
      const p = await this.trial.predict(await this.exportedDir(), sentence);
      this.post({ type: 'predictions', requestId, results: [{ sentence, pAcceptable: p.pAcceptable, pUnacceptable: p.pUnacceptable }] });
    } catch (e) {
      this.post({ type: 'predictionFailed', requestId, message: (e as Error).message });
    }
  }

  /**
   * Writes report.md, report.json and the chart images into `<folder>/cola-bert-<run id>/`. The folder
   * is asked for with a dialog unless the caller names it; resolves to the folder written (undefined
   * when the dialog was dismissed).
   */
  async exportReport(charts: { name: string; dataUrl: string }[], folder?: string): Promise<string | undefined> {
    const snap = this.session.snapshot;
    const dir = this.session.outputDir;
    if (!snap || !dir || snap.outcome === 'running') throw new Error('There is no finished run to export.');
    const record = (await this.history.get(snap.id)) ?? recordFromSnapshot(snap, dir, this.runStartedAt, new Date());
    let parent = folder;
    if (!parent) {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Export here', title: 'Export the training report (Markdown, JSON, charts)' });
      if (!picked?.length) return undefined;
      parent = picked[0].fsPath;
    }
    const target = path.join(parent, `cola-bert-${snap.id}`);
    await fs.mkdir(target, { recursive: true });
    const written: string[] = [];
    const write = async (name: string, data: string | Buffer) => {
      const file = path.join(target, name);
      await fs.writeFile(`${file}.tmp`, data);
      await fs.rename(`${file}.tmp`, file);
      written.push(name);
    };
    const chartFiles: string[] = [];
    for (const c of charts) {
      const m = /^data:image\/(png|svg\+xml);base64,(.*)$/.exec(c.dataUrl);
      if (!m) continue;
      const name = `${c.name}.${m[1] === 'png' ? 'png' : 'svg'}`;
      await write(name, Buffer.from(m[2], 'base64'));
      chartFiles.push(name);
    }
    await write('report.json', `${JSON.stringify(record, null, 2)}\n`);
    await write('report.md', reportMarkdown(record, chartFiles));
    this.deps.log.info(`exported the report of ${snap.id} to ${target}: ${written.join(', ')}`);
    // Not awaited: the notification stays until the user acts, and the export is done already.
    void vscode.window.showInformationMessage(`cola-bert: report written to ${target}.`, 'Open report').then(async (action) => {
      if (action) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(path.join(target, 'report.md')));
    });
    return target;
  }

  dispose(): void {
    this.warmupInFlight?.abort.abort();
    this.host.dispose();
    this.session.cancel();
    this.trial.close();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** Registers the fine-tune command, the other training commands, and the panel serializer. */
export function registerTrainingPanel(context: vscode.ExtensionContext, deps: TrainingPanelDeps): TrainingController {
  const controller = new TrainingController(context, deps);
  const fail = (e: unknown) => {
    if (e instanceof vscode.CancellationError) return;
    deps.log.error(`training: ${(e as Error).stack ?? e}`);
    void vscode.window.showErrorMessage(`cola-bert: ${(e as Error).message}`, 'Open log').then((a) => a && deps.log.show());
  };
  context.subscriptions.push(
    controller,
    // A menu passes the document's Uri; only a form preset (the no-model prompt's quick start) is taken.
    vscode.commands.registerCommand('cola-bert.fineTune', (preset?: unknown) =>
      controller.show(undefined, preset && typeof (preset as Partial<TrainForm>).model === 'string' ? { model: (preset as TrainForm).model, learningRate: (preset as TrainForm).learningRate ?? null } : undefined),
    ),
    vscode.commands.registerCommand('cola-bert.showRunHistory', () => controller.show('history')),
    // Resolves to the environment check after the setup (undefined when the setup failed or was cancelled).
    vscode.commands.registerCommand('cola-bert.setupTrainingEnvironment', () => {
      controller.show();
      return controller.setupEnvironment().catch(fail);
    }),
    vscode.commands.registerCommand('cola-bert.cancelTraining', () => controller.session.cancel()),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => controller.revive(panel),
    }),
  );
  return controller;
}
