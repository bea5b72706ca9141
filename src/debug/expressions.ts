// Watch, Debug Console and hover expressions, evaluated here in the adapter
// over the step the debugger shows (not by a round trip to the trainer): the
// Variables view and expressions then always agree, also after a step back,
// and a hover costs no IPC. Same language and names as breakpoint conditions
// (src/shared/expression/runScope.ts `buildScope`).

import { evaluate, parseExpression, scopeFromObject, type PathSegment, type Value } from '../shared/expression';
import { ACTIVATION_FIELDS, buildScope } from '../shared/expression/runScope';
import type { RunNames } from './functionBreakpoints';
import type { RunState } from './runState';

type EvaluationResult =
  | { kind: 'value'; value: Value }
  /** A path naming a group (`layers.dense_1`): shown as an expandable object. */
  | { kind: 'group'; path: PathSegment[]; group: Record<string, unknown> };

/** The names and values an expression can read right now. */
export function expressionObject(state: RunState): Record<string, unknown> {
  return buildScope(state.current, state.lastEpoch, state.learningRate) as Record<string, unknown>;
}

export function evaluateText(text: string, state: RunState): EvaluationResult {
  const expr = parseExpression(text);
  const object = expressionObject(state);
  if (expr.kind === 'name' && expr.segments.every((s) => s.kind === 'key')) {
    const path = expr.segments.map((s) => (s.kind === 'key' ? s.key : ''));
    let node: unknown = object;
    for (const key of path) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[String(key)] : undefined;
    if (typeof node === 'object' && node !== null) return { kind: 'group', path, group: node as Record<string, unknown> };
  }
  return { kind: 'value', value: evaluate(expr, scopeFromObject(object)) };
}

/**
 * Every name the run has, for checking breakpoints before they are reached:
 * the model's layers (from its topology), metrics and their `val_` forms even
 * before the first step or validation.
 */
export function runNames(state: RunState): RunNames | null {
  if (!state.topology || !state.settings) return null;
  const object = expressionObject(state);
  const layers = object.layers as Record<string, unknown>;
  for (const layer of state.topology.layers) {
    if (layers[layer.name]) continue;
    const entry: Record<string, null> = { gradNorm: null, nonFinite: null };
    for (const field of ACTIVATION_FIELDS) entry[field] = null;
    layers[layer.name] = entry;
  }
  for (const metric of state.settings.metrics) {
    if (!(metric in object)) object[metric] = null;
    if (!(`val_${metric}` in object)) object[`val_${metric}`] = null;
  }
  const weights = object.weights as Record<string, unknown>;
  return { scope: scopeFromObject(object), knowsWeights: Object.keys(weights).length > 0 };
}
