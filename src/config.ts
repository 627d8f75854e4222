// The editor settings of cola-bert (package.json `contributes.configuration` documents each one).
// Reading goes through here so defaults, bounds and Workspace Trust live in one place.
import * as vscode from 'vscode';
import { DEFAULT_CHECK_OPTIONS } from './core/documentChecker';
import { effectiveModelPath } from './core/modelLocation';
import { userThreshold } from './core/threshold';

export const SECTION = 'cola-bert';

export type SeverityName = 'error' | 'warning' | 'information' | 'hint';

export interface EditorConfig {
  languages: string[];
  /** The user's flagging threshold, or undefined when they set none (the model's then applies: core/threshold.ts). */
  threshold: number | undefined;
  severity: vscode.DiagnosticSeverity;
  /** "words": narrow a diagnostic to its suspect words when one place clearly stands out. */
  diagnosticRange: 'sentence' | 'words';
  throttleMs: number;
  maxSentencesPerPass: number;
  maxLineLength: number;
  minWords: number;
  checkHeadings: boolean;
  checkTables: boolean;
  preferInt8: boolean;
  /** 0 = automatic. */
  inferenceThreads: number;
  /** 0 = automatic. */
  inferenceWorkers: number;
}

const SEVERITIES: Record<SeverityName, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

function clamp(n: unknown, lo: number, hi: number, fallback: number): number {
  return typeof n === 'number' && Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : fallback;
}

/** Settings for one document (threshold and severity may differ per folder or language). */
export function readConfig(scope?: vscode.ConfigurationScope): EditorConfig {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const languages = c.get<unknown>('languages');
  return {
    languages: Array.isArray(languages) ? languages.filter((l): l is string => typeof l === 'string') : ['markdown', 'plaintext'],
    threshold: userThreshold(c.inspect<unknown>('threshold'), c.get('threshold')),
    severity: SEVERITIES[c.get<SeverityName>('severity') ?? 'information'] ?? vscode.DiagnosticSeverity.Information,
    diagnosticRange: c.get<unknown>('diagnosticRange') === 'words' ? 'words' : 'sentence',
    throttleMs: clamp(c.get('throttleMs'), 0, 10_000, 400),
    maxSentencesPerPass: Math.round(clamp(c.get('maxSentencesPerPass'), 1, 1_000_000, 500)),
    maxLineLength: Math.round(clamp(c.get('maxLineLength'), 100, 10_000_000, DEFAULT_CHECK_OPTIONS.maxLineLength)),
    minWords: Math.round(clamp(c.get('minWords'), 0, 100, DEFAULT_CHECK_OPTIONS.minWords)),
    checkHeadings: c.get<boolean>('checkHeadings') ?? false,
    checkTables: c.get<boolean>('checkTables') ?? false,
    preferInt8: c.get<boolean>('preferInt8') ?? true,
    inferenceThreads: Math.round(clamp(c.get('inferenceThreads'), 0, 64, 0)),
    inferenceWorkers: Math.round(clamp(c.get('inferenceWorkers'), 0, 16, 0)),
  };
}

export function modelPathSetting(): { value: string; ignoredWorkspaceValue?: string } {
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<string>('modelPath');
  return effectiveModelPath(inspected, vscode.workspace.isTrusted);
}

/** Writes the model folder where it takes effect: the workspace when a trusted workspace value wins, else the user settings. */
export async function writeModelPath(dir: string): Promise<void> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const inspected = c.inspect<string>('modelPath');
  const target = vscode.workspace.isTrusted && inspected?.workspaceValue ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await c.update('modelPath', dir, target);
}
