// Property tests: no input makes the parser or evaluator throw anything but
// the two expression errors, and random well-formed trees, printed as text,
// evaluate to what an independent reference computation says.

import { strict as assert } from 'assert';
import fc from 'fast-check';
import {
  evaluate,
  ExpressionEvalError,
  ExpressionSyntaxError,
  isTruthy,
  parseExpression,
  printExpression,
  scopeFromObject,
  type Expr,
} from '../../src/shared/expression';

const data = {
  loss: 0.3,
  zero: 0,
  neg: -2,
  nan: NaN,
  inf: Infinity,
  flag: true,
  missing: null,
  layers: {
    a: { g: 1, m: -0.5 },
    'b/1': { g: 0, m: null },
    c: { g: NaN, m: 3 },
    d: {},
  },
};
const scope = scopeFromObject(data);
const LAYERS = Object.keys(data.layers) as (keyof typeof data.layers)[];

// ---- a test-side tree, printer and reference evaluator ---------------------

type Leaf = { t: 'num'; v: number } | { t: 'bool'; v: boolean } | { t: 'name'; text: string; value: number | boolean | null };
type Node =
  | Leaf
  | { t: 'wild'; field: 'g' | 'm' }
  | { t: 'paren'; x: Node }
  | { t: 'un'; op: '-' | '+' | '!'; x: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'fn'; f: string; args: Node[] }
  | { t: 'agg'; f: string; args: Node[] };

const NAMES: Leaf[] = [
  { t: 'name', text: 'loss', value: 0.3 },
  { t: 'name', text: 'zero', value: 0 },
  { t: 'name', text: 'neg', value: -2 },
  { t: 'name', text: 'nan', value: NaN },
  { t: 'name', text: 'inf', value: Infinity },
  { t: 'name', text: 'flag', value: true },
  { t: 'name', text: 'missing', value: null },
  { t: 'name', text: 'layers.a.g', value: 1 },
  { t: 'name', text: 'layers["b/1"].m', value: null },
  { t: 'name', text: "layers['c'].m", value: 3 },
];
const BINARY = ['||', '&&', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '**'];
const SCALAR = ['abs', 'sqrt', 'log', 'log10', 'exp', 'isNaN', 'isFinite'];
const AGGREGATE = ['min', 'max', 'sum', 'mean', 'count', 'any', 'all'];

const PREC: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, '**': 7 };
const ATOM = 9;

function print(n: Node): [string, number] {
  switch (n.t) {
    case 'num':
      return [Number.isNaN(n.v) ? 'NaN' : n.v === Infinity ? 'Infinity' : String(n.v), ATOM];
    case 'bool':
      return [String(n.v), ATOM];
    case 'name':
      return [n.text, ATOM];
    case 'wild':
      return [`layers.*.${n.field}`, ATOM];
    case 'paren':
      return [`(${print(n.x)[0]})`, ATOM];
    case 'fn':
    case 'agg':
      return [`${n.f}(${n.args.map((a) => print(a)[0]).join(', ')})`, ATOM];
    case 'un': {
      const [x, p] = print(n.x);
      return [`${n.op}${p < 6 ? `(${x})` : x}`, 6];
    }
    case 'bin': {
      const p = PREC[n.op];
      const [l, lp] = print(n.l);
      const [r, rp] = print(n.r);
      if (n.op === '**') return [`${lp < ATOM ? `(${l})` : l} ** ${rp < 6 ? `(${r})` : r}`, p];
      const lParens = lp < p || (p === 3 && lp === 3);
      return [`${lParens ? `(${l})` : l} ${n.op} ${rp <= p ? `(${r})` : r}`, p];
    }
  }
}

class Skip {}

/** Reference semantics, written from the documentation, independently of the evaluator. */
function reference(n: Node, layer?: keyof typeof data.layers): number | boolean {
  const num = (x: Node): number => Number(reference(x, layer));
  const truthy = (x: Node): boolean => {
    const v = reference(x, layer);
    return typeof v === 'boolean' ? v : v !== 0 && !Number.isNaN(v);
  };
  switch (n.t) {
    case 'num':
    case 'bool':
      return n.v;
    case 'name':
      return n.value === null ? NaN : n.value;
    case 'wild': {
      const v = layer === undefined ? undefined : (data.layers[layer] as Record<string, number | null | undefined>)[n.field];
      if (v === null || v === undefined) throw new Skip();
      return v;
    }
    case 'paren':
      return reference(n.x, layer);
    case 'un':
      return n.op === '!' ? !truthy(n.x) : n.op === '-' ? -num(n.x) : num(n.x);
    case 'bin': {
      if (n.op === '&&') return truthy(n.l) && truthy(n.r);
      if (n.op === '||') return truthy(n.l) || truthy(n.r);
      const a = num(n.l);
      const b = num(n.r);
      const ops: Record<string, (a: number, b: number) => number | boolean> = {
        '==': (x, y) => x === y,
        '!=': (x, y) => x !== y,
        '<': (x, y) => x < y,
        '<=': (x, y) => x <= y,
        '>': (x, y) => x > y,
        '>=': (x, y) => x >= y,
        '+': (x, y) => x + y,
        '-': (x, y) => x - y,
        '*': (x, y) => x * y,
        '/': (x, y) => x / y,
        '%': (x, y) => x % y,
        '**': (x, y) => Math.pow(x, y),
      };
      return ops[n.op](a, b);
    }
    case 'fn': {
      const x = num(n.args[0]);
      const fns: Record<string, (x: number) => number | boolean> = {
        abs: Math.abs,
        sqrt: Math.sqrt,
        log: Math.log,
        log10: Math.log10,
        exp: Math.exp,
        isNaN: (v) => Number.isNaN(v),
        isFinite: (v) => Number.isFinite(v),
      };
      return fns[n.f](x);
    }
    case 'agg': {
      const values: (number | boolean)[] = [];
      for (const arg of n.args) {
        if (!hasWildcard(arg)) {
          values.push(reference(arg, layer));
          continue;
        }
        for (const l of LAYERS) {
          // A layer is skipped when any wildcard field of the argument has no value.
          if (
            wildFields(arg).some((f) => {
              const v = (data.layers[l] as Record<string, unknown>)[f];
              return v === null || v === undefined;
            })
          )
            continue;
          values.push(reference(arg, l));
        }
      }
      const nums = values.map(Number);
      const isTrue = (v: number | boolean): boolean => (typeof v === 'boolean' ? v : v !== 0 && !Number.isNaN(v));
      switch (n.f) {
        case 'min':
          return nums.length ? Math.min(...nums) : NaN;
        case 'max':
          return nums.length ? Math.max(...nums) : NaN;
        case 'sum':
          return nums.reduce((x, y) => x + y, 0);
        case 'mean':
          return nums.length ? nums.reduce((x, y) => x + y, 0) / nums.length : NaN;
        case 'count':
          return values.filter(isTrue).length;
        case 'any':
          return values.some(isTrue);
        default:
          return values.length > 0 && values.every(isTrue);
      }
    }
  }
}

function wildFields(n: Node): string[] {
  switch (n.t) {
    case 'wild':
      return [n.field];
    case 'paren':
    case 'un':
      return wildFields(n.x);
    case 'bin':
      return [...wildFields(n.l), ...wildFields(n.r)];
    case 'fn':
      return n.args.flatMap(wildFields);
    default:
      return [];
  }
}
const hasWildcard = (n: Node): boolean => wildFields(n).length > 0;

// ---- generators -------------------------------------------------------------

const number = fc
  .oneof(
    fc.integer({ min: 0, max: 1000 }),
    fc.double({ min: 0, max: 1e6, noNaN: true }).map(Math.abs),
    fc.constantFrom(0.5, 1e-6, 1e21, 5e-324, 1.7976931348623157e308, Infinity, NaN),
  )
  .map((v): Node => ({ t: 'num', v }));
const leaf: fc.Arbitrary<Node> = fc.oneof(
  number,
  fc.boolean().map((v): Node => ({ t: 'bool', v })),
  fc.constantFrom(...NAMES),
);

/** Expressions over the wildcard fields, for aggregate arguments. */
const wildExpr: fc.Arbitrary<Node> = fc.letrec<{ w: Node }>((tie) => ({
  w: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<Node>({ t: 'wild', field: 'g' }, { t: 'wild', field: 'm' }),
    fc.record({ t: fc.constant('bin' as const), op: fc.constantFrom(...BINARY), l: tie('w'), r: fc.oneof(tie('w'), leaf) }),
    fc.record({ t: fc.constant('un' as const), op: fc.constantFrom('-' as const, '+' as const, '!' as const), x: tie('w') }),
    fc.record({ t: fc.constant('fn' as const), f: fc.constantFrom(...SCALAR), args: tie('w').map((a) => [a]) }),
  ),
})).w;

const tree: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ t: fc.constant('bin' as const), op: fc.constantFrom(...BINARY), l: tie('node'), r: tie('node') }),
    fc.record({ t: fc.constant('un' as const), op: fc.constantFrom('-' as const, '+' as const, '!' as const), x: tie('node') }),
    fc.record({ t: fc.constant('paren' as const), x: tie('node') }),
    fc.record({ t: fc.constant('fn' as const), f: fc.constantFrom(...SCALAR), args: tie('node').map((a) => [a]) }),
    fc.record({
      t: fc.constant('agg' as const),
      f: fc.constantFrom(...AGGREGATE),
      args: fc.array(fc.oneof(tie('node'), wildExpr), { minLength: 1, maxLength: 3 }),
    }),
  ),
})).node;

const TOKENS = [
  'loss',
  'layers',
  'dense_1',
  '.',
  '*',
  '**',
  '[',
  ']',
  '"conv2d/1"',
  "'x",
  '0',
  '1e',
  '1e-6',
  '.5',
  '(',
  ')',
  ',',
  '+',
  '-',
  '/',
  '%',
  '!',
  '<',
  '<=',
  '==',
  '!=',
  '=',
  '&&',
  '||',
  '&',
  'max',
  'any',
  'abs',
  'isNaN',
  'NaN',
  'Infinity',
  'true',
  ' ',
  '\\',
  '#',
  'é',
  'constructor',
  '__proto__',
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join(''));

/** Parses and evaluates; returns the value, or the expression error (anything else fails the test). */
function parseAndEvaluate(source: string): { value?: number | boolean; error?: ExpressionSyntaxError | ExpressionEvalError } {
  try {
    return { value: evaluate(parseExpression(source), scope) };
  } catch (e) {
    if (e instanceof ExpressionSyntaxError || e instanceof ExpressionEvalError) {
      assert.ok(e.column >= 1 && e.column <= Math.max(source.length, 1) + 1, `column ${e.column} outside ${JSON.stringify(source)}`);
      assert.ok(e.length >= 1);
      assert.ok(e.message.length > 0);
      return { error: e };
    }
    throw e;
  }
}

/** The tree without source positions, for structural comparison. */
function shape(e: Expr): unknown {
  return JSON.parse(
    JSON.stringify(e, (key, value) =>
      key === 'start' || key === 'end' ? undefined : typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
    ),
  );
}

describe('expression fuzzing (fast-check)', () => {
  it('random text only ever raises the two expression errors', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => void parseAndEvaluate(s)),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => void parseAndEvaluate(s)),
      { numRuns: 2000 },
    );
  });

  it('random token soup only ever raises the two expression errors', () => {
    let parsed = 0;
    fc.assert(
      fc.property(tokenSoup, (s) => {
        if (parseAndEvaluate(s).value !== undefined) parsed++;
      }),
      { numRuns: 5000 },
    );
    // The soup must reach the evaluator sometimes, or the property says little.
    assert.ok(parsed > 50, `only ${parsed} token soups evaluated`);
  });

  it('printed well-formed trees evaluate like the reference computation', () => {
    fc.assert(
      fc.property(tree, (node) => {
        const [text] = print(node);
        fc.pre(text.length <= 2000);
        let expected: number | boolean;
        try {
          expected = reference(node);
        } catch (e) {
          assert.ok(e instanceof Skip);
          return;
        }
        const { value, error } = parseAndEvaluate(text);
        if (error) {
          // The only legitimate refusal of a well-formed tree is nesting deeper than the limit.
          assert.match(error.message, /nests more than 64 levels/, `${text}: ${error.message}`);
          return;
        }
        assert.ok(Object.is(value, expected), `${text} gave ${String(value)}, reference ${String(expected)}`);
        assert.equal(isTruthy(value as number | boolean), typeof expected === 'boolean' ? expected : expected !== 0 && !Number.isNaN(expected));
      }),
      { numRuns: 3000 },
    );
  });

  it('printExpression round-trips: parse(print(parse(s))) has the same tree', () => {
    fc.assert(
      fc.property(tree, (node) => {
        const [text] = print(node);
        let first: Expr;
        try {
          first = parseExpression(text);
        } catch (e) {
          assert.ok(e instanceof ExpressionSyntaxError && /nests more than|characters long/.test(e.message), String(e));
          return;
        }
        const printed = printExpression(first);
        assert.deepEqual(shape(parseExpression(printed)), shape(first), `${text} printed as ${printed}`);
      }),
      { numRuns: 2000 },
    );
  });
});
