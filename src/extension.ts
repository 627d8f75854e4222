// The only wiring place: makes the one context (ctx.ts), builds the diagnostics half and the training half
// from it, connects their events and registers providers and commands.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { SentenceCodeActions } from './codeActions';
import { NoModelPrompt, registerCommands } from './commands';
import { readConfig } from './config';
import { createCtx, type Ctx } from './ctx';
import { ProseWorkerClient } from './core/proseWorkerClient';
import { CHECKED_SCHEMES, DiagnosticsController } from './diagnostics';
import { SentenceHoverProvider } from './hover';
import { IgnoreStore } from './ignoreStore';
import type { ModelManager } from './modelManager';
import { StatusBar } from './statusBar';
import { registerTrainingPanel, type TrainingController } from './panel/trainingPanel';

/** What other extensions and the integration tests may use. */
export interface ColaBertApi {
  models: ModelManager;
  diagnostics: DiagnosticsController;
  /** The training panel's controller (run, export, environment). */
  training: TrainingController;
}

/** Where a diagnostic's code links: the editor guide shipped with the extension, else its README. */
function docsUri(extensionPath: string): vscode.Uri {
  const guide = path.join(extensionPath, 'docs', 'editor.md');
  return vscode.Uri.file(existsSync(guide) ? guide : path.join(extensionPath, 'README.md'));
}

export function activate(context: vscode.ExtensionContext): ColaBertApi {
  const ctx = createCtx(context);
  const { diagnostics, prompt } = startDiagnostics(ctx);
  const training = startTraining(ctx);
  const { log, models } = ctx;
  // A reloaded or switched model may mean new int8, thread or worker settings: try-a-sentence reopens its model.
  ctx.subscriptions.push(models.onDidChange(() => training.releaseTrial()));
  log.info(`cola-bert ${(context.extension.packageJSON as { version: string }).version} activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'not trusted'}).`);
  void models.reload().then(() => {
    if (models.state.kind === 'none' && vscode.workspace.textDocuments.some((d) => diagnostics.shouldCheck(d))) void prompt.show();
    diagnostics.recheckAll();
  });
  return { models, diagnostics, training };
}

/** The editor half: diagnostics, hover, quick fixes, status bar and their commands. */
function startDiagnostics(ctx: Ctx): { diagnostics: DiagnosticsController; prompt: NoModelPrompt } {
  const { extension, log, models, feedback } = ctx;
  const ignores = new IgnoreStore(extension.workspaceState);
  const status = new StatusBar();
  const prose = new ProseWorkerClient(path.join(extension.extensionPath, 'dist', 'proseWorker.js'), (reason) => log.warn(reason));
  const diagnostics = new DiagnosticsController(models, ignores, status, log, docsUri(extension.extensionPath), prose);
  const prompt = new NoModelPrompt(log);
  // Providers answer wherever diagnostics can appear; they return nothing unless the controller checks the document.
  const selector: vscode.DocumentSelector = CHECKED_SCHEMES.map((scheme) => ({ scheme }));
  ctx.subscriptions.push(
    ignores,
    status,
    diagnostics,
    { dispose: () => void prose.dispose() },
    models.onDidChange((state) => status.setModel(state)),
    diagnostics.onNoModel(() => void prompt.show()),
    vscode.languages.registerHoverProvider(selector, new SentenceHoverProvider(diagnostics, models, (doc) => readConfig(doc).threshold)),
    vscode.languages.registerCodeActionsProvider(selector, new SentenceCodeActions(diagnostics, models, (doc) => readConfig(doc).threshold), { providedCodeActionKinds: SentenceCodeActions.kinds }),
    ...registerCommands({ models, diagnostics, ignores, log }, prompt),
    ...feedback.commands(),
  );
  return { diagnostics, prompt };
}

/** The training half: the panel, its commands and its run; it reaches the editor only through `ctx`. */
function startTraining(ctx: Ctx): TrainingController {
  const { extension, log, models, feedback } = ctx;
  return registerTrainingPanel(extension, {
    log,
    // Try-a-sentence runs a model exactly as diagnostics would (int8, threads, workers).
    openInference: (dir) => models.openService(dir),
    useModel: (dir) => models.useModel(dir),
    defaultFeedbackFile: () => feedback.defaultTrainingFile(),
    currentModel: () => (models.state.kind === 'ready' ? models.state.dir : undefined),
    // A newly trained model becomes the default (newest panel-trained folder) unless a model path is set;
    // a model path that still names the loaded folder keeps it, without opening it again.
    modelTrained: async (dir) => {
      const state = models.state;
      if (state.kind === 'ready' && state.dir !== dir && models.resolveDir() === state.dir) return;
      await models.reload();
      if (models.state.kind === 'ready') log.info(`Diagnostics use ${models.state.dir}.`);
    },
  });
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it.
}
