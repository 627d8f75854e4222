// The one context both halves of the extension are built from (as rust-analyzer's `Ctx`): VS Code's
// extension context, the log, the active model with the one way the editor opens a model for inference,
// and the feedback store. extension.ts makes it once and hands it to the diagnostics half and the training half.
import * as vscode from 'vscode';
import { FeedbackStore } from './feedbackStore';
import { createLog } from './log';
import { ModelManager } from './modelManager';

export interface Ctx {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  /** The model diagnostics use; `openService` opens any folder with the same settings (the panel's try-a-sentence). */
  readonly models: ModelManager;
  /** Sentences the writer taught through quick fixes; the panel trains on them. */
  readonly feedback: FeedbackStore;
  /** Extension-lifetime cleanups (VS Code disposes them on deactivation). */
  readonly subscriptions: vscode.Disposable[];
}

export function createCtx(extension: vscode.ExtensionContext): Ctx {
  const log = createLog();
  const models = new ModelManager(extension, log);
  const feedback = new FeedbackStore(log);
  extension.subscriptions.push(log, models);
  return { extension, log, models, feedback, subscriptions: extension.subscriptions };
}
