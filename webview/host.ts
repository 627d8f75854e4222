// The webview's side of the host connection: VS Code's API is acquired once here. Messages out are typed
// (protocol/panelMessages.ts); messages in are validated before anything sees them; the webview's own
// saved state holds the form as typed, so it shows at once when the panel is shown again.
import { checkToWebview, type ToHost, type ToWebview, type TrainForm } from '../protocol/panelMessages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

export function post(message: ToHost): void {
  vscode.postMessage(message);
}

/** The form this webview saved before it was hidden, if any. */
export function savedForm(): Partial<TrainForm> {
  return (vscode.getState() as { form?: TrainForm } | undefined)?.form ?? {};
}

export function saveForm(form: TrainForm): void {
  vscode.setState({ form });
}

/** Calls `receive` with every host message that matches the schema; others are dropped and reported, never half-applied. */
export function onHostMessage(receive: (msg: ToWebview) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    let msg: ToWebview;
    try {
      msg = checkToWebview(event.data);
    } catch (e) {
      console.error(`cola-bert panel: ${(e as Error).message}`);
      return;
    }
    receive(msg);
  });
}
