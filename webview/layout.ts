// The panel's skeleton: title, notice, the Train and Run history tabs and one box per card, plus the
// buttons and the screen-reader announcements every card uses. Cards fill their box; nothing here knows
// what they show.
import { h, replaceChildren, show } from './dom';

export interface Layout {
  envBox: HTMLElement;
  formBox: HTMLElement;
  progressBox: HTMLElement;
  failureBox: HTMLElement;
  resultBox: HTMLElement;
  historyBox: HTMLElement;
  compareBox: HTMLElement;
  /** Switches to the Train (0) or Run history (1) tab. */
  selectTab: (index: 0 | 1) => void;
  /** An error banner until dismissed. */
  showNotice: (text: string) => void;
  /** Read out by screen readers (a polite live region). */
  announce: (text: string) => void;
}

export function button(label: string, onClick: () => void, opts: { secondary?: boolean; id?: string; disabled?: boolean } = {}): HTMLElement {
  const b = h('vscode-button', { id: opts.id, secondary: opts.secondary, disabled: opts.disabled }, label);
  b.addEventListener('click', () => {
    if (!(b as unknown as { disabled: boolean }).disabled) onClick();
  });
  return b;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  (el as unknown as { disabled: boolean }).disabled = disabled;
}

export function buildLayout(app: HTMLElement): Layout {
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
  const noticeBox = h('div', { class: 'notice', role: 'alert', hidden: true, id: 'notice' });
  app.insertBefore(noticeBox, tabs);
  return {
    envBox,
    formBox,
    progressBox,
    failureBox,
    resultBox,
    historyBox,
    compareBox,
    selectTab: (index) => ((tabs as unknown as { selectedIndex: number }).selectedIndex = index),
    showNotice: (text) => {
      replaceChildren(noticeBox, h('span', {}, text), button('Dismiss', () => show(noticeBox, false), { secondary: true }));
      show(noticeBox, true);
    },
    announce: (text) => {
      live.textContent = text;
    },
  };
}
