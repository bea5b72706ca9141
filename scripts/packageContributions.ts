// The parts of package.json that repeat lists kept in TypeScript: the
// diagnostic kinds (src/shared/diagnosticKinds.ts), their thresholds and
// defaults (src/shared/diagnosticsConfig.ts), the backend choices
// (src/shared/stats.ts) and the runs folder's defaults (src/node/runTraces.ts). `npm run sync-package` writes them;
// test/scripts/syncPackage.test.ts fails while package.json is out of step.

import { DEFAULT_BREAK_ON, DIAGNOSTIC_KINDS } from '../src/shared/diagnosticKinds';
import { DEFAULT_DIAGNOSTICS_CONFIG, THRESHOLD_DESCRIPTIONS } from '../src/shared/diagnosticsConfig';
import { BACKEND_CHOICE_DESCRIPTIONS, BACKEND_CHOICES } from '../src/shared/stats';
import { DEFAULT_RUNS_SETTINGS } from '../src/node/runTraces';

type Json = Record<string, unknown>;

/** A generated value and where it goes, as a dotted path for messages. */
interface GeneratedPart {
  path: string;
  parent: (pkg: Json) => Json;
  key: string;
  value: unknown;
}

function at(value: unknown, path: string, ...keys: (string | number)[]): Json {
  let current = value;
  for (const key of keys) {
    const next = current && typeof current === 'object' ? (current as Record<string | number, unknown>)[key] : undefined;
    if (!next || typeof next !== 'object') throw new Error(`package.json: ${path}: missing '${key}'`);
    current = next;
  }
  return current as Json;
}

function launchProperties(pkg: Json): Json {
  const debuggers = at(pkg, 'contributes.debuggers', 'contributes', 'debuggers') as unknown as Json[];
  const neural = debuggers.find((d) => d.type === 'neural');
  if (!neural) throw new Error("package.json: contributes.debuggers: no debugger of type 'neural'");
  return at(neural, 'contributes.debuggers[neural].configurationAttributes.launch.properties', 'configurationAttributes', 'launch', 'properties');
}

function settings(pkg: Json): Json {
  return at(pkg, 'contributes.configuration.properties', 'contributes', 'configuration', 'properties');
}

/** The neuralDebugger.diagnostics setting's properties: warmupSteps, then one entry per kind. */
function diagnosticsSettingProperties(): Json {
  const threshold = (description: string, defaultValue: number) => ({
    type: 'number',
    minimum: 0,
    description: `${description} (default ${defaultValue}).`,
  });
  const properties: Json = { warmupSteps: threshold(THRESHOLD_DESCRIPTIONS.warmupSteps, DEFAULT_DIAGNOSTICS_CONFIG.warmupSteps) };
  for (const kind of DIAGNOSTIC_KINDS) {
    const descriptions = THRESHOLD_DESCRIPTIONS[kind] as Record<string, string>;
    const defaults = DEFAULT_DIAGNOSTICS_CONFIG[kind] as Record<string, number | boolean>;
    const thresholds: Json = { enabled: { type: 'boolean', description: `Turn the ${kind} diagnostic on or off.` } };
    for (const name of Object.keys(defaults)) {
      if (name === 'enabled') continue;
      thresholds[name] = threshold(descriptions[name], defaults[name] as number);
    }
    properties[kind] = {
      oneOf: [{ type: 'boolean' }, { type: 'object', properties: thresholds, additionalProperties: false }],
      description: `Thresholds of the ${kind} diagnostic, or true/false to turn it on or off.`,
    };
  }
  return properties;
}

export function generatedParts(): GeneratedPart[] {
  const launch = 'contributes.debuggers[neural].configurationAttributes.launch.properties';
  const setting = 'contributes.configuration.properties';
  return [
    { path: `${launch}.backend.enum`, parent: (p) => at(launchProperties(p), launch, 'backend'), key: 'enum', value: [...BACKEND_CHOICES] },
    { path: `${launch}.breakOn.items.enum`, parent: (p) => at(launchProperties(p), launch, 'breakOn', 'items'), key: 'enum', value: [...DIAGNOSTIC_KINDS] },
    {
      path: `${setting}.neuralDebugger.backend.enum`,
      parent: (p) => at(settings(p), setting, 'neuralDebugger.backend'),
      key: 'enum',
      value: [...BACKEND_CHOICES],
    },
    {
      path: `${setting}.neuralDebugger.backend.enumDescriptions`,
      parent: (p) => at(settings(p), setting, 'neuralDebugger.backend'),
      key: 'enumDescriptions',
      value: BACKEND_CHOICES.map((choice) => BACKEND_CHOICE_DESCRIPTIONS[choice]),
    },
    {
      path: `${setting}.neuralDebugger.breakOn.items.enum`,
      parent: (p) => at(settings(p), setting, 'neuralDebugger.breakOn', 'items'),
      key: 'enum',
      value: [...DIAGNOSTIC_KINDS],
    },
    {
      path: `${setting}.neuralDebugger.breakOn.default`,
      parent: (p) => at(settings(p), setting, 'neuralDebugger.breakOn'),
      key: 'default',
      value: [...DEFAULT_BREAK_ON],
    },
    {
      path: `${setting}.neuralDebugger.diagnostics.properties`,
      parent: (p) => at(settings(p), setting, 'neuralDebugger.diagnostics'),
      key: 'properties',
      value: diagnosticsSettingProperties(),
    },
    ...(['writeTrace', 'keepPerModel', 'maxSizeMB'] as const).map((name) => ({
      path: `${setting}.neuralDebugger.runs.${name}.default`,
      parent: (p: Json) => at(settings(p), setting, `neuralDebugger.runs.${name}`),
      key: 'default',
      value: DEFAULT_RUNS_SETTINGS[name],
    })),
  ];
}

/** Dotted paths of the generated parts that differ from `pkg` (empty: in step). */
export function staleParts(pkg: Json): string[] {
  return generatedParts()
    .filter((part) => JSON.stringify(part.parent(pkg)[part.key]) !== JSON.stringify(part.value))
    .map((part) => part.path);
}

/** Writes every generated part into `pkg` (in place), keeping each key's position. */
export function applyGeneratedParts(pkg: Json): void {
  for (const part of generatedParts()) part.parent(pkg)[part.key] = part.value;
}
