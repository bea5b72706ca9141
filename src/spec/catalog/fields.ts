// The vocabulary for describing spec fields. One description drives three
// things: validation with positions (validate.ts), the JSON Schema for editor
// completion (schema.ts) and the layer list the builder accepts.

export type FieldType =
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'number'; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { kind: 'boolean' }
  | { kind: 'string' }
  | { kind: 'enum'; values: readonly string[] }
  /** A positive integer or a tuple of `length` positive integers (kernel sizes, strides). */
  | { kind: 'intOrTuple'; length: number }
  /** A list of positive integers (a shape); `allowMinusOne` lets one entry be -1 (reshape). */
  | { kind: 'shape'; allowMinusOne?: boolean }
  | { kind: 'stringList'; minItems?: number }
  | { kind: 'enumList'; values: readonly string[] }
  /** Any JSON object, passed through untouched. */
  | { kind: 'freeObject' }
  | { kind: 'object'; def: ObjectDef }
  | { kind: 'objectList'; def: ObjectDef | UnionDef; minItems?: number }
  | { kind: 'union'; def: UnionDef }
  /**
   * One field, several JSON forms told apart by the value's JSON type (a
   * path string, or an object with options). At most one form per JSON type.
   */
  | { kind: 'alternatives'; forms: FieldType[] };

export interface FieldDef {
  type: FieldType;
  description: string;
  required?: boolean;
  /** Shown in docs and the schema; the consumer applies it. */
  default?: unknown;
}

export interface ObjectDef {
  description: string;
  fields: Record<string, FieldDef>;
}

/**
 * Objects that come in variants chosen by a discriminator field (`type` of a
 * layer, `source` of the data section). `shorthand` allows a bare string
 * naming a variant that has no required options (`"optimizer": "adam"`).
 */
export interface UnionDef {
  description: string;
  discriminator: string;
  /** What one variant is called in messages ("layer type", "data source"). */
  noun: string;
  common: Record<string, FieldDef>;
  variants: Record<string, ObjectDef>;
  shorthand?: boolean;
}

export const POSITIVE_INT: FieldType = { kind: 'integer', min: 1 };
export const POSITIVE_NUMBER: FieldType = { kind: 'number', min: 0, exclusiveMin: true };
export const FRACTION: FieldType = { kind: 'number', min: 0, max: 1, exclusiveMax: true };
