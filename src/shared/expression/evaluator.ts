// Tree-walking evaluator. No loops exist in the language, so evaluation time
// is bounded by the size of the tree times the keys a wildcard expands to.
//
// Wildcards: inside an aggregate call, each argument that mentions `*` is
// evaluated once per key of the group before the `*` (all `*` in that
// argument stand for the same key, so `any(layers.*.max > 10 * layers.*.mean)`
// compares each layer with itself). A key for which any wildcard name of the
// argument has no value (`null` or absent, e.g. a layer without weights has
// no gradNorm) is skipped, whatever the rest of the argument would do. A `*`
// inside a nested aggregate belongs to that inner call.

import { type CallExpr, type Expr, type NameExpr, type PathSegment } from './ast';
import { ExpressionEvalError, ExpressionSyntaxError } from './errors';
import { AGGREGATE_NAMES, FUNCTIONS, isTruthy, type Value } from './functions';
import { concretePath, explainMissingName, GuardedScope, wildcardKeysOf } from './names';
import { toScope, type Scope, type ScopeResolver } from './scope';

const spanError = (message: string, node: { start?: number; end?: number }): ExpressionEvalError => {
  const start = typeof node.start === 'number' ? node.start : 0;
  const end = typeof node.end === 'number' ? node.end : start + 1;
  return new ExpressionEvalError(message, start + 1, end - start);
};

export function evaluate(expr: Expr, scope: Scope | ScopeResolver): Value {
  try {
    return new Evaluator(new GuardedScope(toScope(scope))).run(expr, undefined);
  } catch (e) {
    if (e instanceof ExpressionEvalError || e instanceof ExpressionSyntaxError) throw e;
    // Only reachable with a hand-built tree (e.g. one deep enough to exhaust the stack).
    const detail = e instanceof Error ? e.message : String(e);
    throw spanError(`could not evaluate the expression: ${detail}`, expr ?? {});
  }
}

/** The wildcard names of an aggregate argument, not counting those inside a nested aggregate. */
function wildcardNames(expr: Expr, out: NameExpr[] = []): NameExpr[] {
  switch (expr.kind) {
    case 'name':
      if (expr.segments.some((s) => s.kind === 'wildcard')) out.push(expr);
      break;
    case 'unary':
      wildcardNames(expr.operand, out);
      break;
    case 'binary':
      wildcardNames(expr.left, out);
      wildcardNames(expr.right, out);
      break;
    case 'call':
      if (FUNCTIONS.get(expr.callee)?.kind !== 'aggregate') for (const arg of expr.args) wildcardNames(arg, out);
      break;
  }
  return out;
}

class Evaluator {
  /**
   * Aggregate results of this evaluation. An aggregate's value cannot depend on
   * an enclosing `*` (its own `*` are its own), so computing it once keeps
   * nested aggregates linear instead of (keys ^ depth).
   */
  private readonly aggregates = new Map<CallExpr, Value>();

  constructor(private readonly scope: GuardedScope) {}

  /** `key` is what `*` stands for in the innermost enclosing aggregate, if any. */
  run(e: Expr, key: PathSegment | undefined): Value {
    switch (e.kind) {
      case 'number':
      case 'boolean':
        return e.value;
      case 'name':
        return this.name(e, key);
      case 'unary': {
        const v = this.run(e.operand, key);
        if (e.op === '!') return !isTruthy(v);
        return e.op === '-' ? -Number(v) : Number(v);
      }
      case 'binary':
        return this.binary(e, key);
      case 'call':
        return this.call(e, key);
      default:
        throw spanError(`unsupported expression node '${String((e as { kind?: unknown }).kind)}'`, e);
    }
  }

  private name(e: NameExpr, key: PathSegment | undefined): Value {
    const hasWildcard = e.segments.some((s) => s.kind === 'wildcard');
    if (hasWildcard && key === undefined) {
      throw spanError(`'*' can only be used inside ${AGGREGATE_NAMES.join(', ')}, e.g. max(layers.*.gradNorm)`, e);
    }
    const value = this.scope.get(concretePath(e.segments, key), e);
    if (typeof value === 'number' || typeof value === 'boolean') return value;
    if (value === null) return NaN;
    throw explainMissingName(this.scope, e);
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>, key: PathSegment | undefined): Value {
    if (e.op === '&&') return isTruthy(this.run(e.left, key)) && isTruthy(this.run(e.right, key));
    if (e.op === '||') return isTruthy(this.run(e.left, key)) || isTruthy(this.run(e.right, key));
    const a = Number(this.run(e.left, key));
    const b = Number(this.run(e.right, key));
    switch (e.op) {
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
      case '%':
        return a % b;
      case '**':
        return a ** b;
      default:
        throw spanError(`unsupported operator '${String(e.op)}'`, e);
    }
  }

  private call(e: CallExpr, key: PathSegment | undefined): Value {
    const fn = FUNCTIONS.get(e.callee);
    if (!fn) throw spanError(`unknown function '${e.callee}'`, e);
    if (fn.kind === 'scalar') {
      if (e.args.length !== fn.arity) throw spanError(`'${e.callee}' takes ${fn.arity} argument(s), got ${e.args.length}`, e);
      return fn.apply(e.args.map((arg) => Number(this.run(arg, key))));
    }
    if (e.args.length === 0) throw spanError(`'${e.callee}' needs at least one argument`, e);
    const cached = this.aggregates.get(e);
    if (cached !== undefined) return cached;
    const values: Value[] = [];
    for (const arg of e.args) {
      const names = wildcardNames(arg);
      if (names.length === 0) values.push(this.run(arg, key));
      else for (const k of this.wildcardKeys(names)) if (this.allHaveValues(names, k)) values.push(this.run(arg, k));
    }
    const result = fn.reduce(values);
    this.aggregates.set(e, result);
    return result;
  }

  private allHaveValues(names: NameExpr[], key: PathSegment): boolean {
    return names.every((name) => {
      const value = this.scope.get(concretePath(name.segments, key), name);
      return typeof value === 'number' || typeof value === 'boolean';
    });
  }

  /** The keys the `*` of these names ranges over (all names share one `*`). */
  private wildcardKeys(names: NameExpr[]): PathSegment[] {
    const all: PathSegment[] = [];
    const seen = new Set<string>();
    for (const name of names) {
      for (const k of wildcardKeysOf(this.scope, name)) {
        const id = `${typeof k}:${String(k)}`;
        if (!seen.has(id)) {
          seen.add(id);
          all.push(k);
        }
      }
    }
    return all;
  }
}
