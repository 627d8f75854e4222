// What the user told cola-bert to leave alone, remembered per workspace (workspaceState):
// ignored sentences (by whitespace-normalized text) and files with cola-bert disabled (by URI).
import * as vscode from 'vscode';
import { normalizeSentence } from './core/documentChecker';

const SENTENCES = 'cola-bert.ignoredSentences';
const FILES = 'cola-bert.disabledFiles';

export class IgnoreStore implements vscode.Disposable {
  private sentences: Set<string>;
  private files: Set<string>;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {
    this.sentences = new Set(state.get<string[]>(SENTENCES, []));
    this.files = new Set(state.get<string[]>(FILES, []));
  }

  isIgnored = (normalizedText: string): boolean => this.sentences.has(normalizedText);

  isDisabled(uri: vscode.Uri): boolean {
    return this.files.has(uri.toString());
  }

  get counts(): { sentences: number; files: number } {
    return { sentences: this.sentences.size, files: this.files.size };
  }

  async ignoreSentence(text: string): Promise<void> {
    this.sentences.add(normalizeSentence(text));
    await this.state.update(SENTENCES, [...this.sentences]);
    this.changed.fire();
  }

  async setDisabled(uri: vscode.Uri, disabled: boolean): Promise<void> {
    if (disabled) this.files.add(uri.toString());
    else this.files.delete(uri.toString());
    await this.state.update(FILES, [...this.files]);
    this.changed.fire();
  }

  async clear(): Promise<void> {
    this.sentences.clear();
    this.files.clear();
    await this.state.update(SENTENCES, undefined);
    await this.state.update(FILES, undefined);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
