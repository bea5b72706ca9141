import { strict as assert } from 'assert';
import {
  checkNames,
  evaluate,
  ExpressionEvalError,
  freeNames,
  isTruthy,
  parseExpression,
  scopeFromObject,
  type Expr,
  type Scope,
  type ScopeResolver,
  type Value,
} from '../../src/shared/expression';
import { isUserError } from '../../src/shared/errors';

const step = {
  step: 120,
  epoch: 3,
  batch: 1,
  loss: 0.3,
  accuracy: 0.91,
  val_loss: 0.5,
  lr: 0.001,
  grad_norm: 2.5,
  non_finite: 0,
  layers: {
    dense_1: { gradNorm: 0.1, mean: 1, max: 20, zeroFraction: 0.95, saturatedFraction: null },
    'conv2d/1': { gradNorm: 1e-7, mean: 2, max: 5, zeroFraction: 0.6, saturatedFraction: null },
    flatten: { gradNorm: null },
  },
  weights: {
    'dense_1/kernel': { norm: 3, gradNorm: 0.09, updateRatio: 1e-3 },
    'dense_1/bias': { norm: 0.5, gradNorm: 0.01, updateRatio: null },
  },
  history: [0.9, 0.7, 0.5],
  label: 'ignored: strings are invisible',
};
const scope = scopeFromObject(step);
const run = (source: string, s: Scope | ScopeResolver = scope): Value => evaluate(parseExpression(source), s);

function evalError(source: string, s: Scope | ScopeResolver = scope): ExpressionEvalError {
  try {
    run(source, s);
  } catch (e) {
    assert.ok(e instanceof ExpressionEvalError, `expected ExpressionEvalError for ${source}, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${source} to fail`);
}

describe('expression evaluator', () => {
  it('evaluates every operator', () => {
    const table: [string, Value][] = [
      ['7 + 2', 9],
      ['7 - 2', 5],
      ['7 * 2', 14],
      ['7 / 2', 3.5],
      ['7 % 4', 3],
      ['-7 % 4', -3],
      ['2 ** 10', 1024],
      ['2 ** 0.5', Math.SQRT2],
      ['-3', -3],
      ['+3', 3],
      ['!0', true],
      ['!2', false],
      ['!NaN', true],
      ['1 < 2', true],
      ['2 < 2', false],
      ['2 <= 2', true],
      ['3 > 2', true],
      ['2 > 2', false],
      ['2 >= 2', true],
      ['2 == 2', true],
      ['2 != 2', false],
      ['0.1 + 0.2 == 0.3', false],
      ['1 && 2', true],
      ['1 && 0', false],
      ['0 || 2', true],
      ['0 || 0', false],
      ['NaN || 0', false],
      ['1 / 0', Infinity],
      ['-1 / 0', -Infinity],
      ['Infinity - Infinity', NaN],
      ['0 / 0', NaN],
      ['NaN == NaN', false],
      ['NaN != NaN', true],
      ['2 ** 3 ** 2', 512],
      ['-2 ** 2', -4],
      ['(-2) ** 2', 4],
      ['2 ** -1', 0.5],
      ['1 - 2 - 3', -4],
      ['8 / 4 / 2', 1],
    ];
    for (const [source, expected] of table) assert.ok(Object.is(run(source), expected), `${source} = ${String(run(source))}, expected ${String(expected)}`);
  });

  it('treats booleans as 1 and 0 in arithmetic and comparisons', () => {
    assert.equal(run('true + true'), 2);
    assert.equal(run('-true'), -1);
    assert.equal(run('+false'), 0);
    assert.equal(run('(loss > 0.1) * 10'), 10);
    assert.equal(run('true == 1'), true);
    assert.equal(run('false < true'), true);
    assert.equal(run('(1 < 2) + (2 < 3) + (3 < 1)'), 2);
  });

  it('isTruthy: non-zero and not NaN', () => {
    assert.deepEqual([true, false, 1, -1, 0, -0, NaN, Infinity, 1e-300].map(isTruthy), [true, false, true, true, false, false, false, true, true]);
  });

  it('short-circuits && and || (the other side is not read)', () => {
    assert.equal(run('false && nosuchname > 1'), false);
    assert.equal(run('1 < 2 || nosuchname'), true);
    assert.match(evalError('true && nosuchname').message, /unknown name 'nosuchname'/);
  });

  it('evaluates the scalar functions', () => {
    const table: [string, Value][] = [
      ['abs(-2.5)', 2.5],
      ['sqrt(16)', 4],
      ['sqrt(-1)', NaN],
      ['log(exp(2))', 2],
      ['log(0)', -Infinity],
      ['log10(1000)', 3],
      ['exp(0)', 1],
      ['isNaN(0 / 0)', true],
      ['isNaN(1)', false],
      ['isFinite(1 / 0)', false],
      ['isFinite(NaN)', false],
      ['isFinite(loss)', true],
      ['isNaN(true)', false],
    ];
    for (const [source, expected] of table) assert.ok(Object.is(run(source), expected), `${source} = ${String(run(source))}`);
  });

  it('evaluates n-ary aggregates without wildcards', () => {
    assert.equal(run('min(3, 1, 2)'), 1);
    assert.equal(run('max(3, 1, 2)'), 3);
    assert.equal(run('max(loss, val_loss)'), 0.5);
    assert.ok(Number.isNaN(run('max(1, NaN)') as number));
    assert.equal(run('sum(1, 2, true)'), 4);
    assert.equal(run('mean(1, 2, 6)'), 3);
    assert.equal(run('count(1, 0, NaN, 5)'), 2);
    assert.equal(run('any(0, loss > 0.2)'), true);
    assert.equal(run('all(1, loss > 0.5)'), false);
    assert.equal(run('all(1, 2)'), true);
    assert.equal(run('max(7)'), 7);
  });

  it("evaluates the brief's examples", () => {
    assert.equal(run('loss < 0.05'), false);
    assert.equal(run('epoch == 3 && batch == 1'), true);
    assert.equal(run('val_loss > 1.2 * loss'), true);
    assert.equal(run('layers.dense_1.gradNorm < 1e-6'), false);
    assert.equal(run('layers["conv2d/1"].gradNorm < 1e-6'), true);
    assert.equal(run('layers["conv2d/1"].zeroFraction > 0.5'), true);
    assert.equal(run('isNaN(loss) || grad_norm > 100'), false);
    assert.equal(run('max(layers.*.gradNorm) / min(layers.*.gradNorm) > 1e4'), true);
    assert.equal(run('any(layers.*.zeroFraction > 0.9)'), true);
    assert.equal(run('weights["dense_1/kernel"].updateRatio'), 1e-3);
  });

  describe('wildcards', () => {
    it('expand over every key of the group and skip keys without a value', () => {
      // flatten has gradNorm: null, so it takes no part.
      assert.equal(run('count(layers.*.gradNorm > 0)'), 2);
      assert.equal(run('sum(layers.*.gradNorm)'), 0.1 + 1e-7);
      assert.equal(run('mean(layers.*.mean)'), 1.5);
      assert.equal(run('min(layers.*.max)'), 5);
      assert.equal(run('all(layers.*.zeroFraction > 0.5)'), true);
      assert.equal(run('all(layers.*.zeroFraction > 0.9)'), false);
      assert.equal(run('any(layers.*.zeroFraction > 0.99)'), false);
      assert.equal(run('max(weights.*.norm)'), 3);
      assert.equal(run('count(weights.*.updateRatio >= 0)'), 1);
      assert.equal(run('max(history.*)'), 0.9);
      assert.equal(run('sum(history.*) / count(history.* > -1)'), (0.9 + 0.7 + 0.5) / 3);
    });

    it('bind every * of one argument to the same key', () => {
      // Only dense_1 has max > 10 * mean (20 > 10); conv2d/1 has 5 < 20.
      assert.equal(run('count(layers.*.max > 10 * layers.*.mean)'), 1);
      assert.equal(run('sum(layers.*.max * layers.*.mean)'), 20 * 1 + 5 * 2);
    });

    it('mix wildcard and plain arguments', () => {
      assert.equal(run('max(layers.*.mean, 10)'), 10);
      assert.equal(run('min(layers.*.mean, 10)'), 1);
      assert.equal(run('count(layers.*.mean, 0, 1)'), 3);
    });

    it('nest: a * inside an inner aggregate belongs to the inner call', () => {
      assert.equal(run('count(layers.*.gradNorm > mean(layers.*.gradNorm))'), 1);
      assert.equal(run('any(abs(layers.*.mean - mean(layers.*.mean)) > 0.4)'), true);
    });

    it('nested aggregates over many keys cost keys × size, not keys ^ depth', () => {
      const layers: Record<string, { g: number }> = {};
      // Small enough that a regression fails in seconds (20 ^ 5 reads) instead of hanging.
      for (let i = 0; i < 20; i++) layers[`l${i}`] = { g: i };
      const inner = scopeFromObject({ layers });
      let reads = 0;
      const counting: Scope = { get: (p) => (reads++, inner.get(p)), keys: (p) => inner.keys(p) };
      let source = 'mean(layers.*.g)';
      for (let depth = 0; depth < 4; depth++) source = `mean(layers.*.g + 0 * ${source})`;
      assert.equal(run(source, counting), 9.5);
      // 5 aggregates × 20 keys × (validation + value check + read) reads.
      assert.ok(reads <= 5 * 20 * 3, `${reads} reads`);
    });

    it('over an empty group: sum and count 0, min/max/mean NaN, any and all false', () => {
      const empty = scopeFromObject({ layers: {} });
      assert.equal(run('sum(layers.*.gradNorm)', empty), 0);
      assert.equal(run('count(layers.*.gradNorm)', empty), 0);
      assert.ok(Number.isNaN(run('max(layers.*.gradNorm)', empty) as number));
      assert.ok(Number.isNaN(run('min(layers.*.gradNorm)', empty) as number));
      assert.ok(Number.isNaN(run('mean(layers.*.gradNorm)', empty) as number));
      assert.equal(run('any(layers.*.deadFraction > 0.5)', empty), false);
      assert.equal(run('all(layers.*.deadFraction > 0.5)', empty), false);
    });

    it('report a mistyped field after * with a suggestion', () => {
      const e = evalError('max(layers.*.gradNrm)');
      assert.equal(
        e.message,
        "unknown name 'layers.*.gradNrm' — did you mean 'layers.*.gradNorm'? (known under 'layers.*': gradNorm, mean, max, zeroFraction, saturatedFraction)",
      );
      assert.deepEqual([e.column, e.length], [14, 7]);
      const g = evalError('max(layerz.*.gradNorm)');
      assert.equal(
        g.message,
        "unknown name 'layerz' — did you mean 'layers'? (known: step, epoch, batch, loss, accuracy, val_loss, lr, grad_norm, … (12 in all))",
      );
      assert.deepEqual([g.column, g.length], [5, 6]);
      const n = evalError('max(loss.*)');
      assert.equal(n.message, "'loss' is a number, not a group of names: '*' needs a group such as 'layers'");
      assert.equal(n.column, 10);
    });
  });

  describe('names', () => {
    it('read null as NaN (exists, not measured)', () => {
      assert.ok(Number.isNaN(run('layers.flatten.gradNorm') as number));
      assert.equal(run('layers.dense_1.saturatedFraction > 0.5'), false);
      assert.equal(run('weights["dense_1/bias"].updateRatio > 0 || true'), true);
    });

    it('index arrays by number', () => {
      assert.equal(run('history[0] - history[2]'), 0.9 - 0.5);
      assert.match(evalError('history[3]').message, /^unknown name 'history\[3\]' \(known under 'history': 0, 1, 2\)$/);
    });

    const unknown: [string, string, number, number][] = [
      ['los < 1', "unknown name 'los' — did you mean 'loss'? (known: step, epoch, batch, loss, accuracy, val_loss, lr, grad_norm, … (12 in all))", 1, 3],
      ['Loss', "unknown name 'Loss' — did you mean 'loss'? (known: step, epoch, batch, loss, accuracy, val_loss, lr, grad_norm, … (12 in all))", 1, 4],
      ['1 + zzz', "unknown name 'zzz' (known: step, epoch, batch, loss, accuracy, val_loss, lr, grad_norm, … (12 in all))", 5, 3],
      ['layers.dense_2.gradNorm', "unknown name 'layers.dense_2' — did you mean 'layers.dense_1'? (known under 'layers': dense_1, conv2d/1, flatten)", 8, 7],
      [
        'layers.dense_1.gradnorm',
        "unknown name 'layers.dense_1.gradnorm' — did you mean 'layers.dense_1.gradNorm'? (known under 'layers.dense_1': gradNorm, mean, max, zeroFraction, saturatedFraction)",
        16,
        8,
      ],
      [
        'layers["conv2d/2"].mean',
        `unknown name 'layers["conv2d/2"]' — did you mean 'layers["conv2d/1"]'? (known under 'layers': dense_1, conv2d/1, flatten)`,
        8,
        10,
      ],
      ['loss.value', "'loss' is a number; it has no 'value' below it", 6, 5],
      [
        'layers.dense_1',
        "'layers.dense_1' is a group of names, not a number; use one of them, e.g. 'layers.dense_1.gradNorm', 'layers.dense_1.mean', 'layers.dense_1.max', 'layers.dense_1.zeroFraction'",
        1,
        14,
      ],
      ['label', "unknown name 'label' (known: step, epoch, batch, loss, accuracy, val_loss, lr, grad_norm, … (12 in all))", 1, 5],
      ['constructor', "unknown name 'constructor' (known: step, epoch, batch, loss, accuracy, val_loss, lr, grad_norm, … (12 in all))", 1, 11],
      ['layers.__proto__', "unknown name 'layers.__proto__' (known under 'layers': dense_1, conv2d/1, flatten)", 8, 9],
    ];
    for (const [source, message, column, length] of unknown) {
      it(`explains ${source}`, () => {
        const e = evalError(source);
        assert.deepEqual({ message: e.message, column: e.column, length: e.length }, { message, column, length });
        assert.ok(isUserError(e));
      });
    }

    it('knownNamesHint: names of the run missing at this step read as NaN and are suggested', () => {
      const early = scopeFromObject({ loss: 1, epoch: 0 }, ['loss', 'epoch', 'val_loss', 'val_accuracy']);
      assert.ok(Number.isNaN(run('val_loss', early) as number));
      assert.equal(run('val_loss > 1.2 * loss', early), false);
      assert.equal(
        evalError('val_acuracy', early).message,
        "unknown name 'val_acuracy' — did you mean 'val_accuracy'? (known: loss, epoch, val_loss, val_accuracy)",
      );
    });

    it('says when no names are available', () => {
      assert.equal(evalError('loss', scopeFromObject({})).message, "unknown name 'loss' (no names are available yet)");
      assert.equal(evalError('loss', scopeFromObject(null)).message, "unknown name 'loss' (no names are available yet)");
    });
  });

  describe('scopes', () => {
    it('accepts a resolver function that returns objects for groups', () => {
      const resolver: ScopeResolver = (path) => {
        let v: unknown = step;
        for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[String(k)] : undefined;
        return v as ReturnType<ScopeResolver>;
      };
      assert.equal(run('max(layers.*.gradNorm) / min(layers.*.gradNorm) > 1e4', resolver), true);
      assert.equal(evalError('los', resolver).message.startsWith("unknown name 'los' — did you mean 'loss'?"), true);
    });

    it('turns a throwing or misbehaving custom scope into ExpressionEvalError', () => {
      const throwing: Scope = {
        get: () => {
          throw new TypeError('boom');
        },
        keys: () => [],
      };
      assert.equal(evalError('loss', throwing).message, "could not read 'loss': boom");
      const stringy = { get: () => 'high' as unknown as number, keys: () => [] } satisfies Scope;
      assert.equal(evalError('loss', stringy).message, "the value of 'loss' is a string, not a number");
      const badKeys = { get: () => undefined, keys: () => 42 as unknown as string[] } satisfies Scope;
      assert.equal(evalError('max(layers.*.x)', badKeys).message, "the names under 'layers' are not a list");
    });

    it('rejects hand-built trees that the parser would refuse', () => {
      const wildcard: Expr = {
        kind: 'name',
        segments: [
          { kind: 'key', key: 'layers', start: 0, end: 6 },
          { kind: 'wildcard', start: 7, end: 8 },
        ],
        start: 0,
        end: 8,
      };
      assert.match(evalError2(wildcard).message, /^'\*' can only be used inside min, max/);
      const call = (callee: string, args: Expr[]): Expr => ({ kind: 'call', callee, args, start: 0, end: 5 });
      const one: Expr = { kind: 'number', value: 1, start: 0, end: 1 };
      assert.equal(evalError2(call('eval', [one])).message, "unknown function 'eval'");
      assert.equal(evalError2(call('abs', [one, one])).message, "'abs' takes 1 argument(s), got 2");
      assert.equal(evalError2(call('max', [])).message, "'max' needs at least one argument");
      assert.equal(evalError2({ kind: 'while' } as unknown as Expr).message, "unsupported expression node 'while'");
      let deep: Expr = one;
      for (let i = 0; i < 200_000; i++) deep = { kind: 'unary', op: '-', operand: deep, start: 0, end: 1 };
      assert.match(evalError2(deep).message, /^could not evaluate the expression: Maximum call stack size exceeded/);
    });
  });

  it('freeNames lists each path once, wildcards as *', () => {
    assert.deepEqual(freeNames(parseExpression('loss < 0.1 && (loss > val_loss || max(layers.*.gradNorm) > layers["conv2d/1"].gradNorm) && weights[0].norm')), [
      ['loss'],
      ['val_loss'],
      ['layers', '*', 'gradNorm'],
      ['layers', 'conv2d/1', 'gradNorm'],
      ['weights', 0, 'norm'],
    ]);
    assert.deepEqual(freeNames(parseExpression('1 + abs(-2)')), []);
  });

  it('checkNames reports every unknown name without evaluating', () => {
    const source = 'false && los > 1 || max(layers.*.gradNrm) > layers.dense_1.gradNorm + acuracy';
    const errors = checkNames(parseExpression(source), scope);
    const at = (text: string): number => source.indexOf(text) + 1;
    assert.deepEqual(
      errors.map((e) => [e.message.split(' — ')[0], e.column]),
      [
        ["unknown name 'los'", at('los')],
        ["unknown name 'layers.*.gradNrm'", at('gradNrm')],
        ["unknown name 'acuracy'", at('acuracy')],
      ],
    );
    assert.deepEqual([at('los'), at('gradNrm'), at('acuracy')], [10, 34, 71]);
    assert.deepEqual(checkNames(parseExpression('max(layers.*.gradNorm) > layers.flatten.gradNorm'), scope), []);
  });
});

function evalError2(expr: Expr): ExpressionEvalError {
  try {
    evaluate(expr, scope);
  } catch (e) {
    assert.ok(e instanceof ExpressionEvalError, String(e));
    return e;
  }
  assert.fail('expected an evaluation error');
}
