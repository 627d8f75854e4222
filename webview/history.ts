// The Run history tab: past runs with their outcome and holdout MCC, delete, and two runs compared
// (smoothed loss curves overlaid, the metrics side by side).
import type { CompareRun } from '../protocol/panelMessages';
import { formatDuration, smooth } from '../protocol/runState';
import { LineChart } from './charts';
import { h, replaceChildren, show } from './dom';
import { num, pct } from './format';
import { post } from './host';
import { button } from './layout';
import type { PanelState } from './panelState';

function fmt(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : Math.abs(v) < 0.001 ? v.toExponential(2) : v.toFixed(4);
}

export class HistoryTab {
  /** Runs ticked for comparison (at most two, the newest ticks kept). */
  private readonly selected = new Set<string>();
  compareChart: LineChart | undefined;

  constructor(
    private readonly state: PanelState,
    private readonly historyBox: HTMLElement,
    private readonly compareBox: HTMLElement,
  ) {}

  /** After a new history from the host: ticks on runs that are gone are dropped. */
  forgetMissing(): void {
    for (const id of [...this.selected]) if (!this.state.history.some((r) => r.id === id)) this.selected.delete(id);
  }

  render(): void {
    const { history } = this.state;
    if (!history.length) {
      replaceChildren(this.historyBox, h('p', { class: 'muted' }, 'No runs yet. Finished, cancelled and failed runs appear here.'));
      return;
    }
    const compareButton = button('Compare selected', () => {
      const ids = [...this.selected];
      if (ids.length === 2) post({ type: 'compareRuns', ids: [ids[0], ids[1]] });
    }, { id: 'compare', disabled: this.selected.size !== 2 });
    const rows = history.map((r) => {
      const box = h('vscode-checkbox', { 'aria-label': `Select run ${r.id} for comparison`, checked: this.selected.has(r.id) }) as HTMLElement & { checked: boolean };
      box.addEventListener('change', () => {
        if (box.checked) this.selected.add(r.id);
        else this.selected.delete(r.id);
        while (this.selected.size > 2) this.selected.delete(this.selected.values().next().value!);
        this.render();
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
      this.historyBox,
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

  renderCompare(runs: CompareRun[]): void {
    show(this.compareBox, runs.length === 2);
    if (runs.length !== 2) return;
    this.compareChart?.dispose();
    const chartHost = h('div', { class: 'chart', id: 'compare-chart' });
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
    replaceChildren(
      this.compareBox,
      h('h2', { id: 'compare-title' }, 'Compare runs'),
      chartHost,
      h(
        'table',
        { class: 'epochs' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), ...runs.map((r) => h('th', { scope: 'col' }, r.label)))),
        h('tbody', {}, ...keys.map((k) => h('tr', {}, h('th', { scope: 'row' }, k), ...runs.map((r) => h('td', {}, fmt(r.metrics[k])))))),
      ),
    );
    this.compareChart = new LineChart(chartHost, {
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
    this.compareChart.setData(xs, ys);
    this.compareBox.scrollIntoView({ block: 'nearest' });
  }
}
