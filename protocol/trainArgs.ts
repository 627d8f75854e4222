// The train options as the trainer describes them (trainArgs.generated.ts, generated from
// trainer/cola_trainer/args.py): the trainer client's argv, the `cola-bert train` flags and usage, and the
// panel's fields and validation all come from here, so an option added to args.py needs no edit on this side.
// Imports neither src/ nor webview/ (both import it; it runs in the webview too: no Node modules).
import { TRAIN_ARGS } from './trainArgs.generated';

type Described = (typeof TRAIN_ARGS.args)[number];
export type TrainArgName = Described['name'];
type Camel<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
type ValueOf<A> = A extends { type: 'bool' } ? boolean : A extends { choices: readonly (infer C)[] } ? C : A extends { type: 'int' | 'float' } ? number : string;

/** Options of `python -m cola_trainer train`, one camelCase field per flag; a field left out gets the trainer's default. */
export type TrainOptions = { [A in Described as Camel<A['name']>]?: ValueOf<A> };

export interface TrainArgSpec {
  readonly name: string;
  readonly flag: string;
  readonly group: string;
  readonly type: 'string' | 'int' | 'float' | 'bool';
  /** null: the trainer decides (a model-dependent default, or "not set"). */
  readonly default: string | number | boolean | null;
  readonly help: string;
  readonly metavar?: string;
  readonly choices?: readonly string[];
  /** A valid value of a string option whose format the trainer checks (e.g. TYPE=W pairs). */
  readonly example?: string;
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly maximum?: number;
  readonly exclusiveMaximum?: number;
  /** The default depends on the base model the trainer resolves (the learning rate). */
  readonly modelDefault?: { readonly fallback: number; readonly byModel: Readonly<Record<string, number>> };
}

export const TRAIN_ARG_SPECS: readonly TrainArgSpec[] = TRAIN_ARGS.args;
/** What `--model auto` trains when the hub answers, and the alias that works offline. */
export const AUTO_MODEL: string = TRAIN_ARGS.autoModel;
export const OFFLINE_MODEL: string = TRAIN_ARGS.offlineModel;

export function optionKey(name: string): string {
  return name.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
}

export function trainArgSpec(name: TrainArgName, specs: readonly TrainArgSpec[] = TRAIN_ARG_SPECS): TrainArgSpec {
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new Error(`no train option ${name}`);
  return spec;
}

/** 2**32 rather than 4294967296, as the trainer writes it. */
function show(n: number): string {
  return Number.isInteger(n) && n >= 2 ** 31 && Number.isInteger(Math.log2(n)) ? `2**${Math.log2(n)}` : String(n);
}

/** What the bounds allow, worded as the trainer words it ("in (0, 1)", "at least 1"); '' when unbounded. */
export function boundsText(spec: TrainArgSpec): string {
  const lo = spec.minimum ?? spec.exclusiveMinimum;
  const hi = spec.maximum ?? spec.exclusiveMaximum;
  if (lo !== undefined && hi !== undefined) return `in ${spec.minimum !== undefined ? '[' : '('}${show(lo)}, ${show(hi)}${spec.maximum !== undefined ? ']' : ')'}`;
  if (lo !== undefined) return spec.minimum !== undefined ? `at least ${show(lo)}` : `greater than ${show(lo)}`;
  if (hi !== undefined) return spec.maximum !== undefined ? `at most ${show(hi)}` : `less than ${show(hi)}`;
  return '';
}

export function withinBounds(spec: TrainArgSpec, n: number): boolean {
  return !(
    (spec.minimum !== undefined && n < spec.minimum) ||
    (spec.exclusiveMinimum !== undefined && n <= spec.exclusiveMinimum) ||
    (spec.maximum !== undefined && n > spec.maximum) ||
    (spec.exclusiveMaximum !== undefined && n >= spec.exclusiveMaximum)
  );
}

/** Why a value does not fit the option ("must be an integer", "must be in [0, 1)" …), or null when it does. */
export function checkTrainArg(spec: TrainArgSpec, value: unknown): string | null {
  switch (spec.type) {
    case 'bool':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (spec.choices && !spec.choices.includes(value)) return `must be one of ${spec.choices.join(', ')}`;
      return value.trim() ? null : 'must not be empty';
    case 'int':
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (spec.type === 'int' && !Number.isInteger(value)) return 'must be an integer';
      return withinBounds(spec, value) ? null : `must be ${boundsText(spec)}`;
  }
}

/**
 * Reads a command-line value as the trainer's argparse would, but stricter: decimal only (no 0x1, no
 * empty string read as 0). Throws an Error naming the problem (without the flag).
 */
export function parseTrainArgValue(spec: TrainArgSpec, text: string): string | number {
  if (spec.type === 'int' && !/^[+-]?\d+$/.test(text.trim())) throw new Error(`must be an integer, got '${text}'`);
  if (spec.type === 'float' && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) throw new Error(`must be a number, got '${text}'`);
  const value = spec.type === 'int' || spec.type === 'float' ? Number(text) : text;
  const problem = checkTrainArg(spec, value);
  if (problem) throw new Error(`${problem}, got ${typeof value === 'number' ? value : `'${text}'`}`);
  return value;
}

/** The value the trainer uses when the option is left out, for this base model (null: none, e.g. no --max-train). */
export function trainerDefault(spec: TrainArgSpec, model: string): string | number | boolean | null {
  if (!spec.modelDefault) return spec.default;
  const base = model.trim() === 'auto' ? AUTO_MODEL : model.trim();
  return spec.modelDefault.byModel[base] ?? spec.modelDefault.fallback;
}

/** The trainer's command-line flags for these options, in args.py's order; undefined and false are left out. */
export function trainArgv(options: Readonly<Record<string, unknown>>, specs: readonly TrainArgSpec[] = TRAIN_ARG_SPECS): string[] {
  const known = new Set(specs.map((s) => optionKey(s.name)));
  const unknown = Object.keys(options).filter((k) => !known.has(k) && options[k] !== undefined);
  if (unknown.length) throw new Error(`not a train option: ${unknown.join(', ')}`);
  const argv: string[] = [];
  for (const spec of specs) {
    const value = options[optionKey(spec.name)];
    if (value === undefined || value === false) continue;
    if (spec.type === 'bool') argv.push(spec.flag);
    // A panel message or settings file can hold anything: an object would reach Python as '[object Object]'.
    else if (typeof value === 'string' || typeof value === 'number') argv.push(spec.flag, String(value));
    else throw new Error(`${spec.flag} takes a number or text, got ${JSON.stringify(value)}`);
  }
  return argv;
}
