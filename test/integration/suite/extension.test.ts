// The editor behaviour at API level, inside a real extension host: diagnostics for a document,
// hover results, code actions and commands, configuration changes. The model is a real fine-tuned
// one (COLA_BERT_TEST_MODEL, set by runTest.ts); the workspace is a copy of test/e2e/fixture-workspace.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ColaBertApi } from '../../../src/extension';
import { STATE_DEADLINE_MS } from '../../e2e/harness/deadlines';

const EXTENSION_ID = 'cola-bert.cola-bert';
const SOURCE = 'cola-bert';
const model = process.env.COLA_BERT_TEST_MODEL!;
const unacceptable = 'The the dog barked barked at the at mailman loudly the.';
const acceptable = 'The cat sat on the mat.';

function sampleUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is not open');
  return vscode.Uri.joinPath(folder.uri, 'sample.md');
}

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

/** Resolves once `check` holds for the document's cola-bert diagnostics (checked on every change). */
function diagnosticsWhere(uri: vscode.Uri, check: (d: vscode.Diagnostic[]) => boolean, what: string, timeoutMs = STATE_DEADLINE_MS): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const done = (fn: () => void) => { clearTimeout(timer); sub.dispose(); fn(); };
    const test = () => {
      const d = ours(uri);
      if (check(d)) done(() => resolve(d));
    };
    const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${what}; diagnostics now: ${JSON.stringify(ours(uri).map((d) => [d.range.start.line, d.message]))}`))), timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => { if (e.uris.some((u) => u.toString() === uri.toString())) test(); });
    test();
  });
}

/** Polls `check` (state that has no change event, like tabs from the main thread) until it holds. */
async function until(check: () => boolean, what: string, timeoutMs = STATE_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Asks for the quick fixes at `range` until one is titled `title`. The provider answers only from a
 * finished pass over the current text: after an edit or a model (re)load it offers nothing until the new
 * pass ends, so it is asked again, each time once our diagnostic covers the range. Only quick fixes are
 * asked for: other providers' snippet and refactoring actions do not crowd ours out.
 */
async function quickFix(doc: vscode.TextDocument, range: vscode.Range, title: string, timeoutMs = STATE_DEADLINE_MS): Promise<vscode.CodeAction> {
  const deadline = Date.now() + timeoutMs;
  let offered: vscode.CodeAction[] = [];
  for (;;) {
    await diagnosticsWhere(doc.uri, (d) => d.some((x) => x.range.intersection(range)), `a cola-bert diagnostic on "${doc.getText(range)}"`, Math.max(1, deadline - Date.now()));
    offered = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range, vscode.CodeActionKind.QuickFix.value);
    const action = offered.find((a) => a.title === title);
    if (action) return action;
    if (Date.now() > deadline) throw new Error(`no "${title}" quick fix within ${timeoutMs} ms; offered: ${offered.map((a) => a.title).join(', ') || 'nothing'}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function rangeOf(doc: vscode.TextDocument, text: string): vscode.Range {
  const offset = doc.getText().indexOf(text);
  assert.ok(offset >= 0, `"${text}" is not in ${doc.uri.fsPath}`);
  return new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + text.length));
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
}

async function setModelPath(value: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('cola-bert').update('modelPath', value, vscode.ConfigurationTarget.Global);
}

describe('cola-bert extension (integration)', () => {
  let doc: vscode.TextDocument;

  before(async () => {
    assert.ok(model, 'COLA_BERT_TEST_MODEL is not set (runTest.ts sets it)');
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in this extension host`);
    await ext.activate();
    doc = await vscode.workspace.openTextDocument(sampleUri());
    await vscode.window.showTextDocument(doc);
  });

  it('registers every command it contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.includes('cola-bert.fineTune'));
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of contributed) assert.ok(registered.has(c), `${c} is contributed but not registered`);
  });

  it('flags the unacceptable sentences of a document, nothing in front matter or code', async () => {
    const diags = await diagnosticsWhere(doc.uri, (d) => d.length > 0, 'cola-bert diagnostics on sample.md');
    const flaggedTexts = diags.map((d) => doc.getText(d.range));
    assert.ok(flaggedTexts.some((t) => t.includes(unacceptable)), `"${unacceptable}" is not flagged; flagged: ${JSON.stringify(flaggedTexts)}`);
    assert.ok(!flaggedTexts.some((t) => t.includes(acceptable)), `"${acceptable}" is flagged`);
    const text = doc.getText();
    const frontMatterEnd = doc.positionAt(text.indexOf('\n---', 3) + 4).line;
    const fenceStart = doc.positionAt(text.indexOf('```')).line;
    const fenceEnd = doc.positionAt(text.indexOf('```', text.indexOf('```') + 3)).line;
    for (const d of diags) {
      assert.ok(d.range.start.line > frontMatterEnd, `diagnostic in the front matter: line ${d.range.start.line}`);
      assert.ok(d.range.start.line < fenceStart || d.range.start.line > fenceEnd, `diagnostic in a code block: line ${d.range.start.line}`);
      assert.match(d.message, /P\(acceptable\)/);
    }
  });

  it('answers hovers with both probabilities, on flagged and unflagged sentences', async () => {
    for (const sentence of [unacceptable, acceptable]) {
      const r = rangeOf(doc, sentence);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, r.start.translate(0, 2));
      const text = hoverText(hovers);
      assert.match(text, /P\(acceptable\)/, `hover over "${sentence}": ${text}`);
      assert.match(text, /P\(unacceptable\)/, `hover over "${sentence}": ${text}`);
      // Suspect words only where the sentence is flagged, computed in the inference worker on hover.
      if (sentence === unacceptable) assert.match(text, /Suspect words.*(\*\*[^*]+\*\*|No single word)/s, `hover over "${sentence}": ${text}`);
      else assert.doesNotMatch(text, /Suspect words/, `hover over "${sentence}": ${text}`);
    }
  });

  it('offers "Ignore this sentence", which removes the diagnostic, also after an edit', async () => {
    const ignore = await quickFix(doc, rangeOf(doc, unacceptable), 'Ignore this sentence');
    if (ignore.edit) await vscode.workspace.applyEdit(ignore.edit);
    if (ignore.command) await vscode.commands.executeCommand(ignore.command.command, ...(ignore.command.arguments ?? []));
    const covers = (d: vscode.Diagnostic) => doc.getText(d.range).includes(unacceptable);
    await diagnosticsWhere(doc.uri, (d) => !d.some(covers), 'the ignored sentence to lose its diagnostic');

    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(doc.lineCount, 0), '\nA sentence added at the end.\n'));
    await diagnosticsWhere(doc.uri, (d) => d.length > 0 && !d.some(covers), 'diagnostics after the edit, still without the ignored sentence');
    await vscode.commands.executeCommand('undo');
  });

  it('teaches from quick fixes into the folder\'s feedback file; refuses an untitled document (issue 12 §3)', async () => {
    const sentence = 'Him herself the likes book reads.';
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri)!;
    const file = vscode.Uri.joinPath(folder.uri, '.vscode', 'cola-bert', 'feedback.tsv');
    const read = async () => new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    await vscode.workspace.fs.delete(file).then(undefined, () => undefined);
    const teach = await quickFix(doc, rangeOf(doc, sentence), 'This sentence is fine (teach cola-bert)');
    assert.equal(teach.command?.command, 'cola-bert.teachSentence');
    await vscode.commands.executeCommand(teach.command.command, ...(teach.command.arguments ?? []));
    assert.equal(await read(), `feedback\t1\t\t${sentence}\n`);
    // What a "Replace with" fix runs once its edit is applied; teaching the same sentence again writes nothing.
    await vscode.commands.executeCommand('cola-bert.teachFromFix', doc.uri, 'Him saw  she.', 'He saw her.');
    await vscode.commands.executeCommand('cola-bert.teachSentence', doc.uri, sentence);
    assert.equal(await read(), `feedback\t1\t\t${sentence}\nfeedback\t0\t*\tHim saw she.\nfeedback\t1\t\tHe saw her.\n`);
    const untitled = await vscode.workspace.openTextDocument({ language: 'markdown', content: 'An untitled note is here.' });
    assert.equal(await vscode.commands.executeCommand('cola-bert.teachSentence', untitled.uri, 'An untitled note is here.'), undefined);
    assert.doesNotMatch(await read(), /untitled/);
    await vscode.workspace.fs.delete(file);
  });

  it('follows configuration changes: a missing model clears diagnostics, the model back restores them', async () => {
    await diagnosticsWhere(doc.uri, (d) => d.length > 0, 'diagnostics before the change');
    await setModelPath(path.join(path.dirname(model), 'no-such-model-folder'));
    await diagnosticsWhere(doc.uri, (d) => d.length === 0, 'diagnostics cleared while the model folder is missing');
    await setModelPath(model);
    await diagnosticsWhere(doc.uri, (d) => d.length > 0, 'diagnostics back with the model restored');
  });

  it('follows the threshold setting: 0 flags nothing, back to the workspace value flags again', async () => {
    // The fixture workspace sets its own threshold, which wins over a user value: change it there.
    const config = () => vscode.workspace.getConfiguration('cola-bert', doc.uri);
    const before = config().inspect<number>('threshold')?.workspaceValue;
    await diagnosticsWhere(doc.uri, (d) => d.length > 0, 'diagnostics before the change');
    await config().update('threshold', 0, vscode.ConfigurationTarget.Workspace);
    try {
      await diagnosticsWhere(doc.uri, (d) => d.length === 0, 'no diagnostics with threshold 0 (P(acceptable) < 0 never holds)');
    } finally {
      await config().update('threshold', before, vscode.ConfigurationTarget.Workspace);
    }
    await diagnosticsWhere(doc.uri, (d) => d.length > 0, 'diagnostics back with the workspace threshold');
  });

  it('"Reload model" opens the folder again, and the int8 and worker settings apply without a window reload', async () => {
    const api = await vscode.extensions.getExtension<ColaBertApi>(EXTENSION_ID)!.activate();
    const service = () => (api.models.state.kind === 'ready' ? api.models.state.service : undefined);
    await until(() => service() !== undefined, 'a loaded model');
    const first = service()!;
    await vscode.commands.executeCommand('cola-bert.reloadModel');
    await until(() => service() !== undefined && service() !== first, 'a new session after "Reload model"');
    assert.equal(first.alive, false, 'the old session is released');
    const config = vscode.workspace.getConfiguration('cola-bert');
    try {
      const int8 = service()!.model.quantized;
      await config.update('preferInt8', !int8, vscode.ConfigurationTarget.Global);
      if (int8) await until(() => service()?.model.quantized === false, 'model.onnx after preferInt8: false');
      await config.update('inferenceWorkers', 1, vscode.ConfigurationTarget.Global);
      await until(() => service()?.parallelism.workers === 1, 'one inference worker after inferenceWorkers: 1');
    } finally {
      await config.update('preferInt8', undefined, vscode.ConfigurationTarget.Global);
      await config.update('inferenceWorkers', undefined, vscode.ConfigurationTarget.Global);
    }
    await diagnosticsWhere(doc.uri, (d) => d.length > 0, 'diagnostics with the settings restored');
  });

  it('"Fine-tune BERT on CoLA" opens the training panel, once', async () => {
    const isPanel = (t: vscode.Tab | undefined) => !!t && t.input instanceof vscode.TabInputWebview && t.label.includes('Fine-tune');
    const panels = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter(isPanel);
    const panelInFront = () => isPanel(vscode.window.tabGroups.activeTabGroup.activeTab);
    await vscode.commands.executeCommand('cola-bert.fineTune');
    await until(() => panels().length > 0, 'the training panel tab');
    for (const invocation of ['second', 'third']) {
      // Tabs reach the extension host asynchronously. With the sample in front, the panel's tab turning
      // active again is the sign this invocation's tab changes (a reveal, or a wrong new panel) arrived.
      await vscode.window.showTextDocument(doc);
      await until(() => !panelInFront(), 'the sample in front of the training panel');
      await vscode.commands.executeCommand('cola-bert.fineTune');
      await until(panelInFront, `the training panel in front after the ${invocation} invocation`);
      assert.equal(panels().length, 1, `the ${invocation} invocation must reveal the panel, not open another`);
    }
  });
});
