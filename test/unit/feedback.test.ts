import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyFeedback, FEEDBACK_RELATIVE_PATH, feedbackFile, feedbackRow, FeedbackFileError, recordFeedback } from '../../src/core/feedback';
import { pythonJson } from './helpers/python';

describe('feedback file (src/core/feedback.ts)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cola-feedback-'));
    file = feedbackFile(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lives at .vscode/cola-bert/feedback.tsv of the folder', () => {
    assert.equal(FEEDBACK_RELATIVE_PATH, '.vscode/cola-bert/feedback.tsv');
    assert.equal(file, path.join(dir, '.vscode', 'cola-bert', 'feedback.tsv'));
  });

  it("writes CoLA's four columns: '*' marks an unacceptable sentence, whitespace runs become one space", () => {
    assert.equal(feedbackRow({ sentence: 'It is  fine.', label: 1 }), 'feedback\t1\t\tIt is fine.');
    assert.equal(feedbackRow({ sentence: ' Him\tsaw\nshe. ', label: 0 }), 'feedback\t0\t*\tHim saw she.');
    assert.throws(() => feedbackRow({ sentence: ' \n ', label: 1 }), /empty sentence/);
  });

  it('creates the file and its folders, appends once, and tells what changed', async () => {
    const first = await recordFeedback(file, [{ sentence: 'The cat sat.', label: 1 }]);
    assert.deepEqual(first, { added: [{ sentence: 'The cat sat.', label: 1 }], unchanged: [], relabelled: [] });
    const second = await recordFeedback(file, [
      { sentence: 'The  cat sat.', label: 1 },
      { sentence: 'Cat the sat.', label: 0 },
    ]);
    assert.equal(second.added.length, 1);
    assert.equal(second.unchanged.length, 1);
    assert.equal(readFileSync(file, 'utf8'), 'feedback\t1\t\tThe cat sat.\nfeedback\t0\t*\tCat the sat.\n');
    assert.deepEqual(readdirSync(path.dirname(file)), ['feedback.tsv'], 'no temporary file is left behind');
  });

  it("relabels a sentence the writer changed their mind about, keeping the user's other lines byte for byte", () => {
    const text = 'gj04\t1\t\tA CoLA row of mine.\r\nfeedback\t0\t*\tThe cat sat.\r\nfeedback\t0\t*\tThe cat  sat.\r\nlast\t1\t\tNo newline at the end.';
    const { text: out, change } = applyFeedback(text, file, [{ sentence: 'The cat sat.', label: 1 }, { sentence: 'New one.', label: 1 }]);
    assert.deepEqual(change.relabelled, [{ sentence: 'The cat sat.', label: 1 }]);
    assert.equal(
      out,
      'gj04\t1\t\tA CoLA row of mine.\r\nfeedback\t1\t\tThe cat sat.\r\nfeedback\t1\t\tThe cat sat.\r\nlast\t1\t\tNo newline at the end.\nfeedback\t1\t\tNew one.\n',
    );
  });

  it('leaves a malformed file untouched and names its line', async () => {
    const bad = 'feedback\t1\t\tFine.\nfeedback\tyes\t\tNot a label.\n';
    await recordFeedback(file, [{ sentence: 'Seed.', label: 1 }]);
    writeFileSync(file, bad);
    await assert.rejects(recordFeedback(file, [{ sentence: 'Another.', label: 1 }]), (e: unknown) => {
      assert.ok(e instanceof FeedbackFileError);
      assert.match(e.message, /left unchanged: feedback\.tsv line 2: label must be 0 or 1/);
      return true;
    });
    assert.equal(readFileSync(file, 'utf8'), bad);
  });

  it('serializes concurrent records to one file: none is lost', async () => {
    const sentences = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} is here.`);
    await Promise.all(sentences.map((s) => recordFeedback(file, [{ sentence: s, label: 1 }])));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.deepEqual([...lines].sort(), sentences.map((s) => `feedback\t1\t\t${s}`).sort());
  });

  it("is read by the trainer's own parser (feedback.py) as written", async () => {
    await recordFeedback(file, [
      { sentence: 'Colorless green ideas sleep furiously.', label: 1 },
      { sentence: '“Quoted,” she said — with a dash.', label: 1 },
      { sentence: 'Him saw she.', label: 0 },
    ]);
    await recordFeedback(file, [{ sentence: 'Him saw she.', label: 1 }]);
    assert.ok(existsSync(file));
    const script = 'import json,sys\nfrom pathlib import Path\nfrom cola_trainer.feedback import parse\nrows, notes = parse(Path(sys.argv[1]))\nprint(json.dumps([[e.label, e.sentence] for e in rows]))';
    const rows = pythonJson<[number, string][]>(['-c', script, file]);
    assert.deepEqual(rows, [
      [1, 'Colorless green ideas sleep furiously.'],
      [1, '“Quoted,” she said — with a dash.'],
      [1, 'Him saw she.'],
    ]);
  });
});
