// The editor commands of cola-bert (palette entries and the targets of quick fixes and the status bar).
import * as vscode from 'vscode';
import { readConfig } from './config';
import { CHECKED_SCHEMES, type DiagnosticsController } from './diagnostics';
import type { IgnoreStore } from './ignoreStore';
import { logError, type Log } from './log';
import type { ModelManager } from './modelManager';
import { NO_MODEL_MESSAGE, QUICK_START } from './training/noModelPrompt';

export interface CommandDeps {
  models: ModelManager;
  diagnostics: DiagnosticsController;
  ignores: IgnoreStore;
  log: Log;
}

const FINE_TUNE = 'Fine-tune now';
const CHOOSE = 'Choose model folder';

/** Runs another cola-bert command, logging instead of throwing when it is unavailable. */
async function run(log: Log, command: string, ...args: unknown[]): Promise<void> {
  try {
    await vscode.commands.executeCommand(command, ...args);
  } catch (e) {
    logError(log, `Command ${command} failed`, e);
  }
}

/** The quiet "no model yet" notification, shown at most once per session. */
export class NoModelPrompt {
  private shown = false;

  constructor(private readonly log: Log) {}

  async show(): Promise<void> {
    if (this.shown) return;
    this.shown = true;
    this.log.info('No model folder found: cola-bert.modelPath is empty, and no fine-tuned model exists in global storage or <workspace>/models.');
    const choice = await vscode.window.showInformationMessage(
      NO_MODEL_MESSAGE,
      FINE_TUNE,
      CHOOSE,
    );
    if (choice === FINE_TUNE) await run(this.log, 'cola-bert.fineTune', QUICK_START);
    if (choice === CHOOSE) await run(this.log, 'cola-bert.chooseModel');
  }
}

function targetDocument(uri?: unknown): vscode.TextDocument | undefined {
  if (uri instanceof vscode.Uri) return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  return vscode.window.activeTextEditor?.document;
}

export function registerCommands(deps: CommandDeps, prompt: NoModelPrompt): vscode.Disposable[] {
  const { models, diagnostics, ignores, log } = deps;

  const check = async (uri?: unknown) => {
    const doc = targetDocument(uri);
    if (!doc) {
      void vscode.window.showInformationMessage('cola-bert: open a Markdown or plain-text document to check it.');
      return;
    }
    if (!CHECKED_SCHEMES.includes(doc.uri.scheme)) {
      void vscode.window.showInformationMessage(`cola-bert checks documents on disk and untitled ones; this one is a ${doc.uri.scheme}: document.`);
      return;
    }
    const languages = readConfig(doc).languages;
    if (!languages.includes(doc.languageId)) {
      void vscode.window.showInformationMessage(`cola-bert checks ${languages.join(', ')} documents (setting cola-bert.languages); this one is ${doc.languageId}.`);
      return;
    }
    if (ignores.isDisabled(doc.uri)) {
      const enable = await vscode.window.showInformationMessage('cola-bert is disabled for this file.', 'Enable for this file');
      if (enable) await ignores.setDisabled(doc.uri, false);
      else return;
    }
    if (models.state.kind === 'none' || models.state.kind === 'error') await models.reload();
    if (models.state.kind === 'none') {
      await prompt.show();
      return;
    }
    if (models.state.kind === 'error') {
      const choice = await vscode.window.showErrorMessage(`cola-bert cannot check: ${models.state.message}`, 'Choose model folder', 'Show log');
      if (choice === 'Choose model folder') await vscode.commands.executeCommand('cola-bert.chooseModel');
      if (choice === 'Show log') log.show(true);
      return;
    }
    diagnostics.checkNow(doc);
  };

  const chooseModel = async () => {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Use this model',
      title: 'Choose an exported cola-bert model folder (with cola-bert.json, tokenizer.json and model.onnx)',
      defaultUri: vscode.Uri.file(models.globalModelsDir),
    });
    if (!picked?.length) return;
    await models.useModel(picked[0].fsPath);
  };

  const menu = async () => {
    type Item = vscode.QuickPickItem & { run: () => unknown };
    const items: Item[] = [
      { label: '$(refresh) Re-check active document', run: () => check() },
      { label: '$(folder-opened) Choose model folder…', description: models.state.kind === 'none' ? '' : models.state.dir, run: chooseModel },
      { label: '$(beaker) Fine-tune BERT on CoLA', run: () => run(log, 'cola-bert.fineTune') },
      { label: '$(debug-restart) Reload model', run: () => models.reload() },
      { label: '$(clear-all) Clear ignored sentences and disabled files', description: `${ignores.counts.sentences} sentence(s), ${ignores.counts.files} file(s)`, run: () => ignores.clear() },
      { label: '$(output) Show log', run: () => log.show() },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: 'cola-bert' });
    await picked?.run();
  };

  return [
    vscode.commands.registerCommand('cola-bert.checkDocument', () => check()),
    vscode.commands.registerCommand('cola-bert.recheckDocument', (uri?: unknown) => check(uri)),
    vscode.commands.registerCommand('cola-bert.chooseModel', chooseModel),
    vscode.commands.registerCommand('cola-bert.reloadModel', () => models.reload()),
    vscode.commands.registerCommand('cola-bert.clearIgnores', async () => {
      const { sentences, files } = ignores.counts;
      await ignores.clear();
      void vscode.window.showInformationMessage(`cola-bert: cleared ${sentences} ignored sentence(s) and ${files} disabled file(s).`);
    }),
    vscode.commands.registerCommand('cola-bert.ignoreSentence', async (text?: unknown) => {
      if (typeof text === 'string' && text.trim()) await ignores.ignoreSentence(text);
    }),
    vscode.commands.registerCommand('cola-bert.disableForFile', async (uri?: unknown) => {
      const doc = targetDocument(uri);
      if (doc) await ignores.setDisabled(doc.uri, true);
    }),
    vscode.commands.registerCommand('cola-bert.enableForFile', async (uri?: unknown) => {
      const doc = targetDocument(uri);
      if (doc) await ignores.setDisabled(doc.uri, false);
    }),
    vscode.commands.registerCommand('cola-bert.showLog', () => log.show()),
    vscode.commands.registerCommand('cola-bert.showMenu', async () => {
      if (models.state.kind === 'none') {
        const choice = await vscode.window.showQuickPick([FINE_TUNE, CHOOSE], { title: 'cola-bert: no model yet' });
        if (choice === FINE_TUNE) await run(log, 'cola-bert.fineTune', QUICK_START);
        if (choice === CHOOSE) await chooseModel();
        return;
      }
      await menu();
    }),
  ];
}
