// The breakpoint and watch expression language: a safe (no eval) parser and
// evaluator shared by the trainer and the debug adapter. See docs/expressions.md.

export type { BinaryOp, Expr, NameSegment, PathSegment, Span, UnaryOp } from './ast';
export { formatPath } from './ast';
export { checkNames } from './check';
export { ExpressionEvalError, ExpressionSyntaxError, isExpressionError, type ExpressionError } from './errors';
export { evaluate } from './evaluator';
export { freeNames } from './freeNames';
export { AGGREGATE_NAMES, FUNCTION_NAMES, FUNCTIONS, isTruthy, type Value } from './functions';
export { parseHitCondition } from './hitCondition';
export { MAX_EXPRESSION_LENGTH, MAX_NESTING_DEPTH, parseExpression } from './parser';
export { printExpression } from './print';
export { scopeFromObject, toScope, type Scope, type ScopeObject, type ScopeResolver, type ScopeValue } from './scope';
