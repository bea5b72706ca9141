// The value typed into the Variables view or a Watch for the learning rate:
// a number or an expression over the step (`lr / 10`), which must come out
// finite and positive.

import { evaluate, parseExpression, scopeFromObject } from '../shared/expression';
import { expressionObject } from './expressions';
import type { RunState } from './runState';

export function learningRateFrom(text: string, state: RunState): number {
  const value = evaluate(parseExpression(text), scopeFromObject(expressionObject(state)));
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`the learning rate must be a finite number above 0, got ${String(value)}`);
  }
  return value;
}
