// The Result card: the holdout MCC and accuracy, the confusion matrix, the per-epoch table, the
// reliability diagram, what the editor's ONNX file scored, the buttons for the exported model and the
// "try a sentence" box (answered by the host with the editor's own inference settings).
import { degenerateModel } from '../protocol/degenerateModel';
import { formatDuration, type RunState } from '../protocol/runState';
import { h, replaceChildren, show } from './dom';
import { feedbackResult } from './feedbackResult';
import { pct } from './format';
import { post } from './host';
import { button } from './layout';
import type { PanelState } from './panelState';
import { reliabilityFigure } from './reliability';

const REFERENCE = 'The chapter reports a holdout MCC of about 0.52–0.55 for bert-base-uncased (4 epochs, batch 32, lr 2e-5).';

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

function confusionTable(ho: NonNullable<RunState['holdout']>): HTMLElement {
  const c = ho.confusion;
  return h(
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
  );
}

function epochTable(s: RunState): HTMLElement {
  const epochs = s.epochs.slice().sort((a, b) => a.epoch - b.epoch);
  return h(
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
}

export interface ResultEvents {
  /** "Export report": the charts go along as images. */
  exportReport(): void;
  announce(text: string): void;
}

export class ResultCard {
  private readonly predictionsList = h('ul', { class: 'predictions', id: 'predictions', 'aria-live': 'polite' });
  private readonly sentenceBox = h('vscode-textfield', { id: 'sentence', placeholder: 'The sailors rode the breeze clear of the rocks.', 'aria-label': 'Sentence to classify' }) as HTMLElement & { value: string };
  /** Sentences sent to the host for classification, by request id. */
  private readonly pending = new Map<number, string>();
  private nextRequest = 1;

  constructor(
    private readonly state: PanelState,
    private readonly box: HTMLElement,
    private readonly events: ResultEvents,
  ) {
    this.sentenceBox.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.classify();
    });
  }

  render(): void {
    const { runState: s, run } = this.state;
    const visible = !!s.holdout || s.epochs.length > 0;
    show(this.box, visible && !!run);
    if (!visible || !run) return;
    // The holdout result waits for the export: until the model folder is final there is nothing to use.
    const ho = run.outcome === 'running' ? undefined : s.holdout;
    const degenerate = ho ? degenerateModel(ho) : null;
    const exported = !!s.exported && run.outcome === 'done';
    replaceChildren(
      this.box,
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
      h('div', { class: 'result-tables' }, ho ? confusionTable(ho) : null, ho && s.calibration ? reliabilityFigure(s.calibration) : null, epochTable(s)),
      exported
        ? h(
            'div',
            { class: 'buttons' },
            // For a degenerate model the host asks for confirmation first.
            button(degenerate ? 'Use this model anyway…' : 'Use this model for diagnostics', () => post({ type: 'useModel' }), { id: 'use-model', secondary: !!degenerate }),
            button('Open model folder', () => post({ type: 'openModelFolder' }), { secondary: true }),
            button('Export report', () => this.events.exportReport(), { secondary: true, id: 'export' }),
          )
        : null,
      exported
        ? h(
            'div',
            { class: 'try' },
            h('h3', {}, 'Try a sentence'),
            h('div', { class: 'control-row' }, this.sentenceBox, button('Classify', () => this.classify(), { id: 'classify' })),
            this.predictionsList,
          )
        : null,
    );
  }

  private classify(): void {
    const sentence = this.sentenceBox.value.trim();
    if (!sentence) return;
    const requestId = this.nextRequest++;
    this.pending.set(requestId, sentence);
    post({ type: 'predict', requestId, sentence });
  }

  /** The host's answer to a try. */
  predictions(requestId: number, results: readonly { sentence: string; pAcceptable: number; pUnacceptable: number }[]): void {
    this.pending.delete(requestId);
    for (const p of results) this.showPrediction(p.sentence, p.pAcceptable, p.pUnacceptable);
  }

  private showPrediction(sentence: string, pAcceptable: number, pUnacceptable: number): void {
    const ok = pAcceptable >= pUnacceptable;
    const bar = h('span', { class: 'pbar', role: 'img', 'aria-label': `P(acceptable) ${pct(pAcceptable)}` }, h('span', { class: 'pbar-fill' }));
    (bar.firstChild as HTMLElement).style.width = `${(100 * pAcceptable).toFixed(1)}%`;
    this.predictionsList.prepend(
      h(
        'li',
        { class: ok ? 'acceptable' : 'unacceptable' },
        h('span', { class: 'verdict' }, ok ? 'acceptable' : 'unacceptable'),
        h('span', { class: 'probs' }, `P(acceptable) ${pct(pAcceptable)} · P(unacceptable) ${pct(pUnacceptable)}`),
        bar,
        h('span', { class: 'sentence' }, sentence),
      ),
    );
    while (this.predictionsList.children.length > 10) this.predictionsList.lastElementChild!.remove();
    this.events.announce(`${ok ? 'Acceptable' : 'Unacceptable'}, ${pct(ok ? pAcceptable : pUnacceptable)}`);
  }

  predictionFailed(requestId: number, message: string): void {
    this.pending.delete(requestId);
    this.predictionsList.prepend(h('li', { class: 'unacceptable' }, h('span', { class: 'error-text' }, message)));
  }

  /** A new run: the last run's tries no longer apply. */
  clearPredictions(): void {
    this.predictionsList.replaceChildren();
  }
}
