// Turns a tree back into text with as few parentheses as the grammar allows;
// parsing the result gives the same tree (up to source positions).

import { BINARY_PRECEDENCE, COMPARISON_PRECEDENCE, UNARY_PRECEDENCE, formatPath, type Expr } from './ast';

const ATOM = 8;

function precedence(e: Expr): number {
  if (e.kind === 'binary') return BINARY_PRECEDENCE[e.op];
  if (e.kind === 'unary') return UNARY_PRECEDENCE;
  return ATOM;
}

function printNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value < 0 || Object.is(value, -0)) return `(-${printNumber(-value)})`;
  return value === Infinity ? 'Infinity' : String(value);
}

const wrap = (text: string, parens: boolean): string => (parens ? `(${text})` : text);

export function printExpression(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return printNumber(e.value);
    case 'boolean':
      return e.value ? 'true' : 'false';
    case 'name':
      return formatPath(e.segments);
    case 'call':
      return `${e.callee}(${e.args.map(printExpression).join(', ')})`;
    case 'unary': {
      // The operand of a prefix operator is another prefix expression or a power.
      const operand = printExpression(e.operand);
      const parens = precedence(e.operand) < UNARY_PRECEDENCE;
      return `${e.op}${wrap(operand, parens)}`;
    }
    case 'binary': {
      const p = BINARY_PRECEDENCE[e.op];
      const left = printExpression(e.left);
      const right = printExpression(e.right);
      if (e.op === '**') {
        // The base is an atom; the exponent may be signed or another power.
        return `${wrap(left, precedence(e.left) !== ATOM)} ** ${wrap(right, precedence(e.right) < UNARY_PRECEDENCE)}`;
      }
      const comparison = p === COMPARISON_PRECEDENCE;
      const leftParens = precedence(e.left) < p || (comparison && precedence(e.left) === p);
      const rightParens = precedence(e.right) <= p;
      return `${wrap(left, leftParens)} ${e.op} ${wrap(right, rightParens)}`;
    }
  }
}
