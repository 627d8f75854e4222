// The trainer protocol's TypeScript types are generated from its JSON Schema (scripts/gen-trainer-types.mjs →
// protocol/trainerEvents.generated.ts): the checked-in file is current, the generator types each schema
// construct the protocol uses, and a schema it cannot type stops it with the place and the reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

interface Generator {
  generate(schema?: unknown, innerNames?: Record<string, string>): string;
  OUTPUT: string;
}

// A plain .mjs script without declarations: the specifier is a variable so TypeScript does not look for them.
const script = '../../scripts/gen-trainer-types.mjs';
const load = async () => (await import(script)) as Generator;

/** A protocol-shaped schema: one event, the root oneOf, and the given definitions. */
function schemaWith(properties: Record<string, unknown>, definitions: Record<string, unknown> = {}) {
  return {
    definitions: {
      ...definitions,
      ping: { type: 'object', required: ['event', 'v'], additionalProperties: false, properties: { event: { const: 'ping' }, v: { const: 1 }, ...properties } },
    },
    oneOf: [{ $ref: '#/definitions/ping' }],
  };
}

describe('generated trainer protocol types', () => {
  it('are what scripts/gen-trainer-types.mjs makes of the schema now (else: npm run gen:trainer-types)', async () => {
    const gen = await load();
    assert.ok(gen.generate() === readFileSync(path.join(ROOT, gen.OUTPUT), 'utf8'), `${gen.OUTPUT} is stale: run npm run gen:trainer-types`);
  });

  it('types each construct the protocol schema uses', async () => {
    const { generate } = await load();
    const text = generate(
      schemaWith(
        {
          count: { $ref: '#/definitions/nonNegInt', description: 'How many.' },
          label: { enum: [0, 1] },
          name: { type: ['string', 'null'] },
          pair: { $ref: '#/definitions/pair' },
          maybe: { anyOf: [{ $ref: '#/definitions/pair' }, { type: 'null' }] },
          byKey: { type: 'object', additionalProperties: { $ref: '#/definitions/pair' } },
          list: { type: 'array', items: { enum: ['a', "it's"] } },
          both: { allOf: [{ $ref: '#/definitions/pair' }], required: ['extra'], properties: { extra: { type: 'boolean' } } },
        },
        { nonNegInt: { type: 'integer', minimum: 0 }, pair: { type: 'object', required: ['a'], properties: { a: { type: 'number' }, b: { type: 'string' } } } },
      ),
      {},
    );
    assert.match(text, /export interface Pair \{\n {2}a: number;\n {2}b\?: string;\n\}/);
    assert.match(text, /export interface PingEvent \{\n {2}event: 'ping';\n {2}v: 1;\n {2}\/\*\* How many\. \*\/\n {2}count\?: number;/);
    for (const line of [
      'label?: 0 | 1;',
      'name?: string | null;',
      'pair?: Pair;',
      'maybe?: Pair | null;',
      'byKey?: Record<string, Pair>;',
      "list?: ('a' | 'it\\'s')[];",
      'both?: Pair & {\n    extra: boolean;\n  };',
    ]) {
      assert.ok(text.includes(line), `missing ${JSON.stringify(line)} in:\n${text}`);
    }
    assert.match(text, /export type TrainerEvent =\n {2}\| PingEvent;/);
  });

  it('stops with the place and the reason on a schema it cannot type', async () => {
    const { generate } = await load();
    assert.throws(() => generate(schemaWith({ code: { type: 'string', format: 'date' } }), {}), /\/definitions\/ping\/properties\/code: .*cannot type the keyword format/);
    assert.throws(() => generate(schemaWith({ other: { $ref: '#/definitions/nowhere' } }), {}), /\/definitions\/ping\/properties\/other: \$ref #\/definitions\/nowhere is not a definition/);
    assert.throws(() => generate(schemaWith({ tuple: { type: 'array', items: [{ type: 'string' }] } }), {}), /\/definitions\/ping\/properties\/tuple: an array needs one "items" schema/);
    assert.throws(() => generate(schemaWith({ odd: { type: 'object', required: ['x'], properties: {} } }), {}), /\/definitions\/ping\/properties\/odd: required x not among its properties/);
  });

  it('says which inner name to fix when the real schema moves a named part', async () => {
    const { generate } = await load();
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'trainer/cola_trainer/protocol.schema.json'), 'utf8')) as { definitions: Record<string, { properties?: Record<string, unknown> }> };
    delete schema.definitions.error.properties!.code;
    assert.throws(() => generate(schema), /nothing at \/definitions\/error\/properties\/code: update INNER_NAMES/);
    const again = JSON.parse(readFileSync(path.join(ROOT, 'trainer/cola_trainer/protocol.schema.json'), 'utf8')) as typeof schema;
    again.definitions.started.properties!.device = { enum: ['cuda', 'cpu'] };
    assert.throws(() => generate(again), /INNER_NAMES gives DeviceKind to schemas that differ/);
  });
});
