// The `cola-bert` LogOutputChannel (levels and timestamps come from VS Code) and a small timing helper.
import * as vscode from 'vscode';

export type Log = vscode.LogOutputChannel;

export function createLog(): Log {
  return vscode.window.createOutputChannel('cola-bert', { log: true });
}

/** Milliseconds with one decimal, for log lines. */
export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** Logs an error with its stack (VS Code shows the message; the stack goes to the channel). */
export function logError(log: Log, context: string, error: unknown): void {
  if (error instanceof Error) log.error(`${context}: ${error.message}${error.stack ? `\n${error.stack}` : ''}`);
  else log.error(`${context}: ${String(error)}`);
}
