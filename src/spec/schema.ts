// Generates schema/model-spec.schema.json (draft-07) from the field catalog,
// so editor completion and hover always match what the parser accepts.
// Regenerate: npx tsx src/spec/schema.ts > schema/model-spec.schema.json

import type { FieldDef, FieldType, ObjectDef, UnionDef } from './catalog/fields';
import { TOP_LEVEL } from './catalog/sections';

type Schema = Record<string, unknown>;

export function generateSchema(): Schema {
  const definitions: Record<string, Schema> = {};
  const top = objectSchema(TOP_LEVEL, definitions, true);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Neural Debugger model spec',
    ...top,
    definitions,
  };
}

function objectSchema(def: ObjectDef, definitions: Record<string, Schema>, open = false): Schema {
  const required = Object.entries(def.fields)
    .filter(([, f]) => f.required)
    .map(([k]) => k);
  return {
    type: 'object',
    description: def.description,
    properties: Object.fromEntries(Object.entries(def.fields).map(([k, f]) => [k, fieldSchema(f, definitions)])),
    ...(required.length > 0 ? { required } : {}),
    // Unknown top-level fields are only warnings in the parser.
    additionalProperties: open,
  };
}

function fieldSchema(field: FieldDef, definitions: Record<string, Schema>): Schema {
  const schema: Schema = { ...typeSchema(field.type, definitions), description: field.description };
  if (field.default !== undefined) schema.default = field.default;
  return schema;
}

const POSITIVE_INTEGER: Schema = { type: 'integer', minimum: 1 };

function typeSchema(type: FieldType, definitions: Record<string, Schema>): Schema {
  switch (type.kind) {
    case 'integer':
      return { type: 'integer', ...(type.min !== undefined ? { minimum: type.min } : {}), ...(type.max !== undefined ? { maximum: type.max } : {}) };
    case 'number': {
      const schema: Schema = { type: 'number' };
      if (type.min !== undefined) schema[type.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = type.min;
      if (type.max !== undefined) schema[type.exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = type.max;
      return schema;
    }
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string' };
    case 'enum':
      return { type: 'string', enum: [...type.values] };
    case 'intOrTuple':
      if (type.length === 1) return POSITIVE_INTEGER;
      return { oneOf: [POSITIVE_INTEGER, { type: 'array', items: POSITIVE_INTEGER, minItems: type.length, maxItems: type.length }] };
    case 'shape':
      return {
        type: 'array',
        minItems: 1,
        items: type.allowMinusOne ? { type: 'integer', anyOf: [{ minimum: 1 }, { const: -1 }] } : POSITIVE_INTEGER,
      };
    case 'stringList':
      return { type: 'array', items: { type: 'string' }, ...(type.minItems ? { minItems: type.minItems } : {}) };
    case 'enumList':
      return { type: 'array', items: { type: 'string', enum: [...type.values] } };
    case 'freeObject':
      return { type: 'object' };
    case 'object':
      return objectSchema(type.def, definitions);
    case 'objectList': {
      const items = 'discriminator' in type.def ? unionSchema(type.def, definitions) : objectSchema(type.def, definitions);
      return { type: 'array', items, ...(type.minItems ? { minItems: type.minItems } : {}) };
    }
    case 'union':
      return unionSchema(type.def, definitions);
    case 'alternatives':
      return { anyOf: type.forms.map((form) => typeSchema(form, definitions)) };
  }
}

/** A union becomes a shared definition: oneOf its variants, keyed by a `const` discriminator. */
function unionSchema(def: UnionDef, definitions: Record<string, Schema>): Schema {
  const key = def.noun.replace(/ /g, '-');
  if (!definitions[key]) {
    definitions[key] = {}; // placeholder against recursion
    const variants = Object.entries(def.variants).map(([name, variant]) => {
      const fields: Record<string, FieldDef> = { ...def.common, ...variant.fields };
      const schema = objectSchema({ description: variant.description, fields }, definitions);
      (schema.properties as Record<string, Schema>)[def.discriminator] = { const: name, description: variant.description };
      const required = new Set([def.discriminator, ...((schema.required as string[] | undefined) ?? [])]);
      return { ...schema, required: [...required] };
    });
    const objectForm: Schema = { oneOf: variants };
    const names = Object.entries(def.variants)
      .filter(([, v]) => !Object.values(v.fields).some((f) => f.required))
      .map(([name]) => name);
    definitions[key] = def.shorthand
      ? { description: def.description, anyOf: [{ type: 'string', enum: names }, objectForm] }
      : { description: def.description, ...objectForm };
  }
  return { $ref: `#/definitions/${key}` };
}

if (require.main === module) {
  process.stdout.write(`${JSON.stringify(generateSchema(), null, 2)}\n`);
}
