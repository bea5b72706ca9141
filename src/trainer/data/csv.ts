// Tabular data from CSV: a header row with column names, one sample per row,
// numeric feature columns and one label column (class names or numbers for
// classification, numbers for regression).

import * as fs from 'fs';
import { UserError } from '../../shared/errors';
import { displayPath, requireFile, resolveDataPath } from './files';
import { isNumeric, parseCsv, parseNumberCell, type CsvRow } from './csvParse';
import type { RawDataset, RawSplit } from './raw';
import type { CsvDataSpec, LoadContext } from './types';

/** Integer labels with at most this many distinct values are taken as classes when `task` is not set. */
const MAX_INFERRED_CLASSES = 20;

interface CsvTable {
  file: string;
  header: string[];
  rows: CsvRow[];
}

function readTable(file: string): CsvTable {
  const text = fs.readFileSync(file, 'utf8');
  const rows = parseCsv(text, file);
  if (rows.length === 0) {
    throw new UserError({ file, message: 'the file is empty; expected a header row with column names, then one row per sample' });
  }
  const headerRow = rows[0];
  const header = headerRow.cells.map((c) => c.trim());
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    const at = { file, line: headerRow.lines[i], column: headerRow.columns[i] };
    if (name === '') throw new UserError({ ...at, message: `column ${i + 1} of the header row has no name` });
    if (seen.has(name)) {
      throw new UserError({ ...at, message: `column name "${name}" appears twice in the header row (columns ${seen.get(name)! + 1} and ${i + 1})` });
    }
    seen.set(name, i);
  });
  if (rows.length === 1) {
    throw new UserError({ file, line: headerRow.endLine, column: 1, message: 'the file has a header row but no data rows' });
  }
  const data = rows.slice(1);
  for (const row of data) {
    if (row.cells.length > header.length) {
      const extra = header.length;
      throw new UserError({
        file,
        line: row.lines[extra],
        column: row.columns[extra],
        message: `this row has ${row.cells.length} cells, but the header has ${header.length} columns`,
      });
    }
    if (row.cells.length < header.length) {
      throw new UserError({
        file,
        line: row.endLine,
        column: row.endColumn,
        message: `this row has ${row.cells.length} cells, but the header has ${header.length} columns (missing "${header[row.cells.length]}")`,
      });
    }
  }
  return { file, header, rows: data };
}

/** Column indices of `table` in the order of `columns` (test files may order columns differently). */
function columnOrder(table: CsvTable, columns: string[], trainFile: string): number[] {
  const missing = columns.filter((c) => !table.header.includes(c));
  const extra = table.header.filter((c) => !columns.includes(c));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`missing ${missing.map((c) => `"${c}"`).join(', ')}`);
    if (extra.length > 0) parts.push(`extra ${extra.map((c) => `"${c}"`).join(', ')}`);
    throw new UserError({
      file: table.file,
      line: 1,
      column: 1,
      message: `the columns differ from those of ${displayPath(trainFile)}: ${parts.join('; ')}`,
    });
  }
  return columns.map((c) => table.header.indexOf(c));
}

function readFeatures(table: CsvTable, featureColumns: number[], labelName: string): Float32Array {
  const features = featureColumns.length;
  const x = new Float32Array(table.rows.length * features);
  const hint = `feature columns must be numeric (only the label column "${labelName}" may hold text)`;
  table.rows.forEach((row, r) => {
    featureColumns.forEach((column, f) => {
      x[r * features + f] = parseNumberCell(row, column, table.file, `feature column "${table.header[column]}"`, hint);
    });
  });
  return x;
}

interface LabelPlan {
  task: 'classification' | 'regression';
  classNames?: string[];
  /** Raw trimmed cell → class index (classification). */
  classIndex?: Map<string, number>;
  inferredBecause?: string;
}

function planLabels(tables: CsvTable[], labelColumns: number[], task: CsvDataSpec['task']): LabelPlan {
  const values = new Set<string>();
  tables.forEach((t, i) => t.rows.forEach((row) => values.add(row.cells[labelColumns[i]].trim())));
  values.delete(''); // empty labels are reported with their position by readLabels
  const allNumeric = [...values].every(isNumeric);
  let chosen = task;
  let inferredBecause: string | undefined;
  if (chosen === undefined) {
    if (!allNumeric) {
      chosen = 'classification';
      inferredBecause = 'labels are not all numbers';
    } else {
      const distinct = new Set([...values].map(Number));
      const integers = [...distinct].every(Number.isInteger);
      chosen = integers && distinct.size <= MAX_INFERRED_CLASSES ? 'classification' : 'regression';
      inferredBecause = chosen === 'classification' ? `${distinct.size} distinct integer labels` : 'numeric labels';
    }
  }
  if (chosen === 'regression') return { task: chosen, inferredBecause };
  // Classes sorted numerically when every label is a number, else by string.
  let names: string[];
  const classIndex = new Map<string, number>();
  if (allNumeric) {
    const sorted = [...new Set([...values].map(Number))].sort((a, b) => a - b);
    names = sorted.map(String);
    for (const v of values) classIndex.set(v, sorted.indexOf(Number(v)));
  } else {
    names = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    names.forEach((name, i) => classIndex.set(name, i));
  }
  return { task: chosen, classNames: names, classIndex, inferredBecause };
}

function readLabels(table: CsvTable, labelColumn: number, plan: LabelPlan): Float32Array {
  const y = new Float32Array(table.rows.length);
  const role = `label column "${table.header[labelColumn]}"`;
  table.rows.forEach((row, r) => {
    if (plan.task === 'regression') {
      y[r] = parseNumberCell(row, labelColumn, table.file, role, 'regression labels must be numbers (set data.task to "classification" for class names)');
      return;
    }
    const cell = row.cells[labelColumn].trim();
    if (cell === '') {
      throw new UserError({
        file: table.file,
        line: row.lines[labelColumn],
        column: row.columns[labelColumn],
        message: `empty cell in ${role}; every row needs a label`,
      });
    }
    y[r] = plan.classIndex!.get(cell)!;
  });
  return y;
}

export function loadCsv(spec: CsvDataSpec, ctx: LoadContext): RawDataset {
  const trainFile = resolveDataPath(spec.path, 'data.path', ctx);
  requireFile(trainFile, 'data.path', ctx);
  const testFile = spec.testPath === undefined ? undefined : resolveDataPath(spec.testPath, 'data.testPath', ctx);
  if (testFile !== undefined) requireFile(testFile, 'data.testPath', ctx);

  ctx.onProgress?.(`reading ${displayPath(trainFile)}`);
  const train = readTable(trainFile);
  const labelIndex = train.header.indexOf(spec.label);
  if (labelIndex < 0) {
    throw new UserError({
      file: ctx.specFile,
      field: 'data.label',
      message: `${displayPath(trainFile)} has no column "${spec.label}"; its columns are ${train.header.map((c) => `"${c}"`).join(', ')}`,
    });
  }
  const featureNames = train.header.filter((_, i) => i !== labelIndex);
  if (featureNames.length === 0) {
    throw new UserError({ file: trainFile, line: 1, column: 1, message: `the only column is the label "${spec.label}"; add at least one feature column` });
  }
  const test = testFile === undefined ? null : readTable(testFile);
  const trainFeatureColumns = featureNames.map((c) => train.header.indexOf(c));
  const testOrder = test === null ? null : columnOrder(test, [...featureNames, spec.label], trainFile);
  const testFeatureColumns = testOrder?.slice(0, -1);
  const testLabelColumn = testOrder?.[testOrder.length - 1];

  const plan = planLabels(test === null ? [train] : [train, test], test === null ? [labelIndex] : [labelIndex, testLabelColumn!], spec.task);
  const trainSplit: RawSplit = {
    x: readFeatures(train, trainFeatureColumns, spec.label),
    y: readLabels(train, labelIndex, plan),
    count: train.rows.length,
  };
  const testSplit: RawSplit | null =
    test === null ? null : { x: readFeatures(test, testFeatureColumns!, spec.label), y: readLabels(test, testLabelColumn!, plan), count: test.rows.length };

  // After the cells were checked: a bad cell is a more precise message than this.
  if (plan.task === 'classification' && plan.classNames!.length < 2) {
    throw new UserError({
      file: trainFile,
      message: `the label column "${spec.label}" has only one value ("${plan.classNames![0]}"); classification needs at least 2 classes`,
    });
  }

  const taskText = plan.task === 'classification' ? `classification, ${plan.classNames!.length} classes` : 'regression';
  const why = spec.task === undefined ? `; task inferred from ${plan.inferredBecause}, set data.task to change it` : '';
  return {
    source:
      `CSV ${displayPath(trainFile)}${testFile ? ` (test ${displayPath(testFile)})` : ''}: ` +
      `${featureNames.length} features, label "${spec.label}" (${taskText}${why})`,
    inputShape: [featureNames.length],
    target: plan.task === 'classification' ? { kind: 'class', numClasses: plan.classNames!.length, shape: [] } : { kind: 'value', shape: [1] },
    inputIsTokenIds: false,
    isImage: false,
    channels: featureNames.length,
    defaultNormalize: 'standardize',
    train: trainSplit,
    test: testSplit,
    classNames: plan.classNames,
    trainFile,
  };
}
