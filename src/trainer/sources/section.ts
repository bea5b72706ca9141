// Validates a plain object exported by a model module (`training`, a built-in
// `data` spec) against the same field catalog as the JSON spec, so the fields,
// defaults and messages are the same in both places.

import { UserError } from '../../shared/errors';
import type { FieldType } from '../../spec/catalog/fields';
import { parseJsonWithPositions } from '../../spec/json';
import { SpecValidator } from '../../spec/validate';

/**
 * Throws a UserError naming `file` and the dotted field (`training.epochs`)
 * at the first problem. `name` is the export's name, used as the path prefix.
 */
export function validateExport(value: unknown, type: FieldType, name: string, file: string): void {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'function') throw new TypeError('a function');
      if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`the number ${v}`);
      return v;
    });
  } catch (e) {
    throw new UserError({ file, field: name, message: `must be plain data (numbers, strings, lists, objects), but it contains ${(e as Error).message}` });
  }
  if (text === undefined) throw new UserError({ file, field: name, message: 'must be an object' });
  const json = parseJsonWithPositions(text, file);
  const validator = new SpecValidator(file, json.lines);
  validator.checkField(json.root, type, name);
  const first = validator.errors[0];
  if (first) {
    // Positions are in the JSON text made here, not in the module: drop them.
    const field = first.field ?? name;
    const message = first.message.startsWith(`${field}: `) ? first.message.slice(field.length + 2) : first.message;
    throw new UserError({ file, field, message });
  }
}
