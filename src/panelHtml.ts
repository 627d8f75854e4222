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
  // Styles come from <style nonce> elements the script creates and from the components' constructable
  // stylesheets; images only as data: URIs (chart export). No remote content, no inline handlers.
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="cola-bert-nonce" content="${escapeAttr(nonce)}">
<title>Fine-tune BERT on CoLA</title>
</head>
<body>
<main id="app"></main>
<script nonce="${escapeAttr(nonce)}" src="${escapeAttr(scriptUri)}"></script>
</body>
</html>
`;
}
