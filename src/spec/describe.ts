// Wording of "expected …, got …" messages.

import type { Node } from 'jsonc-parser';
import type { FieldType } from './catalog/fields';

export function describeExpected(type: FieldType): string {
  switch (type.kind) {
    case 'integer':
      if (type.min === 1 && type.max === undefined) return 'a positive integer';
      if (type.min === 0 && type.max === undefined) return 'a non-negative integer';
      if (type.min !== undefined && type.max !== undefined) return `an integer from ${type.min} to ${type.max}`;
      if (type.min !== undefined) return `an integer ≥ ${type.min}`;
      return 'an integer';
    case 'number': {
      const { min, max, exclusiveMin, exclusiveMax } = type;
      if (min === 0 && exclusiveMin && max === undefined) return 'a positive number';
      if (min !== undefined && max !== undefined) return `a number in ${exclusiveMin ? '(' : '['}${min}, ${max}${exclusiveMax ? ')' : ']'}`;
      if (min !== undefined) return `a number ${exclusiveMin ? '>' : '≥'} ${min}`;
      if (max !== undefined) return `a number ${exclusiveMax ? '<' : '≤'} ${max}`;
      return 'a number';
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'enum':
      return `one of ${type.values.map((v) => `'${v}'`).join(', ')}`;
    case 'intOrTuple':
      return type.length === 1 ? 'a positive integer' : `a positive integer or a list of ${type.length} positive integers`;
    case 'shape':
      return type.allowMinusOne ? 'a list of positive integers (one may be -1)' : 'a list of positive integers';
    case 'stringList':
      return 'a list of strings';
    case 'enumList':
      return `a list of names from: ${type.values.join(', ')}`;
    case 'freeObject':
    case 'object':
      return 'an object';
    case 'objectList':
      return 'a list of objects';
    case 'union':
      return type.def.shorthand ? `a ${type.def.noun} name or an object with "${type.def.discriminator}"` : 'an object';
    case 'alternatives':
      return type.forms.map(describeExpected).join(' or ');
  }
}

/** The JSON node type (`string`, `array`, `object`, …) a value of this field type has. */
export function jsonTypeOf(type: FieldType): Node['type'] {
  switch (type.kind) {
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
    case 'enum':
      return 'string';
    case 'intOrTuple':
      return type.length === 1 ? 'number' : 'array';
    case 'shape':
    case 'stringList':
    case 'enumList':
    case 'objectList':
      return 'array';
    case 'freeObject':
    case 'object':
    case 'union':
    case 'alternatives':
      return 'object';
  }
}

export function describeValue(node: Node): string {
  switch (node.type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'a list';
    case 'null':
      return 'null';
    case 'string': {
      const text = String(node.value);
      return `the string "${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
    }
    default:
      return String(node.value);
  }
}

/** Whether a JSON number satisfies an integer/number field type. */
export function numberFits(value: number, type: FieldType): boolean {
  if (type.kind === 'integer') {
    if (!Number.isInteger(value)) return false;
    return (type.min === undefined || value >= type.min) && (type.max === undefined || value <= type.max);
  }
  if (type.kind === 'number') {
    if (!Number.isFinite(value)) return false;
    if (type.min !== undefined && (type.exclusiveMin ? value <= type.min : value < type.min)) return false;
    if (type.max !== undefined && (type.exclusiveMax ? value >= type.max : value > type.max)) return false;
    return true;
  }
  return false;
}
