// The card a failed or crashed run shows: the trainer's message, what to do next, the log's last lines.
import { h, replaceChildren, show } from './dom';
import type { TrainingForm } from './form';
import { post } from './host';
import { button } from './layout';
import type { PanelState } from './panelState';

export function renderFailure(state: PanelState, box: HTMLElement, form: TrainingForm): void {
  const { run, log } = state;
  const failed = !!run && (run.outcome === 'error' || run.outcome === 'crashed');
  show(box, failed);
  if (!failed) return;
  const f = run.failure;
  replaceChildren(
    box,
    h('h2', {}, run.outcome === 'crashed' ? 'The trainer crashed' : 'Training failed'),
    h('p', { class: 'error-text', id: 'failure-message' }, f?.message ?? 'The trainer stopped without saying why.'),
    // The trainer's hint names command-line flags; the panel says it with its own field and buttons.
    f?.code === 'offline'
      ? h('div', { id: 'failure-offline' }, h('p', {}, 'Choose a base model that works offline, or a local model folder (Browse… next to Base model), then start again.'), form.offlineModelButtons())
      : f?.hint
        ? h('p', {}, f.hint)
        : null,
    log.length ? h('pre', { class: 'log', tabindex: 0, 'aria-label': 'Last lines of the trainer log' }, log.slice(-30).join('\n')) : null,
    h('div', { class: 'buttons' }, button('Open log', () => post({ type: 'openLog' }), { secondary: true }), run.resumable ? button('Resume', () => post({ type: 'resume' })) : null),
  );
}
