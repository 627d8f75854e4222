// `npm run test:integration:code-server`: the @vscode/test-electron suite's mocha tests, run inside
// code-server's (remote) extension host instead of VS Code desktop, for machines where no desktop
// binary exists. The workbench is asked to run them the way @vscode/test-web does: the URL payload
// names the extension under development and the tests; the workbench reports the exit code through
// window.codeAutomationExit, and the extension host's console reaches the page's console.
import { chromium, type JSHandle } from 'playwright-core';
import { format } from 'node:util';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createProfile, startCodeServer } from '../e2e/harness/codeServer';
import { chromiumArgs } from '../e2e/harness/workbench';
import { repoRoot } from '../e2e/harness/models';
import { STATE_DEADLINE_MS } from '../e2e/harness/deadlines';
import { prepare } from './prepare';
// @ts-expect-error plain ESM script without type declarations
import { e2eUnsupported, ensureE2eTools } from '../../scripts/e2e-install.mjs';

/**
 * The remote extension host's console.log(format, ...args) arrives as
 * console.log('%c INFO', 'color: …', format, ...args) in the page: print what mocha printed.
 */
async function forward(args: JSHandle[]): Promise<void> {
  const values = await Promise.all(args.map((a) => a.jsonValue().catch(() => '')));
  if (values.length < 3 || typeof values[0] !== 'string' || !/^%c\s*(INFO|ERR|WARN)/.test(values[0])) return;
  // eslint-disable-next-line no-control-regex
  const line = format(...values.slice(2)).replace(/\x1b\[[0-9;]*m/g, '');
  // The workbench logs through the same channel: print from the suite's first line on.
  if (line.includes('cola-bert extension (integration)')) isMochaOutput = true;
  if (isMochaOutput) console.log(line);
}
let isMochaOutput = false;

async function main(): Promise<number> {
  const unsupported = e2eUnsupported();
  if (unsupported) {
    console.log(`integration (code-server): SKIPPED — ${unsupported}.`);
    return 77; // `npm test` lists it as skipped
  }
  const tools = ensureE2eTools();
  const p = await prepare();
  const profile = createProfile(path.join(p.tmp, 'profile'), tools, {}, p.settings);
  Object.assign(profile.env, p.env);
  const server = await startCodeServer(tools, profile, p.workspace);
  const context = await chromium.launchPersistentContext(path.join(p.tmp, 'chromium'), {
    // A document answered through page.route counts as outside the local network for Chromium's
    // local-network-access checks, which would then block its WebSocket to 127.0.0.1.
    executablePath: tools.chromium, headless: true, args: [...chromiumArgs, '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const exited = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    // The extension host's console.log/error (mocha's reporter) is forwarded to the page's console.
    page.on('console', (msg) => {
      if (process.env.DEBUG_CONSOLE) console.log(`[page ${msg.type()}] ${msg.text().slice(0, 300)}`);
      void forward(msg.args());
    });
    // A built workbench honours the URL's extension-development payload only when its configuration
    // enables the smoke-test driver (VS Code's --enable-smoke-test-driver, which code-server's CLI
    // does not pass on): set it in the page's embedded configuration.
    await page.route((url) => url.pathname === '/' , async (route) => {
      const response = await route.fetch({ timeout: STATE_DEADLINE_MS });
      const html = await response.text();
      const patched = html.replace('&quot;developmentOptions&quot;:{', '&quot;developmentOptions&quot;:{&quot;enableSmokeTestDriver&quot;:true,');
      if (patched === html) console.error('integration (code-server): no developmentOptions in the workbench page; the payload will be ignored');
      await route.fulfill({ response, body: patched });
    });
    const authority = new URL(server.url).host;
    const remote = (fsPath: string) => `vscode-remote://${authority}${fsPath}`;
    const payload = [['extensionDevelopmentPath', remote(repoRoot)], ['extensionTestsPath', remote(p.testsEntry)]];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(p.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`, { timeout: STATE_DEADLINE_MS });
    const timeout = new Promise<number>((resolve) => setTimeout(() => {
      console.error('integration (code-server): no result after 25 minutes');
      resolve(1);
    }, 25 * 60_000));
    if (process.env.DEBUG_CONSOLE) setTimeout(() => void page.screenshot({ path: '/tmp/probe/integration.png' }), 45_000);
    const code = await Promise.race([exited, timeout]);
    console.log(`integration (code-server): the extension tests exited with ${code}`);
    return code;
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    if (!process.env.COLA_BERT_E2E_KEEP) rmSync(p.tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
