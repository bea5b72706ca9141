// Which files are models Neural Debugger can train, and whether training them
// runs the user's code. Light on purpose (no TensorFlow.js, no esbuild): the
// extension host imports it. The loaders are in src/trainer/sources/load.ts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { UserErrorInfo } from '../shared/protocol';
import { UserError } from '../shared/errors';
import { loadModelSpec } from './index';

/** How a model file defines its model: a JSON spec, a Keras/TensorFlow.js topology in a spec, or a JS/TS module. */
export type ModelSourceKind = 'spec' | 'module' | 'keras';

const MODULE_FILE = /\.model\.(ts|mts|cts|js|mjs|cjs)$/i;
const SPEC_FILE = /\.nn\.json$/i;

/**
 * `module` for `*.model.ts` / `*.model.js` (also .mts/.cts/.mjs/.cjs),
 * `keras` for a `*.nn.json` whose model section points at a Keras /
 * TensorFlow.js topology (`"model": { "keras": … }`), `spec` for any other
 * `*.nn.json`, null for anything else.
 */
export function isModelSourceFile(file: string): ModelSourceKind | null {
  if (MODULE_FILE.test(file)) return 'module';
  if (!SPEC_FILE.test(file)) return null;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return 'spec';
  }
  const root = parseTree(text);
  const keras = root ? findNodeAtLocation(root, ['model', 'keras']) : undefined;
  return keras ? 'keras' : 'spec';
}

/** Modules run their own code: only in a trusted workspace. JSON (specs, Keras topologies) runs none. */
export function requiresTrust(kind: ModelSourceKind): boolean {
  return kind === 'module';
}

/**
 * Checks a model file as far as possible without TensorFlow.js, in
 * milliseconds: specs are parsed and validated (throws the first error as a
 * UserError), modules must exist (their code is checked when the trainer
 * bundles them). Returns the spec's warnings.
 */
export function precheckModelSource(file: string): UserErrorInfo[] {
  return precheckWithLines(file).warnings;
}

/**
 * Lines of a model spec the debugger's stack frames point at: the run frame
 * at the spec's `name`, the epoch frame at `training.epochs` (else the
 * `training` section). Absent for a module, or a field the spec leaves out.
 */
export interface SpecFrameLines {
  name?: number;
  epochs?: number;
}

/** `precheckModelSource`, plus the lines of the fields a paused run's frames point at. */
export function precheckWithLines(file: string): { warnings: UserErrorInfo[]; lines: SpecFrameLines } {
  // Any *.json is read as a spec (as the trainer does); editors offer only *.nn.json.
  const kind = isModelSourceFile(file) ?? (file.toLowerCase().endsWith('.json') ? 'spec' : null);
  if (file.toLowerCase().endsWith('.py')) {
    // A PyTorch script (docs/pytorch.md): Python checks it when it runs.
    if (!fs.existsSync(file)) throw new UserError({ file, message: 'file not found; give the path of a PyTorch training script (*.py)' });
    return { warnings: [], lines: {} };
  }
  if (kind === null) {
    throw new UserError({
      file,
      message: 'not a model file: expected a model spec (*.nn.json), a model module (*.model.ts, *.model.js) or a PyTorch script (*.py)',
    });
  }
  if (kind === 'module') {
    if (!fs.existsSync(file)) throw new UserError({ file, message: 'file not found; give the path of a *.model.ts or *.model.js file' });
    return { warnings: [], lines: {} };
  }
  const parsed = loadModelSpec(file);
  const line = (field: string): number | undefined => parsed.positions[field]?.line;
  return { warnings: parsed.warnings, lines: { name: line('name'), epochs: line('training.epochs') ?? line('training') } };
}

/** A model file's name without its suffix (`.nn.json`, `.model.ts`, …): the picker's label and the name of its runs' traces. */
export function modelDisplayName(filePath: string): string {
  return path
    .basename(filePath)
    .replace(/\.nn\.json$/i, '')
    .replace(/\.model\.[cm]?[jt]s$/i, '')
    .replace(/\.json$/i, '');
}
