// Teaching cola-bert from the editor: which feedback file a document belongs to (its workspace folder's
// .vscode/cola-bert/feedback.tsv; in a multi-root workspace each folder has its own), recording taught
// sentences there (src/core/feedback.ts writes the file), opening it, and which file training takes by default.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { FEEDBACK_RELATIVE_PATH, feedbackFile, FeedbackFileError, recordFeedback, type FeedbackChange, type Taught } from './core/feedback';
import { logError, type Log } from './log';

const OPEN = 'Open feedback file';

/** The folder whose feedback file a document's teaching goes to, or why there is none. */
export function feedbackFolder(uri: vscode.Uri): { folder: vscode.WorkspaceFolder } | { reason: string } {
  if (uri.scheme === 'untitled') return { reason: 'this document is untitled: save it in a workspace folder first, so its feedback has a folder to live in' };
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return { reason: `${uri.fsPath || uri.toString()} is outside the workspace folders: feedback lives in a folder's ${FEEDBACK_RELATIVE_PATH}; open the folder holding this file` };
  if (folder.uri.scheme !== 'file') return { reason: `the workspace folder ${folder.name} is not on disk (${folder.uri.scheme}:), where the trainer could read its feedback` };
  return { folder };
}

/** What one teaching did, in words. */
function describe(change: FeedbackChange, file: string): string {
  const parts = [
    change.added.length ? `recorded ${change.added.map((t) => `“${t.sentence}” as ${t.label ? 'acceptable' : 'unacceptable'}`).join(' and ')}` : '',
    change.relabelled.length ? `relabelled ${change.relabelled.map((t) => `“${t.sentence}” as ${t.label ? 'acceptable' : 'unacceptable'}`).join(' and ')}` : '',
    change.unchanged.length && !change.added.length && !change.relabelled.length ? 'already recorded' : '',
  ].filter(Boolean);
  return `cola-bert: ${parts.join('; ')} in ${vscode.workspace.asRelativePath(file)}. The next training run with this file learns from it.`;
}

export class FeedbackStore {
  constructor(private readonly log: Log) {}

  /** Records `entries` in the feedback file of `uri`'s folder; says what happened (or why nothing could be). */
  async teach(uri: vscode.Uri, entries: Taught[], quiet = false): Promise<FeedbackChange | undefined> {
    const where = feedbackFolder(uri);
    if ('reason' in where) {
      void vscode.window.showWarningMessage(`cola-bert cannot record feedback: ${where.reason}.`);
      return undefined;
    }
    const file = feedbackFile(where.folder.uri.fsPath);
    try {
      const change = await recordFeedback(file, entries);
      this.log.info(`feedback ${file}: ${change.added.length} added, ${change.relabelled.length} relabelled, ${change.unchanged.length} already there`);
      // A fix already changed the text the writer looks at; a notification per fix would be noise.
      if (quiet) vscode.window.setStatusBarMessage(describe(change, file), 6000);
      else void vscode.window.showInformationMessage(describe(change, file), OPEN).then((a) => a && this.open(where.folder));
      return change;
    } catch (e) {
      logError(this.log, `feedback ${file}`, e);
      const message = e instanceof FeedbackFileError ? e.message : `cannot record feedback in ${file}: ${(e as Error).message}`;
      void vscode.window.showErrorMessage(`cola-bert: ${message}`, OPEN).then((a) => a && this.open(where.folder));
      return undefined;
    }
  }

  /** "Open feedback file": the active document's folder, the only folder, or the one the user picks. */
  async open(folder?: vscode.WorkspaceFolder): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const active = vscode.window.activeTextEditor?.document.uri;
    const fromActive = active && feedbackFolder(active);
    let target = folder ?? (fromActive && 'folder' in fromActive ? fromActive.folder : folders.length === 1 ? folders[0] : undefined);
    if (!target && folders.length > 1) {
      const picked = await vscode.window.showQuickPick(
        folders.map((f) => ({ label: f.name, description: existsSync(feedbackFile(f.uri.fsPath)) ? FEEDBACK_RELATIVE_PATH : 'no feedback yet', folder: f })),
        { title: 'cola-bert: whose feedback file?' },
      );
      target = picked?.folder;
      if (!picked) return;
    }
    if (!target) {
      void vscode.window.showInformationMessage(`cola-bert: feedback lives in a workspace folder's ${FEEDBACK_RELATIVE_PATH}; open a folder first.`);
      return;
    }
    const file = feedbackFile(target.uri.fsPath);
    if (!existsSync(file)) {
      void vscode.window.showInformationMessage(`cola-bert: no feedback in ${target.name} yet. Use the quick fix “This sentence is fine (teach cola-bert)” on a flagged sentence, or apply a suggested fix, and ${FEEDBACK_RELATIVE_PATH} is created.`);
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  /**
   * The file a training run takes by default: the first workspace folder (in workspace order) holding one. None
   * in an untrusted workspace: a cloned repository's feedback would otherwise retrain the model every workspace
   * uses without the user asking; the panel's field still takes a path typed by hand.
   */
  defaultTrainingFile(): string | undefined {
    if (!vscode.workspace.isTrusted) return undefined;
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') continue;
      const file = feedbackFile(f.uri.fsPath);
      if (existsSync(file)) return file;
    }
    return undefined;
  }

  commands(): vscode.Disposable[] {
    const isUri = (u: unknown): u is vscode.Uri => u instanceof vscode.Uri;
    const isText = (t: unknown): t is string => typeof t === 'string' && t.trim() !== '';
    return [
      vscode.commands.registerCommand('cola-bert.openFeedbackFile', () => this.open()),
      // The quick fix "This sentence is fine (teach cola-bert)".
      vscode.commands.registerCommand('cola-bert.teachSentence', async (uri?: unknown, sentence?: unknown) => {
        if (isUri(uri) && isText(sentence)) return this.teach(uri, [{ sentence, label: 1 }]);
      }),
      // Runs after a suggested fix was applied: the original was wrong, the fix is right.
      vscode.commands.registerCommand('cola-bert.teachFromFix', async (uri?: unknown, original?: unknown, fixed?: unknown) => {
        if (isUri(uri) && isText(original) && isText(fixed)) return this.teach(uri, [{ sentence: original, label: 0 }, { sentence: fixed, label: 1 }], true);
      }),
    ];
  }
}
