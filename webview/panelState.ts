// Everything the panel knows, in one object that main.ts creates and hands to each part: the form as
// typed, the environment, the run (snapshot, what its events add up to, its log tail) and the history.
// Parts read it and replace its fields; main.ts decides what to render after a message.
import { DEFAULT_FORM, type EnvironmentView, type HistoryEntry, type RunSnapshot, type TrainForm, type WarmupMessage } from '../protocol/panelMessages';
import { applyEvents, emptyRunState, type RunState } from '../protocol/runState';

/** Lines of the trainer's log the panel keeps. */
export const LOG_LINES = 200;

export interface PanelState {
  form: TrainForm;
  environment: EnvironmentView;
  run: RunSnapshot | null;
  /** What the run's events add up to (charts, result, steps). */
  runState: RunState;
  log: string[];
  history: HistoryEntry[];
  /** The host's warm-ups of this session (`cola_trainer warmup`), by warmupKey(model as typed, max length). */
  warmups: Map<string, WarmupMessage>;
}

export const warmupKey = (model: string, maxLength: number): string => JSON.stringify([model, maxLength]);

export function createPanelState(savedForm: Partial<TrainForm>): PanelState {
  return { form: { ...DEFAULT_FORM, ...savedForm }, environment: { status: 'checking' }, run: null, runState: emptyRunState(), log: [], history: [], warmups: new Map() };
}

/** Takes a run snapshot (or none) and recomputes what its events add up to. */
export function setRunSnapshot(state: PanelState, snapshot: RunSnapshot | null): void {
  state.run = snapshot;
  state.runState = applyEvents(emptyRunState(), snapshot?.events ?? []);
  state.log = (snapshot?.log ?? []).slice(-LOG_LINES);
}

/** Adds a batch of the running run's events and log lines. */
export function addRunEvents(state: PanelState, events: RunSnapshot['events'], log: string[]): void {
  state.run?.events.push(...events);
  applyEvents(state.runState, events);
  state.log.push(...log);
  if (state.log.length > LOG_LINES) state.log.splice(0, state.log.length - LOG_LINES);
}
