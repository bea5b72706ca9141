import { strict as assert } from 'assert';
import { ExpressionSyntaxError, MAX_EXPRESSION_LENGTH, parseExpression, printExpression, type Expr } from '../../src/shared/expression';
import { isUserError } from '../../src/shared/errors';

/** Fully parenthesised rendering, written independently of the library's printer. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return String(e.value);
    case 'boolean':
      return String(e.value);
    case 'name':
      return e.segments.map((s) => (s.kind === 'wildcard' ? '*' : typeof s.key === 'number' ? `[${s.key}]` : s.key)).join('.');
    case 'unary':
      return `(${e.op}${show(e.operand)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'call':
      return `${e.callee}(${e.args.map(show).join(', ')})`;
  }
}

function syntaxError(source: string): ExpressionSyntaxError {
  try {
    parseExpression(source);
  } catch (e) {
    assert.ok(e instanceof ExpressionSyntaxError, `expected ExpressionSyntaxError for ${JSON.stringify(source)}, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(source)} not to parse`);
}

describe('expression parser', () => {
  describe('precedence and associativity', () => {
    const table: [string, string][] = [
      ['1 + 2 * 3', '(1 + (2 * 3))'],
      ['1 * 2 + 3', '((1 * 2) + 3)'],
      ['1 - 2 - 3', '((1 - 2) - 3)'],
      ['1 - 2 + 3', '((1 - 2) + 3)'],
      ['8 / 4 / 2', '((8 / 4) / 2)'],
      ['8 / 4 * 2', '((8 / 4) * 2)'],
      ['7 % 4 % 2', '((7 % 4) % 2)'],
      ['1 + 7 % 4', '(1 + (7 % 4))'],
      ['2 ** 3 ** 2', '(2 ** (3 ** 2))'],
      ['2 * 3 ** 2', '(2 * (3 ** 2))'],
      ['a ** b * c', '((a ** b) * c)'],
      ['-2 ** 2', '(-(2 ** 2))'],
      ['(-2) ** 2', '((-2) ** 2)'],
      ['2 ** -1', '(2 ** (-1))'],
      ['2 ** -3 ** 2', '(2 ** (-(3 ** 2)))'],
      ['+a ** 2', '(+(a ** 2))'],
      ['-a * b', '((-a) * b)'],
      ['a * -b', '(a * (-b))'],
      ['1 - -1', '(1 - (-1))'],
      ['- - a', '(-(-a))'],
      ['!!a', '(!(!a))'],
      ['!a && b', '((!a) && b)'],
      ['!a < b', '((!a) < b)'],
      ['a || b && c', '(a || (b && c))'],
      ['a && b || c', '((a && b) || c)'],
      ['a || b || c', '((a || b) || c)'],
      ['a && b && c', '((a && b) && c)'],
      ['a + b < c * d', '((a + b) < (c * d))'],
      ['a == b && c != d', '((a == b) && (c != d))'],
      ['a <= b || a >= c', '((a <= b) || (a >= c))'],
      ['(a < b) == (c < d)', '((a < b) == (c < d))'],
      ['(1 + 2) * 3', '((1 + 2) * 3)'],
      ['max(1, 2 + 3) * 2', '(max(1, (2 + 3)) * 2)'],
      ['abs(-x) ** 2', '(abs((-x)) ** 2)'],
    ];
    for (const [source, expected] of table) {
      it(`${source}  →  ${expected}`, () => assert.equal(show(parseExpression(source)), expected));
    }
  });

  it('parses every operator to the right node', () => {
    for (const op of ['||', '&&', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '**']) {
      const e = parseExpression(`a ${op} b`);
      assert.equal(e.kind, 'binary');
      assert.equal(e.kind === 'binary' && e.op, op);
    }
    for (const op of ['-', '+', '!']) {
      const e = parseExpression(`${op}a`);
      assert.equal(e.kind === 'unary' && e.op, op);
    }
  });

  it('reads numbers in every format', () => {
    const table: [string, number][] = [
      ['3', 3],
      ['0.05', 0.05],
      ['1e-6', 1e-6],
      ['1E3', 1000],
      ['1e+3', 1000],
      ['2.5e2', 250],
      ['.5', 0.5],
      ['5.', 5],
      ['007', 7],
      ['0', 0],
      ['1.5E-3', 0.0015],
    ];
    for (const [source, value] of table) {
      const e = parseExpression(source);
      assert.deepEqual([e.kind, e.kind === 'number' && e.value], ['number', value], source);
    }
    const nan = parseExpression('NaN');
    assert.ok(nan.kind === 'number' && Number.isNaN(nan.value));
    const inf = parseExpression('Infinity');
    assert.ok(inf.kind === 'number' && inf.value === Infinity);
    assert.deepEqual(show(parseExpression('true || false')), '(true || false)');
    assert.equal(parseExpression('true').kind, 'boolean');
  });

  it('reads dotted, bracketed and wildcard names with their positions', () => {
    const keys = (source: string): unknown[] => {
      const e = parseExpression(source);
      assert.equal(e.kind, 'name', source);
      return e.kind === 'name' ? e.segments.map((s) => (s.kind === 'wildcard' ? { wildcard: true } : s.key)) : [];
    };
    assert.deepEqual(keys('loss'), ['loss']);
    assert.deepEqual(keys('layers.dense_1.gradNorm'), ['layers', 'dense_1', 'gradNorm']);
    assert.deepEqual(keys('layers["conv2d/1"].zeroFraction'), ['layers', 'conv2d/1', 'zeroFraction']);
    assert.deepEqual(keys("layers['a b'] . mean"), ['layers', 'a b', 'mean']);
    assert.deepEqual(keys('weights[0].norm'), ['weights', 0, 'norm']);
    assert.deepEqual(keys('a["q\\"x\\\\"]'), ['a', 'q"x\\']);
    assert.deepEqual(keys('$x._y.true'), ['$x', '_y', 'true']);
    assert.deepEqual(keys('a.*'.replace('a.*', 'a')), ['a']);
    const agg = parseExpression('max(layers.*.gradNorm)');
    assert.ok(agg.kind === 'call' && agg.args[0].kind === 'name');
    const name = agg.kind === 'call' && agg.args[0].kind === 'name' ? agg.args[0] : undefined;
    assert.deepEqual(
      name?.segments.map((s) => [s.kind, s.start, s.end]),
      [
        ['key', 4, 10],
        ['wildcard', 11, 12],
        ['key', 13, 21],
      ],
    );
    assert.deepEqual([name?.start, name?.end], [4, 21]);
    assert.deepEqual([agg.start, agg.end], [0, 22]);
  });

  it('keeps source ranges on operators and calls', () => {
    const e = parseExpression('  loss <  1e-3 ');
    assert.deepEqual([e.start, e.end], [2, 14]);
    assert.ok(e.kind === 'binary');
    assert.deepEqual(e.kind === 'binary' && [e.right.start, e.right.end], [10, 14]);
  });

  describe('syntax errors: message, column, length', () => {
    const table: [string, string, number, number][] = [
      ['', "the expression is empty; write a condition such as 'loss < 0.05'", 1, 1],
      ['   ', "the expression is empty; write a condition such as 'loss < 0.05'", 1, 3],
      ['loss < ', "expected a number or a name after '<' at column 8", 8, 1],
      ['loss <', "expected a number or a name after '<' at column 7", 7, 1],
      ['loss < )', "expected a number or a name after '<' at column 8, found ')'", 8, 1],
      ['1 +', "expected a number or a name after '+' at column 4", 4, 1],
      [')', "expected a number or a name at column 1, found ')'", 1, 1],
      ['* 2', "expected a number or a name at column 1, found '*'", 1, 1],
      [
        'loss < 1 < 2',
        "comparisons cannot be chained at column 10: write 'a < b && b < c' instead of 'a < b < c' (or add parentheses to compare a comparison's true/false result)",
        10,
        1,
      ],
      [
        'a == b != c',
        "comparisons cannot be chained at column 8: write 'a < b && b < c' instead of 'a < b < c' (or add parentheses to compare a comparison's true/false result)",
        8,
        2,
      ],
      [
        'a < b && c > d > e',
        "comparisons cannot be chained at column 16: write 'a < b && b < c' instead of 'a < b < c' (or add parentheses to compare a comparison's true/false result)",
        16,
        1,
      ],
      [
        'mx(loss)',
        "unknown function 'mx' at column 1; did you mean 'max'? (functions: abs, sqrt, log, log10, exp, isNaN, isFinite, min, max, sum, mean, count, any, all)",
        1,
        2,
      ],
      ['foo(1)', "unknown function 'foo' at column 1 (functions: abs, sqrt, log, log10, exp, isNaN, isFinite, min, max, sum, mean, count, any, all)", 1, 3],
      ['abs(1, 2)', "'abs' at column 1 takes 1 argument, got 2", 1, 9],
      ['isNaN()', "'isNaN' at column 1 takes 1 argument, got 0", 1, 7],
      ['max()', "'max' at column 1 needs at least one argument, e.g. max(layers.*.gradNorm)", 1, 5],
      ['layers.*.gradNorm > 1', "'*' at column 8 can only be used inside min, max, sum, mean, count, any, all, e.g. max(layers.*.gradNorm)", 8, 1],
      ['abs(layers.*.mean)', "'*' at column 12 can only be used inside min, max, sum, mean, count, any, all, e.g. max(layers.*.gradNorm)", 12, 1],
      ['max(a.*.b.*)', "a name can contain only one '*' (the first is at column 7, another at column 11)", 11, 1],
      ['(loss', "missing ')' to close the '(' at column 1", 1, 1],
      ['(loss accuracy', "expected ')' to close the '(' at column 1, found 'accuracy' at column 7", 7, 8],
      ['loss)', "unexpected ')' at column 5: there is no '(' to close", 5, 1],
      ['loss accuracy', "unexpected 'accuracy' at column 6: expected an operator such as '<', '+' or '&&', or the end of the expression", 6, 8],
      ['true.x', "unexpected '.' at column 5: expected an operator such as '<', '+' or '&&', or the end of the expression", 5, 1],
      ['()', "expected an expression inside the '( )' at column 1", 1, 2],
      ['max(1 2)', "expected ',' or ')' after argument 1 of 'max' at column 7, found '2'", 7, 1],
      ['max(1,', "expected a number or a name after ',' at column 7", 7, 1],
      ['max(1,,2)', "expected a number or a name after ',' at column 7, found ','", 7, 1],
      ['abs(,)', "expected a number or a name after '(' at column 5, found ','", 5, 1],
      ['max(1', "missing ')' to close 'max(' at column 1", 1, 4],
      ['a.', "expected a name or '*' after '.' at column 3", 3, 1],
      ['a.5', "expected a name or '*' after '.' at column 3, found '5'; to index by number write [5]", 3, 1],
      ['a."x"', `expected a name or '*' after '.' at column 3, found '"x"'; write ["x"] for a quoted name`, 3, 3],
      ['a[', `expected a quoted name or a whole number inside '[ ]' at column 3, e.g. layers["conv2d/1"] or weights[0]`, 3, 1],
      ['a[1.5]', `expected a quoted name or a whole number inside '[ ]' at column 3, found '1.5', e.g. layers["conv2d/1"] or weights[0]`, 3, 3],
      ['a[x]', `expected a quoted name or a whole number inside '[ ]' at column 3, found 'x', e.g. layers["conv2d/1"] or weights[0]`, 3, 1],
      ['a[-1]', `expected a quoted name or a whole number inside '[ ]' at column 3, found '-', e.g. layers["conv2d/1"] or weights[0]`, 3, 1],
      ['a["x"', "expected ']' to close the '[' at column 2", 2, 1],
      ['a[0', "expected ']' to close the '[' at column 2", 2, 1],
      ['a["x" 1', "expected ']' to close the '[' at column 2, found '1' at column 7", 7, 1],
      ['a[*]', "'[*]' at column 2 is not allowed; write '.*' for every key", 2, 3],
      ['a.b(1)', "'(' at column 4 follows a dotted name; only built-in functions can be called", 4, 1],
      ['"x"', 'the quoted name "x" at column 1 must follow a name in brackets, e.g. layers["conv2d/1"]', 1, 3],
      ['a["x', 'missing the closing " of the quoted name that starts at column 3', 3, 2],
      ['a["\\q"]', "unknown escape '\\q' at column 4 in a quoted name; only \\\\, \\\", \\n and \\t are allowed", 4, 2],
      ['1e', "invalid number '1e' at column 1: expected digits after the exponent 'e'", 1, 2],
      ['1e+', "invalid number '1e+' at column 1: expected digits after the exponent 'e'", 1, 3],
      ['3abc', "invalid number '3abc' at column 1", 1, 4],
      ['1..2', "invalid number '1..2' at column 1", 1, 4],
      ['#', "unexpected character '#' at column 1", 1, 1],
      ['a @ b', "unexpected character '@' at column 3", 3, 1],
      ['\u0001', "unexpected character 'U+0001' at column 1", 1, 1],
      ['a = 1', "'=' at column 3 is not an operator; use '==' to compare", 3, 1],
      ['a === 1', "'===' at column 3 is not an operator; use '=='", 3, 3],
      ['a !== 1', "'!==' at column 3 is not an operator; use '!='", 3, 3],
      ['a & b', "'&' at column 3 is not an operator; use '&&' for 'and'", 3, 1],
      ['a | b', "'|' at column 3 is not an operator; use '||' for 'or'", 3, 1],
      ['2 ^ 3', "'^' at column 3 is not an operator; use '**' for powers", 3, 1],
      ['a <> b', "'<>' at column 3 is not an operator; use '!='", 3, 2],
    ];
    for (const [source, message, column, length] of table) {
      it(JSON.stringify(source), () => {
        const e = syntaxError(source);
        assert.deepEqual({ message: e.message, column: e.column, length: e.length }, { message, column, length });
        assert.deepEqual(e.toJSON(), { message, column, length });
      });
    }
  });

  it('syntax errors are user errors with the column in their info', () => {
    const e = syntaxError('loss <');
    assert.ok(isUserError(e));
    assert.deepEqual(e.info, { message: "expected a number or a name after '<' at column 7", column: 7 });
    assert.equal(e.name, 'ExpressionSyntaxError');
  });

  describe('limits', () => {
    it(`rejects text longer than ${MAX_EXPRESSION_LENGTH} characters`, () => {
      const long = 'loss + '.repeat(300) + '1';
      const e = syntaxError(long);
      assert.equal(e.message, `the expression is ${long.length} characters long; the limit is 2000: shorten it`);
      assert.deepEqual([e.column, e.length], [2001, long.length - 2000]);
      const exact = '1' + ' '.repeat(MAX_EXPRESSION_LENGTH - 1);
      assert.equal(show(parseExpression(exact)), '1');
    });

    it('accepts 64 levels of nesting and rejects 65', () => {
      const nest = (n: number): string => '('.repeat(n) + '1' + ')'.repeat(n);
      assert.equal(show(parseExpression(nest(64))), '1');
      const e = syntaxError(nest(65));
      assert.deepEqual([e.message, e.column], ['the expression nests more than 64 levels deep at column 65; simplify it', 65]);
      assert.equal(show(parseExpression('-'.repeat(64) + '1')).length, 64 * 3 + 1);
      assert.equal(syntaxError('-'.repeat(65) + '1').column, 65);
      assert.equal(syntaxError('abs('.repeat(65) + '1' + ')'.repeat(65)).column, 4 * 64 + 4);
      assert.equal(syntaxError('2 ** '.repeat(65) + '2').column, 5 * 64 + 3);
    });

    it('10,000 open parentheses give an error, not a crash', () => {
      const e = syntaxError('('.repeat(10_000));
      assert.match(e.message, /^the expression is 10000 characters long; the limit is 2000/);
      const under = syntaxError('('.repeat(1999) + '1');
      assert.match(under.message, /nests more than 64 levels deep at column 65/);
      assert.match(syntaxError('!'.repeat(1999) + 'a').message, /nests more than 64 levels/);
      assert.match(syntaxError('max('.repeat(499)).message, /nests more than 64 levels/);
    });

    it('a long flat expression (no nesting) is fine', () => {
      const flat = Array.from({ length: 999 }, () => '1').join('+');
      assert.equal(flat.length, 1997);
      assert.equal(parseExpression(flat).kind, 'binary');
    });
  });

  describe('printExpression', () => {
    const samples = [
      'loss < 0.05',
      'epoch == 3 && batch == 1',
      'val_loss > 1.2 * loss',
      'layers["conv2d/1"].zeroFraction > 0.5',
      'isNaN(loss) || grad_norm > 100',
      'max(layers.*.gradNorm) / min(layers.*.gradNorm) > 10000',
      'any(layers.*.zeroFraction > 0.9)',
      '(a < b) == (c < d)',
      '-2 ** 2',
      '(-2) ** 2',
      '2 ** -3 ** 2',
      '(2 ** 3) ** 2',
      'a - (b - c)',
      'a - (b + c)',
      '(a || b) && c',
      '!(a && b)',
      '-(a + b)',
      'weights[0].norm',
      'NaN != Infinity',
    ];
    for (const source of samples) {
      it(`prints ${source} back unchanged`, () => assert.equal(printExpression(parseExpression(source)), source));
    }
    it('drops redundant parentheses and normalises spacing', () => {
      assert.equal(printExpression(parseExpression('((a))+(b*c)')), 'a + b * c');
      assert.equal(printExpression(parseExpression('(a*b)+c')), 'a * b + c');
      assert.equal(printExpression(parseExpression('a**(b**c)')), 'a ** b ** c');
      assert.equal(printExpression(parseExpression('layers["dense_1"]["gradNorm"]')), 'layers.dense_1.gradNorm');
    });
  });
});
