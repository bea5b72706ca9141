// JSON (with comments and trailing commas) parsed into a tree that keeps the
// offset of every value, so errors can point at line and column.

import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { UserError } from '../shared/errors';
import type { Position } from './types';

/** Maps character offsets of a text to 1-based line/column. */
export class LineMap {
  private readonly lineStarts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  positionAt(offset: number): Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low] + 1 };
  }
}

const PARSE_ERROR_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character: expected a JSON value, property name or punctuation',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':' after the property name",
  CommaExpected: "expected ',' before this (or a closing bracket)",
  CloseBraceExpected: "expected '}' to close the object",
  CloseBracketExpected: "expected ']' to close the list",
  EndOfFileExpected: 'unexpected content after the end of the JSON value',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: "unterminated comment: missing '*/'",
  UnexpectedEndOfString: 'unterminated string: missing closing double quote',
  UnexpectedEndOfNumber: 'incomplete number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape sequence in string',
  InvalidCharacter: 'invalid character in string (control characters such as line breaks must be escaped)',
};

export interface ParsedJson {
  root: Node;
  lines: LineMap;
}

/** Parses `text`; malformed JSON throws a UserError at the first problem. */
/** Deeper nesting than any model spec needs; jsonc-parser recurses and would overflow the stack on ~10,000. */
const MAX_JSON_DEPTH = 64;

/** Offset of the first bracket nested deeper than `max`, skipping strings and comments; -1 when none. */
function tooDeepAt(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '{' || c === '[') {
      if (++depth > max) return i;
    } else if (c === '}' || c === ']') {
      depth--;
    }
  }
  return -1;
}

export function parseJsonWithPositions(text: string, file: string): ParsedJson {
  const lines = new LineMap(text);
  const deep = tooDeepAt(text, MAX_JSON_DEPTH);
  if (deep >= 0) {
    const { line, column } = lines.positionAt(deep);
    throw new UserError({ file, line, column, message: `JSON nested more than ${MAX_JSON_DEPTH} levels deep; a model spec never needs that` });
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0];
    const code = printParseErrorCode(first.error);
    const what = PARSE_ERROR_MESSAGES[code] ?? code;
    const { line, column } = lines.positionAt(first.offset);
    const message = text.trim() === '' ? 'the file is empty: a model spec is a JSON object' : `malformed JSON: ${what}`;
    throw new UserError({ file, line, column, message });
  }
  if (!root) throw new UserError({ file, line: 1, column: 1, message: 'the file is empty: a model spec is a JSON object' });
  return { root, lines };
}

/** The key node of an object property node. */
export function propertyKey(property: Node): string {
  return String(property.children?.[0]?.value ?? '');
}

/** The value node of an object property node. */
export function propertyValue(property: Node): Node | undefined {
  return property.children?.[1];
}
