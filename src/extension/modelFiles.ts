// Which files are model files, and which of them this version can train.
// No `vscode` import: unit-tested under mocha.

import * as path from 'node:path';

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

/** Label for a model file in the quick pick: the name without the `.nn.json` suffix. */
export function modelDisplayName(filePath: string): string {
  return path
    .basename(filePath)
    .replace(/\.nn\.json$/i, '')
    .replace(/\.model\.[cm]?[jt]s$/i, '')
    .replace(/\.json$/i, '');
}
