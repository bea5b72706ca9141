// The diagnostic kinds: the one list the CLI (--break-on), the debug adapter
// (exception breakpoint filters), the diagnostics configuration and
// package.json (enums and settings, written by `npm run sync-package`) take
// their kinds from. Adding a kind here makes the compiler ask for its
// thresholds in diagnosticsConfig.ts.

export interface DiagnosticKindInfo {
  /** Name of the exception breakpoint filter in VS Code's Breakpoints view. */
  label: string;
  /** What the diagnostic sees, as the end of "Pause when …". */
  description: string;
  /** Whether a run pauses on it unless told otherwise (setting, launch config, Breakpoints view). */
  breaksByDefault: boolean;
}

export const DIAGNOSTIC_KIND_INFO = {
  // On by default: a NaN loss is never what anyone wants.
  'non-finite': { label: 'NaN or Infinity', description: 'a NaN or ±Infinity in the loss, a gradient or a weight', breaksByDefault: true },
  'exploding-gradient': { label: 'Exploding gradients', description: 'a gradient norm far above its own recent history', breaksByDefault: false },
  'vanishing-gradient': {
    label: 'Vanishing gradients',
    description: "early layers' gradients orders of magnitude below later layers' while the loss is stuck",
    breaksByDefault: false,
  },
  'dead-relu': { label: 'Dead ReLUs', description: 'a large fraction of ReLU units output zero for every sample', breaksByDefault: false },
  saturation: { label: 'Saturated activations', description: 'sigmoid/tanh outputs pinned near their bounds', breaksByDefault: false },
  'learning-rate': { label: 'Learning rate out of range', description: 'update-to-weight ratios far from ~1e-3', breaksByDefault: false },
  overfitting: { label: 'Overfitting', description: 'validation loss rising while the training loss falls', breaksByDefault: false },
  plateau: { label: 'Loss plateau', description: 'the loss has stopped improving', breaksByDefault: false },
} as const satisfies Record<string, DiagnosticKindInfo>;

export type DiagnosticKind = keyof typeof DIAGNOSTIC_KIND_INFO;

/** Every kind, in the order the Breakpoints view and error messages list them. */
export const DIAGNOSTIC_KINDS = Object.keys(DIAGNOSTIC_KIND_INFO) as DiagnosticKind[];

/** The kinds a run breaks on when neither a setting nor a launch configuration says otherwise. */
export const DEFAULT_BREAK_ON: readonly DiagnosticKind[] = DIAGNOSTIC_KINDS.filter((kind) => DIAGNOSTIC_KIND_INFO[kind].breaksByDefault);

export function isDiagnosticKind(value: unknown): value is DiagnosticKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DIAGNOSTIC_KIND_INFO, value);
}
