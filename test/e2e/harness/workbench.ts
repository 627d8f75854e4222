// The VS Code workbench in Chromium, driven as a user would: keyboard, mouse, what is on screen.
// Every helper waits for a state (a selector, a text, a predicate) with a deadline; none sleeps.
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STATE_DEADLINE_MS } from './deadlines';

export const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export class Workbench {
  private constructor(readonly context: BrowserContext, readonly page: Page, readonly artifacts: string) {}

  static async open(opts: { chromium: string; profileDir: string; url: string; folder: string; artifacts: string }): Promise<Workbench> {
    mkdirSync(opts.artifacts, { recursive: true });
    const context = await chromium.launchPersistentContext(opts.profileDir, {
      executablePath: opts.chromium,
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1400, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STATE_DEADLINE_MS);
    await page.goto(`${opts.url}/?folder=${encodeURIComponent(opts.folder)}`, { timeout: STATE_DEADLINE_MS });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible' });
    return new Workbench(context, page, opts.artifacts);
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${name}.png`);
    await this.page.screenshot({ path: file }).catch(() => undefined);
    return file;
  }

  /** What the page shows, for failure reports: the visible text of the workbench's main parts. */
  async describe(): Promise<string> {
    const parts: string[] = [];
    const grab = async (label: string, selector: string) => {
      const texts = await this.page.locator(selector).allInnerTexts().catch(() => [] as string[]);
      const text = texts.join(' | ').replace(/\s+/g, ' ').trim();
      if (text) parts.push(`${label}: ${text.slice(0, 1500)}`);
    };
    await grab('status bar', '.statusbar');
    await grab('notifications', '.notifications-toasts, .notifications-center');
    await grab('editor', '.editor-group-container.active .view-lines');
    await grab('hover', '.monaco-hover:visible');
    await grab('panel', '.part.panel');
    await grab('quick input', '.quick-input-widget:visible');
    return parts.join('\n');
  }

  async saveDescription(name: string): Promise<string> {
    const text = await this.describe();
    writeFileSync(path.join(this.artifacts, `${name}.txt`), text);
    return text;
  }

  /**
   * Opens a workspace file as a user would: its tab when it is already open, else its row in the
   * Explorer, else Quick Open (whose first search waits for the file index); waits for its editor.
   */
  async openFile(name: string): Promise<Locator> {
    const tab = this.page.locator(`.tabs-container .tab[aria-label*="${name}"]`).first();
    const row = this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label*="${name}"]`).first();
    if (await tab.isVisible().catch(() => false)) await tab.click();
    else if (await row.isVisible().catch(() => false)) await row.dblclick();
    else {
      await this.page.keyboard.press('Control+P');
      const input = this.page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill(name);
      await this.page.locator(`.quick-input-list .monaco-list-row[aria-label*="${name}"]`).first().waitFor({ state: 'visible' });
      await this.page.keyboard.press('Enter');
    }
    await this.page.locator(`.tabs-container .tab.active[aria-label*="${name}"]`).waitFor({ state: 'visible' });
    const editor = this.activeEditor();
    await editor.locator('.view-line').first().waitFor({ state: 'visible' });
    return editor;
  }

  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** Runs a command by title from the command palette (F1). */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible' });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' }).catch(() => undefined);
  }

  /** Moves the cursor to a 1-based line and column with the "Go to Line" quick input. */
  async goTo(line: number, column = 1): Promise<void> {
    await this.activeEditor().click({ position: { x: 200, y: 10 } }).catch(() => undefined);
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await this.waitFor(async () => (await this.cursorPosition())?.line === line, `cursor on line ${line}`);
  }

  /** The cursor position shown in the status bar ("Ln 3, Col 7"). */
  async cursorPosition(): Promise<{ line: number; column: number } | undefined> {
    const text = await this.page.locator('#status\\.editor\\.selection').innerText().catch(() => '');
    const m = /Ln (\d+), Col (\d+)/.exec(text);
    return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
  }

  /** Squiggles of any severity rendered in the active editor. */
  squiggles(): Locator {
    return this.activeEditor().locator('.squiggly-error, .squiggly-warning, .squiggly-info, .squiggly-hint');
  }

  /** Errors + warnings + infos in the status bar's problems item (all open files). */
  async problemTotal(): Promise<number> {
    const item = this.page.locator('#status\\.problems');
    const label = (await item.getAttribute('aria-label')) ?? '';
    const named = [...label.matchAll(/(?:Errors|Warnings|Infos?|Information)\s*:?\s*(\d+)/gi)].map((m) => Number(m[1]));
    if (named.length) return named.reduce((a, b) => a + b, 0);
    if (/no problems/i.test(label)) return 0;
    const numbers = ((await item.innerText()).match(/\d+/g) ?? []).map(Number).slice(0, 3);
    return numbers.reduce((a, b) => a + b, 0);
  }

  /**
   * Problems panel rows (opens the panel). Each row's aria-label holds message, source and position.
   * The panel fills its list after it shows: callers wait for the rows they expect (see waitFor).
   */
  async problems(): Promise<string[]> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible().catch(() => false))) {
      await this.page.keyboard.press('Control+Shift+M');
      await panel.waitFor({ state: 'visible' });
    }
    return this.page.locator('.markers-panel .monaco-list-row').evaluateAll((rows) =>
      rows.map((r) => r.getAttribute('aria-label') ?? (r as HTMLElement).innerText));
  }

  /**
   * Runs the code action titled `title` from the Ctrl+. menu at the cursor, once `ready` holds. The menu
   * lists what every provider answered when it opened: a menu without the action (its provider had not
   * answered for this state yet) is closed and opened again until the deadline. The row is reached with
   * the keyboard, so it is found however many other providers' actions come before it, even ones the
   * list has not rendered.
   */
  async runCodeAction(title: string, ready: () => Promise<boolean>, timeoutMs = STATE_DEADLINE_MS): Promise<void> {
    // A closed menu stays in the DOM (empty, zero-sized), and each holds a hidden submenu panel that is
    // also an .action-widget: only a visible top-level one is the menu that Ctrl+. opened.
    const menu = this.page.locator('.action-widget:not(.action-list-submenu-panel):visible');
    const nothing = this.page.locator('.monaco-editor-overlaymessage:visible');
    const focused = () => menu.locator('.monaco-list-row.action.focused').first().innerText().catch(() => '');
    let offered = '';
    await this.waitFor(async () => {
      if (!(await ready())) return false;
      await this.page.keyboard.press('Control+.');
      // A Ctrl+. that opened nothing (a toast took it, or the request stalled) is retried, not waited out.
      if (!(await menu.or(nothing).first().waitFor({ state: 'visible', timeout: 30_000 }).then(() => true, () => false))) {
        offered = 'no menu within 30 s of Ctrl+.';
        await this.page.keyboard.press('Escape');
        return false;
      }
      if (await menu.isVisible()) {
        offered = (await menu.locator('.monaco-list-row').allInnerTexts()).join(' | ');
        const rows = Number((await menu.locator('.monaco-list-row.action').first().getAttribute('aria-setsize')) ?? 0) || 200;
        const seen = new Set<string>();
        for (let i = 0; i <= rows; i++) {
          const row = (await focused()).trim();
          if (row.includes(title)) {
            await this.page.keyboard.press('Enter');
            await menu.waitFor({ state: 'hidden' });
            return true;
          }
          if (row && seen.has(row)) break; // wrapped around: not in this menu
          if (row) seen.add(row);
          await this.page.keyboard.press('ArrowDown');
          await this.waitFor(async () => (await focused()).trim() !== row || rows === 1, 'the next row of the code action menu', 10_000, 20).catch(() => undefined);
        }
      } else {
        offered = (await nothing.innerText().catch(() => '')).trim();
      }
      await this.page.keyboard.press('Escape');
      await menu.or(nothing).first().waitFor({ state: 'hidden' }).catch(() => undefined);
      return false;
    }, () => `the code action "${title}" (last menu: ${offered || 'none'})`, timeoutMs, 250);
  }

  async closePanel(): Promise<void> {
    if (await this.page.locator('.part.panel').isVisible().catch(() => false)) {
      await this.runCommand('View: Hide Panel');
    }
  }

  /** Polls `check` until it returns true; the error names `what` (read when it fails) and what the page showed. */
  async waitFor(check: () => Promise<boolean>, what: string | (() => string), timeoutMs = STATE_DEADLINE_MS, intervalMs = 100): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() > deadline) {
        const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${why}`);
      }
      await this.page.waitForTimeout(intervalMs);
    }
  }

  /**
   * Hovers the text `needle` in the active editor and returns the hover's text once it stops saying
   * "Loading" and `accept` agrees with it.
   */
  async hoverText(needle: string, accept: (text: string) => boolean = () => true): Promise<string> {
    const span = this.activeEditor().locator('.view-line span span', { hasText: needle }).first();
    await span.waitFor({ state: 'visible' });
    let text = '';
    await this.waitFor(async () => {
      await this.page.mouse.move(5, 5);
      // A Markdown paragraph line renders as one span: hover the needle itself, not the span's centre
      // (which may sit on another sentence of the same line).
      const at = await span.evaluate((el, want) => {
        const node = Array.from(el.childNodes).find((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').replace(/\u00a0/g, ' ').includes(want));
        if (!node) return null;
        const start = (node.textContent ?? '').replace(/\u00a0/g, ' ').indexOf(want);
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, start + want.length);
        const r = range.getBoundingClientRect();
        return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
      }, needle);
      if (at) await this.page.mouse.move(at.x, at.y);
      else await span.hover();
      // Each attempt gives the hover long enough to answer on a busy CPU; moving away and back asks again.
      const hover = this.page.locator('.monaco-hover:visible').last();
      await hover.waitFor({ state: 'visible', timeout: 15_000 });
      const deadline = Date.now() + 15_000;
      do {
        text = (await hover.innerText().catch(() => '')).trim();
        if (text && !/^Loading/i.test(text) && accept(text)) return true;
        await this.page.waitForTimeout(100);
      } while (Date.now() < deadline);
      return false;
    }, `a hover over "${needle}"`, STATE_DEADLINE_MS, 200);
    return text;
  }
}
