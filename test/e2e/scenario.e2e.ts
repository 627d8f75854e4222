// The end-to-end scenario of issue #5 §1, in a real VS Code workbench (code-server) driven through
// Chromium. Each `it` is one of the issue's six checks; they run in order on one workbench and later
// steps build on earlier ones, but each reports its own result. Screenshots and, on failure, what the
// page showed go to test-results/e2e/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from 'mocha';
import { createProfile, findFiles, installExtension, machineSettingsFile, startCodeServer, tail, type RunningCodeServer } from './harness/codeServer';
import { Workbench } from './harness/workbench';
import { STATE_DEADLINE_MS } from './harness/deadlines';
import { cliCheck, ensureDiagnosticsModel, fixtureThreshold, makeTinyModel, python, repoRoot, smallCola, type CheckedSentence } from './harness/models';
import { firstFixable } from './harness/fixable';
import { fixtureLayout } from './harness/fixture';
import { degenerateModel } from '../../protocol/degenerateModel';
// @ts-expect-error plain ESM script without type declarations
import { e2eUnsupported, ensureE2eTools } from '../../scripts/e2e-install.mjs';

const EXTENSION_ID = 'cola-bert.cola-bert';
const SAMPLE = 'sample.md';
const artifacts = path.join(repoRoot, 'test-results', 'e2e');
const log = (msg: string) => console.log(`      [e2e] ${msg}`);

/** Sentences of the fixture the diagnostics model must flag, and ones it must leave alone (see docs/e2e.md). */
export const expectedUnacceptable = [
  'The the dog barked barked at the at mailman loudly the.',
  'Him herself the likes book reads.',
  'Some of the students the all left have have quickly the.',
];
export const expectedAcceptable = ['The cat sat on the mat.', 'John read the letter yesterday.', 'Mary has written three novels.'];
/** Typed in step 6: one unacceptable and one acceptable sentence. */
const typedUnacceptable = 'Them the was goes ran ran book quickly the.';
const typedParagraph = `${typedUnacceptable} The dog slept in the sun.`;
/** The panel's tiny training run (step 5): about 1–2 minutes idle, several on a CPU shared with other work. */
const TRAINING_DEADLINE_MS = 15 * 60_000;

describe('cola-bert in a real VS Code workbench (code-server)', function () {
  this.timeout(10 * 60_000);

  let tmp: string;
  let workspace: string;
  let samplePath: string;
  let server: RunningCodeServer | undefined;
  let wb: Workbench | undefined;
  let userDataDir: string;
  let diagnosticsModel: string;
  let expected: CheckedSentence[];
  let ignoredSentence: string | undefined;
  let trainedModel: string | undefined;

  before(async function () {
    // Once per machine: the tools' cold install (about 4 minutes idle) and the diagnostics model's
    // fine-tune (about 7 minutes idle), both cached; far longer on a CPU shared with other work.
    this.timeout(90 * 60_000);
    const unsupported = e2eUnsupported();
    if (unsupported) {
      console.log(`      e2e: SKIPPED — ${unsupported}.`);
      this.skip();
    }
    const t0 = Date.now();
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    const tools = ensureE2eTools();
    log(`tools ready (${((Date.now() - t0) / 1000).toFixed(0)} s): code-server ${tools.codeServer}, ${tools.chromium}, Node ${tools.nodeVersion}`);

    // Exactly what `npm run package` produces, built and checked by the same script.
    const vsix = path.join(repoRoot, '.cache', 'e2e', 'cola-bert-e2e-linux-x64.vsix');
    const pkg = spawnSync(process.execPath, ['scripts/package.mjs', '--target', 'linux-x64', '--out', vsix], { cwd: repoRoot, stdio: 'inherit' });
    assert.equal(pkg.status, 0, 'npm run package failed');

    diagnosticsModel = ensureDiagnosticsModel(log);

    tmp = mkdtempSync(path.join(os.tmpdir(), 'cola-bert-e2e-'));
    workspace = path.join(tmp, 'workspace');
    cpSync(path.join(repoRoot, 'test', 'e2e', 'fixture-workspace'), workspace, { recursive: true });
    samplePath = path.join(workspace, SAMPLE);
    expected = cliCheck(samplePath, diagnosticsModel);
    log(`CLI check of ${SAMPLE}: ${expected.length} sentences, flagged: ${expected.filter((s) => s.flagged).map((s) => JSON.stringify(s.text)).join(', ')}`);

    // Machine-scoped settings live in the remote machine's settings in a code-server window.
    const profile = createProfile(path.join(tmp, 'profile'), tools, {}, {
      'cola-bert.pythonPath': python,
      'cola-bert.modelPath': diagnosticsModel,
    });
    userDataDir = profile.userDataDir;
    // The panel's Hub probe (issue 16, item 4) must answer "unreachable" on a machine with Internet too.
    profile.env.HF_HUB_OFFLINE = '1';
    installExtension(tools, profile, vsix);
    server = await startCodeServer(tools, profile, workspace, { logFile: path.join(artifacts, 'code-server.log') });
    log(`code-server on ${server.url} (setup ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    wb = await Workbench.open({ chromium: tools.chromium, profileDir: path.join(tmp, 'chromium'), url: server.url, folder: workspace, artifacts });
  });

  afterEach(async function (this: Context) {
    if (!wb) return;
    const name = (this.currentTest?.title ?? 'step').replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await wb.screenshot(name);
    if (this.currentTest?.state === 'failed') {
      console.log(`      --- what the page showed (${name}) ---\n${await wb.saveDescription(name)}`);
      console.log(`      --- extension host log (last lines) ---\n${extensionLogs()}`);
    }
  });

  after(async function () {
    await wb?.close();
    await server?.stop();
    if (tmp && !process.env.COLA_BERT_E2E_KEEP) rmSync(tmp, { recursive: true, force: true });
    else if (tmp) log(`kept ${tmp}`);
  });

  function extensionLogs(): string {
    const files = findFiles(path.join(userDataDir, 'logs'), (n) => /exthost|cola-bert/i.test(n) && n.endsWith('.log'));
    return files.map((f) => `${path.relative(userDataDir, f)}:\n${tail(f, 15)}`).join('\n');
  }

  /** The model the settings name now (the panel's "Use this model" may have changed it). */
  function currentModel(): string | undefined {
    for (const file of [machineSettingsFile(userDataDir), path.join(userDataDir, 'User', 'settings.json')]) {
      const value = JSON.parse(readFileSync(file, 'utf8'))['cola-bert.modelPath'] as string | undefined;
      if (value) return value;
    }
    return undefined;
  }

  /** Waits until cola-bert's status bar item says it is ready with the model folder `dir`. */
  async function waitForReady(dir: string, timeoutMs = STATE_DEADLINE_MS): Promise<string> {
    const want = `cola-bert: ${path.basename(dir)}`;
    let text = '';
    await wb!.waitFor(async () => (text = (await statusItem().innerText()).trim()).endsWith(want), `the status bar to show "${want}"`, timeoutMs);
    return text;
  }

  function statusItem() {
    return wb!.page.locator(`.statusbar-item[id^="${EXTENSION_ID}"]`).first();
  }

  /** Problems panel rows from cola-bert, with their 1-based positions ("[Ln 11, Col 58]" in the row). */
  async function problemRows(): Promise<{ rows: string[]; lines: number[]; positions: string[] }> {
    const rows = (await wb!.problems()).filter((r) => r.includes('cola-bert'));
    const parsed = rows.map((r) => /(?:Ln|line) (\d+)(?:, Col| and character) (\d+)/.exec(r));
    assert.ok(parsed.every(Boolean), `Problems rows without a position: ${rows.join(' | ')}`);
    return { rows, lines: parsed.map((m) => Number(m![1])), positions: parsed.map((m) => `${m![1]}:${m![2]}`) };
  }

  /**
   * Waits until the cola-bert rows in Problems sit exactly at `want` ("line:col", 1-based) and returns
   * them. The panel fills its list after it opens, and a pass in flight may publish part of its result
   * first: the rows are read again until they match or the deadline passes, then compared.
   */
  async function waitForProblems(want: string[], message: string): Promise<{ rows: string[]; lines: number[]; positions: string[] }> {
    const sorted = [...want].sort();
    let last: Awaited<ReturnType<typeof problemRows>> | undefined;
    await wb!.waitFor(async () => {
      last = await problemRows();
      return JSON.stringify([...last.positions].sort()) === JSON.stringify(sorted);
    }, message).catch(() => undefined); // the comparison below says what differs
    last ??= await problemRows();
    assert.deepEqual([...last.positions].sort(), sorted, message);
    return last;
  }

  const positionOf = (s: CheckedSentence) => `${s.range.start.line + 1}:${s.range.start.character + 1}`;

  /**
   * Issue 16, item 10: each cola-bert row's message quotes the start of the sentence the CLI flags at
   * the row's position (the whole sentence when it is short, else a prefix ending in "…"), and its P.
   */
  function assertRowsQuoteSentences(rows: string[], positions: string[], flagged: CheckedSentence[]): void {
    rows.forEach((row, i) => {
      const sentence = flagged.find((s) => positionOf(s) === positions[i]);
      assert.ok(sentence, `no CLI-flagged sentence at ${positions[i]} for the row "${row}"`);
      const m = /Possibly ungrammatical: “([^”]+)” \(P\(acceptable\) = (\d\.\d\d)\)/.exec(row);
      assert.ok(m, `the Problems row does not quote its sentence: "${row}"`);
      const whole = sentence.text.replace(/\s+/g, ' ').trim();
      const quoted = m[1];
      if (quoted.endsWith('…')) {
        const head = quoted.slice(0, -1);
        assert.ok(head.length >= 20 && whole.startsWith(head), `the row quotes "${quoted}", not the start of "${whole}"`);
      } else {
        assert.equal(quoted, whole, 'a short sentence is quoted whole');
      }
      assert.ok(Math.abs(Number(m[2]) - sentence.pAcceptable) < 0.03, `the row says P(acceptable) = ${m[2]}, the CLI computes ${sentence.pAcceptable}`);
    });
  }

  /**
   * Waits until the workbench holds `count` diagnostics (the status bar's problem counts; only the
   * sample is open) and the editor shows squiggles exactly when there are some. Squiggles are not
   * counted one by one: a line wider than the editor renders only its visible part.
   */
  async function waitForDiagnostics(count: number, what: string, timeoutMs = STATE_DEADLINE_MS): Promise<void> {
    await wb!.closePanel();
    await wb!.waitFor(async () => (await wb!.problemTotal()) === count &&
      (count === 0) === ((await wb!.squiggles().count()) === 0), `${count} diagnostics (${what})`, timeoutMs);
  }

  it('1. activates and shows its state in the status bar', async function () {
    await wb!.openFile(SAMPLE);
    await wb!.waitFor(async () => findFiles(path.join(userDataDir, 'logs'), (n) => /exthost/i.test(n))
      .some((f) => readFileSync(f, 'utf8').includes(`_doActivateExtension ${EXTENSION_ID}`)), 'the extension host to activate cola-bert');
    await statusItem().waitFor({ state: 'visible' });
    // Ready with the configured model: "cola-bert: <model folder name>".
    const text = await waitForReady(diagnosticsModel);
    log(`status bar: "${text}"; tooltip/aria-label: "${await statusItem().getAttribute('aria-label')}"`);
  });

  it('2. squiggles the unacceptable sentences, none in code or front matter; Problems lists them as cola-bert', async function () {
    const layout = fixtureLayout(readFileSync(samplePath, 'utf8'));
    const flagged = expected.filter((s) => s.flagged);
    await wb!.openFile(SAMPLE);
    await waitForDiagnostics(flagged.length, 'one per sentence the CLI flags');
    const { rows, lines, positions } = await waitForProblems(flagged.map(positionOf), 'Problems rows sit where the CLI flags sentences');
    log(`Problems: ${rows.length} cola-bert rows: ${rows.map((r) => r.slice(0, 100)).join(' | ')}`);
    for (const line of lines) {
      assert.ok(!layout.frontMatter.includes(line), `a diagnostic in the front matter (line ${line})`);
      assert.ok(!layout.code.includes(line), `a diagnostic in a code block (line ${line})`);
    }
    await wb!.closePanel();
    // After closing the panel: a failure here must not leave it over the editor for the next steps.
    assertRowsQuoteSentences(rows, positions, flagged);
    // The editor agrees with the CLI; now the model must also judge the fixture as designed.
    assert.ok(flagged.length > 0, `the diagnostics model flags nothing in ${SAMPLE} (see docs/e2e.md)`);
    for (const s of expectedUnacceptable) assert.ok(flagged.some((f) => f.text === s), `the diagnostics model does not flag "${s}" (CLI check); see docs/e2e.md`);
    for (const s of expectedAcceptable) assert.ok(!flagged.some((f) => f.text === s), `the diagnostics model flags "${s}" (CLI check)`);
  });

  it('3. hovering a sentence shows its probabilities', async function () {
    for (const text of [expectedUnacceptable[0], expectedAcceptable[0]]) {
      const want = expected.find((s) => s.text === text)!;
      const hover = await wb!.hoverText(text.split(' ').slice(0, 3).join(' '), (t) => /P\(unacceptable\)/.test(t) && !/Loading/.test(t));
      log(`hover over "${text}": ${hover.replace(/\s+/g, ' ').slice(0, 200)}`);
      const pa = /P\(acceptable\)\D{0,10}([01](?:\.\d+)?)\s*(%?)/.exec(hover);
      assert.ok(pa, `no P(acceptable) value in the hover: ${hover}`);
      const shown = Number(pa[1]) / (pa[2] === '%' ? 100 : 1);
      // Rounded to 2 decimals in the hover; and dynamic int8 quantization scales activations per batch,
      // so the same sentence batched with different neighbours (editor vs CLI) moves by about 0.01.
      assert.ok(Math.abs(shown - want.pAcceptable) < 0.03, `hover shows P(acceptable) ${shown}, the CLI computes ${want.pAcceptable}`);
      assert.match(hover, /P\(unacceptable\)/);
    }
  });

  it('4. "Ignore this sentence" removes the diagnostic and it stays gone after an edit', async function () {
    const target = expected.find((s) => s.text === expectedUnacceptable[1])!;
    ignoredSentence = target.text;
    const before = await wb!.problemTotal();
    await wb!.goTo(target.range.start.line + 1, target.range.start.character + 3);
    // The quick fix needs the diagnostic (still counted) and cola-bert's answer in the menu, which the
    // menu is reopened for until it holds.
    await wb!.runCodeAction('Ignore this sentence', async () => (await wb!.problemTotal()) === before);
    await waitForDiagnostics(before - 1, 'the ignored sentence no longer flagged');
    const left = expected.filter((s) => s.flagged && s.text !== ignoredSentence).map(positionOf);
    assert.ok(!(await waitForProblems(left, 'Problems after "Ignore this sentence"')).positions.includes(positionOf(target)), 'the ignored sentence is still in Problems');
    await wb!.closePanel();

    // Edit the same paragraph (a sentence appended after the ignored one) so it is re-checked, then
    // compare with the CLI on the saved text: everything it flags except the ignored sentence.
    await wb!.goTo(target.range.end.line + 1, target.range.end.character + 1);
    await wb!.page.keyboard.press('End');
    await wb!.page.keyboard.type(' The dog barked at the mailman again.');
    await wb!.page.keyboard.press('Control+S');
    await wb!.waitFor(async () => readFileSync(samplePath, 'utf8').includes('mailman again.'), 'the edit to be saved');
    const want = cliCheck(samplePath, diagnosticsModel).filter((s) => s.flagged && s.text !== ignoredSentence);
    // The count may be the same before and after the edit: the appended sentence answering a hover (which
    // comes only from a pass over the current text) is the sign the edited paragraph was re-checked.
    await wb!.hoverText('again', (t) => /P\(unacceptable\)/.test(t) && !/Loading/.test(t));
    await waitForDiagnostics(want.length, `the edited paragraph re-checked (${want.length} squiggles)`);
    const after = await waitForProblems(want.map(positionOf), 'Problems after the edit: the CLI\'s flags minus the ignored sentence');
    assert.ok(!after.positions.includes(positionOf(target)), 'the ignored sentence came back after an edit');
    await wb!.closePanel();
  });

  // Issue 12 §1–2: the sentence is the first of FIXABLE_CANDIDATES that the diagnostics model flags and
  // can fix (harness/fixable.ts asks the model through the extension's own InferenceService).
  it('4b. a flagged sentence\'s hover shows its suspect word in bold, and a suggested fix removes its squiggle', async function () {
    await waitForReady(diagnosticsModel);
    const { pick, tried } = await firstFixable(diagnosticsModel, fixtureThreshold);
    assert.ok(pick, `the diagnostics model flags and fixes none of the candidate sentences: ${tried.join('; ')}`);
    log(`typing "${pick.sentence}" (P ${pick.pAcceptable.toFixed(2)}, top suspect "${pick.suspect}", best fix "${pick.fix}" at P ${pick.fixP.toFixed(2)})${tried.length ? `; skipped: ${tried.join('; ')}` : ''}`);
    await wb!.openFile(SAMPLE);
    await wb!.page.keyboard.press('Control+End');
    await wb!.page.keyboard.press('Enter');
    await wb!.page.keyboard.press('Enter');
    await wb!.page.keyboard.type(pick.sentence);
    await wb!.page.keyboard.press('Control+S');
    await wb!.waitFor(async () => readFileSync(samplePath, 'utf8').includes(pick.sentence), 'the typed sentence to be saved');
    const flagged = cliCheck(samplePath, diagnosticsModel).filter((s) => s.flagged && s.text !== ignoredSentence);
    const typed = flagged.find((s) => s.text === pick.sentence);
    assert.ok(typed, `the CLI does not flag "${pick.sentence}" in the saved file`);
    await waitForDiagnostics(flagged.length, `the typed sentence flagged (${flagged.length} squiggles)`);

    // The hover names the suspect word in bold (Markdown ** inside the quoted sentence).
    const hover = await wb!.hoverText(pick.sentence.slice(0, -1), (t) => /Suspect words/.test(t) && !/Loading/.test(t));
    const bold = (await wb!.page.locator('.monaco-hover:visible').last().locator('strong').allInnerTexts()).map((b) => b.trim());
    log(`hover: ${hover.replace(/\s+/g, ' ').slice(0, 240)}; bold: ${bold.join(' | ')}`);
    assert.ok(bold.includes(pick.suspect), `the hover does not show "${pick.suspect}" in bold (bold: ${bold.join(' | ')})`);
    // Issue 12 §4: "calibrated" comes with what sentences scored like this one were on the holdout.
    assert.match(hover.replace(/\s+/g, ' '), /On the CoLA holdout, \d+ % of the \d+ sentences scored \d\.\d–\d\.\d were acceptable/);
    await wb!.page.mouse.move(5, 5);

    // The first "Replace with" quick fix is the best one; applying it leaves a sentence the model accepts.
    await wb!.goTo(typed.range.start.line + 1, typed.range.start.character + 2);
    await wb!.runCodeAction(`Replace with: “${pick.fix}”`, async () => (await wb!.problemTotal()) === flagged.length);
    await wb!.page.keyboard.press('Control+S');
    await wb!.waitFor(async () => readFileSync(samplePath, 'utf8').includes(pick.fix) && !readFileSync(samplePath, 'utf8').includes(pick.sentence), 'the fix to be applied and saved');
    const after = cliCheck(samplePath, diagnosticsModel).filter((s) => s.flagged && s.text !== ignoredSentence);
    assert.equal(after.length, flagged.length - 1, `after the fix the CLI flags ${after.length} sentences, before ${flagged.length}`);
    await waitForDiagnostics(after.length, 'the fixed sentence no longer flagged');
    await waitForProblems(after.map(positionOf), 'Problems after applying the suggested fix');
    await wb!.closePanel();
  });

  /** The training panel's document (a webview inside the workbench's webview frame). */
  const trainingPanel = () => wb!.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

  it('5a. the panel says the Hub is unreachable, offers the offline encoders, and estimates the CPU time', async function () {
    await wb!.runCommand('Fine-tune BERT on CoLA');
    await wb!.page.locator('.tabs-container .tab', { hasText: 'Fine-tune BERT on CoLA' }).first().waitFor({ state: 'visible' });
    const panel = trainingPanel();
    await panel.locator('#env-status.ready').waitFor();
    const note = panel.locator('#hub-offline');
    await note.waitFor({ state: 'visible' });
    const noteText = (await note.innerText()).replace(/\s+/g, ' ');
    log(`environment card: ${noteText.slice(0, 200)}`);
    assert.match(noteText, /Hugging Face Hub cannot be reached/);
    const model = panel.locator('#field-model input');
    for (const encoder of ['all-mpnet-base-v2', 'all-minilm-l6-v2']) {
      const choice = panel.locator(`#hub-offline #offline-${encoder}`);
      assert.equal((await choice.innerText()).trim(), `Use ${encoder}`);
      await choice.click();
      await wb!.waitFor(async () => (await model.inputValue()) === encoder, `the base model field to read ${encoder}`);
    }

    // all-minilm-l6-v2 is chosen; the Device line estimates the run for the form's epochs.
    const device = panel.locator('#env-facts dd', { hasText: /^CPU/ }).first();
    const estimate = async (epochs: number) => {
      await panel.locator('#field-epochs input').fill(String(epochs));
      const phrase = epochs === 1 ? '1 epoch takes about' : `${epochs} epochs take about`;
      let text = '';
      await wb!.waitFor(async () => (text = await device.innerText()).includes(phrase), `the Device line to say "${phrase} …"`);
      const m = /take?s? about (?:(\d+) h )?(?:(\d+) min )?(?:(\d+) s)?/.exec(text.slice(text.indexOf(phrase)));
      assert.ok(m && (m[1] || m[2] || m[3]), `no duration in "${text}"`);
      log(`Device line: ${text}`);
      return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
    };
    const two = await estimate(2);
    const one = await estimate(1);
    // Issue 16, item 5: the old model-blind figure was about 21 minutes for one epoch; a run took 67 s.
    assert.ok(one > 0 && one < 600, `1 epoch of all-minilm-l6-v2 estimated at ${one} s (must be under 10 minutes)`);
    assert.ok(two > one, `2 epochs (${two} s) are estimated no longer than 1 (${one} s)`);
  });

  it('5. "Fine-tune BERT on CoLA" trains a tiny model in the panel, shows its MCC, and its model takes over diagnostics', async function () {
    this.timeout(TRAINING_DEADLINE_MS + 10 * 60_000);
    const base = makeTinyModel(path.join(tmp, 'tiny-base'));
    const data = smallCola(path.join(tmp, 'cola-small'), 320, 120);
    await wb!.runCommand('Fine-tune BERT on CoLA');
    const tab = wb!.page.locator('.tabs-container .tab', { hasText: 'Fine-tune BERT on CoLA' }).first();
    await tab.waitFor({ state: 'visible' });
    const panel = trainingPanel();
    await panel.locator('#env-status').waitFor({ state: 'visible' });
    await panel.locator('#env-status.ready').waitFor();
    await panel.locator('#field-model input').fill(base);
    await panel.locator('#field-dataset input').fill(data);
    await panel.locator('#field-epochs input').fill('1');
    await panel.locator('#field-batchSize input').fill('16');
    await panel.locator('#field-learningRate input').fill('0.0005');
    await panel.locator('#start').click();

    // Progress streams in: the step counter moves and the loss chart gets points.
    const progress = panel.locator('#progress-text');
    await progress.waitFor({ state: 'visible' });
    const seen = new Set<string>();
    await wb!.waitFor(async () => {
      const t = await progress.innerText();
      if (/Step \d+ \//.test(t)) seen.add(/Step \d+/.exec(t)![0]);
      return seen.size >= 2 || (await panel.locator('#holdout-mcc').isVisible().catch(() => false));
    }, 'the progress text to show advancing steps', TRAINING_DEADLINE_MS, 50);
    log(`progress seen: ${[...seen].join(', ')}`);
    await wb!.screenshot('5a-training-progress');
    const mcc = panel.locator('#holdout-mcc');
    await mcc.waitFor({ state: 'visible', timeout: TRAINING_DEADLINE_MS });
    const mccText = (await mcc.innerText()).trim();
    log(`holdout MCC in the panel: ${mccText}`);
    assert.match(mccText, /^-?\d\.\d{3}$/);
    assert.ok(seen.size >= 1, 'no step progress was shown before the result');
    await wb!.screenshot('5b-training-result');
    // Issue 16, item 6: what the result offers, checked below against the exported model's metrics.
    const useModel = panel.locator('#use-model');
    const useModelLabel = (await useModel.innerText()).trim();
    const warning = (await panel.locator('#degenerate').isVisible().catch(() => false)) ? (await panel.locator('#degenerate').innerText()).replace(/\s+/g, ' ') : '';
    log(`result: button "${useModelLabel}"${warning ? `, warning "${warning}"` : ', no degenerate-model warning'}`);

    await useModel.click();
    // A model that judges every holdout sentence alike (the tiny run usually does) is switched to only
    // after a modal "Use anyway": answered as a user would, whenever it is asked.
    const useAnyway = wb!.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Use anyway' }).first();
    let confirmed = false;
    await wb!.waitFor(async () => {
      if (await useAnyway.isVisible().catch(() => false)) {
        await useAnyway.click();
        confirmed = true;
      }
      return !!currentModel() && currentModel() !== diagnosticsModel;
    }, 'cola-bert.modelPath to name the trained model');
    log(`"Use this model for diagnostics"${confirmed ? ' (confirmed "Use anyway": the panel judged the model degenerate)' : ''}`);
    trainedModel = currentModel()!;
    assert.ok(existsSync(path.join(trainedModel, 'cola-bert.json')), `cola-bert.modelPath = ${trainedModel} is not an exported model`);
    const meta = JSON.parse(readFileSync(path.join(trainedModel, 'cola-bert.json'), 'utf8'));
    assert.equal(meta.metrics.holdout.mcc.toFixed(3), mccText, 'the panel shows the exported model\'s holdout MCC');
    const verdict = degenerateModel(meta.metrics.holdout);
    const c = meta.metrics.holdout.confusion;
    log(`exported holdout confusion tp ${c.tp} tn ${c.tn} fp ${c.fp} fn ${c.fn}: ${verdict ? 'degenerate' : 'learned something'}`);
    if (verdict) {
      assert.match(warning, /This model learned nothing useful/, 'a degenerate model shows no warning in the panel');
      assert.ok(warning.includes(verdict.reason), `the warning "${warning}" does not say "${verdict.reason}"`);
      assert.equal(useModelLabel, 'Use this model anyway…');
      assert.ok(confirmed, 'a degenerate model was switched to without the "Use anyway" confirmation');
    } else {
      assert.equal(warning, '', 'a model that learned shows the degenerate-model warning');
      assert.equal(useModelLabel, 'Use this model for diagnostics');
    }
    const status = await waitForReady(trainedModel);
    log(`after "Use this model for diagnostics": status "${status}", cola-bert.modelPath = ${trainedModel}`);

    // Squiggles now follow the new model: exactly what the CLI says with it (minus the ignored sentence),
    // and the hover names it.
    await wb!.openFile(SAMPLE);
    const withNew = cliCheck(samplePath, trainedModel).filter((s) => s.flagged && s.text !== ignoredSentence);
    log(`the trained model flags ${withNew.length} sentences (CLI), the diagnostics model ${expected.filter((s) => s.flagged).length}`);
    await waitForDiagnostics(withNew.length, 'squiggles from the trained model');
    await waitForProblems(withNew.map(positionOf), 'Problems with the trained model');
    await wb!.closePanel();
    const name = path.basename(trainedModel);
    const hover = await wb!.hoverText(expectedAcceptable[0].split(' ').slice(0, 3).join(' '), (t) => t.includes(name));
    log(`hover with the trained model: ${hover.replace(/\s+/g, ' ').slice(0, 200)}`);
  });

  it('6. editing updates diagnostics without freezing the workbench', async function () {
    await wb!.openFile(SAMPLE);
    // Back to the diagnostics model through the settings (as a user editing them would), so the
    // typed sentences have a known verdict.
    writeFileSync(machineSettingsFile(userDataDir), JSON.stringify({ 'cola-bert.pythonPath': python, 'cola-bert.modelPath': diagnosticsModel }, null, 2));
    await waitForReady(diagnosticsModel);
    const settled = cliCheck(samplePath, diagnosticsModel).filter((s) => s.flagged && s.text !== ignoredSentence);
    await waitForDiagnostics(settled.length, 'the diagnostics model\'s verdicts on the unchanged file');
    await waitForProblems(settled.map(positionOf), 'Problems with the diagnostics model back, before typing');
    await wb!.closePanel();
    const start = settled.length;
    // Type a paragraph key by key and time each key until the editor shows it (the renderer's latency),
    // while the extension host re-checks behind it.
    await wb!.page.keyboard.press('Control+End');
    await wb!.page.keyboard.press('Enter');
    await wb!.page.keyboard.press('Enter');
    const latencies: number[] = [];
    const editor = wb!.activeEditor();
    let typed = '';
    for (const ch of typedParagraph) {
      typed += ch;
      const t0 = performance.now();
      await wb!.page.keyboard.type(ch);
      const visible = typed.replace(/ /g, '\u00a0');
      await wb!.waitFor(async () => (await editor.locator('.view-line').allInnerTexts()).some((l) => l.replace(/ /g, '\u00a0').endsWith(visible)),
        `"${typed}" to appear`, STATE_DEADLINE_MS, 5);
      latencies.push(performance.now() - t0);
    }
    const tEdit = performance.now();
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    log(`typing latency over ${latencies.length} keys: median ${p(0.5).toFixed(0)} ms, p95 ${p(0.95).toFixed(0)} ms, max ${p(1).toFixed(0)} ms`);

    // What the model in use says about the edited text, through the CLI (same extraction and inference).
    await wb!.page.keyboard.press('Control+S');
    await wb!.waitFor(async () => readFileSync(samplePath, 'utf8').includes(typedParagraph), 'the edit to be saved');
    const model = currentModel() ?? diagnosticsModel;
    const want = cliCheck(samplePath, model).filter((s) => s.flagged && s.text !== ignoredSentence);
    assert.ok(want.length !== start || model !== diagnosticsModel, 'the typed paragraph changes nothing for the diagnostics model: fix the fixture');
    await waitForDiagnostics(want.length, `the squiggles of the edited file (${want.length}, was ${start})`);
    log(`diagnostics updated ${(performance.now() - tEdit).toFixed(0)} ms after the last key (${start} -> ${want.length} squiggles, model ${path.basename(model)})`);
    // The extension host still answers promptly.
    const th = performance.now();
    await wb!.hoverText(typedParagraph.split(' ').slice(-2).join(' ').replace('.', ''), (t) => /P\(unacceptable\)/.test(t) && !/Loading/.test(t));
    log(`hover on the new sentence answered in ${(performance.now() - th).toFixed(0)} ms`);
    await waitForProblems(want.map(positionOf), 'Problems after typing: the CLI\'s flags for the edited file minus the ignored sentence');
    await wb!.closePanel();
    assert.ok(p(0.95) < 500, `typing p95 ${p(0.95).toFixed(0)} ms: the workbench stalls while cola-bert checks`);
  });

  // Issue 12 §3. Self-contained (it needs only the workbench and the diagnostics model), so a run of this step
  // alone (mocha --grep "7\\. ") works too: it trains from the diagnostics model itself, one epoch on 320 CoLA rows.
  it('7. "This sentence is fine (teach cola-bert)" records it; a run with the feedback file stops flagging it', async function () {
    this.timeout(TRAINING_DEADLINE_MS + 10 * 60_000);
    // Where the sentence is now: earlier steps edit the sample (4b applies a fix, 6 types a paragraph).
    const taught = cliCheck(samplePath, diagnosticsModel).find((s) => s.text === expectedUnacceptable[2])!;
    assert.ok(taught?.flagged, `the diagnostics model does not flag "${expectedUnacceptable[2]}" (CLI check)`);
    const feedbackFile = path.join(workspace, '.vscode', 'cola-bert', 'feedback.tsv');
    // Step 4b's applied fix already recorded its two sentences: this step teaches from an empty file.
    rmSync(feedbackFile, { force: true });
    writeFileSync(machineSettingsFile(userDataDir), JSON.stringify({ 'cola-bert.pythonPath': python, 'cola-bert.modelPath': diagnosticsModel }, null, 2));
    await waitForReady(diagnosticsModel);
    await wb!.openFile(SAMPLE);
    await wb!.goTo(taught.range.start.line + 1, taught.range.start.character + 3);
    await wb!.runCodeAction('This sentence is fine (teach cola-bert)', async () => (await wb!.problemTotal()) > 0);
    await wb!.waitFor(async () => existsSync(feedbackFile) && readFileSync(feedbackFile, 'utf8') === `feedback\t1\t\t${taught.text}\n`,
      `${feedbackFile} to hold the taught sentence`);
    log(`taught: ${readFileSync(feedbackFile, 'utf8').trim()}`);

    // A panel opened now starts with the workspace's feedback file in its form; an open one is closed first.
    await wb!.runCommand('Fine-tune BERT on CoLA');
    await wb!.page.locator('.tabs-container .tab', { hasText: 'Fine-tune BERT on CoLA' }).first().waitFor({ state: 'visible' });
    await wb!.runCommand('View: Close Editor');
    await wb!.runCommand('Fine-tune BERT on CoLA');
    const panel = trainingPanel();
    await panel.locator('#env-status.ready').waitFor();
    const feedbackField = panel.locator('#field-feedback input');
    await wb!.waitFor(async () => (await feedbackField.inputValue()) === feedbackFile, 'the form to show the workspace\'s feedback file');
    await panel.locator('#field-model input').fill(diagnosticsModel);
    await panel.locator('#field-dataset input').fill(smallCola(path.join(tmp, 'cola-small-feedback'), 320, 120));
    await panel.locator('#field-epochs input').fill('1');
    await panel.locator('#field-batchSize input').fill('16');
    await panel.locator('#field-learningRate input').fill('');
    await panel.locator('#field-maxTrain input').fill('');
    await panel.locator('#field-feedbackWeight input').fill('24');
    await panel.locator('#start').click();

    const after = panel.locator('#feedback-after');
    // The panel may first show the workspace's last result: step 5 trained with the file as step 4b left it
    // (two rows). This run's result counts the one taught sentence.
    await wb!.waitFor(async () => / of 1 right/.test(await after.innerText({ timeout: 1_000 }).catch(() => '')),
      'this run\'s feedback result (one taught sentence)', TRAINING_DEADLINE_MS, 500);
    const beforeText = (await panel.locator('#feedback-before').innerText()).trim();
    const afterText = (await after.innerText()).trim();
    log(`panel, taught sentences: before "${beforeText}", after "${afterText}"`);
    // Before: the model diagnostics used (the panel passes it as --feedback-baseline) flagged it.
    assert.match(beforeText, /^0 of 1 right/);
    assert.match(afterText, /^1 of 1 right/);
    await wb!.screenshot('7a-feedback-result');

    await panel.locator('#use-model').click();
    const useAnyway = wb!.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Use anyway' }).first();
    await wb!.waitFor(async () => {
      if (await useAnyway.isVisible().catch(() => false)) await useAnyway.click();
      return !!currentModel() && currentModel() !== diagnosticsModel && currentModel() !== trainedModel;
    }, 'cola-bert.modelPath to name the model trained with feedback');
    const taughtModel = currentModel()!;
    const meta = JSON.parse(readFileSync(path.join(taughtModel, 'cola-bert.json'), 'utf8'));
    assert.equal(meta.quality.feedback.sha256.length, 64, 'cola-bert.json records the feedback file\'s hash');
    assert.equal(meta.quality.feedback.before.model, diagnosticsModel);
    await waitForReady(taughtModel);

    // The new model takes over: the taught sentence is no longer flagged, and the model still flags others.
    await wb!.openFile(SAMPLE);
    const want = cliCheck(samplePath, taughtModel).filter((s) => s.flagged && s.text !== ignoredSentence);
    log(`the model trained with feedback flags: ${want.map((s) => JSON.stringify(s.text)).join(', ')}`);
    assert.ok(!want.some((s) => s.text === taught.text), 'the CLI still flags the taught sentence with the new model');
    // Any word salad the file still holds counts: in the full suite step 4 ignored one and step 6 typed another.
    const salads = [...expectedUnacceptable, typedUnacceptable];
    assert.ok(want.some((s) => salads.includes(s.text)), 'the new model flags none of the fixture\'s unacceptable sentences: teaching broke it');
    await waitForDiagnostics(want.length, 'squiggles from the model trained with feedback');
    const rows = await waitForProblems(want.map(positionOf), 'Problems with the model trained with feedback');
    assert.ok(!rows.positions.includes(positionOf(taught)), 'the taught sentence is still in Problems');
    await wb!.closePanel();
  });
});
