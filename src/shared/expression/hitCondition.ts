// VS Code hit conditions: how many times a breakpoint's condition must have
// been true before it stops. The syntax follows VS Code's JavaScript debugger.

import { ExpressionSyntaxError } from './errors';

const HIT_CONDITION = /^\s*(>=|<=|===|==|=|>|<|%)?\s*([0-9]+)\s*$/;

const HELP = "use a whole number with an optional operator: '5' or '== 5' (the 5th hit), '>= 5', '> 5', '< 5', '<= 5', or '% 5' (every 5th hit)";

/** Returns a predicate over the 1-based hit count. */
export function parseHitCondition(source: string): (hitCount: number) => boolean {
  if (typeof source !== 'string' || source.trim() === '') {
    throw new ExpressionSyntaxError(`the hit condition is empty; ${HELP}`, 1, 1);
  }
  if (source.length > 100) {
    throw new ExpressionSyntaxError(`the hit condition is too long; ${HELP}`, 101, source.length - 100);
  }
  const match = HIT_CONDITION.exec(source);
  if (!match) {
    const start = source.length - source.trimStart().length;
    throw new ExpressionSyntaxError(`invalid hit condition '${source.trim()}'; ${HELP}`, start + 1, source.trim().length);
  }
  const op = match[1] ?? '==';
  const n = Number(match[2]);
  // The digits end the condition (the pattern is anchored), so they sit just before any trailing blanks.
  const numberColumn = source.trimEnd().length - match[2].length + 1;
  if (!Number.isSafeInteger(n)) {
    throw new ExpressionSyntaxError(`the hit count ${match[2]} is too large`, numberColumn, match[2].length);
  }
  switch (op) {
    case '>=':
      return (hits) => hits >= n;
    case '<=':
      return (hits) => hits <= n;
    case '>':
      return (hits) => hits > n;
    case '<':
      return (hits) => hits < n;
    case '%':
      if (n === 0)
        throw new ExpressionSyntaxError("'% 0' never matches; use '% 1' for every hit or a larger number for every n-th hit", numberColumn, match[2].length);
      return (hits) => hits % n === 0;
    default:
      return (hits) => hits === n;
  }
}
