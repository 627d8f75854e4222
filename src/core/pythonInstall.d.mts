// Types of pythonInstall.mjs (plain JavaScript so that `npm run setup` runs it before node_modules exists).
export function torchRequirement(requirementsFile: string): string;
export function reachable(host: string, ms?: number): Promise<boolean>;
export const CPU_TORCH_INDEX: string;
export function torchIndexArgs(options?: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv; isReachable?: (host: string) => Promise<boolean> }): Promise<string[]>;
export interface PipStep {
  /** What the step installs, for progress messages. */
  what: string;
  /** Arguments after `python -m pip`. */
  args: string[];
}
export function pipInstallSteps(options: { requirementsFile: string; extra?: string[]; indexArgs?: string[] }): PipStep[];
