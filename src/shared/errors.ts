// An error caused by the user's input (spec, data, expression, options). It is
// shown as `FILE:LINE:COL: error: …` or `FILE: error: field.path: …`, without
// a stack trace. Anything else that is thrown is a bug in Neural Debugger.

import { formatUserError, type UserErrorInfo } from './protocol';

export class UserError extends Error {
  readonly info: UserErrorInfo;
  constructor(info: UserErrorInfo) {
    super(formatUserError(info));
    this.name = 'UserError';
    this.info = info;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError || (e instanceof Error && e.name === 'UserError' && 'info' in e);
}
