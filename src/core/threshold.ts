// Which flagging threshold applies: one the user set (the `cola-bert.threshold` setting at any level, or
// `check --threshold`) wins; otherwise the one the trainer chose and stored with the model (cola-bert.json
// "calibration"); otherwise 0.5, the argmax of an uncalibrated model.
import { UNCALIBRATED, type Calibration } from './modelFolder';

export type ThresholdSource = 'setting' | 'model' | 'default';

export interface ChosenThreshold {
  value: number;
  source: ThresholdSource;
}

/** `explicit` is undefined when the user set nothing (a setting left at its default counts as unset). */
export function chooseThreshold(explicit: number | undefined, calibration: Calibration): ChosenThreshold {
  if (explicit !== undefined) return { value: explicit, source: 'setting' };
  return { value: calibration.threshold, source: calibration.fitted ? 'model' : 'default' };
}

/** The levels of `WorkspaceConfiguration.inspect()` a user writes to; the declared default is not one of them. */
export interface InspectedSetting {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
  globalLanguageValue?: unknown;
  workspaceLanguageValue?: unknown;
  workspaceFolderLanguageValue?: unknown;
}

/**
 * The threshold the user set, or undefined when they set none at any level: get() returns the declared
 * default for an unset setting, which cannot be told from a 0.5 the user chose. `effective` is get()'s
 * value (it resolves which level wins); an unusable one falls back to the uncalibrated threshold rather than switching flags off.
 */
export function userThreshold(inspected: InspectedSetting | undefined, effective: unknown): number | undefined {
  if (!inspected) return undefined;
  const levels = [inspected.globalValue, inspected.workspaceValue, inspected.workspaceFolderValue, inspected.globalLanguageValue, inspected.workspaceLanguageValue, inspected.workspaceFolderLanguageValue];
  if (levels.every((v) => v === undefined)) return undefined;
  return typeof effective === 'number' && Number.isFinite(effective) ? Math.min(1, Math.max(0, effective)) : UNCALIBRATED.threshold;
}

/** Where the threshold came from, in words for hovers and CLI output. */
export function thresholdSourceText(source: ThresholdSource): string {
  switch (source) {
    case 'setting':
      return 'your setting';
    case 'model':
      return "the model's, from its cola-bert.json";
    case 'default':
      return 'the default; this model has no calibration';
  }
}
