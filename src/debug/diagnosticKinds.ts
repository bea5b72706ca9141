// The diagnostic kinds as exception breakpoint filters: one filter per kind
// of src/shared/diagnosticKinds.ts, on by default where the kind breaks by default.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { DIAGNOSTIC_KIND_INFO, DIAGNOSTIC_KINDS } from '../shared/diagnosticKinds';

// Re-exported for the adapter's modules, which take the kinds from here.
export { DIAGNOSTIC_KINDS, isDiagnosticKind } from '../shared/diagnosticKinds';

export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = DIAGNOSTIC_KINDS.map((kind) => ({
  filter: kind,
  label: DIAGNOSTIC_KIND_INFO[kind].label,
  description: `Pause when ${DIAGNOSTIC_KIND_INFO[kind].description} (diagnostic '${kind}').`,
  default: DIAGNOSTIC_KIND_INFO[kind].breaksByDefault,
}));
