// Checks every name of an expression against a scope without evaluating it,
// e.g. to mark a breakpoint unverified before the run reaches it.

import type { Expr } from './ast';
import { ExpressionEvalError } from './errors';
import { concretePath, explainMissingName, GuardedScope, wildcardKeysOf } from './names';
import { toScope, type Scope, type ScopeResolver } from './scope';

/** One error per name that does not exist in `scope` (empty when all do). */
export function checkNames(expr: Expr, scope: Scope | ScopeResolver): ExpressionEvalError[] {
  const guarded = new GuardedScope(toScope(scope));
  const errors: ExpressionEvalError[] = [];
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'name':
        try {
          if (e.segments.some((s) => s.kind === 'wildcard')) wildcardKeysOf(guarded, e);
          else if (guarded.get(concretePath(e.segments, undefined), e) === undefined) errors.push(explainMissingName(guarded, e));
        } catch (error) {
          if (!(error instanceof ExpressionEvalError)) throw error;
          errors.push(error);
        }
        return;
      case 'unary':
        return visit(e.operand);
      case 'binary':
        visit(e.left);
        return visit(e.right);
      case 'call':
        return e.args.forEach(visit);
    }
  };
  visit(expr);
  return errors;
}
