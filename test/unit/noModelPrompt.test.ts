import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NO_MODEL_MESSAGE, QUICK_START } from '../../src/training/noModelPrompt';
import { DEFAULT_FORM, effectiveLearningRate } from '../../protocol/panelMessages';
import { OFFLINE_MODEL } from '../../protocol/trainArgs';

describe('the no-model prompt (issue 13: it promised minutes while the panel started bert-base-uncased)', () => {
  it('names the small model its Fine-tune button starts the panel with, at that model\'s learning rate', () => {
    assert.equal(QUICK_START.model, OFFLINE_MODEL);
    assert.ok(NO_MODEL_MESSAGE.includes(`the panel opens with the small ${QUICK_START.model}`), NO_MODEL_MESSAGE);
    assert.notEqual(DEFAULT_FORM.model, QUICK_START.model, 'the panel default alone would not keep the promise');
    assert.equal(effectiveLearningRate(Object.assign({ ...DEFAULT_FORM }, { learningRate: 2e-5 }, QUICK_START)), 1e-4);
  });

  it('is what the extension shows, and its Fine-tune passes the quick start', () => {
    const commands = readFileSync(path.join(__dirname, '..', '..', 'src', 'commands.ts'), 'utf8');
    assert.doesNotMatch(commands, /a few minutes with the small default model/);
    assert.match(commands, /NO_MODEL_MESSAGE,\s+FINE_TUNE/);
    assert.match(commands, /run\(this\.log, 'cola-bert\.fineTune', QUICK_START\)/);
  });
});
