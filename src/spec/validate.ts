// Checks a parsed JSON tree against the field catalog, collecting every
// problem with the position of the offending value and its dotted path.

import type { Node } from 'jsonc-parser';
import type { UserErrorInfo } from '../shared/protocol';
import type { FieldDef, FieldType, ObjectDef, UnionDef } from './catalog/fields';
import { describeExpected, describeValue, jsonTypeOf, numberFits } from './describe';
import { type LineMap, propertyKey, propertyValue } from './json';
import { closestName, suggestion } from './suggest';
import type { Position } from './types';

function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** `model.layers[2].activation` → `activation`. */
function lastKey(path: string): string {
  return (
    path
      .replace(/\[\d+\]$/, '')
      .split('.')
      .pop() ?? path
  );
}

interface ObjectContext {
  /** "a dense layer", "training", "the data section (source 'csv')" — for messages. */
  label: string;
  /** Unknown keys are warnings (top level) instead of errors. */
  unknownIsWarning?: boolean;
}

export class SpecValidator {
  readonly errors: UserErrorInfo[] = [];
  readonly warnings: UserErrorInfo[] = [];
  readonly positions: Record<string, Position> = {};

  constructor(
    private readonly file: string,
    private readonly lines: LineMap,
  ) {}

  problem(node: Node, path: string, message: string, warning = false): void {
    const { line, column } = this.lines.positionAt(node.offset);
    const info: UserErrorInfo = { file: this.file, line, column, message: path === '' ? message : `${path}: ${message}` };
    if (path !== '') info.field = path;
    (warning ? this.warnings : this.errors).push(info);
  }

  checkObject(node: Node, def: ObjectDef, path: string, context: ObjectContext): void {
    this.record(node, path);
    if (node.type !== 'object') {
      this.problem(node, path, `expected an object, got ${describeValue(node)}`);
      return;
    }
    this.checkProperties(node, def.fields, path, context);
  }

  private checkProperties(node: Node, fields: Record<string, FieldDef>, path: string, context: ObjectContext): void {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const key = propertyKey(property);
      const value = propertyValue(property);
      const keyNode = property.children?.[0] ?? property;
      const fieldPath = joinPath(path, key);
      if (seen.has(key)) {
        this.problem(keyNode, fieldPath, `'${key}' is given twice`);
        continue;
      }
      seen.add(key);
      const field = fields[key];
      if (!field) {
        const known = Object.keys(fields);
        if (context.unknownIsWarning) {
          this.problem(keyNode, fieldPath, `unknown top-level field '${key}' is ignored${suggestion(key, known)}`, true);
        } else {
          this.problem(keyNode, fieldPath, `unknown option '${key}' for ${context.label}${suggestion(key, known)}`);
        }
        continue;
      }
      if (value) this.checkField(value, field.type, fieldPath);
    }
    const unknownKeys = [...seen].filter((key) => !fields[key]);
    for (const [name, field] of Object.entries(fields)) {
      if (field.required && !seen.has(name)) {
        const typo = closestName(name, unknownKeys);
        const what = path === '' ? `missing required section '${name}'` : `missing required option '${name}' for ${context.label}`;
        this.problem(node, path, typo ? `${what} (is '${typo}' a misspelling of it?)` : what);
      }
    }
  }

  checkField(node: Node, type: FieldType, path: string): void {
    this.record(node, path);
    const mismatch = () => this.problem(node, path, `expected ${describeExpected(type)}, got ${describeValue(node)}`);
    switch (type.kind) {
      case 'integer':
      case 'number':
        if (node.type !== 'number' || !numberFits(node.value as number, type)) mismatch();
        return;
      case 'boolean':
        if (node.type !== 'boolean') mismatch();
        return;
      case 'string':
        if (node.type !== 'string') mismatch();
        return;
      case 'enum':
        this.checkEnum(node, type.values, path, lastKey(path));
        return;
      case 'intOrTuple':
        if (node.type === 'number') {
          if (!numberFits(node.value as number, { kind: 'integer', min: 1 })) mismatch();
        } else if (node.type === 'array' && type.length > 1) {
          const items = node.children ?? [];
          if (items.length !== type.length || items.some((item) => item.type !== 'number' || !numberFits(item.value as number, { kind: 'integer', min: 1 }))) {
            mismatch();
          }
        } else {
          mismatch();
        }
        return;
      case 'shape':
        this.checkShape(node, path, type.allowMinusOne === true);
        return;
      case 'stringList':
        if (node.type !== 'array' || (node.children ?? []).some((item) => item.type !== 'string')) mismatch();
        else if ((node.children ?? []).length < (type.minItems ?? 0)) this.problem(node, path, `expected at least ${type.minItems} name(s), got an empty list`);
        else (node.children ?? []).forEach((item, i) => this.record(item, joinPath(path, i)));
        return;
      case 'enumList':
        if (node.type !== 'array') mismatch();
        else (node.children ?? []).forEach((item, i) => this.checkEnum(item, type.values, joinPath(path, i), lastKey(path).replace(/s$/, '')));
        return;
      case 'freeObject':
        if (node.type !== 'object') mismatch();
        return;
      case 'object':
        this.checkObject(node, type.def, path, { label: path });
        return;
      case 'objectList': {
        if (node.type !== 'array') {
          mismatch();
          return;
        }
        const items = node.children ?? [];
        if (items.length < (type.minItems ?? 0))
          this.problem(node, path, `expected at least ${type.minItems} entr${type.minItems === 1 ? 'y' : 'ies'}, got an empty list`);
        const def = type.def;
        items.forEach((item, i) => {
          if ('discriminator' in def) this.checkUnion(item, def, joinPath(path, i));
          else this.checkObject(item, def, joinPath(path, i), { label: `an entry of ${path}` });
        });
        return;
      }
      case 'union':
        this.checkUnion(node, type.def, path);
        return;
      case 'alternatives': {
        const form = type.forms.find((f) => jsonTypeOf(f) === node.type);
        if (form) this.checkField(node, form, path);
        else mismatch();
        return;
      }
    }
  }

  checkUnion(node: Node, def: UnionDef, path: string): void {
    this.record(node, path);
    const names = Object.keys(def.variants);
    if (node.type === 'string' && def.shorthand) {
      const name = String(node.value);
      if (!def.variants[name]) {
        this.problem(node, path, `unknown ${def.noun} '${name}'${suggestion(name, names)}`);
        return;
      }
      const required = Object.entries(def.variants[name].fields)
        .filter(([, f]) => f.required)
        .map(([k]) => k);
      if (required.length > 0) {
        this.problem(node, path, `${def.noun} '${name}' needs ${required.join(', ')}: write {"${def.discriminator}": "${name}", "${required[0]}": …}`);
      }
      return;
    }
    if (node.type !== 'object') {
      this.problem(node, path, `expected ${describeExpected({ kind: 'union', def })}, got ${describeValue(node)}`);
      return;
    }
    const discriminatorProperty = (node.children ?? []).find((p) => propertyKey(p) === def.discriminator);
    const discriminatorNode = discriminatorProperty ? propertyValue(discriminatorProperty) : undefined;
    if (!discriminatorNode) {
      this.problem(node, path, `missing required option '${def.discriminator}' (the ${def.noun}: ${names.join(', ')})`);
      return;
    }
    const fieldPath = joinPath(path, def.discriminator);
    this.record(discriminatorNode, fieldPath);
    if (discriminatorNode.type !== 'string') {
      this.problem(discriminatorNode, fieldPath, `expected a ${def.noun} name (a string), got ${describeValue(discriminatorNode)}`);
      return;
    }
    const variantName = String(discriminatorNode.value);
    const variant = def.variants[variantName];
    if (!variant) {
      this.problem(discriminatorNode, fieldPath, `unknown ${def.noun} '${variantName}'${suggestion(variantName, names)}`);
      return;
    }
    const label =
      def.discriminator === 'type'
        ? `${/^[aeiou]/i.test(variantName) ? 'an' : 'a'} ${variantName} ${def.noun.replace(/ type$/, '')}`
        : `${def.noun} '${variantName}'`;
    const fields: Record<string, FieldDef> = { ...def.common, ...variant.fields };
    // The discriminator itself was checked above against the variant names.
    fields[def.discriminator] = { description: fields[def.discriminator]?.description ?? '', type: { kind: 'string' } };
    this.checkProperties(node, fields, path, { label });
  }

  private checkEnum(node: Node, values: readonly string[], path: string, noun: string): void {
    this.record(node, path);
    if (node.type !== 'string') {
      this.problem(node, path, `expected one of ${values.map((v) => `'${v}'`).join(', ')}, got ${describeValue(node)}`);
      return;
    }
    const value = String(node.value);
    if (!values.includes(value)) {
      this.problem(node, path, `unknown ${noun} '${value}'${suggestion(value, values)}`);
    }
  }

  private checkShape(node: Node, path: string, allowMinusOne: boolean): void {
    const items = node.children ?? [];
    const fits = (item: Node) =>
      item.type === 'number' && (numberFits(item.value as number, { kind: 'integer', min: 1 }) || (allowMinusOne && item.value === -1));
    if (node.type !== 'array' || items.length === 0 || !items.every(fits)) {
      this.problem(
        node,
        path,
        `expected ${describeExpected({ kind: 'shape', allowMinusOne })}, got ${describeValue(node)}${node.type === 'array' ? ` ${JSON.stringify(items.map((i) => i.value))}` : ''}`,
      );
      return;
    }
    if (items.filter((item) => item.value === -1).length > 1) this.problem(node, path, 'at most one entry may be -1');
  }

  private record(node: Node, path: string): void {
    if (path !== '' && !(path in this.positions)) this.positions[path] = this.lines.positionAt(node.offset);
  }
}
