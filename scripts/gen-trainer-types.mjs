// Writes the TypeScript types of the trainer protocol from its JSON Schema, the one definition
// (trainer/cola_trainer/protocol.schema.json), so no event type is written by hand. Every object definition
// becomes an interface (an event `foo` is `FooEvent`, `command` is `TrainerCommand`); the few inner schemas
// the TypeScript side names are listed in INNER_NAMES. A schema keyword this script does not know stops it
// with the place and the keyword, rather than being dropped from the type.
// test/unit/trainerEventTypes.test.ts fails when the checked-in output is stale. Run: npm run gen:trainer-types
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA = 'trainer/cola_trainer/protocol.schema.json';
export const OUTPUT = 'protocol/trainerEvents.generated.ts';

/** Inner schemas with a TypeScript name (JSON pointers into the schema); one name may cover equal schemas. */
export const INNER_NAMES = {
  '/definitions/environment/properties/devices/items': 'EnvironmentDevice',
  '/definitions/environment/properties/devices/items/properties/kind': 'DeviceKind',
  '/definitions/started/properties/device': 'DeviceKind',
  '/definitions/started/properties/precision': 'Precision',
  '/definitions/reliability/items': 'ReliabilityBin',
  '/definitions/error/properties/code': 'TrainerErrorCode',
};

// Validation-only keywords narrow values, not shapes: TypeScript has no type for them.
const VALUE_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems'];
const KNOWN = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', '$ref', 'allOf', 'anyOf', 'oneOf',
  'description', 'title', '$schema', '$id', 'definitions', ...VALUE_KEYWORDS,
]);
const PRIMITIVES = { string: 'string', number: 'number', integer: 'number', boolean: 'boolean', null: 'null' };
const WIDTH = 110;

/** A literal type in the project's quote style. */
const literal = (v) => (typeof v === 'string' ? `'${JSON.stringify(v).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'` : JSON.stringify(v));
const pascal = (name) => name[0].toUpperCase() + name.slice(1);
const identifier = (key) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key));
const withoutProse = (schema) => JSON.stringify(schema, (k, v) => (k === 'description' || k === 'title' ? undefined : v));

/** A JSDoc block for `text`, wrapped at WIDTH, at `indent`. */
function doc(text, indent) {
  if (!text) return '';
  const words = text.replaceAll('*/', '*\\/').split(/\s+/);
  const lines = [];
  let line = '';
  for (const word of words) {
    if (line && indent.length + 3 + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  if (lines.length === 1 && indent.length + 7 + lines[0].length <= WIDTH) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}\n`).join('')}${indent} */\n`;
}

/** The TypeScript declarations of `schema` (the parsed protocol schema), as the text of one module. */
export function generate(schema = JSON.parse(readFileSync(path.join(root, SCHEMA), 'utf8')), innerNames = INNER_NAMES) {
  const definitions = schema.definitions ?? {};
  const isEvent = (def) => typeof def?.properties?.event?.const === 'string';
  const isObject = (def) => def?.type === 'object';
  /** Object definitions are declared under these names; other definitions are written out where used. */
  const definitionName = (name) => (name === 'command' ? 'TrainerCommand' : isEvent(definitions[name]) ? `${pascal(name)}Event` : pascal(name));
  const unknownPointers = Object.keys(innerNames).filter((p) => resolve(schema, p) === undefined);
  if (unknownPointers.length) throw new Error(`${SCHEMA} has nothing at ${unknownPointers.join(', ')}: update INNER_NAMES in scripts/gen-trainer-types.mjs`);

  const declared = new Map(); // name → schema text, to check that one name covers equal schemas
  const pending = []; // inner declarations met while writing a definition, written before it

  function typeOf(s, pointer, indent) {
    const named = innerNames[pointer];
    if (named) {
      const seen = declared.get(named);
      if (seen === undefined) {
        declared.set(named, withoutProse(s));
        pending.push(declaration(named, s, pointer));
      } else if (seen !== withoutProse(s)) {
        throw new Error(`INNER_NAMES gives ${named} to schemas that differ (${pointer}): give them different names`);
      }
      return named;
    }
    return shape(s, pointer, indent);
  }

  function shape(s, pointer, indent) {
    if (typeof s !== 'object' || s === null) throw new Error(`${pointer}: expected a schema object, found ${JSON.stringify(s)}`);
    const unknown = Object.keys(s).filter((k) => !KNOWN.has(k));
    if (unknown.length) throw new Error(`${pointer}: scripts/gen-trainer-types.mjs cannot type the keyword ${unknown.join(', ')}; teach it or use another keyword`);
    if (s.$ref !== undefined) {
      const m = /^#\/definitions\/([^/]+)$/.exec(s.$ref);
      if (!m || !(m[1] in definitions)) throw new Error(`${pointer}: $ref ${s.$ref} is not a definition of this schema`);
      return isObject(definitions[m[1]]) ? definitionName(m[1]) : typeOf(definitions[m[1]], `/definitions/${m[1]}`, indent);
    }
    if (s.allOf) {
      const rest = s.properties ? [objectLiteral(s, pointer, indent)] : [];
      return [...s.allOf.map((p, i) => group(typeOf(p, `${pointer}/allOf/${i}`, indent))), ...rest].join(' & ');
    }
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives) return alternatives.map((p, i) => group(typeOf(p, `${pointer}/${s.anyOf ? 'anyOf' : 'oneOf'}/${i}`, indent))).join(' | ');
    if ('const' in s) return literal(s.const);
    if (s.enum) return s.enum.map(literal).join(' | ');
    const types = Array.isArray(s.type) ? s.type : [s.type];
    return types
      .map((t) => {
        if (t in PRIMITIVES) return PRIMITIVES[t];
        if (t === 'array') {
          if (!s.items || Array.isArray(s.items)) throw new Error(`${pointer}: an array needs one "items" schema to be typed`);
          return `${group(typeOf(s.items, `${pointer}/items`, indent))}[]`;
        }
        if (t === 'object') {
          if (s.properties) {
            if (typeof s.additionalProperties === 'object') throw new Error(`${pointer}: properties together with an additionalProperties schema cannot be typed`);
            return objectLiteral(s, pointer, indent);
          }
          if (typeof s.additionalProperties === 'object') return `Record<string, ${typeOf(s.additionalProperties, `${pointer}/additionalProperties`, indent)}>`;
          return 'Record<string, unknown>';
        }
        throw new Error(`${pointer}: no type (type: ${JSON.stringify(s.type)}) and no $ref, const, enum, allOf, anyOf or oneOf`);
      })
      .join(' | ');
  }

  /** `{ key: T; … }` over `s.properties`, required keys plain, the others optional. */
  function objectLiteral(s, pointer, indent) {
    const required = new Set(s.required ?? []);
    const missing = [...required].filter((k) => !(k in (s.properties ?? {})));
    if (missing.length) throw new Error(`${pointer}: required ${missing.join(', ')} not among its properties`);
    const inner = `${indent}  `;
    const members = Object.entries(s.properties).map(([key, p]) => {
      const type = typeOf(p, `${pointer}/properties/${key}`, inner);
      return `${doc(p.description, inner)}${inner}${identifier(key)}${required.has(key) ? '' : '?'}: ${type};\n`;
    });
    return `{\n${members.join('')}${indent}}`;
  }

  function declaration(name, s, pointer) {
    const body = isObject(s) && s.properties && !s.allOf ? objectLiteral(s, pointer, '') : null;
    return body ? `${doc(s.description, '')}export interface ${name} ${body}\n` : `${doc(s.description, '')}export type ${name} = ${shape(s, pointer, '')};\n`;
  }

  const blocks = [];
  for (const [name, def] of Object.entries(definitions)) {
    if (!isObject(def)) continue;
    const text = declaration(definitionName(name), def, `/definitions/${name}`);
    blocks.push(...pending.splice(0), text);
  }
  const events = (schema.oneOf ?? []).map((s, i) => typeOf(s, `/oneOf/${i}`, ''));
  if (!events.length) throw new Error(`${SCHEMA} has no root oneOf listing its events`);
  blocks.push(`/** Every event the trainer writes on stdout (the schema's root oneOf). */\nexport type TrainerEvent =\n${events.map((e) => `  | ${e}`).join('\n')};\n`);
  const header =
    `// Generated by scripts/gen-trainer-types.mjs from ${SCHEMA}; do not edit.\n` +
    `// Change the schema, then run npm run gen:trainer-types (test/unit/trainerEventTypes.test.ts checks it is current).\n\n`;
  return header + blocks.join('\n');
}

/** The value at a JSON pointer (`/a/b`), or undefined. */
function resolve(value, pointer) {
  return pointer
    .split('/')
    .slice(1)
    .reduce((v, key) => (v && typeof v === 'object' ? v[key.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined), value);
}

/** Parenthesizes a union or intersection (a `|` or `&` outside braces) used inside `[]`, `|` or `&`. */
function group(type) {
  let depth = 0;
  for (const c of type) {
    if ('{<(['.includes(c)) depth++;
    else if ('}>)]'.includes(c)) depth--;
    else if (depth === 0 && (c === '|' || c === '&')) return `(${type})`;
  }
  return type;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = generate();
  const target = path.join(root, OUTPUT);
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  console.log(`wrote ${OUTPUT} (${text.length} characters)`);
}
