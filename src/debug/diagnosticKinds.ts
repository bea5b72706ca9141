// The diagnostic kinds as exception breakpoint filters: one filter per kind,
// `non-finite` on by default (a NaN loss is never what anyone wants).

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DiagnosticKind } from '../shared/stats';

const FILTERS: Record<DiagnosticKind, { label: string; description: string; default?: boolean }> = {
  'non-finite': { label: 'NaN or Infinity', description: 'a NaN or ±Infinity in the loss, a gradient or a weight', default: true },
  'exploding-gradient': { label: 'Exploding gradients', description: "a gradient norm far above its own recent history" },
  'vanishing-gradient': { label: 'Vanishing gradients', description: "early layers' gradients orders of magnitude below later layers' while the loss is stuck" },
  'dead-relu': { label: 'Dead ReLUs', description: 'a large fraction of ReLU units output zero for every sample' },
  saturation: { label: 'Saturated activations', description: 'sigmoid/tanh outputs pinned near their bounds' },
  'learning-rate': { label: 'Learning rate out of range', description: 'update-to-weight ratios far from ~1e-3' },
  overfitting: { label: 'Overfitting', description: 'validation loss rising while the training loss falls' },
  plateau: { label: 'Loss plateau', description: 'the loss has stopped improving' },
};

export const DIAGNOSTIC_KINDS = Object.keys(FILTERS) as DiagnosticKind[];

export function isDiagnosticKind(value: unknown): value is DiagnosticKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(FILTERS, value);
}

export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = DIAGNOSTIC_KINDS.map((kind) => ({
  filter: kind,
  label: FILTERS[kind].label,
  description: `Pause when ${FILTERS[kind].description} (diagnostic '${kind}').`,
  default: FILTERS[kind].default ?? false,
}));
