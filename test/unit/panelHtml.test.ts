import assert from 'node:assert/strict';
import { makeNonce, panelHtml } from '../../src/training/panelHtml';

describe('panelHtml', () => {
  const nonce = makeNonce();
  const html = panelHtml({ cspSource: 'https://webview.example', scriptUri: 'https://webview.example/panel.js', nonce });

  it('puts the nonce only in the CSP and in nonce attributes of script and style tags', () => {
    // Anything else that carries it (a <meta>, a data attribute) lets any script in the page read it and use it.
    const csp = /<meta http-equiv="Content-Security-Policy" content="[^"]*">/.exec(html);
    assert.ok(csp, 'the CSP meta tag');
    assert.ok(csp[0].includes(`'nonce-${nonce}'`));
    const rest = html.replace(csp[0], '').replace(new RegExp(`(<(?:script|style)\\b[^>]*?) nonce="${nonce}"`, 'g'), '$1');
    assert.ok(!rest.includes(nonce), `the nonce appears elsewhere:\n${rest}`);
    assert.match(html, new RegExp(`<script nonce="${nonce}" src="https://webview.example/panel.js"></script>`));
  });

  it('allows no inline styles and no other scripts', () => {
    const policy = /content="([^"]*)"/.exec(html)![1];
    assert.match(policy, new RegExp(`script-src 'nonce-${nonce}';`));
    assert.match(policy, /style-src https:\/\/webview\.example;/);
    assert.ok(!policy.includes('unsafe-inline') && !policy.includes('unsafe-eval'));
  });
});
