// The Training card while and after a run: progress bar, the run's steps as a checklist, the run's facts,
// the loss and validation charts (with smoothing) and the log tail.
import { describeFetch } from '../protocol/fetchProgress';
import type { RunSnapshot } from '../protocol/panelMessages';
import { epochsText, formatDuration, headRateText, smooth, type RunState } from '../protocol/runState';
import { LineChart } from './charts';
import { h, replaceChildren, show } from './dom';
import { num } from './format';
import type { PanelState } from './panelState';

type StepStatus = 'done' | 'active' | 'pending' | 'stopped';

/**
 * The run's phases as a checklist: the result (and its buttons) appears only once the last one is done, so
 * the export is a visible step rather than a gap after the holdout MCC.
 */
export function runSteps(s: RunState, outcome: RunSnapshot['outcome']): { id: string; label: string; status: StepStatus }[] {
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

/** Plot data as plain arrays (the test handle reads them). */
export function chartData(chart: LineChart | undefined): (number | null)[][] | undefined {
  return chart?.plot.data.map((a) => Array.from(a as ArrayLike<number | null>));
}

export class ProgressCard {
  private readonly progressBar = h('vscode-progress-bar', { 'aria-label': 'Training progress', max: 100, value: 0, id: 'progress-bar' }) as HTMLElement & { value: number; max: number };
  private readonly progressText = h('p', { class: 'progress-text', id: 'progress-text' });
  private readonly runFacts = h('dl', { class: 'facts inline', id: 'run-facts' });
  private readonly stepsList = h('ol', { class: 'run-steps', id: 'run-steps', 'aria-label': 'Steps of the run' });
  private readonly lossHost = h('div', { class: 'chart', id: 'loss-chart' });
  private readonly evalHost = h('div', { class: 'chart', id: 'eval-chart' });
  private readonly smoothBox = h('vscode-checkbox', { id: 'smooth', checked: true }, 'Smooth') as HTMLElement & { checked: boolean };
  private readonly smoothWeight = h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: 0.9, id: 'smooth-weight', 'aria-label': 'Smoothing weight' });
  private readonly logPre = h('pre', { class: 'log', id: 'log-tail', tabindex: 0, 'aria-label': 'Trainer log (last lines)' });
  /** Made when the card first shows (uPlot needs a laid-out host). */
  lossChart: LineChart | undefined;
  evalChart: LineChart | undefined;

  constructor(
    private readonly state: PanelState,
    private readonly box: HTMLElement,
  ) {}

  build(): void {
    replaceChildren(
      this.box,
      h('h2', { id: 'progress-title' }, 'Training'),
      this.progressBar,
      this.progressText,
      this.stepsList,
      this.runFacts,
      h('div', { class: 'chart-tools' }, this.smoothBox, h('label', { for: 'smooth-weight', class: 'muted' }, 'weight'), this.smoothWeight),
      this.lossHost,
      this.evalHost,
      h('vscode-collapsible', { title: 'Log', id: 'log-collapsible' }, this.logPre),
    );
    this.smoothBox.addEventListener('change', () => this.renderCharts());
    this.smoothWeight.addEventListener('input', () => this.renderCharts());
  }

  /** The charts as images, for the exported report. */
  chartImages(): { name: string; dataUrl: string }[] {
    const charts = [];
    if (this.lossChart) charts.push({ name: 'loss', dataUrl: this.lossChart.toPng() });
    if (this.evalChart) charts.push({ name: 'validation', dataUrl: this.evalChart.toPng() });
    return charts;
  }

  private ensureCharts(): void {
    this.lossChart ??= new LineChart(this.lossHost, {
      title: 'Training loss per batch',
      xLabel: 'step',
      yLabel: 'loss',
      xIntegers: true,
      series: [
        { label: 'batch loss', color: 'blue', width: 1, format: (v) => v.toFixed(4) },
        { label: 'smoothed', color: 'orange', width: 2, format: (v) => v.toFixed(4) },
      ],
    });
    this.evalChart ??= new LineChart(this.evalHost, {
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

  private renderCharts(): void {
    if (!this.lossChart || !this.evalChart) return;
    const { runState } = this.state;
    const on = this.smoothBox.checked;
    this.smoothWeight.disabled = !on;
    const raw = runState.losses;
    this.lossChart.plot.series[2].show = on;
    this.lossChart.setData(runState.steps.slice(), [raw.slice(), on ? smooth(raw, Number(this.smoothWeight.value)) : raw.map(() => null)]);
    const epochs = runState.epochs.slice().sort((a, b) => a.epoch - b.epoch);
    this.evalChart.setData(
      epochs.map((r) => r.epoch),
      [epochs.map((r) => r.valAccuracy), epochs.map((r) => r.valMcc)],
    );
  }

  render(): void {
    const { runState: s, run, log } = this.state;
    const visible = !!run && (!!s.started || run.outcome === 'running');
    show(this.box, visible);
    if (!visible) return;
    this.ensureCharts();
    const total = s.lastStep?.totalSteps ?? s.started?.total_steps ?? 1;
    const step = s.lastStep?.step ?? s.started?.start_step ?? 0;
    const pct = Math.min(100, (100 * step) / total);
    this.progressBar.max = 100;
    this.progressBar.value = run.outcome === 'done' ? 100 : pct;
    const parts: string[] = [];
    if (!s.started) parts.push(s.fetch && s.fetch.phase !== 'ready' ? describeFetch(s.fetch) : 'Starting the trainer (loading the model and the data)…');
    else if (run.outcome === 'running') {
      parts.push(`Step ${step} / ${total} (${pct.toFixed(0)} %)`);
      if (s.lastStep) parts.push(`epoch ${s.lastStep.epoch} / ${s.started.epochs}`, `ETA ${formatDuration(s.lastStep.etaS)}`, `${s.lastStep.samplesPerSecond.toFixed(1)} samples/s`);
    } else if (run.outcome === 'done') parts.push(`Finished in ${formatDuration(s.done?.elapsedS ?? s.lastStep?.elapsedS ?? 0)}`);
    else if (run.outcome === 'cancelled') parts.push(`Cancelled at step ${s.cancelled?.step ?? step} of ${total}${s.cancelled?.checkpoint ? ' — the last checkpoint is kept; Resume continues from it' : ' — no checkpoint was written yet'}`);
    else parts.push(`Stopped at step ${step} of ${total}`);
    this.progressText.textContent = parts.join(' · ');
    this.renderSteps(s, run.outcome);
    if (s.started) this.renderFacts(s.started, s.warnings ?? []);
    this.renderCharts();
    this.logPre.textContent = log.join('\n');
    this.logPre.scrollTop = this.logPre.scrollHeight;
  }

  private renderSteps(s: RunState, outcome: RunSnapshot['outcome']): void {
    replaceChildren(
      this.stepsList,
      ...runSteps(s, outcome).map((st) =>
        h('li', { class: `step ${st.status}`, 'data-step': st.id, 'data-status': st.status, 'aria-current': st.status === 'active' ? 'step' : undefined }, h('span', { class: 'mark', 'aria-hidden': 'true' }, STEP_MARK[st.status]), ` ${st.label}`),
      ),
    );
  }

  private renderFacts(st: NonNullable<RunState['started']>, warnings: string[]): void {
    const facts: [string, string][] = [
      ['Model', st.model],
      ['Device', `${st.device_name}${st.world_size > 1 ? ` ×${st.world_size}` : ''}`],
      ['Precision', st.precision],
      ['Data', `${st.train_size} train · ${st.validation_size} validation · ${st.holdout_size} holdout`],
      ['Batch', `${st.batch_size} · lr ${num(st.learning_rate)}${headRateText(st)}`],
    ];
    if (st.parameters) facts.push(['Parameters', `${(st.parameters / 1e6).toFixed(1)} M`]);
    for (const warning of warnings) facts.push(['Warning', warning]);
    replaceChildren(this.runFacts, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  }
}
