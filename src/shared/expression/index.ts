// The breakpoint and watch expression language: a safe (no eval) parser and
// evaluator shared by the trainer and the debug adapter. See docs/expressions.md.

export type { Expr, PathSegment } from './ast';
export { formatPath } from './ast';
export { checkNames } from './check';
export { ExpressionEvalError, ExpressionSyntaxError } from './errors';
export { evaluate } from './evaluator';
export { freeNames } from './freeNames';
export { isTruthy, type Value } from './functions';
export { parseHitCondition } from './hitCondition';
export { MAX_EXPRESSION_LENGTH, parseExpression } from './parser';
export { printExpression } from './print';
export { scopeFromObject, type Scope, type ScopeResolver } from './scope';
