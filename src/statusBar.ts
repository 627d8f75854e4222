// The status bar item: no model / loading / error / checking N sentences / ready + model name.
// Clicking it opens the cola-bert menu (cola-bert.showMenu).
import * as vscode from 'vscode';
import { describeHoldout } from './core/modelFolder';
import type { ModelState } from './modelManager';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('cola-bert.status', vscode.StatusBarAlignment.Right, 100);
  private model: ModelState = { kind: 'none' };
  private checking = 0;

  constructor() {
    this.item.name = 'cola-bert';
    this.item.command = 'cola-bert.showMenu';
    this.render();
    this.item.show();
  }

  setModel(state: ModelState): void {
    this.model = state;
    this.render();
  }

  /** Sentences being inferred right now (0 when idle). */
  setChecking(sentences: number): void {
    this.checking = sentences;
    this.render();
  }

  private render(): void {
    const s = this.model;
    const item = this.item;
    item.backgroundColor = undefined;
    switch (s.kind) {
      case 'none':
        item.text = '$(circle-slash) cola-bert: no model';
        item.tooltip = 'No fine-tuned model yet. Click to fine-tune one or choose a model folder.';
        break;
      case 'loading':
        item.text = '$(loading~spin) cola-bert: loading';
        item.tooltip = `Loading ${s.dir}`;
        break;
      case 'error':
        item.text = '$(warning) cola-bert: model error';
        item.tooltip = `${s.dir}: ${s.message}\nDiagnostics are off. Click to choose another model folder.`;
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      case 'ready': {
        const m = s.service.model;
        item.text = this.checking > 0 ? `$(sync~spin) cola-bert: checking ${this.checking}` : `$(check) cola-bert: ${m.name}`;
        item.tooltip = new vscode.MarkdownString(
          `**cola-bert** — ${this.checking > 0 ? `checking ${this.checking} sentence(s)` : 'ready'}\n\n` +
            `Model \`${m.name}\` (${m.baseModel}${m.quantized ? ', int8' : ''}), CoLA holdout MCC ${describeHoldout(m.holdout)}\n\n${m.dir}`,
        );
        break;
      }
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
