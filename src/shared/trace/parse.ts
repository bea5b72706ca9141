// Parsing of run traces (JSON Lines, see docs/trace-format.md) without any
// Node API, so that the webview bundle can use it on text it was given.
// `src/node/traceReader.ts` feeds the same parser from a file stream. Version
// 1 traces are upgraded record by record (upgrade.ts), the compact step lines
// of version 3 decoded (compact.ts), and then every record is checked alike;
// version 2 records are version 3 records.

import { UserError } from '../errors';
import { decodeJson } from '../json';
import {
  TRACE_FORMAT,
  TRACE_FORMAT_VERSION,
  TRACED_EVENT_TYPES,
  type TraceHeaderRecord,
  type TraceRecord,
  type TraceRecordOf,
  type TracedEventType,
} from './format';
import { decodeCompactStep, type CompactState } from './compact';
import { V1_RECORD_KINDS, newV1UpgradeState, upgradeV1Record, type V1Record, type V1UpgradeState } from './upgrade';

/** A trace's records grouped by event type. */
export interface ParsedTrace {
  /** The header, as the current version writes it (`version` is TRACE_FORMAT_VERSION for an upgraded trace too: see `fileVersion`). */
  header: TraceHeaderRecord;
  /** The format version the file was written in. */
  fileVersion: number;
  /** Every record in file order, the header first. */
  records: TraceRecord[];
  steps: TraceRecordOf<'step'>[];
  epochs: TraceRecordOf<'epoch'>[];
  diagnostics: TraceRecordOf<'diagnostic'>[];
  stops: TraceRecordOf<'stopped'>[];
  resumes: TraceRecordOf<'resumed'>[];
  learningRates: TraceRecordOf<'learningRate'>[];
  restores: TraceRecordOf<'restored'>[];
  warnings: TraceRecordOf<'log'>[];
  /** The record that ended the run: `finished`, or a fatal `error` (the trainer's, or `killed` from its parent). Null while running or when nobody could write it. */
  end: TraceRecordOf<'finished'> | TraceRecordOf<'error'> | null;
  /** True when the file ends with an incomplete line (a killed run); that line was ignored. */
  truncated: boolean;
}

/** How the run ended, in one word (null when the trace has no end record). */
export function endReason(trace: ParsedTrace): 'completed' | 'stopped' | 'error' | 'killed' | null {
  const end = trace.end;
  if (end === null) return null;
  if (end.type === 'finished') return end.reason;
  return end.killed ? 'killed' : 'error';
}

type FieldType = 'number' | 'string' | 'boolean' | 'object' | 'array' | 'object|null';

// Fields each event type must have (dotted paths), checked on read so that a
// consumer can rely on them. Deeper content is not validated.
const REQUIRED_FIELDS: Record<TracedEventType, [string, FieldType][]> = {
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
  stopped: [
    ['reason', 'string'],
    ['step', 'number'],
    ['epoch', 'number'],
    ['batch', 'number'],
  ],
  resumed: [],
  learningRate: [
    ['step', 'number'],
    ['from', 'number'],
    ['to', 'number'],
  ],
  restored: [
    ['epoch', 'number'],
    ['step', 'number'],
    ['fromStep', 'number'],
  ],
  log: [
    ['level', 'string'],
    ['message', 'string'],
  ],
  finished: [
    ['reason', 'string'],
    ['steps', 'number'],
    ['epochs', 'number'],
    ['test', 'object|null'],
  ],
  error: [
    ['error', 'object'],
    ['error.message', 'string'],
    ['fatal', 'boolean'],
  ],
};

/** Fields with a closed set of values. */
const ALLOWED_VALUES: Partial<Record<TracedEventType, [string, readonly string[]]>> = {
  stopped: ['reason', ['entry', 'pause', 'step', 'breakpoint', 'diagnostic']],
  finished: ['reason', ['completed', 'stopped']],
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

function isEnd(record: TraceRecord): boolean {
  return record.type === 'finished' || (record.type === 'error' && record.fatal);
}

/**
 * Incremental trace parser: feed it complete lines with `pushLine`, then the
 * text after the last newline with `finish`. Each line gives its records
 * (one, or for an upgraded version 1 line, one or two). Throws `UserError`
 * with the file and 1-based line for anything that is not a valid trace.
 */
export class TraceParser {
  private lineNumber = 0;
  private headerRecord: TraceHeaderRecord | null = null;
  /** Set once the header says version 1. */
  private v1: V1UpgradeState | null = null;
  /** What compact step lines are read against (version 3). */
  private compact: CompactState | null = null;
  private version = TRACE_FORMAT_VERSION;
  private endLine = 0;
  private truncatedTail = false;

  constructor(readonly file: string = '<trace>') {}

  get header(): TraceHeaderRecord | null {
    return this.headerRecord;
  }

  /** The format version the file was written in (known after the header). */
  get fileVersion(): number {
    return this.version;
  }

  get truncated(): boolean {
    return this.truncatedTail;
  }

  /** One complete line, without its newline. A blank line gives no records. */
  pushLine(line: string): TraceRecord[] {
    this.lineNumber++;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return [];
    let value: unknown;
    try {
      value = decodeJson(text);
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
  finish(rest: string): TraceRecord[] {
    let records: TraceRecord[] = [];
    if (rest.trim() !== '') {
      let value: unknown;
      let complete = true;
      try {
        value = decodeJson(rest);
      } catch {
        complete = false;
      }
      this.lineNumber++;
      if (complete) records = this.check(value);
      else this.truncatedTail = true;
    }
    if (this.headerRecord === null) {
      const what = this.truncatedTail
        ? 'the trace ends inside its header record: the run was killed before it started'
        : 'the trace is empty: it has no header record';
      throw new UserError({ file: this.file, line: 1, column: 1, message: what });
    }
    return records;
  }

  private error(message: string): UserError {
    return new UserError({ file: this.file, line: this.lineNumber, column: 1, message });
  }

  private check(value: unknown): TraceRecord[] {
    if (typeOf(value) !== 'object') {
      throw this.error(`expected a JSON object record, found ${typeOf(value)}`);
    }
    const record = value as Record<string, unknown>;
    if (this.headerRecord === null) this.checkHeaderVersion(record);
    if (this.v1 !== null) {
      const kind = record.kind;
      if (typeof kind !== 'string' || !(V1_RECORD_KINDS as readonly string[]).includes(kind)) {
        throw this.error(`unknown record kind ${JSON.stringify(kind)}; expected one of ${V1_RECORD_KINDS.join(', ')} (trace format version 1)`);
      }
      this.checkTime(record, `"${kind}" record`);
      const upgraded = upgradeV1Record(record as V1Record, this.v1);
      for (const r of upgraded) this.checkRecord(r as unknown as Record<string, unknown>, `"${kind}" record (version 1)`);
      return upgraded;
    }
    const type = record.type;
    if (typeof type !== 'string' || !(TRACED_EVENT_TYPES as readonly string[]).includes(type)) {
      const what = typeof type === 'string' ? `unknown event type ${JSON.stringify(type)}` : 'a record without a "type" field';
      throw this.error(`${what}; expected one of ${TRACED_EVENT_TYPES.join(', ')}`);
    }
    if (type === 'step' && record.s !== undefined) return [this.decodeCompact(record)];
    this.checkTime(record, `"${type}" event`);
    const checked = this.checkRecord(record, `"${type}" event`);
    if (this.compact !== null) {
      if (checked.type === 'step') this.compact.previousStep = checked.stats;
      this.compact.previousTime = checked.time;
    }
    return [checked];
  }

  /** A compact step line of version 3 (compact.ts), as the full record it stands for. */
  private decodeCompact(record: Record<string, unknown>): TraceRecord {
    if (this.compact === null) throw this.error(`a compact step line ("s") in a version ${this.version} trace, which has none`);
    if (typeof record.dt !== 'number')
      throw this.error(`compact step line: field "dt" ${record.dt === undefined ? 'is missing' : `must be a number, found ${typeOf(record.dt)}`}`);
    if (!Array.isArray(record.s)) throw this.error(`compact step line: field "s" must be array, found ${typeOf(record.s)}`);
    const decoded = decodeCompactStep({ dt: record.dt, s: record.s, d: record.d }, this.compact);
    if (typeof decoded === 'string') throw this.error(`compact step line: ${decoded}`);
    const checked = this.checkRecord(decoded as unknown as Record<string, unknown>, 'compact step line');
    this.compact.previousStep = decoded.stats;
    this.compact.previousTime = decoded.time;
    return checked;
  }

  private checkTime(record: Record<string, unknown>, what: string): void {
    if (typeof record.time !== 'number') {
      throw this.error(`${what}: field "time" ${record.time === undefined ? 'is missing' : `must be a number, found ${typeOf(record.time)}`}`);
    }
  }

  /** Checks one record (of any version, upgraded or decoded): its place in the file and its required fields. */
  private checkRecord(record: Record<string, unknown>, what: string): TraceRecord {
    const type = record.type as TracedEventType;
    if (this.headerRecord !== null && type === 'header') {
      throw this.error('a second header record: two runs wrote to the same trace file');
    }
    if (this.endLine > 0) {
      throw this.error(`${what} after the end of the run on line ${this.endLine}`);
    }
    for (const [path, fieldType] of REQUIRED_FIELDS[type]) {
      const field = fieldAt(record, path);
      if (!hasType(field, fieldType)) {
        const expected = `must be ${fieldType.replace('|', ' or ')}`;
        throw this.error(`${what}: field "${path}" ${field === undefined ? `is missing (it ${expected})` : `${expected}, found ${typeOf(field)}`}`);
      }
    }
    const allowed = ALLOWED_VALUES[type];
    if (allowed && !allowed[1].includes(record[allowed[0]] as string)) {
      throw this.error(`${what}: field "${allowed[0]}" is ${JSON.stringify(record[allowed[0]])}; expected one of ${allowed[1].join(', ')}`);
    }
    const checked = record as unknown as TraceRecord;
    if (checked.type === 'header') this.headerRecord = checked;
    if (isEnd(checked)) this.endLine = this.lineNumber;
    return checked;
  }

  /** The first record: a header of a version this code reads. */
  private checkHeaderVersion(record: Record<string, unknown>): void {
    const isV1 = record.type === undefined && record.kind !== undefined;
    const first = isV1 ? record.kind : record.type;
    if (first !== 'header') {
      const found = typeof first === 'string' ? `a ${JSON.stringify(first)} record` : 'a JSON object without a "type" field';
      throw this.error(`the first record must be a header, found ${found}: this is not the start of a Neural Debugger trace`);
    }
    if (record.format !== TRACE_FORMAT) {
      throw this.error(`the header's "format" is ${JSON.stringify(record.format)}, not "${TRACE_FORMAT}": this is not a Neural Debugger trace`);
    }
    // Version 2 is version 3 without compact step lines and rounding: its records are read as they are.
    const readable = isV1 ? [1] : [2, TRACE_FORMAT_VERSION];
    if (!readable.includes(record.version as number)) {
      const newer = typeof record.version === 'number' && record.version > TRACE_FORMAT_VERSION;
      throw this.error(
        `trace format version ${JSON.stringify(record.version)} is not supported (this Neural Debugger reads versions 1, 2 and ${TRACE_FORMAT_VERSION}` +
          (!isV1 && record.version === 1 ? '; a version 1 header has "kind" where this one has "type"' : '') +
          ')' +
          (newer ? '; update Neural Debugger to read it' : ''),
      );
    }
    this.version = record.version as number;
    if (isV1) this.v1 = newV1UpgradeState();
    if (this.version === TRACE_FORMAT_VERSION) {
      const batchSize = fieldAt(record, 'settings.batchSize');
      this.compact = { batchSize: typeof batchSize === 'number' ? batchSize : 0, previousStep: null, previousTime: 0 };
    }
    // Every reader sees the header of the current version (fileVersion keeps the file's).
    if (!isV1) record.version = TRACE_FORMAT_VERSION;
  }
}

/** Sorts records by event type into a `ParsedTrace`. */
export class TraceCollector {
  private readonly trace: Omit<ParsedTrace, 'header' | 'fileVersion' | 'truncated'> = {
    records: [],
    steps: [],
    epochs: [],
    diagnostics: [],
    stops: [],
    resumes: [],
    learningRates: [],
    restores: [],
    warnings: [],
    end: null,
  };

  add(record: TraceRecord): void {
    const t = this.trace;
    t.records.push(record);
    switch (record.type) {
      case 'header':
        break;
      case 'step':
        t.steps.push(record);
        break;
      case 'epoch':
        t.epochs.push(record);
        break;
      case 'diagnostic':
        t.diagnostics.push(record);
        break;
      case 'stopped':
        t.stops.push(record);
        break;
      case 'resumed':
        t.resumes.push(record);
        break;
      case 'learningRate':
        t.learningRates.push(record);
        break;
      case 'restored':
        t.restores.push(record);
        break;
      case 'log':
        t.warnings.push(record);
        break;
      case 'finished':
        t.end = record;
        break;
      case 'error':
        if (record.fatal) t.end = record;
        break;
    }
  }

  /** The grouped trace; `read` is the parser after `finish` (or a summary of it). */
  result(read: { header: TraceHeaderRecord | null; fileVersion: number; truncated: boolean }): ParsedTrace {
    return { ...this.trace, header: read.header as TraceHeaderRecord, fileVersion: read.fileVersion, truncated: read.truncated };
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
    for (const record of parser.pushLine(text.slice(start, end))) collector.add(record);
    start = end + 1;
  }
  for (const record of parser.finish(text.slice(start))) collector.add(record);
  return collector.result(parser);
}
