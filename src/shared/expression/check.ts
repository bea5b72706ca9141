// Checks every name of an expression against a scope without evaluating it,
// e.g. to mark a breakpoint unverified before the run reaches it.

import type { Expr } from './ast';
import { ExpressionEvalError } from './errors';
import { nameNodes } from './freeNames';
import { concretePath, explainMissingName, GuardedScope, wildcardKeysOf } from './names';
import { toScope, type Scope, type ScopeResolver } from './scope';

/** One error per name that does not exist in `scope` (empty when all do). */
export function checkNames(expr: Expr, scope: Scope | ScopeResolver): ExpressionEvalError[] {
  const guarded = new GuardedScope(toScope(scope));
  const errors: ExpressionEvalError[] = [];
  for (const name of nameNodes(expr)) {
    try {
      if (name.segments.some((s) => s.kind === 'wildcard')) wildcardKeysOf(guarded, name);
      else if (guarded.get(concretePath(name.segments, undefined), name) === undefined) errors.push(explainMissingName(guarded, name));
    } catch (error) {
      if (!(error instanceof ExpressionEvalError)) throw error;
      errors.push(error);
    }
  }
  return errors;
}
