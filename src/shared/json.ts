// The JSON of the trainer protocol and of run traces. JSON has no NaN or
// Infinity, and training statistics have them (a diverged loss, an empty
// histogram's bounds). No Node imports: browser bundles use it too.
//
// A non-finite number is written as the string
// "NaN", "Infinity" or "-Infinity". So that a real string with one of those
// values survives, a string of the form `\…\NaN` (zero or more backslashes,
// then NaN / Infinity / -Infinity) is written with one more leading
// backslash, and the reader removes one.

const NON_FINITE_SPELLING = /^\\*(?:NaN|-?Infinity)$/;

function encodeValue(_key: string, value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  if (typeof value === 'string' && NON_FINITE_SPELLING.test(value)) return '\\' + value;
  return value;
}

function decodeString(value: string): unknown {
  if (!NON_FINITE_SPELLING.test(value)) return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return value.slice(1);
}

/** Decodes the spellings in place (about 3x faster than a JSON.parse reviver). */
function decodeInPlace(value: unknown): unknown {
  if (typeof value === 'string') return decodeString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeInPlace(value[i]);
  } else {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const child = object[key];
      const decoded = decodeInPlace(child);
      // defineProperty, not assignment: a "__proto__" key must stay a plain property.
      if (decoded !== child) Object.defineProperty(object, key, { value: decoded, writable: true, enumerable: true, configurable: true });
    }
  }
  return value;
}

/** `value` as one line of JSON, non-finite numbers spelled as strings. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, encodeValue);
}

/** Parses one JSON text written by `encodeJson` (JSON.parse errors propagate). */
export function decodeJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // Only texts containing one of the spellings need decoding.
  if (!text.includes('NaN') && !text.includes('Infinity')) return value;
  return decodeInPlace(value);
}
