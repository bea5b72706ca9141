// Splits expression text into tokens. Knows numbers, names, quoted keys and
// the operators of the language; anything else is a syntax error pointing at
// the offending character.

import { ExpressionSyntaxError } from './errors';

export type Token =
  | { type: 'number'; value: number; text: string; start: number; end: number }
  | { type: 'identifier'; text: string; start: number; end: number }
  | { type: 'string'; value: string; text: string; start: number; end: number }
  | { type: 'punct'; text: Punct; start: number; end: number }
  | { type: 'eof'; text: ''; start: number; end: number };

type Punct = '(' | ')' | '[' | ']' | '.' | ',' | '+' | '-' | '*' | '**' | '/' | '%' | '!' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||';

// Longest first, so that `**` wins over `*` and `<=` over `<`.
const PUNCTUATION: Punct[] = ['**', '<=', '>=', '==', '!=', '&&', '||', '(', ')', '[', ']', '.', ',', '+', '-', '*', '/', '%', '!', '<', '>'];

/** Operators from other languages that users are likely to type, with what to write instead. */
const MISTAKES: [string, string][] = [
  ['===', "use '=='"],
  ['!==', "use '!='"],
  ['<>', "use '!='"],
  ['=>', "use '>='"],
  ['=<', "use '<='"],
  ['=', "use '==' to compare"],
  ['&', "use '&&' for 'and'"],
  ['|', "use '||' for 'or'"],
  ['^', "use '**' for powers"],
];

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentStart = (c: string): boolean => /[A-Za-z_$]/.test(c);
const isIdentPart = (c: string): boolean => /[A-Za-z0-9_$]/.test(c);

function fail(message: string, start: number, length: number): never {
  throw new ExpressionSyntaxError(message, start + 1, length);
}

const col = (start: number): string => `column ${start + 1}`;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const previous = tokens[tokens.length - 1];
    // `.` right after a name, `]` or `)` is a path separator even before a
    // digit (`a.5` is a mistake to report, not the number .5).
    const afterOperand =
      previous !== undefined && (previous.type === 'identifier' || (previous.type === 'punct' && (previous.text === ']' || previous.text === ')')));
    if (isDigit(c) || (c === '.' && isDigit(source[i + 1] ?? '') && !afterOperand)) {
      const token = readNumber(source, i);
      tokens.push(token);
      i = token.end;
      continue;
    }
    if (isIdentStart(c)) {
      let end = i + 1;
      while (end < source.length && isIdentPart(source[end])) end++;
      tokens.push({ type: 'identifier', text: source.slice(i, end), start: i, end });
      i = end;
      continue;
    }
    if (c === '"' || c === "'") {
      const token = readString(source, i);
      tokens.push(token);
      i = token.end;
      continue;
    }
    const mistake = MISTAKES.find(([text]) => source.startsWith(text, i) && !PUNCTUATION.some((p) => p.length >= text.length && source.startsWith(p, i)));
    if (mistake) fail(`'${mistake[0]}' at ${col(i)} is not an operator; ${mistake[1]}`, i, mistake[0].length);
    const punct = PUNCTUATION.find((p) => source.startsWith(p, i));
    if (punct) {
      tokens.push({ type: 'punct', text: punct, start: i, end: i + punct.length });
      i += punct.length;
      continue;
    }
    const code = source.codePointAt(i) ?? 0;
    const shown = code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : String.fromCodePoint(code);
    fail(`unexpected character '${shown}' at ${col(i)}`, i, 1);
  }
  tokens.push({ type: 'eof', text: '', start: source.length, end: source.length });
  return tokens;
}

function readNumber(source: string, start: number): Token {
  let i = start;
  while (isDigit(source[i] ?? '')) i++;
  if (source[i] === '.') {
    i++;
    while (isDigit(source[i] ?? '')) i++;
  }
  if (source[i] === 'e' || source[i] === 'E') {
    const exponentStart = i;
    i++;
    if (source[i] === '+' || source[i] === '-') i++;
    if (!isDigit(source[i] ?? '')) {
      fail(`invalid number '${source.slice(start, i)}' at ${col(start)}: expected digits after the exponent '${source[exponentStart]}'`, start, i - start);
    }
    while (isDigit(source[i] ?? '')) i++;
  }
  if (i < source.length && (isIdentPart(source[i]) || source[i] === '.')) {
    let end = i;
    while (end < source.length && (isIdentPart(source[end]) || source[end] === '.')) end++;
    fail(`invalid number '${source.slice(start, end)}' at ${col(start)}`, start, end - start);
  }
  const text = source.slice(start, i);
  return { type: 'number', value: Number(text), text, start, end: i };
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', "'": "'", n: '\n', t: '\t' };

function readString(source: string, start: number): Token {
  const quote = source[start];
  let value = '';
  let i = start + 1;
  while (i < source.length && source[i] !== quote) {
    if (source[i] === '\\') {
      const escaped = ESCAPES[source[i + 1] ?? ''];
      if (escaped === undefined) {
        fail(`unknown escape '\\${source[i + 1] ?? ''}' at ${col(i)} in a quoted name; only \\\\, \\${quote}, \\n and \\t are allowed`, i, 2);
      }
      value += escaped;
      i += 2;
    } else {
      value += source[i];
      i++;
    }
  }
  if (i >= source.length) {
    fail(`missing the closing ${quote} of the quoted name that starts at ${col(start)}`, start, source.length - start);
  }
  return { type: 'string', value, text: source.slice(start, i + 1), start, end: i + 1 };
}
