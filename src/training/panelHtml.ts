// The training panel's HTML shell. Pure (no `vscode` import) so the headless webview test loads exactly
// the page the extension serves. Everything else is built by dist/webview/panel.js.

export interface PanelHtmlOptions {
  /** webview.cspSource (or the test page's origin). */
  cspSource: string;
  /** URI of dist/webview/panel.js as the webview may load it. */
  scriptUri: string;
  nonce: string;
}

/** A fresh random nonce for one page load. */
export function makeNonce(): string {
  const bytes = new Uint8Array(18);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function panelHtml({ cspSource, scriptUri, nonce }: PanelHtmlOptions): string {
  // Styles come only from constructable stylesheets (the script's and the components'), so style-src needs
  // no nonce and the nonce appears only in the CSP and on the one script tag: a page script that could read
  // it from the document could use it to run more. Images only as data: URIs (chart export). No remote
  // content, no inline handlers.
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Fine-tune BERT on CoLA</title>
</head>
<body>
<main id="app"></main>
<script nonce="${escapeAttr(nonce)}" src="${escapeAttr(scriptUri)}"></script>
</body>
</html>
`;
}
