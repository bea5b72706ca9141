// Checkpoints on disk in the TensorFlow.js layers format: a folder with
// `model.json` (topology, weights manifest, userDefinedMetadata) and
// `weights.bin`, loadable by `tf.loadLayersModel`. tfjs without tfjs-node
// has no file:// handler, so this module provides one; saves are atomic
// (see atomicFolder.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../shared/errors';
import { writeFolderAtomically, type AtomicWriteOptions } from './atomicFolder';

export const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

export type SaveCheckpointOptions = Pick<AtomicWriteOptions, 'writeFile'>;

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function isCheckpointFolder(dir: string): boolean {
  const entries = fs.readdirSync(dir);
  return entries.length === 0 || entries.includes(MODEL_FILE);
}

/**
 * A `tf.io.IOHandler` for a checkpoint folder: `save` writes it atomically
 * (merging `extra` into userDefinedMetadata), `load` reads it back.
 */
function checkpointIOHandler(dir: string, extra?: Record<string, unknown>, options: SaveCheckpointOptions = {}): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (!(artifacts.modelTopology && typeof artifacts.modelTopology === 'object' && !(artifacts.modelTopology instanceof ArrayBuffer))) {
        throw new Error('checkpoint save: the model artifacts have no JSON topology');
      }
      const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
      const metadata = { ...(artifacts.userDefinedMetadata ?? {}), ...(extra ?? {}) } as Record<string, object>;
      if (Object.keys(metadata).length > 0) modelJSON.userDefinedMetadata = metadata;
      writeFolderAtomically(
        dir,
        [
          [WEIGHTS_FILE, new Uint8Array(weightData)],
          [MODEL_FILE, Buffer.from(JSON.stringify(modelJSON), 'utf8')],
        ],
        { ...options, mayReplace: isCheckpointFolder },
      );
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const { modelJSON, weightSpecs, weightData } = readCheckpointFiles(dir);
      return tf.io.getModelArtifactsForJSON(modelJSON, async () => [weightSpecs, weightData]);
    },
  };
}

/**
 * Saves the model's weights (all of them, non-trainable ones included) and
 * topology as the checkpoint folder `dir`, replacing an earlier checkpoint of
 * the same name only once the new one is complete. `extra` (e.g. `{epoch,
 * step, optimizer}`) is stored in model.json's userDefinedMetadata.
 */
export async function saveCheckpoint(model: tf.LayersModel, dir: string, extra?: Record<string, unknown>, options: SaveCheckpointOptions = {}): Promise<void> {
  await model.save(checkpointIOHandler(dir, extra, options));
}

/** The text of a JSON.parse error's position as 1-based line and column, when Node reports one. */
function jsonErrorPosition(text: string, error: Error): { line?: number; column?: number } {
  const match = /position (\d+)/.exec(error.message);
  if (!match) return {};
  const before = text.slice(0, Number(match[1]));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** A note on a previous version left by a save that was killed between its two renames. */
function interruptedSaveHint(dir: string): string {
  const target = path.resolve(dir);
  const prefix = `.old-${path.basename(target)}-`;
  let entries: string[];
  try {
    entries = fs.readdirSync(path.dirname(target));
  } catch {
    return '';
  }
  const leftover = entries.find((e) => e.startsWith(prefix) && /^\d+$/.test(e.slice(prefix.length)));
  return leftover ? `. A save was interrupted: the previous version is in ${leftover} (rename it back, or save again into this folder to recover it)` : '';
}

function readModelJSON(dir: string): tf.io.ModelJSON {
  const file = path.join(dir, MODEL_FILE);
  if (!fs.existsSync(dir)) {
    throw new UserError({ file: dir, message: 'checkpoint folder not found; check the path' + interruptedSaveHint(dir) });
  }
  if (!fs.statSync(dir).isDirectory()) {
    throw new UserError({ file: dir, message: `a checkpoint is a folder with ${MODEL_FILE} and ${WEIGHTS_FILE}, not a file` });
  }
  if (!fs.existsSync(file)) {
    throw new UserError({
      file: dir,
      message: `no ${MODEL_FILE} in this folder: it is not a checkpoint (expected ${MODEL_FILE} and ${WEIGHTS_FILE})`,
    });
  }
  const text = fs.readFileSync(file, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError({
      file,
      ...jsonErrorPosition(text, e as Error),
      message: `not valid JSON (${(e as Error).message}); the checkpoint is damaged`,
    });
  }
  const json = value as Partial<tf.io.ModelJSON> | null;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UserError({ file, message: 'expected a JSON object with modelTopology and weightsManifest' });
  }
  if (typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new UserError({ file, field: 'modelTopology', message: 'missing: this model.json has no layers model topology' });
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || manifest.some((g) => !Array.isArray(g?.paths) || !Array.isArray(g?.weights))) {
    throw new UserError({ file, field: 'weightsManifest', message: 'missing or malformed: expected [{paths: [...], weights: [...]}]' });
  }
  return json as tf.io.ModelJSON;
}

/** Bytes the weight specs need, or null when they cannot be known (strings, quantized weights). */
function expectedWeightBytes(specs: tf.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const spec of specs) {
    const size = BYTES_PER_ELEMENT[spec.dtype];
    if (size === undefined || spec.quantization) return null;
    total += spec.shape.reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

/** model.json and the weight files of a checkpoint folder, checked for consistency. */
export function readCheckpointFiles(dir: string): {
  modelJSON: tf.io.ModelJSON;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
} {
  const modelJSON = readModelJSON(dir);
  const folder = path.resolve(dir);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJSON.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const name of group.paths) {
      const file = path.resolve(folder, name);
      if (path.dirname(file) !== folder) {
        throw new UserError({ file: path.join(dir, MODEL_FILE), field: 'weightsManifest', message: `weight file "${name}" is outside the checkpoint folder` });
      }
      if (!fs.existsSync(file)) {
        throw new UserError({ file, message: `weight file missing: the checkpoint is incomplete` });
      }
      const bytes = fs.readFileSync(file);
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
  }
  const weightData = tf.io.CompositeArrayBuffer.join(buffers);
  const expected = expectedWeightBytes(weightSpecs);
  if (expected !== null && expected !== weightData.byteLength) {
    const files = modelJSON.weightsManifest.flatMap((group) => group.paths);
    throw new UserError({
      // A converted model.json names its own weight file (group1-shard1of1.bin).
      file: files.length === 1 ? path.resolve(folder, files[0]) : path.join(dir, WEIGHTS_FILE),
      message: `holds ${weightData.byteLength} bytes but ${MODEL_FILE} describes ${expected}: the checkpoint is damaged`,
    });
  }
  return { modelJSON, weightSpecs, weightData };
}

/** Loads a checkpoint folder as a new model (topology and weights). */
export async function loadCheckpointModel(dir: string): Promise<tf.LayersModel> {
  const handler = checkpointIOHandler(dir);
  // Read and check the files first, so file problems surface as UserErrors
  // rather than from inside tfjs.
  const artifacts = await handler.load!();
  try {
    return await tf.loadLayersModel({ load: async () => artifacts });
  } catch (e) {
    throw new UserError({
      file: path.join(dir, MODEL_FILE),
      message: `cannot build the model from this checkpoint: ${(e as Error).message}`,
    });
  }
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 10).join(', ');
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

/**
 * Sets the weights of an existing model from a checkpoint, matching them by
 * name (`LayerVariable.originalName`, e.g. `dense1/kernel`). With `strict`
 * (the default) every model weight must be in the checkpoint and vice versa;
 * otherwise the weights present in both are loaded. Shapes must match.
 * Values are written exactly (layer constraints are not re-applied).
 */
export async function loadCheckpointWeights(model: tf.LayersModel, dir: string, options: { strict?: boolean } = {}): Promise<void> {
  const strict = options.strict ?? true;
  const { weightSpecs, weightData } = readCheckpointFiles(dir);
  // Optimizer weights (saved with includeOptimizer) are not model weights.
  const modelSpecs = weightSpecs.filter((s) => s.group !== 'optimizer');
  const saved = tf.io.decodeWeights(weightData, weightSpecs);
  try {
    const modelNames = new Set(model.weights.map((w) => w.originalName));
    const missing = model.weights.map((w) => w.originalName).filter((n) => !(n in saved));
    const unexpected = modelSpecs.map((s) => s.name).filter((n) => !modelNames.has(n));
    const mismatched = model.weights
      .filter((w) => w.originalName in saved && !tf.util.arraysEqual(w.shape as number[], saved[w.originalName].shape))
      .map((w) => `${w.originalName} (model ${JSON.stringify(w.shape)}, checkpoint ${JSON.stringify(saved[w.originalName].shape)})`);
    const problems: string[] = [];
    if (mismatched.length > 0) problems.push(`shapes differ: ${listNames(mismatched)}`);
    if (strict && missing.length > 0) problems.push(`model weights not in the checkpoint: ${listNames(missing)}`);
    if (strict && unexpected.length > 0) problems.push(`checkpoint weights not in the model: ${listNames(unexpected)}`);
    if (!strict && missing.length === model.weights.length) {
      problems.push(`no model weight is in the checkpoint (model: ${listNames([...modelNames])}; checkpoint: ${listNames(modelSpecs.map((s) => s.name))})`);
    }
    if (problems.length > 0) {
      throw new UserError({
        file: path.join(dir, MODEL_FILE),
        message: `the checkpoint does not fit this model: ${problems.join('; ')}`,
      });
    }
    for (const w of model.weights) {
      const value = saved[w.originalName];
      // read() is the underlying variable; assigning it skips LayerVariable.write's constraint.
      if (value) (w.read() as tf.Variable).assign(value);
    }
  } finally {
    tf.dispose(saved);
  }
}
