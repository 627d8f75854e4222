// The only wiring place: creates each part once, connects their events, registers providers and commands.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { SentenceCodeActions } from './codeActions';
import { NoModelPrompt, registerCommands } from './commands';
import { readConfig } from './config';
import { ProseWorkerClient } from './core/proseWorkerClient';
import { CHECKED_SCHEMES, DiagnosticsController } from './diagnostics';
import { FeedbackStore } from './feedbackStore';
import { SentenceHoverProvider } from './hover';
import { IgnoreStore } from './ignoreStore';
import { createLog } from './log';
import { ModelManager } from './modelManager';
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
  const log = createLog();
  const ignores = new IgnoreStore(context.workspaceState);
  const status = new StatusBar();
  const models = new ModelManager(context, log);
  const prose = new ProseWorkerClient(path.join(context.extensionPath, 'dist', 'proseWorker.js'), (reason) => log.warn(reason));
  const diagnostics = new DiagnosticsController(models, ignores, status, log, docsUri(context.extensionPath), prose);
  const prompt = new NoModelPrompt(log);
  const feedback = new FeedbackStore(log);
  // Providers answer wherever diagnostics can appear; they return nothing unless the controller checks the document.
  const selector: vscode.DocumentSelector = CHECKED_SCHEMES.map((scheme) => ({ scheme }));

  context.subscriptions.push(
    log,
    ignores,
    status,
    models,
    diagnostics,
    { dispose: () => void prose.dispose() },
    models.onDidChange((state) => status.setModel(state)),
    diagnostics.onNoModel(() => void prompt.show()),
    vscode.languages.registerHoverProvider(selector, new SentenceHoverProvider(diagnostics, models, (doc) => readConfig(doc).threshold)),
    vscode.languages.registerCodeActionsProvider(selector, new SentenceCodeActions(diagnostics, models, (doc) => readConfig(doc).threshold), { providedCodeActionKinds: SentenceCodeActions.kinds }),
    ...registerCommands({ models, diagnostics, ignores, log }, prompt),
    ...feedback.commands(),
  );
  const training = registerTrainingPanel(context, {
    log,
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

  log.info(`cola-bert ${(context.extension.packageJSON as { version: string }).version} activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'not trusted'}).`);
  void models.reload().then(() => {
    if (models.state.kind === 'none' && vscode.workspace.textDocuments.some((d) => diagnostics.shouldCheck(d))) void prompt.show();
    diagnostics.recheckAll();
  });
  return { models, diagnostics, training };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it.
}
