// The built-in functions. Scalar functions take numbers; aggregate functions
// take any number of arguments, each of which may use a `*` wildcard and then
// contributes one value per matching key (see evaluator.ts).

export type Value = number | boolean;

interface ScalarFunction {
  kind: 'scalar';
  arity: number;
  apply(args: number[]): Value;
  summary: string;
}

interface AggregateFunction {
  kind: 'aggregate';
  /** Values of all arguments, wildcards expanded, in order. */
  reduce(values: Value[]): Value;
  summary: string;
}

export type BuiltinFunction = ScalarFunction | AggregateFunction;

export function isTruthy(v: Value): boolean {
  return typeof v === 'boolean' ? v : v !== 0 && !Number.isNaN(v);
}

const unary = (fn: (x: number) => Value, summary: string): ScalarFunction => ({
  kind: 'scalar',
  arity: 1,
  apply: (args) => fn(args[0]),
  summary,
});

const numbers = (values: Value[]): number[] => values.map(Number);

// Math.min/max take their arguments on the stack; a reduce keeps huge wildcard
// expansions safe. NaN propagates, as in Math.max.
function extreme(values: Value[], pick: (a: number, b: number) => number): number {
  if (values.length === 0) return NaN;
  return numbers(values).reduce((a, b) => pick(a, b));
}

// A Map, not an object literal: `constructor` or `toString` must not look like functions.
export const FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map<string, BuiltinFunction>([
  ['abs', unary(Math.abs, 'absolute value')],
  ['sqrt', unary(Math.sqrt, 'square root (NaN for negative numbers)')],
  ['log', unary(Math.log, 'natural logarithm')],
  ['log10', unary(Math.log10, 'base-10 logarithm')],
  ['exp', unary(Math.exp, 'e to the power of x')],
  ['isNaN', unary((x) => Number.isNaN(x), 'true when x is NaN')],
  ['isFinite', unary((x) => Number.isFinite(x), 'true when x is neither NaN nor ±Infinity')],
  ['min', { kind: 'aggregate', reduce: (v) => extreme(v, Math.min), summary: 'smallest value (NaN if any is NaN or there are none)' }],
  ['max', { kind: 'aggregate', reduce: (v) => extreme(v, Math.max), summary: 'largest value (NaN if any is NaN or there are none)' }],
  ['sum', { kind: 'aggregate', reduce: (v) => numbers(v).reduce((a, b) => a + b, 0), summary: 'sum of the values (0 if there are none)' }],
  [
    'mean',
    {
      kind: 'aggregate',
      reduce: (v) => (v.length === 0 ? NaN : numbers(v).reduce((a, b) => a + b, 0) / v.length),
      summary: 'average of the values (NaN if there are none)',
    },
  ],
  ['count', { kind: 'aggregate', reduce: (v) => v.filter(isTruthy).length, summary: 'how many values are true (non-zero and not NaN)' }],
  ['any', { kind: 'aggregate', reduce: (v) => v.some(isTruthy), summary: 'true when at least one value is true' }],
  // False, not vacuously true, when nothing matched: a step without per-layer
  // statistics must not fire `all(layers.*.deadFraction > 0.5)`.
  ['all', { kind: 'aggregate', reduce: (v) => v.length > 0 && v.every(isTruthy), summary: 'true when there is at least one value and every value is true' }],
]);

export const FUNCTION_NAMES: readonly string[] = [...FUNCTIONS.keys()];
export const AGGREGATE_NAMES: readonly string[] = FUNCTION_NAMES.filter((n) => FUNCTIONS.get(n)?.kind === 'aggregate');
