// The training panel's entry point: makes the one PanelState and the cards over it (layout.ts, form.ts,
// environment.ts, progress.ts, failure.ts, result.ts, history.ts), then applies each host message to the
// state and renders what it touched. Messages: protocol/panelMessages.ts, validated in host.ts.
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
import { DEFAULT_FORM, type RunSnapshot, type ToWebview } from '../protocol/panelMessages';
import { EnvironmentCard } from './environment';
import { renderFailure } from './failure';
import { TrainingForm } from './form';
import { HistoryTab } from './history';
import { onHostMessage, post, savedForm, saveForm } from './host';
import { buildLayout } from './layout';
import panelCss from './panel.css';
import { addRunEvents, createPanelState, setRunSnapshot, warmupKey } from './panelState';
import { chartData, ProgressCard } from './progress';
import { ResultCard } from './result';

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

const state = createPanelState(savedForm());
const layout = buildLayout(document.getElementById('app')!);
const form: TrainingForm = new TrainingForm(state, layout.formBox, { estimateInputsChanged: () => environment.render(), announce: layout.announce });
const environment = new EnvironmentCard(state, layout.envBox, form);
const progress = new ProgressCard(state, layout.progressBox);
const result = new ResultCard(state, layout.resultBox, { exportReport: () => post({ type: 'exportReport', charts: progress.chartImages() }), announce: layout.announce });
const history = new HistoryTab(state, layout.historyBox, layout.compareBox);

/** The run's cards; the environment and history render on their own messages. */
function renderRun(): void {
  form.renderControls();
  renderFailure(state, layout.failureBox, form);
  progress.render();
  result.render();
  document.body.dataset.outcome = state.run?.outcome ?? 'none';
}

/** Step events arrive many times a second: the run's cards render once per frame at most. */
let renderQueued = false;
function scheduleRenderRun(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderRun();
  });
}

function setRun(snapshot: RunSnapshot | null): void {
  // While a run trains, the (disabled) form shows what it was started with.
  if (snapshot?.outcome === 'running') {
    state.form = { ...snapshot.form };
    form.sync();
    form.renderErrors();
  }
  setRunSnapshot(state, snapshot);
  result.clearPredictions();
}

function receive(msg: ToWebview): void {
  switch (msg.type) {
    case 'init':
      // The host's form is the latest (every edit reaches it) and carries presets such as the no-model prompt's.
      state.form = { ...DEFAULT_FORM, ...msg.form };
      saveForm(state.form);
      form.sync();
      form.renderErrors();
      state.environment = msg.environment;
      setRun(msg.run);
      state.history = msg.history;
      environment.render();
      history.render();
      renderRun();
      break;
    case 'environment':
      state.environment = msg.environment;
      environment.render();
      break;
    case 'runStarted':
      setRun(msg.run);
      layout.announce('Training started.');
      renderRun();
      break;
    case 'runEvents':
      if (!state.run || msg.id !== state.run.id) return;
      addRunEvents(state, msg.events, msg.log);
      scheduleRenderRun();
      break;
    case 'runEnded': {
      const run = state.run;
      if (!run || msg.id !== run.id) return;
      run.outcome = msg.outcome;
      run.failure = msg.failure;
      run.resumable = msg.resumable;
      layout.announce(
        msg.outcome === 'done'
          ? `Training finished. Holdout MCC ${state.runState.holdout?.mcc.toFixed(3) ?? 'unknown'}.`
          : msg.outcome === 'cancelled'
            ? 'Training cancelled.'
            : `Training failed: ${msg.failure?.message ?? ''}`,
      );
      renderRun();
      break;
    }
    case 'history':
      state.history = msg.runs;
      history.forgetMissing();
      history.render();
      break;
    case 'compare':
      history.renderCompare(msg.runs);
      break;
    case 'predictions':
      result.predictions(msg.requestId, msg.results);
      break;
    case 'predictionFailed':
      result.predictionFailed(msg.requestId, msg.message);
      break;
    case 'folderChosen':
      form.setField(msg.field, msg.path);
      break;
    case 'notice':
      layout.announce(msg.message);
      if (msg.level === 'error') layout.showNotice(msg.message);
      break;
    case 'showTab':
      layout.selectTab(msg.tab === 'history' ? 1 : 0);
      break;
    case 'warmup':
      state.warmups.set(warmupKey(msg.model, msg.maxLength), msg);
      environment.render();
      break;
  }
}

onHostMessage(receive);
form.build();
progress.build();
environment.render();
history.render();
renderRun();
post({ type: 'ready' });

// Test and debugging handle: the charts' current data (read-only use).
(window as unknown as { colaBertPanel: unknown }).colaBertPanel = {
  lossData: () => chartData(progress.lossChart),
  evalData: () => chartData(progress.evalChart),
  compareData: () => chartData(history.compareChart),
};
