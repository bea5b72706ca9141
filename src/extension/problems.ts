// Where model-spec errors and training diagnostics go in the Problems panel:
// 0-based ranges and severities, computed from the spec's text. No `vscode`
// import: unit-tested under mocha; the extension turns these into
// `vscode.Diagnostic`s.

import { createScanner, findNodeAtLocation, parseTree, SyntaxKind, type JSONPath, type Node } from 'jsonc-parser';
import type { UserErrorInfo } from '../shared/protocol';
import type { ModelTopology, TrainingDiagnostic } from '../shared/stats';

/** 0-based, end exclusive, like `vscode.Range`. */
interface ProblemRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

export type ProblemSeverity = 'error' | 'warning' | 'information';

export interface Problem {
  range: ProblemRange;
  severity: ProblemSeverity;
  message: string;
  /** Diagnostic kind for training problems. */
  code?: string;
}

export const PROBLEM_SOURCE = 'Neural Debugger';

/** Problems of a spec check (`checkModelSpec`), errors first. */
export function specProblems(text: string, check: { errors: UserErrorInfo[]; warnings: UserErrorInfo[] }): Problem[] {
  const lines = splitLines(text);
  let tree: Node | undefined;
  const getTree = () => (tree ??= parseTree(text));
  const toProblem = (info: UserErrorInfo, severity: ProblemSeverity): Problem => ({
    range: specProblemRange(text, lines, info, getTree),
    severity,
    message: info.message,
  });
  return [...check.errors.map((e) => toProblem(e, 'error')), ...check.warnings.map((w) => toProblem(w, 'warning'))];
}

/**
 * The range of one spec problem: the JSON token at its line/column (the whole
 * value for strings, numbers and literals; the rest of the line for an object
 * or array), else the value at its field path, else the first line.
 */
function specProblemRange(text: string, lines: Line[], info: UserErrorInfo, getTree: () => Node | undefined): ProblemRange {
  if (info.line !== undefined && info.line >= 1) {
    const lineIndex = Math.min(info.line - 1, lines.length - 1);
    const line = lines[lineIndex];
    const character = Math.max(0, Math.min((info.column ?? 1) - 1, line.text.length));
    return tokenRange(text, lines, lineIndex, character);
  }
  if (info.field) {
    const tree = getTree();
    const fieldPath = parseFieldPath(info.field);
    // The field itself, else its nearest parent that exists (a missing key is reported on its object).
    for (let n = fieldPath.length; tree && n > 0; n--) {
      const node = findNodeAtLocation(tree, fieldPath.slice(0, n));
      if (node) {
        const target = n < fieldPath.length && node.parent?.type === 'property' ? node.parent : node;
        const lineIndex = lineOfOffset(lines, target.offset);
        return tokenRange(text, lines, lineIndex, target.offset - lines[lineIndex].offset);
      }
    }
  }
  return wholeLine(lines, 0);
}

function tokenRange(text: string, lines: Line[], lineIndex: number, character: number): ProblemRange {
  const line = lines[lineIndex];
  const offset = line.offset + character;
  const scanner = createScanner(text, false);
  scanner.setPosition(offset);
  const token = scanner.scan();
  const start = { line: lineIndex, character };
  const endOfLine = { line: lineIndex, character: line.text.trimEnd().length };
  switch (token) {
    case SyntaxKind.StringLiteral:
    case SyntaxKind.NumericLiteral:
    case SyntaxKind.TrueKeyword:
    case SyntaxKind.FalseKeyword:
    case SyntaxKind.NullKeyword:
    case SyntaxKind.Unknown: {
      // A token never spans lines except an unterminated string: clip it to its line.
      const end = Math.min(offset + scanner.getTokenLength(), line.offset + line.text.length);
      return range(start, { line: lineIndex, character: Math.max(end - line.offset, character + 1) });
    }
    case SyntaxKind.EOF:
      return wholeLine(lines, lineIndex);
    default:
      // Braces, brackets, commas: mark from there to the end of the line.
      return range(start, endOfLine.character > character ? endOfLine : { line: lineIndex, character: character + 1 });
  }
}

/** `model.layers[2].units` → ['model', 'layers', 2, 'units']. */
export function parseFieldPath(field: string): JSONPath {
  const result: JSONPath = [];
  for (const part of field.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    result.push(part.startsWith('[') ? Number(part.slice(1, -1)) : part);
  }
  return result;
}

export function mapSeverity(severity: TrainingDiagnostic['severity']): ProblemSeverity {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'information';
}

/**
 * A training diagnostic on the model file: on the line of the first of its
 * layers that the spec places (`specLine`), else line 1. A diagnostic that
 * no longer holds stays as information, saying so.
 */
export function trainingProblem(diagnostic: TrainingDiagnostic, topology: ModelTopology | null, specText: string | undefined): Problem {
  const specLine = diagnostic.layers
    .map((name) => topology?.layers.find((l) => l.name === name)?.specLine)
    .find((line): line is number => line !== undefined && line >= 1);
  const lines = specText !== undefined ? splitLines(specText) : undefined;
  let lineRange: ProblemRange;
  if (lines) {
    lineRange = wholeLine(lines, Math.min((specLine ?? 1) - 1, lines.length - 1));
  } else {
    const lineIndex = (specLine ?? 1) - 1;
    lineRange = { startLine: lineIndex, startCharacter: 0, endLine: lineIndex, endCharacter: Number.MAX_SAFE_INTEGER };
  }
  const layers = diagnostic.layers.length > 0 ? ` [${diagnostic.layers.join(', ')}]` : '';
  const where = `step ${diagnostic.step}, epoch ${diagnostic.epoch}`;
  const closed = diagnostic.state === 'closed';
  return {
    range: lineRange,
    severity: closed ? 'information' : mapSeverity(diagnostic.severity),
    message: `${diagnostic.kind}${layers}: ${diagnostic.explanation} (${closed ? `no longer holds at ${where}` : where})`,
    code: diagnostic.kind,
  };
}

interface Line {
  offset: number;
  text: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push({ offset: start, text: text.slice(start, m.index) });
    start = m.index + m[0].length;
  }
  lines.push({ offset: start, text: text.slice(start) });
  return lines;
}

function lineOfOffset(lines: Line[], offset: number): number {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid].offset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The line from its first non-blank character to its last (at least one character). */
function wholeLine(lines: Line[], lineIndex: number): ProblemRange {
  const text = lines[lineIndex].text;
  const first = text.length - text.trimStart().length;
  const last = text.trimEnd().length;
  return range({ line: lineIndex, character: first < last ? first : 0 }, { line: lineIndex, character: Math.max(last, 1) });
}

function range(start: { line: number; character: number }, end: { line: number; character: number }): ProblemRange {
  return { startLine: start.line, startCharacter: start.character, endLine: end.line, endCharacter: end.character };
}
