import assert from 'node:assert/strict';
import {
  checkTrainerEvent,
  encodeCommand,
  parseTrainerLine,
  ProtocolError,
  protocolSchema,
  trainerEventNames,
  type CancelledEvent,
  type CheckpointEvent,
  type Confusion,
  type DoneEvent,
  type EnvironmentDevice,
  type EnvironmentEvent,
  type ErrorEvent,
  type WarningEvent,
  type WarmupEvent,
  type EvaluationEvent,
  type ExportedEvent,
  type FeedbackAccuracy,
  type FeedbackReport,
  type FileHoldout,
  type FetchEvent,
  type HoldoutEvent,
  type StartedEvent,
  type Calibration,
  type ProseBlock,
  type QualityEvent,
  type StepEvent,
  type TrainerCommand,
  type TrainerErrorCode,
  type TrainerEvent,
} from '../../protocol/trainerProtocol';

// Type-level key lists: the compiler forces each spec to name exactly the type's required and optional
// keys (a missing or extra key is a type error), and the tests compare them with the schema.
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type OptionalKeys<T> = Exclude<keyof T, RequiredKeys<T>>;
interface KeySpec<T> {
  required: Record<RequiredKeys<T>, true>;
  optional: Record<OptionalKeys<T>, true>;
}

const specs: Record<string, KeySpec<unknown> & { sample?: unknown }> = {};
function spec<T>(definition: string, s: KeySpec<T>, sample: T): void {
  specs[definition] = { ...(s as KeySpec<unknown>), sample };
}

const confusion: Confusion = { tp: 3, tn: 2, fp: 1, fn: 0 };
spec<Confusion>('confusion', { required: { tp: true, tn: true, fp: true, fn: true }, optional: {} }, confusion);
spec<EnvironmentDevice>('environment.devices', { required: { kind: true, name: true }, optional: { index: true, memory_bytes: true } }, { kind: 'cuda', index: 0, name: 'H100', memory_bytes: 80e9 });
spec<EnvironmentEvent>(
  'environment',
  {
    required: { event: true, v: true, python: true, torch: true, transformers: true, cuda: true, devices: true, bf16_cpu: true },
    optional: { onnx: true, onnxruntime: true, cpu_threads: true, hub: true },
  },
  { event: 'environment', v: 1, python: '3.11.7', torch: '2.13.0', transformers: '5.24.0', onnx: null, onnxruntime: '1.32.0', cuda: null, bf16_cpu: false, cpu_threads: 2, devices: [{ kind: 'cpu', name: 'x' }] },
);
spec<StartedEvent>(
  'started',
  {
    required: {
      event: true, v: true, run_id: true, model: true, device: true, device_name: true, precision: true, world_size: true, train_size: true,
      validation_size: true, holdout_size: true, epochs: true, batch_size: true, learning_rate: true, steps_per_epoch: true, total_steps: true,
      start_step: true, seed: true, output_dir: true,
    },
    optional: { model_resolved: true, parameters: true, head_lr_scale: true, warmup_steps: true, max_length: true },
  },
  {
    event: 'started', v: 1, run_id: 'r', model: 'all-minilm-l6-v2', model_resolved: '/m', parameters: 22_000_000, device: 'cpu', device_name: 'AMD EPYC',
    precision: 'bf16', world_size: 1, train_size: 7696, validation_size: 855, holdout_size: 516, epochs: 4, batch_size: 32, learning_rate: 2e-5,
    head_lr_scale: 1, warmup_steps: 96, max_length: 128, steps_per_epoch: 241, total_steps: 964, start_step: 0, seed: 42, output_dir: '/out',
  },
);
spec<StepEvent>(
  'step',
  {
    required: { event: true, v: true, epoch: true, step: true, total_steps: true, loss: true, lr: true, samples_per_second: true, elapsed_s: true, eta_s: true },
    optional: { grad_norm: true },
  },
  { event: 'step', v: 1, epoch: 1, step: 5, total_steps: 964, loss: 0.69, lr: 1e-6, grad_norm: 3.2, samples_per_second: 400, elapsed_s: 1.2, eta_s: 200 },
);
spec<EvaluationEvent>(
  'evaluation',
  {
    required: { event: true, v: true, epoch: true, step: true, train_loss: true, val_loss: true, val_accuracy: true, val_mcc: true, best: true, elapsed_s: true },
    optional: { confusion: true, epoch_seconds: true, prose_val_mcc: true, prose_val_clean_flagged: true },
  },
  { event: 'evaluation', v: 1, epoch: 1, step: 241, train_loss: 0.6, val_loss: 0.5, val_accuracy: 0.8, val_mcc: 0.4, confusion, best: true, prose_val_mcc: 0.3, prose_val_clean_flagged: 0.05, epoch_seconds: 60, elapsed_s: 61 },
);
const calibration: Calibration = { temperature: 1.3, bias: -0.4, threshold: 0.42, method: 'affine', fitted_on: 'CoLA validation', max_false_alarm: 0.03, ece_before: 0.08, ece_after: 0.02 };
spec<Calibration>(
  'calibration',
  { required: { temperature: true, bias: true, threshold: true, method: true, fitted_on: true, max_false_alarm: true, ece_before: true, ece_after: true }, optional: { scored_in: true, knots: true, cross_fitted: true } },
  calibration,
);
const proseBlock: ProseBlock = { n_clean: 100, n_corrupted: 100, clean_flagged: 0.03, corrupted_flagged: 0.6, mcc: 0.62, ece: 0.04 };
spec<ProseBlock>('proseBlock', { required: { n_clean: true, n_corrupted: true, clean_flagged: true, corrupted_flagged: true, mcc: true, ece: true }, optional: {} }, proseBlock);
spec<QualityEvent>(
  'quality',
  {
    required: { event: true, v: true, calibration: true, data_mix: true, threshold: true, temperature: true, prose_test: true, cola_holdout: true },
    optional: { prose_corpus_sha256: true, feedback: true },
  },
  {
    event: 'quality', v: 1, calibration, data_mix: 'cola+prose', threshold: 0.42, temperature: 1.3, prose_corpus_sha256: 'ab',
    prose_test: { ...proseBlock, ece_uncalibrated: 0.07, per_type: { a_an: { n: 10, detected: 0.9, mcc: 0.8 } }, per_source: { peps: proseBlock } },
    cola_holdout: { n: 516, mcc: 0.3, accuracy: 0.7, confusion, ece: 0.05, mcc_at_0_5: 0.3, reliability: [{ lo: 0.1, hi: 0.2, n: 40, mean_p: 0.16, observed: 0.2 }] },
  },
);
const feedbackAfter: FeedbackAccuracy = { n: 3, correct: 3, accuracy: 1, threshold: 0.5, temperature: 1.2, bias: 0 };
spec<FeedbackAccuracy>(
  'feedbackAccuracy',
  { required: { n: true, correct: true, accuracy: true, threshold: true, temperature: true, bias: true }, optional: { model: true, chosen_by: true } },
  { ...feedbackAfter, model: '/models/previous', chosen_by: '--feedback-baseline' },
);
spec<FeedbackReport>(
  'feedbackReport',
  {
    required: { file: true, sha256: true, n: true, acceptable: true, unacceptable: true, weight: true, training_rows: true, before: true, after: true, still_wrong: true },
    optional: { before_unavailable: true },
  },
  {
    file: '/w/.vscode/cola-bert/feedback.tsv', sha256: 'a'.repeat(64), n: 3, acceptable: 2, unacceptable: 1, weight: 10, training_rows: 30,
    before: null, before_unavailable: 'no previous model', after: feedbackAfter, still_wrong: [{ sentence: 'Him saw she.', label: 0 }],
  },
);
spec<FetchEvent>(
  'fetch',
  { required: { event: true, v: true, model: true, phase: true }, optional: { done_bytes: true, total_bytes: true, path: true, cached: true, elapsed_s: true } },
  { event: 'fetch', v: 1, model: 'all-mpnet-base-v2', phase: 'ready', done_bytes: 1, total_bytes: 2, path: '/cache/all-mpnet-base-v2', cached: false, elapsed_s: 31.5 },
);
spec<WarmupEvent>(
  'warmup',
  {
    required: { event: true, v: true, model: true, device: true, precision: true, threads: true, batch_size: true, max_length: true, steps: true, seconds: true, samples_per_second: true },
    optional: { mean_tokens: true, sentences: true, parameters: true },
  },
  { event: 'warmup', v: 1, model: 'all-minilm-l6-v2', device: 'cpu', precision: 'bf16', threads: 2, batch_size: 32, max_length: 128, steps: 3, mean_tokens: 11.2, sentences: 'cola', parameters: 22_713_986, seconds: 1.5, samples_per_second: 64 },
);
spec<CheckpointEvent>('checkpoint', { required: { event: true, v: true, epoch: true, step: true, path: true }, optional: {} }, { event: 'checkpoint', v: 1, epoch: 1, step: 241, path: '/out.checkpoint' });
spec<HoldoutEvent>(
  'holdout',
  { required: { event: true, v: true, n: true, mcc: true, accuracy: true, confusion: true }, optional: { loss: true, best_epoch: true } },
  { event: 'holdout', v: 1, n: 516, mcc: 0.45, accuracy: 0.8, loss: 0.5, best_epoch: 3, confusion },
);
const fileHoldout: FileHoldout = { n: 516, mcc: 0.26, accuracy: 0.7, confusion, threshold: 0.41, temperature: 1.3, bias: 0, batch_size: 1, argmax: { mcc: 0.27, confusion } };
spec<FileHoldout>(
  'fileHoldout',
  { required: { n: true, mcc: true, accuracy: true, confusion: true, threshold: true, temperature: true, bias: true, batch_size: true, argmax: true }, optional: {} },
  fileHoldout,
);
spec<ExportedEvent>(
  'exported',
  { required: { event: true, v: true, path: true, onnx: true }, optional: { onnx_int8: true, files: true, holdout_by_file: true, seconds: true } },
  { event: 'exported', v: 1, path: '/out', onnx: 'model.onnx', onnx_int8: null, files: ['model.onnx'], holdout_by_file: { 'model.onnx': fileHoldout }, seconds: 3 },
);
spec<DoneEvent>(
  'done',
  { required: { event: true, v: true, output_dir: true, elapsed_s: true }, optional: { holdout_mcc: true } },
  { event: 'done', v: 1, output_dir: '/out', holdout_mcc: null, elapsed_s: 100 },
);
spec<CancelledEvent>('cancelled', { required: { event: true, v: true, step: true, checkpoint: true }, optional: {} }, { event: 'cancelled', v: 1, step: 0, checkpoint: null });
spec<ErrorEvent>(
  'error',
  { required: { event: true, v: true, code: true, message: true }, optional: { hint: true, file: true, line: true } },
  { event: 'error', v: 1, code: 'data_malformed', message: 'bad row', hint: 'fix it', file: 'x.tsv', line: 3 },
);
spec<WarningEvent>(
  'warning',
  { required: { event: true, v: true, code: true, message: true }, optional: {} },
  { event: 'warning', v: 1, code: 'single_class', message: 'every training row (40) is labelled acceptable: …' },
);
spec<TrainerCommand>('command', { required: { command: true }, optional: {} }, { command: 'cancel' });

interface SchemaObject {
  required?: string[];
  properties?: Record<string, SchemaObject & { enum?: unknown[]; const?: unknown; items?: SchemaObject }>;
  enum?: unknown[];
}
const definitions = protocolSchema.definitions as unknown as Record<string, SchemaObject>;
function definition(name: string): SchemaObject {
  const [head, ...path] = name.split('.');
  let d: SchemaObject = definitions[head];
  for (const p of path) d = d.properties![p].items ?? d.properties![p];
  return d;
}

describe('trainerProtocol', () => {
  describe('the TypeScript types match protocol.schema.json', () => {
    for (const [name, s] of Object.entries(specs)) {
      it(`${name}: same required and optional keys`, () => {
        const d = definition(name);
        assert.deepEqual(Object.keys(s.required).sort(), [...(d.required ?? [])].sort(), 'required keys');
        const optional = Object.keys(d.properties ?? {}).filter((k) => !(d.required ?? []).includes(k));
        assert.deepEqual(Object.keys(s.optional).sort(), optional.sort(), 'optional keys');
      });
    }

    it('every event definition in the schema has a type', () => {
      const events = Object.entries(definitions)
        .filter(([, d]) => (d.properties?.event as { const?: string } | undefined)?.const)
        .map(([n]) => n);
      assert.deepEqual(events.sort(), Object.keys(specs).filter((k) => definitions[k]?.properties?.event).sort());
      assert.deepEqual([...trainerEventNames].sort(), events.sort());
    });

    it('enums agree: error codes, devices, precision', () => {
      const codes: Record<TrainerErrorCode, true> = {
        bad_arguments: true, data_missing: true, data_malformed: true, model_unavailable: true, offline: true, device_unavailable: true,
        out_of_memory: true, checkpoint_invalid: true, export_failed: true, dependency_missing: true, disk_full: true, internal: true,
      };
      assert.deepEqual(Object.keys(codes).sort(), [...(definitions.error.properties!.code.enum as string[])].sort());
      const devices: Record<StartedEvent['device'], true> = { cuda: true, cpu: true, mps: true };
      assert.deepEqual(Object.keys(devices).sort(), [...(definitions.started.properties!.device.enum as string[])].sort());
      const precisions: Record<StartedEvent['precision'], true> = { fp32: true, bf16: true, fp16: true };
      assert.deepEqual(Object.keys(precisions).sort(), [...(definitions.started.properties!.precision.enum as string[])].sort());
    });

    for (const [name, s] of Object.entries(specs)) {
      if (!definitions[name]?.properties?.event) continue;
      it(`a full ${name} object typed as the TS type validates`, () => {
        const e = parseTrainerLine(JSON.stringify(s.sample));
        assert.deepEqual(e, s.sample);
      });
    }
  });

  describe('parseTrainerLine', () => {
    const bad = (line: string, pattern: RegExp) => {
      assert.throws(
        () => parseTrainerLine(line),
        (e: unknown) => e instanceof ProtocolError && pattern.test(e.message) && e.line === line,
      );
    };
    it('rejects a line that is not JSON', () => bad('Epoch 1: loss 0.5', /not JSON/));
    it('rejects NaN, which Python json.dumps writes by default', () => bad('{"event":"step","v":1,"loss":NaN}', /not JSON/));
    it('rejects non-objects', () => bad('[1,2]', /must be a JSON object/));
    it('rejects a missing event field', () => bad('{"v":1}', /no "event" field/));
    it('rejects unknown events, naming the known ones', () => bad('{"event":"epoch","v":1}', /unknown trainer event "epoch".*started/));
    it('names a missing required property', () => bad('{"event":"done","v":1,"output_dir":"/x"}', /invalid "done" event: .*elapsed_s/));
    it('names an unexpected property', () => bad('{"event":"done","v":1,"output_dir":"/x","elapsed_s":1,"extra":2}', /unexpected property 'extra'/));
    it('names the path of a wrong type', () => bad('{"event":"holdout","v":1,"n":5,"mcc":0.1,"accuracy":0.5,"confusion":{"tp":"1","tn":0,"fp":0,"fn":0}}', /\/confusion\/tp: must be integer/));
    it('lists allowed enum values', () => bad('{"event":"error","v":1,"code":"oops","message":"m"}', /\/code: .*bad_arguments/));
    it('rejects another protocol version', () => bad('{"event":"cancelled","v":2,"step":1,"checkpoint":null}', /\/v: must be equal to constant/));
    it('rejects out-of-range MCC', () => bad('{"event":"done","v":1,"output_dir":"/x","elapsed_s":1,"holdout_mcc":1.5}', /holdout_mcc/));
    it('checkTrainerEvent validates parsed values too', () => {
      assert.throws(() => checkTrainerEvent({ event: 'step', v: 1 }), ProtocolError);
      const ok: TrainerEvent = checkTrainerEvent({ event: 'cancelled', v: 1, step: 3, checkpoint: '/c' });
      assert.equal(ok.event, 'cancelled');
    });
  });

  it('encodeCommand writes a validated line', () => {
    assert.equal(encodeCommand({ command: 'cancel' }), '{"command":"cancel"}\n');
    assert.throws(() => encodeCommand({ command: 'stop' } as unknown as TrainerCommand), /invalid trainer command/);
  });
});
