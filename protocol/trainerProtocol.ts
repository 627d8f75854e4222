// Types and validator for the trainer protocol. The JSON Schema in trainer/cola_trainer/protocol.schema.json
// is the single definition; the event types are generated from it (scripts/gen-trainer-types.mjs →
// trainerEvents.generated.ts) and test/unit/trainerProtocol.test.ts still checks each type's keys and enum
// values against the schema. The validators are precompiled from it too (scripts/gen-validators.mjs), so
// checking an event compiles nothing at run time.
import type { ErrorObject } from 'ajv';
import schema from '../trainer/cola_trainer/protocol.schema.json';
import type { TrainerCommand, TrainerEvent } from './trainerEvents.generated';
import { trainerEventValidators, validateTrainerCommand as validateCommand, validateTrainerEvent as validateEvent, type SchemaValidator } from './schemaValidators.generated.mjs';

export const PROTOCOL_VERSION = 1 as const;
export const protocolSchema = schema;

export type {
  Calibration,
  CancelledEvent,
  CheckpointEvent,
  Confusion,
  DeviceKind,
  DoneEvent,
  EnvironmentDevice,
  EnvironmentEvent,
  ErrorEvent,
  EvaluationEvent,
  ExportedEvent,
  FeedbackAccuracy,
  FeedbackReport,
  FetchEvent,
  FileHoldout,
  HoldoutEvent,
  Precision,
  ProseBlock,
  QualityEvent,
  ReliabilityBin,
  StartedEvent,
  StepEvent,
  TrainerCommand,
  TrainerErrorCode,
  TrainerEvent,
  WarmupEvent,
  WarningEvent,
} from './trainerEvents.generated';

export type TrainerEventName = TrainerEvent['event'];
export type TrainerEventOf<N extends TrainerEventName> = Extract<TrainerEvent, { event: N }>;

/** A stdout line that is not valid JSON or does not match the schema. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    readonly line: string,
  ) {
    super(message);
  }
}

const byEvent = new Map<string, SchemaValidator>(Object.entries(trainerEventValidators));

function describe(errors: ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'does not match the schema';
  return errors
    .map((e) => {
      const where = e.instancePath || '(root)';
      if (e.keyword === 'additionalProperties') return `${where}: unexpected property '${(e.params as { additionalProperty: string }).additionalProperty}'`;
      if (e.keyword === 'enum') return `${where}: ${e.message} (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`;
      return `${where}: ${e.message}`;
    })
    .join('; ');
}

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Parses one stdout line of the trainer into a typed event, or throws a ProtocolError saying what is wrong. */
export function parseTrainerLine(line: string): TrainerEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new ProtocolError(`trainer wrote a line that is not JSON (${(e as Error).message}): ${clip(line)}`, line);
  }
  return checkTrainerEvent(value, line);
}

/** Validates an already-parsed value as a trainer event. */
export function checkTrainerEvent(value: unknown, line = JSON.stringify(value)): TrainerEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(`trainer event must be a JSON object: ${clip(line)}`, line);
  }
  const name = (value as { event?: unknown }).event;
  if (typeof name !== 'string') throw new ProtocolError(`trainer event has no "event" field: ${clip(line)}`, line);
  const validate = byEvent.get(name);
  if (!validate) {
    throw new ProtocolError(`unknown trainer event "${name}" (known: ${[...byEvent.keys()].join(', ')}): ${clip(line)}`, line);
  }
  if (!validate(value)) throw new ProtocolError(`invalid "${name}" event: ${describe(validate.errors)}: ${clip(line)}`, line);
  // The root oneOf is the schema's real contract; per-event validation above gives the precise message.
  if (!validateEvent(value)) throw new ProtocolError(`invalid trainer event: ${describe(validateEvent.errors)}: ${clip(line)}`, line);
  return value as TrainerEvent;
}

/** Serializes a command for the trainer's stdin (validated, newline-terminated). */
export function encodeCommand(command: TrainerCommand): string {
  if (!validateCommand(command)) throw new ProtocolError(`invalid trainer command: ${describe(validateCommand.errors)}`, JSON.stringify(command));
  return `${JSON.stringify(command)}\n`;
}

/** Event names the schema defines, in schema order (for tests and UIs). */
export const trainerEventNames: readonly string[] = [...byEvent.keys()];
