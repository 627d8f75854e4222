// The host⇄webview message schema (protocol/panelMessages.ts): what each side accepts and rejects.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkTrainerEvent, type TrainerEvent } from '../../protocol/trainerProtocol';
import { checkToHost, checkToWebview, DEFAULT_FORM, effectiveLearningRate, formOptions, MessageError, toHostTypes, toWebviewTypes, validateForm, type ToHost, type ToWebview } from '../../protocol/panelMessages';
import { trainArgv } from '../../protocol/trainArgs';

const fixture = path.resolve(__dirname, '..', 'fixtures', 'training', 'tiny-run.events.jsonl');
const recorded: TrainerEvent[] = readFileSync(fixture, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as TrainerEvent);

const run = { id: 'run-1', form: DEFAULT_FORM, outcome: 'running' as const, events: recorded.slice(0, 5), log: ['[cola-trainer] hello'], resumable: false };
const entry = {
  id: 'run-1',
  started: '2026-11-26T15:00:00.000Z',
  outcome: 'done' as const,
  model: 'bert-base-uncased',
  device: 'cuda (NVIDIA H100)',
  precision: 'bf16',
  epochs: 4,
  batchSize: 32,
  learningRate: 2e-5,
  seconds: 180,
  holdoutMcc: 0.54,
  holdoutAccuracy: 0.81,
  bestValMcc: 0.57,
  hasModel: true,
};
const png = `data:image/png;base64,${Buffer.from('\x89PNG fake bytes').toString('base64')}`;

/** One valid example per message type; the tests below check that the examples cover every type. */
const validToWebview: ToWebview[] = [
  { type: 'init', form: DEFAULT_FORM, environment: { status: 'checking' }, run: null, history: [] },
  { type: 'init', form: DEFAULT_FORM, environment: { status: 'ready', python: '/usr/bin/python3', torch: '2.13.0', transformers: '5.24', cuda: null, device: { kind: 'cpu', name: 'AMD EPYC' }, cpuThreads: 2, bf16Cpu: true, hub: { reachable: false, defaultModel: 'bert-base-uncased', defaultModelCached: false } }, run, history: [{ ...entry, cpuSamplesPerSecond: 110.5 }] },
  { type: 'environment', environment: { status: 'missing', message: 'no torch', trusted: false, setup: { message: 'Installing torch', percent: 10 } } },
  { type: 'runStarted', run },
  { type: 'runEvents', id: 'run-1', events: recorded, log: ['a', 'b'] },
  { type: 'runEnded', id: 'run-1', outcome: 'crashed', failure: { message: 'exit code 1' }, resumable: true },
  { type: 'history', runs: [entry] },
  { type: 'compare', runs: [{ id: 'a', label: 'A', loss: [[1, 0.7], [2, 0.6]], metrics: { 'Holdout MCC': 0.5, Device: 'cpu', Precision: null } }] },
  { type: 'predictions', requestId: 3, results: [{ sentence: 'The cat sat.', pAcceptable: 0.9, pUnacceptable: 0.1 }] },
  { type: 'predictionFailed', requestId: 3, message: 'no model' },
  { type: 'folderChosen', field: 'dataset', path: '/data/cola' },
  { type: 'notice', level: 'error', message: 'boom' },
  { type: 'showTab', tab: 'history' },
  { type: 'warmup', model: 'all-minilm-l6-v2', maxLength: 128, state: 'measured', samplesPerSecond: 66.2 },
];

const validToHost: ToHost[] = [
  { type: 'ready' },
  { type: 'start', form: { ...DEFAULT_FORM, model: 'all-minilm-l6-v2' } },
  { type: 'formChanged', form: { ...DEFAULT_FORM, maxTrain: 500 } },
  { type: 'cancel' },
  { type: 'resume' },
  { type: 'checkEnvironment' },
  { type: 'setupEnvironment' },
  { type: 'chooseInterpreter' },
  { type: 'chooseFolder', field: 'model' },
  { type: 'useModel' },
  { type: 'openModelFolder' },
  { type: 'openLog' },
  { type: 'exportReport', charts: [{ name: 'loss', dataUrl: png }] },
  { type: 'predict', requestId: 1, sentence: 'Who do you think that left?' },
  { type: 'compareRuns', ids: ['run-1', 'run-2'] },
  { type: 'deleteRun', id: 'run-1' },
];

describe('panel messages (protocol/panelMessages.ts)', () => {
  it('has a valid example for every message type, both directions', () => {
    assert.deepEqual(new Set(validToWebview.map((m) => m.type)), new Set(toWebviewTypes));
    assert.deepEqual(new Set(validToHost.map((m) => m.type)), new Set(toHostTypes));
  });

  it('accepts every valid message after a JSON round trip (what postMessage does)', () => {
    for (const m of validToWebview) assert.deepEqual(checkToWebview(JSON.parse(JSON.stringify(m))), m);
    for (const m of validToHost) assert.deepEqual(checkToHost(JSON.parse(JSON.stringify(m))), m);
  });

  it('the recorded event stream is real protocol: each event passes the JSON Schema validator too', () => {
    assert.ok(recorded.length > 50, `fixture has ${recorded.length} events`);
    for (const e of recorded) checkTrainerEvent(e);
    assert.deepEqual(
      [...new Set(recorded.map((e) => e.event))].sort(),
      ['checkpoint', 'done', 'environment', 'evaluation', 'exported', 'holdout', 'started', 'step'],
    );
  });

  const rejects = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => e instanceof MessageError && pattern.test(e.message));

  it('rejects non-objects, unknown types and messages meant for the other side', () => {
    rejects(() => checkToHost(null), /must be an object/);
    rejects(() => checkToHost('start'), /must be an object/);
    rejects(() => checkToHost({ type: 'runShell', command: 'rm -rf /' }), /unknown webview→host message type "runShell"/);
    rejects(() => checkToWebview({ type: 'start', form: DEFAULT_FORM }), /unknown host→webview message type "start"/);
    rejects(() => checkToHost({ type: 'init', form: DEFAULT_FORM, environment: { status: 'ready' }, run: null, history: [] }), /unknown/);
    rejects(() => checkToHost({}), /unknown webview→host message type undefined/);
  });

  it('rejects missing, extra and mistyped fields with the path of the problem', () => {
    rejects(() => checkToHost({ type: 'start' }), /start\.form is missing/);
    rejects(() => checkToHost({ type: 'cancel', force: true }), /unexpected property 'force'/);
    rejects(() => checkToHost({ type: 'start', form: { ...DEFAULT_FORM, epochs: '4' } }), /start\.form\.epochs must be a finite number/);
    rejects(() => checkToHost({ type: 'start', form: { ...DEFAULT_FORM, device: 'tpu' } }), /start\.form\.device must be one of "auto", "cpu", "cuda"/);
    rejects(() => checkToHost({ type: 'start', form: { ...DEFAULT_FORM, learningRate: 'fast' } }), /learningRate must be a finite number/);
    rejects(() => checkToHost({ type: 'predict', requestId: 1.5, sentence: 'x' }), /requestId must be an integer/);
    rejects(() => checkToHost({ type: 'predict', requestId: 1, sentence: 'x'.repeat(2001) }), /longer than 2000/);
    rejects(() => checkToHost({ type: 'compareRuns', ids: ['a'] }), /ids must be an array of 2 items/);
    rejects(() => checkToWebview({ type: 'runEnded', id: 'r', outcome: 'running', resumable: false }), /outcome must be one of/);
    rejects(() => checkToWebview({ type: 'warmup', model: 'm', maxLength: 128, state: 'done' }), /state must be one of/);
    rejects(() => checkToWebview({ type: 'predictions', requestId: 1, results: [{ sentence: 's', pAcceptable: Number.NaN, pUnacceptable: 0 }] }), /pAcceptable must be a finite number/);
    rejects(() => checkToWebview({ type: 'folderChosen', field: 'home', path: '/' }), /field must be one of "model", "dataset"/);
  });

  it('rejects chart exports that are not base64 PNG/SVG or whose names could be paths', () => {
    rejects(() => checkToHost({ type: 'exportReport', charts: [{ name: '../../.bashrc', dataUrl: png }] }), /may hold only letters/);
    rejects(() => checkToHost({ type: 'exportReport', charts: [{ name: 'loss', dataUrl: 'data:text/html;base64,PGgxPg==' }] }), /base64 PNG or SVG/);
    rejects(() => checkToHost({ type: 'exportReport', charts: [{ name: 'loss', dataUrl: 'https://example.com/x.png' }] }), /base64 PNG or SVG/);
    rejects(() => checkToHost({ type: 'exportReport', charts: Array.from({ length: 9 }, () => ({ name: 'x', dataUrl: png })) }), /more than 8 items/);
  });

  it('rejects trainer events in a batch that are not protocol events', () => {
    const step = recorded.find((e) => e.event === 'step')!;
    rejects(() => checkToWebview({ type: 'runEvents', id: 'r', events: [{ ...step, event: 'explode' }], log: [] }), /is not a trainer event/);
    rejects(() => checkToWebview({ type: 'runEvents', id: 'r', events: [{ ...step, v: 2 }], log: [] }), /\.v must be 1/);
    rejects(() => checkToWebview({ type: 'runEvents', id: 'r', events: [{ ...step, loss: 'NaN' }], log: [] }), /loss must be a finite number/);
    const holdout = recorded.find((e) => e.event === 'holdout')!;
    rejects(() => checkToWebview({ type: 'runEvents', id: 'r', events: [{ ...holdout, confusion: { tp: 1, tn: 1, fp: 1 } }], log: [] }), /confusion\.fn is missing/);
  });
});

describe('form validation (validateForm)', () => {
  it('accepts the chapter defaults', () => {
    assert.deepEqual(validateForm(DEFAULT_FORM), {});
    assert.deepEqual(DEFAULT_FORM, { model: 'bert-base-uncased', dataset: '', epochs: 4, batchSize: 32, learningRate: null, warmupRatio: 0.1, maxLength: 128, seed: 42, device: 'auto', maxTrain: null, feedback: '', feedbackWeight: 10 });
  });

  it('leaves the learning rate to the trainer, which picks 1e-4 for all-minilm-l6-v2 (issue 13: the panel sent 2e-5)', () => {
    const minilm = { ...DEFAULT_FORM, model: 'all-minilm-l6-v2' };
    assert.ok(!trainArgv(formOptions(minilm)).includes('--learning-rate'), trainArgv(formOptions(minilm)).join(' '));
    assert.equal(effectiveLearningRate(minilm), 1e-4);
    assert.equal(effectiveLearningRate(DEFAULT_FORM), 2e-5);
    assert.equal(effectiveLearningRate({ ...minilm, learningRate: 3e-5 }), 3e-5);
    const chosen = trainArgv(formOptions({ ...minilm, learningRate: 3e-5 }));
    assert.equal(chosen[chosen.indexOf('--learning-rate') + 1], '0.00003');
  });

  it('bounds the seed as the trainer does, [0, 2**32) (issue 13: the panel stopped at 2**31 - 1)', () => {
    assert.deepEqual(validateForm({ ...DEFAULT_FORM, seed: 2 ** 31 }), {});
    assert.deepEqual(validateForm({ ...DEFAULT_FORM, seed: 2 ** 32 - 1 }), {});
    assert.equal(validateForm({ ...DEFAULT_FORM, seed: 2 ** 32 }).seed, 'Seed must be between 0 and 4294967295.');
    assert.equal(validateForm({ ...DEFAULT_FORM, seed: -1 }).seed, 'Seed must be between 0 and 4294967295.');
  });

  it('explains each invalid value', () => {
    const errors = validateForm({ ...DEFAULT_FORM, model: ' ', epochs: 0, batchSize: 2.5, learningRate: 0.5, warmupRatio: 1, maxLength: 1024, seed: Number.NaN });
    assert.match(errors.model!, /model id.*all-minilm-l6-v2.*folder/);
    assert.match(errors.epochs!, /between 1 and 100/);
    assert.match(errors.batchSize!, /whole number/);
    assert.match(errors.learningRate!, /2e-5/);
    assert.match(errors.warmupRatio!, /below 1/);
    assert.match(errors.maxLength!, /between 8 and 512/);
    assert.match(errors.seed!, /whole number/);
    assert.equal(errors.device, undefined);
    assert.match(validateForm({ ...DEFAULT_FORM, model: 'bert base' }).model!, /no spaces/);
    assert.deepEqual(validateForm({ ...DEFAULT_FORM, model: '/home/me/My Models/bert' }), {});
    assert.match(validateForm({ ...DEFAULT_FORM, learningRate: -1 }).learningRate!, /positive/);
  });

  it('trains on a subset from the form (issue 16 item 7): Training sentences becomes --max-train, bounded as the trainer bounds it', () => {
    assert.deepEqual(validateForm({ ...DEFAULT_FORM, maxTrain: 500 }), {});
    const argv = trainArgv(formOptions({ ...DEFAULT_FORM, maxTrain: 500 }));
    assert.equal(argv[argv.indexOf('--max-train') + 1], '500');
    assert.ok(!trainArgv(formOptions(DEFAULT_FORM)).includes('--max-train'), 'empty: every sentence');
    assert.equal(validateForm({ ...DEFAULT_FORM, maxTrain: 0 }).maxTrain, 'Training sentences must be at least 1. Leave it empty to train on every sentence.');
    assert.match(validateForm({ ...DEFAULT_FORM, maxTrain: 12.5 }).maxTrain!, /whole number/);
    assert.throws(() => checkToHost({ type: 'start', form: { ...DEFAULT_FORM, maxTrain: '500' } }), /start\.form\.maxTrain must be a finite number/);
  });
});
