// A small RFC 4180-style CSV tokenizer that remembers where every cell starts
// (1-based line and character column), so data errors point into the file.
// Quoted cells may contain the delimiter, doubled quotes and line breaks.

import { UserError } from '../../shared/errors';

export interface CsvRow {
  cells: string[];
  /** 1-based line and column of each cell's first character (the opening quote for quoted cells). */
  lines: number[];
  columns: number[];
  /** Line and column just after the row's last character (for "too few cells" errors). */
  endLine: number;
  endColumn: number;
}

/** Picks `,`, `;` or tab: whichever occurs most often in the first line (`,` on ties). */
function detectDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const firstLine = end < 0 ? text : text.slice(0, end);
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t']) {
    const count = firstLine.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/** Splits CSV text into rows of cells; lines that are empty or only whitespace are skipped. */
export function parseCsv(text: string, file: string, delimiter = detectDelimiter(text)): CsvRow[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
  const rows: CsvRow[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const row: CsvRow = { cells: [], lines: [], columns: [], endLine: line, endColumn: 1 };
    let rowHasContent = false;
    // One iteration per cell.
    for (;;) {
      const cellLine = line;
      const cellColumn = i - lineStart + 1;
      let value = '';
      // Leading spaces before an opening quote are allowed.
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t') && text[j] !== delimiter) j++;
      if (j < n && text[j] === '"') {
        i = j + 1;
        const quoteLine = line;
        const quoteColumn = j - lineStart + 1;
        let closed = false;
        while (i < n) {
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === '\n') {
            line++;
            lineStart = i + 1;
          }
          value += ch;
          i++;
        }
        if (!closed) {
          throw new UserError({
            file,
            line: quoteLine,
            column: quoteColumn,
            message: 'this quoted cell is never closed; add the closing " (write "" for a quote inside a cell)',
          });
        }
        // Anything after the closing quote up to the delimiter is kept (e.g. spaces).
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') value += text[i++];
        rowHasContent = true;
      } else {
        const start = i;
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(start, i);
        if (value.trim() !== '') rowHasContent = true;
      }
      row.cells.push(value);
      row.lines.push(cellLine);
      row.columns.push(cellColumn);
      if (i < n && text[i] === delimiter) {
        rowHasContent = true;
        i++;
        continue;
      }
      break;
    }
    row.endLine = line;
    row.endColumn = i - lineStart + 1;
    // End of line: \n, \r\n or a lone \r.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    lineStart = i;
    if (rowHasContent) rows.push(row);
  }
  return rows;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const FLOAT32_MAX = 3.4028234663852886e38;

export function isNumeric(cell: string): boolean {
  return NUMBER.test(cell.trim());
}

/**
 * Parses a numeric cell; throws a positioned UserError for empty, non-numeric,
 * NaN/Infinity and values outside the float32 range. `role` says what the
 * column is for, e.g. `feature column "age"`.
 */
export function parseNumberCell(row: CsvRow, index: number, file: string, role: string, hint: string): number {
  const raw = row.cells[index];
  const cell = raw.trim();
  const at = { file, line: row.lines[index], column: row.columns[index] };
  if (cell === '') {
    throw new UserError({ ...at, message: `empty cell in ${role}; fill in a value or remove the row` });
  }
  if (NOT_FINITE.test(cell)) {
    throw new UserError({ ...at, message: `${cell} in ${role} is not a finite number; replace it or remove the row` });
  }
  if (!NUMBER.test(cell)) {
    throw new UserError({ ...at, message: `"${cell}" in ${role} is not a number; ${hint}` });
  }
  const value = Number(cell);
  if (!(Math.abs(value) <= FLOAT32_MAX)) {
    throw new UserError({ ...at, message: `${cell} in ${role} is too large for a 32-bit float (the limit is about 3.4e38)` });
  }
  return value;
}
