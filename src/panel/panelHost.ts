// The training panel's plumbing: one webview panel at a time (a second open reveals it; a panel restored
// after a reload is adopted), its HTML under a strict CSP with a fresh nonce, every incoming message
// validated (protocol/panelMessages.ts) before the controller sees it, typed messages out. What the
// messages mean is the controller's business (trainingPanel.ts).
import * as vscode from 'vscode';
import { checkToHost, type ToHost, type ToWebview } from '../../protocol/panelMessages';
import { makeNonce, panelHtml } from '../training/panelHtml';

export const PANEL_VIEW_TYPE = 'cola-bert.training';
const TITLE = 'Fine-tune BERT on CoLA';

export interface PanelHostEvents {
  /** A validated message from the webview; a rejection is reported through `failed`. */
  received(msg: ToHost): Promise<void>;
  failed(e: unknown): void;
  /** The panel was closed (the run, if any, goes on). */
  closed(): void;
}

export class PanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly events: PanelHostEvents,
  ) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  get visible(): boolean {
    return this.panel?.visible ?? false;
  }

  /** Reveals the open panel, or creates one; resolves to true when it was already open. */
  open(): boolean {
    if (this.panel) {
      this.panel.reveal();
      return true;
    }
    this.attach(vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, TITLE, vscode.ViewColumn.Active, this.webviewOptions()));
    return false;
  }

  /** WebviewPanelSerializer: a panel that was open before the window reloaded (a second one is closed). */
  revive(panel: vscode.WebviewPanel): void {
    if (this.panel) {
      panel.dispose();
      this.panel.reveal();
      return;
    }
    panel.webview.options = this.webviewOptions();
    this.attach(panel);
  }

  post(msg: ToWebview): void {
    void this.panel?.webview.postMessage(msg);
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'cola-bert.svg');
    const webview = panel.webview;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'panel.js')).toString(),
      nonce: makeNonce(),
    });
    this.panelDisposables.push(
      webview.onDidReceiveMessage((raw: unknown) => {
        let msg: ToHost;
        try {
          msg = checkToHost(raw);
        } catch (e) {
          this.log.warn(`training panel: dropped a message: ${(e as Error).message}`);
          return;
        }
        this.events.received(msg).catch((e: unknown) => this.events.failed(e));
      }),
      panel.onDidDispose(() => {
        this.panel = undefined;
        for (const d of this.panelDisposables.splice(0)) d.dispose();
        this.events.closed();
      }),
    );
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
