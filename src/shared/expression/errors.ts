// The only two errors the expression language throws. Both are user errors
// (a mistyped condition, an unknown name), so they extend UserError and are
// shown without a stack trace.

import { UserError } from '../errors';

/** Where in the expression text an error is: 1-based column and the length to underline. */
interface ExpressionError {
  message: string;
  /** 1-based column in the expression text. */
  column: number;
  /** Characters to underline from `column` (at least 1). */
  length: number;
}

abstract class ExpressionErrorBase extends UserError implements ExpressionError {
  readonly column: number;
  readonly length: number;
  constructor(message: string, column: number, length: number) {
    super({ message, column });
    // UserError formats its message as `error: …` for the CLI; an expression
    // error is shown in hovers, the Debug Console and breakpoint markers where
    // that prefix is noise, so keep the plain text (`formatUserError(e.info)`
    // still gives the CLI form).
    this.message = message;
    this.column = column;
    this.length = Math.max(1, length);
  }
  toJSON(): ExpressionError {
    return { message: this.message, column: this.column, length: this.length };
  }
}

/** The text is not a well-formed expression (thrown by `parseExpression`). */
export class ExpressionSyntaxError extends ExpressionErrorBase {
  constructor(message: string, column: number, length: number) {
    super(message, column, length);
    this.name = 'ExpressionSyntaxError';
  }
}

/** A well-formed expression that cannot be evaluated against a scope (unknown name, a group used as a number, …). */
export class ExpressionEvalError extends ExpressionErrorBase {
  constructor(message: string, column: number, length: number) {
    super(message, column, length);
    this.name = 'ExpressionEvalError';
  }
}
