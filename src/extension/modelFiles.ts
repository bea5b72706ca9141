// Which files are model files, and which of them this version can train.
// No `vscode` import: unit-tested under mocha.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';

/**
 * - `json-spec`: a `*.nn.json` model spec (data, model, training sections);
 * - `module`: a `*.model.ts` / `*.model.js` module that builds a model in code;
 * - `keras`: a Keras / TensorFlow.js `model.json` topology;
 * - `pytorch`: a PyTorch training script (`*.py`, run unmodified under the probe: docs/pytorch.md).
 */
export type ModelFileKind = 'json-spec' | 'module' | 'keras' | 'pytorch';

/** The one place that decides what a model file is, from its name. */
export function modelFileKind(filePath: string): ModelFileKind | null {
  const name = path.basename(filePath).toLowerCase();
  if (name.endsWith('.nn.json')) return 'json-spec';
  if (/\.model\.(ts|js|mjs|cjs|mts|cts)$/.test(name)) return 'module';
  if (name === 'model.json') return 'keras';
  if (name.endsWith('.py')) return 'pytorch';
  return null;
}

/** Glob of the model files the workspace quick pick offers (those the trainer runs). */
export const TRAINABLE_MODEL_GLOB = '**/*.{nn.json,model.ts,model.js,model.mjs,model.cjs,model.mts,model.cts}';

/**
 * Why a model file cannot be trained here, or null when it can. JS/TS modules
 * execute the user's code, so they need a trusted workspace; JSON specs only
 * describe a model and run in restricted mode too.
 */
export function whyNotTrainable(filePath: string, workspaceTrusted: boolean): string | null {
  const kind = modelFileKind(filePath);
  const name = path.basename(filePath);
  switch (kind) {
    case 'json-spec':
      return null;
    case 'module':
      if (!workspaceTrusted) {
        return (
          `${name} is a JavaScript/TypeScript model module: training it runs its code, which restricted mode does not allow. ` +
          'Trust the workspace (Workspaces: Manage Workspace Trust) to train it, or describe the model as a *.nn.json spec.'
        );
      }
      return null;
    case 'pytorch':
      if (!workspaceTrusted) {
        return `${name} is a Python script: training it runs its code, which restricted mode does not allow. Trust the workspace (Workspaces: Manage Workspace Trust) to train it.`;
      }
      return null;
    case 'keras':
      return (
        `${name} is a Keras/TensorFlow.js topology without data or training settings: train it through a *.nn.json spec ` +
        `that points at it ("model": { "keras": "${name}" }, see docs/model-spec.md).`
      );
    default:
      return `${name} is not a model file: Neural Debugger trains *.nn.json model specs, *.model.ts/js modules and PyTorch scripts (*.py).`;
  }
}

// The CLI names its runs with it too, so it lives with the spec code.
export { modelDisplayName } from '../spec/modelFiles';

/** The data fields of a spec that name files or folders (src/trainer/data/types.ts), relative to the spec's folder. */
const DATA_PATH_FIELDS = ['path', 'testPath'] as const;

/**
 * What data a spec names that is not on disk, as the picker says it
 * (`needs data: data/cifar-10-batches-bin (data.path) is missing`), or null
 * when every path it names exists (or it names none: synthetic sets, the
 * bundled MNIST). Only existence is checked; the trainer reads the files.
 */
export function missingData(specFile: string, specText: string): string | null {
  let data: unknown;
  try {
    data = (parseJsonc(specText) as { data?: unknown } | undefined)?.data;
  } catch {
    return null; // a broken spec is reported when it is trained
  }
  if (typeof data !== 'object' || data === null) return null;
  for (const field of DATA_PATH_FIELDS) {
    const value = (data as Record<string, unknown>)[field];
    if (typeof value !== 'string' || value === '') continue;
    if (!fs.existsSync(path.resolve(path.dirname(specFile), value))) return `needs data: ${value} (data.${field}) is missing`;
  }
  return null;
}

type PickSection = 'Recently active' | 'Workspace' | 'Bundled examples';

/** One model file in the Train model picker. */
export interface PickEntry {
  section: PickSection;
  file: string;
  /** Why it cannot train as it is (from missingData), shown beside it; null when it can. */
  needsData: string | null;
}

/**
 * The picker's entries: the recently active model files (most recent first;
 * the caller drops those no longer on disk), then the workspace's other model files by path,
 * then the bundled examples; each file once. `preselect` is the first entry
 * that can train as it is (Enter must not start a run that fails for lack of
 * data), or -1 when none can.
 */
export function pickerEntries(
  recent: readonly string[],
  workspace: readonly string[],
  examples: readonly string[],
  needsData: (file: string) => string | null,
): { entries: PickEntry[]; preselect: number } {
  const seen = new Set<string>();
  const entries: PickEntry[] = [];
  const add = (section: PickSection, files: readonly string[]) => {
    for (const file of files) {
      if (seen.has(file)) continue;
      seen.add(file);
      entries.push({ section, file, needsData: needsData(file) });
    }
  };
  add('Recently active', recent);
  add(
    'Workspace',
    [...workspace].sort((a, b) => a.localeCompare(b)),
  );
  add(
    'Bundled examples',
    [...examples].sort((a, b) => a.localeCompare(b)),
  );
  return { entries, preselect: entries.findIndex((e) => e.needsData === null) };
}
