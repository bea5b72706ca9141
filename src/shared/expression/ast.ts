// The syntax tree of an expression. Every node keeps its 0-based source range
// [start, end) so that evaluation errors can underline the part that failed.

interface Span {
  start: number;
  end: number;
}

/** One key of a name path: `loss` → ['loss'], `layers["conv2d/1"].mean` → ['layers', 'conv2d/1', 'mean']. */
export type PathSegment = string | number;

export type NameSegment =
  | ({ kind: 'key'; key: PathSegment } & Span)
  /** `*`: every key at this level; only inside an aggregate function. */
  | ({ kind: 'wildcard' } & Span);

type UnaryOp = '-' | '+' | '!';
export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '**';

export type Expr =
  | ({ kind: 'number'; value: number } & Span)
  | ({ kind: 'boolean'; value: boolean } & Span)
  | ({ kind: 'name'; segments: NameSegment[] } & Span)
  | ({ kind: 'unary'; op: UnaryOp; operand: Expr } & Span)
  | ({ kind: 'binary'; op: BinaryOp; left: Expr; right: Expr } & Span)
  | ({ kind: 'call'; callee: string; args: Expr[] } & Span);

export type NameExpr = Extract<Expr, { kind: 'name' }>;
export type CallExpr = Extract<Expr, { kind: 'call' }>;

/** Binding strength of binary operators (higher binds tighter); JS-like, with all comparisons on one level. */
export const BINARY_PRECEDENCE: Record<BinaryOp, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  '**': 7,
};
/** Prefix operators sit between `* / %` and `**`: `-2 ** 2` is `-(2 ** 2)`. */
export const UNARY_PRECEDENCE = 6;
export const COMPARISON_PRECEDENCE = 3;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(['true', 'false', 'NaN', 'Infinity']);

/** Whether `key` can be written after a dot (`layers.dense_1`) rather than in brackets. */
function isPlainKey(key: string, first: boolean): boolean {
  return IDENTIFIER.test(key) && !(first && RESERVED.has(key));
}

/** Writes a path the way a user would type it: `layers["conv2d/1"].mean`, `weights[0]`. */
export function formatPath(path: readonly (PathSegment | NameSegment)[]): string {
  let out = '';
  path.forEach((part, i) => {
    if (typeof part === 'object' && part.kind === 'wildcard') {
      out += i === 0 ? '*' : '.*';
      return;
    }
    const key = typeof part === 'object' ? part.key : part;
    if (typeof key === 'number') out += `[${key}]`;
    else if (isPlainKey(key, i === 0)) out += i === 0 ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  });
  return out;
}
