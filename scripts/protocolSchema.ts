// Generates schema/protocol.schema.json, the JSON Schema of the trainer wire
// protocol and of a run trace's records, from the TypeScript types in
// src/shared/protocol.ts and src/shared/trace/format.ts (with
// ts-json-schema-generator). `npm run schema` rewrites the file;
// test/shared/protocolSchema.test.ts fails when the committed one is stale.
//
// On the wire a non-finite number is the string "NaN", "Infinity" or
// "-Infinity" (src/shared/json.ts), so every `number` of the types becomes
// a reference to the definition WireNumber, which admits those three strings.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';

const ROOT = path.resolve(__dirname, '..');
export const PROTOCOL_SCHEMA_FILE = path.join(ROOT, 'schema', 'protocol.schema.json');
export const NON_FINITE_SPELLINGS = ['NaN', 'Infinity', '-Infinity'];
const WIRE_NUMBER_REF = '#/definitions/WireNumber';
const WIRE_NUMBER = {
  description: 'A number; one that is not finite is spelled as the string "NaN", "Infinity" or "-Infinity".',
  anyOf: [{ type: 'number' }, { type: 'string', enum: NON_FINITE_SPELLINGS }],
};

type Schema = { [key: string]: unknown };

/** Every schema that admits a number also admits the non-finite spellings (recursively, in place). */
function admitNonFiniteSpellings(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(admitNonFiniteSpellings);
  if (typeof node !== 'object' || node === null) return node;
  const schema = node as Schema;
  for (const key of Object.keys(schema)) {
    // `properties` and `definitions` map names to schemas: recurse into each, never rewrite the map itself.
    if (key === 'properties' || key === 'definitions') {
      const map = schema[key] as Schema;
      for (const name of Object.keys(map)) map[name] = admitNonFiniteSpellings(map[name]);
    } else if (typeof schema[key] === 'object') {
      schema[key] = admitNonFiniteSpellings(schema[key]);
    }
  }
  const type = schema.type;
  const isNumber = type === 'number' || (Array.isArray(type) && type.includes('number'));
  if (!isNumber || 'const' in schema || 'enum' in schema) return schema;
  const { description, ...rest } = schema;
  const described = description === undefined ? {} : { description };
  if (type === 'number' && Object.keys(rest).length === 1) return { ...described, $ref: WIRE_NUMBER_REF };
  return { ...described, anyOf: [rest, { $ref: WIRE_NUMBER_REF }] };
}

export function generateProtocolSchema(): Schema {
  const generator = createGenerator({
    path: path.join(ROOT, 'src', 'shared', '{protocol.ts,trace/format.ts}'),
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    type: '*',
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    skipTypeCheck: true,
    // Strict: a field the types do not declare is a protocol error, not silently carried.
    additionalProperties: false,
  });
  const generated = generator.createSchema('*') as Schema;
  const definitions = admitNonFiniteSpellings(generated.definitions) as Schema;
  definitions.WireNumber = WIRE_NUMBER;
  // Only what the wire and the trace carry, and everything they reference.
  const keep = new Set<string>();
  const visit = (name: string) => {
    if (keep.has(name)) return;
    keep.add(name);
    const text = JSON.stringify(definitions[name]);
    for (const m of text.matchAll(/"#\/definitions\/([^"]+)"/g)) visit(decodeURIComponent(m[1]));
  };
  visit('WireNumber');
  visit('TrainerCommand');
  visit('TrainerEvent');
  // A trace line: a traced event plus its time, or a light step written compactly (docs/trace-format.md).
  visit('TraceLine');
  const kept: Schema = {};
  for (const name of Object.keys(definitions).sort()) if (keep.has(name)) kept[name] = definitions[name];
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://neural-debugger.dev/schema/protocol.schema.json',
    title: 'Neural Debugger trainer wire protocol',
    description:
      'One JSON object per line (docs/protocol.md). TrainerCommand: client to trainer; TrainerEvent: trainer to client; ' +
      'TraceLine: one line of a run trace (TraceRecord, or CompactStepLine for a light step; docs/trace-format.md). ' +
      'A number that is not finite is the string "NaN", "Infinity" or "-Infinity". Generated from src/shared/protocol.ts and src/shared/trace/format.ts by `npm run schema`; do not edit.',
    anyOf: [{ $ref: '#/definitions/TrainerCommand' }, { $ref: '#/definitions/TrainerEvent' }],
    definitions: kept,
  };
}

if (require.main === module) {
  fs.writeFileSync(PROTOCOL_SCHEMA_FILE, JSON.stringify(generateProtocolSchema(), null, 2) + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), PROTOCOL_SCHEMA_FILE)}\n`);
}
