// Entry point of the `*.nn.json` model spec: parse with positions, validate
// against the field catalog, fill in training defaults.

import * as fs from 'fs';
import * as path from 'path';
import { getNodeValue } from 'jsonc-parser';
import { UserError } from '../shared/errors';
import type { UserErrorInfo } from '../shared/protocol';
import { TOP_LEVEL } from './catalog/sections';
import { parseJsonWithPositions } from './json';
import { checkFreezeNames, checkStructure } from './structure';
import type { LossName, MetricName, ModelSpec, OptimizerSpec, ParsedSpec, TrainingSpec } from './types';
import { SpecValidator } from './validate';
import { resolveDiagnosticsConfig } from '../shared/diagnosticsConfig';

export type * from './types';
export { LAYER_VARIANTS } from './catalog/layers';

export interface SpecCheck {
  /** Every problem found, in document order of the checks (empty when valid). */
  errors: UserErrorInfo[];
  warnings: UserErrorInfo[];
  /** Present when there are no errors. */
  parsed?: ParsedSpec;
}

/**
 * Validates a spec and reports all problems instead of throwing at the first
 * (for editor diagnostics). Malformed JSON still yields a single error.
 */
export function checkModelSpec(text: string, file: string): SpecCheck {
  let json;
  try {
    json = parseJsonWithPositions(text, file);
  } catch (e) {
    if (e instanceof UserError) return { errors: [e.info], warnings: [] };
    throw e;
  }
  const validator = new SpecValidator(file, json.lines);
  if (json.root.type !== 'object') {
    validator.problem(json.root, '', 'a model spec must be a JSON object with data, model and training sections');
    return { errors: validator.errors, warnings: [] };
  }
  validator.checkObject(json.root, TOP_LEVEL, '', { label: 'the spec', unknownIsWarning: true });
  if (validator.errors.length > 0) return { errors: validator.errors, warnings: validator.warnings };

  // Plain objects (jsonc-parser builds them without a prototype).
  const raw = JSON.parse(JSON.stringify(getNodeValue(json.root))) as Record<string, unknown>;
  const spec = withDefaults(raw, file);
  const { errors, layerLines } = checkStructure(spec.model, file, validator.positions);
  errors.push(...checkFreezeNames(spec, file, validator.positions, Object.keys(layerLines)));
  const diagnosticsError = checkDiagnosticsSection(spec.diagnostics, file, validator.positions);
  if (diagnosticsError) errors.push(diagnosticsError);
  if (errors.length > 0) return { errors, warnings: validator.warnings };
  return {
    errors: [],
    warnings: validator.warnings,
    parsed: { file, spec, warnings: validator.warnings, layerLines, positions: validator.positions },
  };
}

/** Diagnostic thresholds: a typo is an error at the closest field the parser has a position for. */
function checkDiagnosticsSection(section: Record<string, unknown> | undefined, file: string, positions: ParsedSpec['positions']): UserErrorInfo | null {
  try {
    resolveDiagnosticsConfig(section, file);
    return null;
  } catch (e) {
    if (!(e instanceof UserError) || !e.info.field) throw e;
    const parts = e.info.field.split('.');
    let at = positions[parts.join('.')];
    while (!at && parts.length > 1) at = positions[(parts.pop(), parts.join('.'))];
    return { ...e.info, ...(at ? { line: at.line, column: at.column } : {}), message: `${e.info.field}: ${e.info.message}` };
  }
}

/** Parses and validates a spec; throws a UserError (with line/column) at the first problem. */
export function parseModelSpec(text: string, file: string): ParsedSpec {
  const result = checkModelSpec(text, file);
  if (!result.parsed) throw new UserError(result.errors[0]);
  return result.parsed;
}

/** Reads and parses a spec file. */
export function loadModelSpec(file: string): ParsedSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a model spec file' : `cannot be read (${code ?? String(e)})`;
    throw new UserError({ file, message: `${why}; give the path of a *.nn.json model spec` });
  }
  return parseModelSpec(text.replace(/^\uFEFF/, ''), file);
}

const CLASS_LOSSES: LossName[] = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy'];

function withDefaults(raw: Record<string, unknown>, file: string): ModelSpec {
  const training = raw.training as Partial<TrainingSpec> & { optimizer?: OptimizerSpec | OptimizerSpec['type'] };
  const optimizer = training.optimizer ?? 'adam';
  const loss = training.loss as LossName;
  const defaultMetrics: MetricName[] = CLASS_LOSSES.includes(loss) ? ['accuracy'] : [];
  const spec = {
    ...raw,
    name: (raw.name as string | undefined) ?? path.basename(file).replace(/\.nn\.json$|\.json$/i, ''),
    diagnostics: (raw.diagnostics as Record<string, unknown> | undefined) ?? {},
    training: {
      epochs: training.epochs ?? 10,
      batchSize: training.batchSize ?? 32,
      optimizer: typeof optimizer === 'string' ? { type: optimizer } : optimizer,
      loss,
      metrics: training.metrics ?? defaultMetrics,
      seed: training.seed ?? 42,
      shuffle: training.shuffle ?? true,
      ...(training.statsEvery !== undefined ? { statsEvery: training.statsEvery } : {}),
      ...(training.freeze !== undefined ? { freeze: training.freeze } : {}),
    },
    // A Keras-topology spec has no layer list of its own.
    model: { ...(raw.model as Record<string, unknown>), layers: (raw.model as { layers?: unknown[] }).layers ?? [] },
  };
  return spec as ModelSpec;
}
