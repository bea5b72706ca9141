// Recursive-descent parser from tokens to an AST. Precedence, loosest first:
//   ||   &&   == != < <= > >= (not chainable)   + -   * / %   unary - + !   ** (right-assoc)
// so `-2 ** 2` is -(2 ** 2) and `2 ** -1` is allowed. Input length and
// nesting depth are bounded so that no input can exhaust the stack.

import { BINARY_PRECEDENCE, COMPARISON_PRECEDENCE, type BinaryOp, type Expr, type NameSegment } from './ast';
import { ExpressionSyntaxError } from './errors';
import { FUNCTIONS, FUNCTION_NAMES, AGGREGATE_NAMES } from './functions';
import { closest } from './suggest';
import { tokenize, type Token } from './tokenizer';

export const MAX_EXPRESSION_LENGTH = 2000;
const MAX_NESTING_DEPTH = 64;

const BINARY_TOKENS = new Set<string>(['||', '&&', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%']);
const WILDCARD_HELP = `can only be used inside ${AGGREGATE_NAMES.join(', ')}, e.g. max(layers.*.gradNorm)`;

export function parseExpression(source: string): Expr {
  if (typeof source !== 'string') {
    throw new ExpressionSyntaxError('the expression must be text', 1, 1);
  }
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(
      `the expression is ${source.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}: shorten it`,
      MAX_EXPRESSION_LENGTH + 1,
      source.length - MAX_EXPRESSION_LENGTH,
    );
  }
  if (source.trim() === '') {
    throw new ExpressionSyntaxError("the expression is empty; write a condition such as 'loss < 0.05'", 1, Math.max(1, source.length));
  }
  return new Parser(tokenize(source)).parseAll();
}

const describe = (t: Token): string => (t.type === 'eof' ? 'the end of the expression' : `'${t.text}'`);
const column = (t: Token | { start: number }): string => `column ${t.start + 1}`;

class Parser {
  private pos = 0;
  private depth = 0;
  /** How many aggregate calls enclose the current position (wildcards need at least one). */
  private aggregateDepth = 0;

  constructor(private readonly tokens: Token[]) {}

  parseAll(): Expr {
    const expr = this.parseBinary(0);
    const rest = this.peek();
    if (rest.type !== 'eof') {
      if (rest.type === 'punct' && rest.text === ')') this.fail(`unexpected ')' at ${column(rest)}: there is no '(' to close`, rest);
      this.fail(`unexpected ${describe(rest)} at ${column(rest)}: expected an operator such as '<', '+' or '&&', or the end of the expression`, rest);
    }
    return expr;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const token = this.tokens[this.pos];
    if (token.type !== 'eof') this.pos++;
    return token;
  }

  private isPunct(token: Token, text: string): boolean {
    return token.type === 'punct' && token.text === text;
  }

  private fail(message: string, at: { start: number; end: number }): never {
    throw new ExpressionSyntaxError(message, at.start + 1, at.end - at.start);
  }

  private enter(at: Token): void {
    this.depth++;
    if (this.depth > MAX_NESTING_DEPTH) {
      this.fail(`the expression nests more than ${MAX_NESTING_DEPTH} levels deep at ${column(at)}; simplify it`, at);
    }
  }

  private leave(): void {
    this.depth--;
  }

  private parseBinary(minPrecedence: number): Expr {
    let left = this.parseUnary();
    let previousComparison: Token | undefined;
    for (;;) {
      const token = this.peek();
      if (token.type !== 'punct' || !BINARY_TOKENS.has(token.text)) return left;
      const op = token.text as BinaryOp;
      const precedence = BINARY_PRECEDENCE[op];
      if (precedence < minPrecedence) return left;
      if (precedence === COMPARISON_PRECEDENCE && previousComparison) {
        this.fail(
          `comparisons cannot be chained at ${column(token)}: write 'a < b && b < c' instead of 'a < b < c' ` +
            `(or add parentheses to compare a comparison's true/false result)`,
          token,
        );
      }
      this.next();
      // Left-associative: the right operand only takes tighter operators.
      const right = this.parseBinary(precedence + 1);
      left = { kind: 'binary', op, left, right, start: left.start, end: right.end };
      previousComparison = precedence === COMPARISON_PRECEDENCE ? token : undefined;
    }
  }

  private parseUnary(): Expr {
    const token = this.peek();
    if (token.type === 'punct' && (token.text === '-' || token.text === '+' || token.text === '!')) {
      this.next();
      this.enter(token);
      const operand = this.parseUnary();
      this.leave();
      return { kind: 'unary', op: token.text, operand, start: token.start, end: operand.end };
    }
    return this.parsePower();
  }

  private parsePower(): Expr {
    const base = this.parsePrimary();
    const token = this.peek();
    if (!this.isPunct(token, '**')) return base;
    this.next();
    this.enter(token);
    // Right-associative, and the exponent may carry a sign: 2 ** -1, 2 ** 3 ** 2.
    const exponent = this.parseUnary();
    this.leave();
    return { kind: 'binary', op: '**', left: base, right: exponent, start: base.start, end: exponent.end };
  }

  private parsePrimary(): Expr {
    const token = this.peek();
    if (token.type === 'number') {
      this.next();
      return { kind: 'number', value: token.value, start: token.start, end: token.end };
    }
    if (token.type === 'identifier') {
      this.next();
      switch (token.text) {
        case 'true':
        case 'false':
          return { kind: 'boolean', value: token.text === 'true', start: token.start, end: token.end };
        case 'NaN':
          return { kind: 'number', value: NaN, start: token.start, end: token.end };
        case 'Infinity':
          return { kind: 'number', value: Infinity, start: token.start, end: token.end };
      }
      if (this.isPunct(this.peek(), '(')) return this.parseCall(token);
      return this.parseName(token);
    }
    if (this.isPunct(token, '(')) {
      this.next();
      this.enter(token);
      if (this.isPunct(this.peek(), ')')) {
        this.fail(`expected an expression inside the '( )' at ${column(token)}`, { start: token.start, end: this.peek().end });
      }
      const inner = this.parseBinary(0);
      const close = this.peek();
      if (!this.isPunct(close, ')')) {
        if (close.type === 'eof') this.fail(`missing ')' to close the '(' at ${column(token)}`, token);
        this.fail(`expected ')' to close the '(' at ${column(token)}, found ${describe(close)} at ${column(close)}`, close);
      }
      this.next();
      this.leave();
      return inner;
    }
    if (token.type === 'string') {
      this.fail(`the quoted name ${token.text} at ${column(token)} must follow a name in brackets, e.g. layers["conv2d/1"]`, token);
    }
    const previous = this.tokens[this.pos - 1];
    const after = previous ? ` after '${previous.text}'` : '';
    const found = token.type === 'eof' ? '' : `, found ${describe(token)}`;
    return this.fail(`expected a number or a name${after} at ${column(token)}${found}`, token);
  }

  private parseName(first: Token): Expr {
    const segments: NameSegment[] = [{ kind: 'key', key: first.text, start: first.start, end: first.end }];
    let end = first.end;
    let wildcard: Token | undefined;
    for (;;) {
      const token = this.peek();
      if (this.isPunct(token, '.')) {
        this.next();
        const part = this.next();
        if (part.type === 'identifier') {
          segments.push({ kind: 'key', key: part.text, start: part.start, end: part.end });
        } else if (this.isPunct(part, '*')) {
          if (this.aggregateDepth === 0) this.fail(`'*' at ${column(part)} ${WILDCARD_HELP}`, part);
          if (wildcard) this.fail(`a name can contain only one '*' (the first is at ${column(wildcard)}, another at ${column(part)})`, part);
          wildcard = part;
          segments.push({ kind: 'wildcard', start: part.start, end: part.end });
        } else {
          const hint =
            part.type === 'number'
              ? `; to index by number write [${part.text.replace(/^\./, '')}]`
              : part.type === 'string'
                ? `; write [${part.text}] for a quoted name`
                : '';
          this.fail(`expected a name or '*' after '.' at ${column(part)}${part.type === 'eof' ? '' : `, found ${describe(part)}`}${hint}`, part);
        }
        end = part.end;
      } else if (this.isPunct(token, '[')) {
        this.next();
        const key = this.next();
        if (key.type === 'string') {
          segments.push({ kind: 'key', key: key.value, start: key.start, end: key.end });
        } else if (key.type === 'number' && Number.isSafeInteger(key.value) && /^[0-9]+$/.test(key.text)) {
          segments.push({ kind: 'key', key: key.value, start: key.start, end: key.end });
        } else if (this.isPunct(key, '*')) {
          this.fail(`'[*]' at ${column(token)} is not allowed; write '.*' for every key`, { start: token.start, end: this.peek().end });
        } else {
          this.fail(
            `expected a quoted name or a whole number inside '[ ]' at ${column(key)}${key.type === 'eof' ? '' : `, found ${describe(key)}`}, e.g. layers["conv2d/1"] or weights[0]`,
            key,
          );
        }
        const close = this.next();
        if (!this.isPunct(close, ']')) {
          this.fail(
            `expected ']' to close the '[' at ${column(token)}${close.type === 'eof' ? '' : `, found ${describe(close)} at ${column(close)}`}`,
            close.type === 'eof' ? token : close,
          );
        }
        end = close.end;
      } else {
        break;
      }
    }
    if (segments.length > 1 && this.isPunct(this.peek(), '(')) {
      this.fail(`'(' at ${column(this.peek())} follows a dotted name; only built-in functions can be called`, this.peek());
    }
    return { kind: 'name', segments, start: first.start, end };
  }

  private parseCall(nameToken: Token): Expr {
    const callee = nameToken.text;
    const fn = FUNCTIONS.get(callee);
    if (!fn) {
      const guess = closest(callee, FUNCTION_NAMES);
      this.fail(
        `unknown function '${callee}' at ${column(nameToken)}${guess ? `; did you mean '${guess}'?` : ''} (functions: ${FUNCTION_NAMES.join(', ')})`,
        nameToken,
      );
    }
    const open = this.next();
    this.enter(open);
    if (fn.kind === 'aggregate') this.aggregateDepth++;
    const args: Expr[] = [];
    if (this.isPunct(this.peek(), ')')) {
      this.next();
    } else {
      for (;;) {
        args.push(this.parseBinary(0));
        const separator = this.next();
        if (this.isPunct(separator, ',')) continue;
        if (this.isPunct(separator, ')')) break;
        if (separator.type === 'eof') this.fail(`missing ')' to close '${callee}(' at ${column(nameToken)}`, { start: nameToken.start, end: open.end });
        this.fail(`expected ',' or ')' after argument ${args.length} of '${callee}' at ${column(separator)}, found ${describe(separator)}`, separator);
      }
    }
    if (fn.kind === 'aggregate') this.aggregateDepth--;
    this.leave();
    const end = this.tokens[this.pos - 1].end;
    const span = { start: nameToken.start, end };
    if (fn.kind === 'scalar' && args.length !== fn.arity) {
      const plural = fn.arity === 1 ? 'argument' : 'arguments';
      this.fail(`'${callee}' at ${column(nameToken)} takes ${fn.arity} ${plural}, got ${args.length}`, span);
    }
    if (fn.kind === 'aggregate' && args.length === 0) {
      this.fail(`'${callee}' at ${column(nameToken)} needs at least one argument, e.g. ${callee}(layers.*.gradNorm)`, span);
    }
    return { kind: 'call', callee, args, start: span.start, end: span.end };
  }
}
