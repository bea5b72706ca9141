// Parsing of run traces (JSON Lines, see docs/trace-format.md) without any
// Node API, so that the webview bundle can use it on text it was given.
// `reader.ts` feeds the same parser from a file stream.

import { UserError } from '../errors';
import {
  TRACE_FORMAT,
  TRACE_FORMAT_VERSION,
  TRACE_RECORD_KINDS,
  decodeTraceLine,
  type TraceDiagnosticRecord,
  type TraceEndRecord,
  type TraceEpochRecord,
  type TraceHeaderRecord,
  type TraceLearningRateRecord,
  type TraceRecord,
  type TraceRecordKind,
  type TraceRestoreRecord,
  type TraceResumeRecord,
  type TraceStepRecord,
  type TraceStopRecord,
} from './format';

export interface ParsedTrace {
  header: TraceHeaderRecord;
  /** Every record in file order, the header first. */
  records: TraceRecord[];
  steps: TraceStepRecord[];
  epochs: TraceEpochRecord[];
  diagnostics: TraceDiagnosticRecord[];
  stops: TraceStopRecord[];
  resumes: TraceResumeRecord[];
  learningRates: TraceLearningRateRecord[];
  restores: TraceRestoreRecord[];
  /** Null when the run was killed or is still running. */
  end: TraceEndRecord | null;
  /** True when the file ends with an incomplete line (a killed run); that line was ignored. */
  truncated: boolean;
}

type FieldType = 'number' | 'string' | 'object' | 'array' | 'object|null';

// Fields each record kind must have (dotted paths), checked on read so that a
// consumer can rely on them. Deeper content is not validated.
const REQUIRED_FIELDS: Record<TraceRecordKind, [string, FieldType][]> = {
  header: [
    ['backend', 'object'],
    ['backend.name', 'string'],
    ['topology', 'object'],
    ['topology.layers', 'array'],
    ['settings', 'object'],
  ],
  step: [
    ['stats', 'object'],
    ['stats.step', 'number'],
    ['stats.epoch', 'number'],
    ['stats.batch', 'number'],
    ['stats.loss', 'number'],
    ['stats.layers', 'array'],
    ['stats.weights', 'array'],
  ],
  epoch: [
    ['stats', 'object'],
    ['stats.epoch', 'number'],
    ['stats.step', 'number'],
    ['stats.loss', 'number'],
  ],
  diagnostic: [
    ['diagnostic', 'object'],
    ['diagnostic.id', 'string'],
    ['diagnostic.kind', 'string'],
    ['diagnostic.step', 'number'],
  ],
  stop: [
    ['reason', 'string'],
    ['step', 'number'],
    ['epoch', 'number'],
    ['batch', 'number'],
  ],
  resume: [],
  lr: [
    ['step', 'number'],
    ['from', 'number'],
    ['to', 'number'],
  ],
  restore: [
    ['epoch', 'number'],
    ['step', 'number'],
    ['fromStep', 'number'],
  ],
  end: [
    ['reason', 'string'],
    ['steps', 'number'],
    ['epochs', 'number'],
    ['test', 'object|null'],
    ['error', 'object|null'],
  ],
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function fieldAt(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function hasType(value: unknown, type: FieldType): boolean {
  const actual = typeOf(value);
  if (type === 'object|null') return actual === 'object' || actual === 'null';
  return actual === type;
}

/**
 * Incremental trace parser: feed it complete lines with `pushLine`, then the
 * text after the last newline with `finish`. Throws `UserError` with the file
 * and 1-based line for anything that is not a valid trace.
 */
export class TraceParser {
  private lineNumber = 0;
  private headerRecord: TraceHeaderRecord | null = null;
  private endLine = 0;
  private truncatedTail = false;

  constructor(readonly file: string = '<trace>') {}

  get header(): TraceHeaderRecord | null {
    return this.headerRecord;
  }

  get truncated(): boolean {
    return this.truncatedTail;
  }

  /** One complete line, without its newline. Returns null for a blank line. */
  pushLine(line: string): TraceRecord | null {
    this.lineNumber++;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return null;
    let value: unknown;
    try {
      value = decodeTraceLine(text);
    } catch (e) {
      throw this.error(`not a JSON record (${(e as Error).message}); the trace is damaged`);
    }
    return this.check(value);
  }

  /**
   * The text after the last newline: empty for a complete file, otherwise a
   * record cut short by a killed run. A cut record is ignored and sets
   * `truncated`; an unterminated but complete record (the newline alone is
   * missing) is kept, because no proper prefix of a JSON object is valid JSON.
   */
  finish(rest: string): TraceRecord | null {
    let record: TraceRecord | null = null;
    if (rest.trim() !== '') {
      let value: unknown;
      let complete = true;
      try {
        value = decodeTraceLine(rest);
      } catch {
        complete = false;
      }
      this.lineNumber++;
      if (complete) record = this.check(value);
      else this.truncatedTail = true;
    }
    if (this.headerRecord === null) {
      const what = this.truncatedTail
        ? 'the trace ends inside its header record: the run was killed before it started'
        : 'the trace is empty: it has no header record';
      throw new UserError({ file: this.file, line: 1, column: 1, message: what });
    }
    return record;
  }

  private error(message: string): UserError {
    return new UserError({ file: this.file, line: this.lineNumber, column: 1, message });
  }

  private check(value: unknown): TraceRecord {
    if (typeOf(value) !== 'object') {
      throw this.error(`expected a JSON object record, found ${typeOf(value)}`);
    }
    const record = value as Record<string, unknown>;
    const kind = record.kind;
    if (typeof kind !== 'string' || !(TRACE_RECORD_KINDS as readonly string[]).includes(kind)) {
      throw this.error(
        `unknown record kind ${JSON.stringify(kind)}; expected one of ${TRACE_RECORD_KINDS.join(', ')}`,
      );
    }
    if (this.headerRecord === null) {
      if (kind !== 'header') {
        throw this.error(
          `the first record must be a header, found "${kind}": this is not the start of a Neural Debugger trace`,
        );
      }
      this.checkHeaderVersion(record);
    } else if (kind === 'header') {
      throw this.error('a second header record: two runs wrote to the same trace file');
    } else if (this.endLine > 0) {
      throw this.error(`a "${kind}" record after the end record on line ${this.endLine}`);
    }
    if (typeof record.time !== 'number') {
      throw this.error(`"${kind}" record: field "time" must be a number, found ${typeOf(record.time)}`);
    }
    for (const [path, type] of REQUIRED_FIELDS[kind as TraceRecordKind]) {
      const field = fieldAt(record, path);
      if (!hasType(field, type)) {
        throw this.error(`"${kind}" record: field "${path}" must be ${type.replace('|', ' or ')}, found ${typeOf(field)}`);
      }
    }
    const checked = record as unknown as TraceRecord;
    if (checked.kind === 'header') this.headerRecord = checked;
    if (checked.kind === 'end') this.endLine = this.lineNumber;
    return checked;
  }

  private checkHeaderVersion(record: Record<string, unknown>): void {
    if (record.format !== TRACE_FORMAT) {
      throw this.error(
        `the header's "format" is ${JSON.stringify(record.format)}, not "${TRACE_FORMAT}": this is not a Neural Debugger trace`,
      );
    }
    if (record.version !== TRACE_FORMAT_VERSION) {
      const newer = typeof record.version === 'number' && record.version > TRACE_FORMAT_VERSION;
      throw this.error(
        `trace format version ${JSON.stringify(record.version)} is not supported (this Neural Debugger reads version ${TRACE_FORMAT_VERSION})` +
          (newer ? '; update Neural Debugger to read it' : ''),
      );
    }
  }
}

/** Sorts records by kind into a `ParsedTrace`. */
export class TraceCollector {
  private readonly records: TraceRecord[] = [];
  private readonly steps: TraceStepRecord[] = [];
  private readonly epochs: TraceEpochRecord[] = [];
  private readonly diagnostics: TraceDiagnosticRecord[] = [];
  private readonly stops: TraceStopRecord[] = [];
  private readonly resumes: TraceResumeRecord[] = [];
  private readonly learningRates: TraceLearningRateRecord[] = [];
  private readonly restores: TraceRestoreRecord[] = [];
  private end: TraceEndRecord | null = null;

  add(record: TraceRecord): void {
    this.records.push(record);
    switch (record.kind) {
      case 'header':
        break;
      case 'step':
        this.steps.push(record);
        break;
      case 'epoch':
        this.epochs.push(record);
        break;
      case 'diagnostic':
        this.diagnostics.push(record);
        break;
      case 'stop':
        this.stops.push(record);
        break;
      case 'resume':
        this.resumes.push(record);
        break;
      case 'lr':
        this.learningRates.push(record);
        break;
      case 'restore':
        this.restores.push(record);
        break;
      case 'end':
        this.end = record;
        break;
    }
  }

  result(header: TraceHeaderRecord, truncated: boolean): ParsedTrace {
    return {
      header,
      records: this.records,
      steps: this.steps,
      epochs: this.epochs,
      diagnostics: this.diagnostics,
      stops: this.stops,
      resumes: this.resumes,
      learningRates: this.learningRates,
      restores: this.restores,
      end: this.end,
      truncated,
    };
  }
}

/** Parses a whole trace held in memory. `file` names it in errors. */
export function parseTrace(text: string, file?: string): ParsedTrace {
  const parser = new TraceParser(file);
  const collector = new TraceCollector();
  let start = 0;
  // Walk the text with indexOf rather than split('\n'), so that the lines of a
  // large trace are not all held at once next to the text.
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
    const record = parser.pushLine(text.slice(start, end));
    if (record) collector.add(record);
    start = end + 1;
  }
  const last = parser.finish(text.slice(start));
  if (last) collector.add(last);
  return collector.result(parser.header as TraceHeaderRecord, parser.truncated);
}
