// Transfer learning: start a built model from saved weights (a checkpoint
// folder or a TensorFlow.js model.json), matched by layer and weight name, and
// freeze chosen layers. Non-strict loading keeps the fresh initialisation of
// whatever the file lacks or has in another shape (a replaced head), and says
// so in the run log.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isUserError, UserError } from '../../shared/errors';
import { MODEL_FILE, readCheckpointFiles } from '../checkpoint';
import { displayPath } from '../data/files';
import { closestName, suggestion } from '../../spec/suggest';
import type { FreezeSpec, WeightsSpec } from '../../spec/types';
import type { ProblemSite } from './check';

export interface WeightLoadReport {
  /** The folder the weights came from. */
  source: string;
  loaded: string[];
  /** Model weights the file does not have: they keep their initialisation. */
  missing: string[];
  /** In both, with different shapes (model shape vs saved shape): initialisation kept. */
  mismatched: string[];
  /** Saved weights no model weight asked for. */
  unused: string[];
  /** Model weights of layers listed in `skip`. */
  skipped: string[];
}

/** `site` for a spec field: the file and the field's position, when known. */
export type SiteOf = (field: string) => ProblemSite;

function fileOrFolder(p: string): 'file' | 'folder' | null {
  try {
    return fs.statSync(p).isDirectory() ? 'folder' : 'file';
  } catch {
    return null;
  }
}

function list(names: string[], limit = 8): string {
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}

const layerOf = (weightName: string) => weightName.split('/')[0];

/** The first weight file a model.json's manifest lists that is not in its folder (group and index in `weightsManifest`). */
function missingWeightFile(folder: string): { group: number; index: number; name: string } | null {
  let manifest: unknown;
  try {
    manifest = (JSON.parse(fs.readFileSync(path.join(folder, MODEL_FILE), 'utf8')) as { weightsManifest?: unknown }).weightsManifest;
  } catch {
    return null; // readCheckpointFiles reports an unreadable model.json
  }
  if (!Array.isArray(manifest)) return null;
  for (const [group, entry] of manifest.entries()) {
    const paths = (entry as { paths?: unknown }).paths;
    if (!Array.isArray(paths)) continue;
    for (const [index, name] of paths.entries()) {
      if (typeof name === 'string' && !fs.existsSync(path.resolve(folder, name))) return { group, index, name };
    }
  }
  return null;
}

/**
 * The saved weight that is `name`: the same name, or the same with the
 * model's scope added or removed (Keras 3 saves `sequential/dense/kernel`
 * for the layer weight `dense/kernel`). Undefined when none or several fit.
 */
function savedNameOf(name: string, saved: Set<string>): string | undefined {
  if (saved.has(name)) return name;
  const fits = [...saved].filter((s) => s.endsWith(`/${name}`) || name.endsWith(`/${s}`));
  return fits.length === 1 ? fits[0] : undefined;
}

/** readCheckpointFiles, its errors (a damaged weight file) moved to the model file's manifest when known. */
function readWeightFiles(folder: string, manifestSite?: ManifestSite): ReturnType<typeof readCheckpointFiles> {
  try {
    return readCheckpointFiles(folder);
  } catch (e) {
    if (!manifestSite || !isUserError(e) || e.info.line !== undefined) throw e;
    const what = e.info.message.replace(/: the checkpoint is damaged$/, '');
    throw new UserError({
      ...manifestSite([]),
      message: `${displayPath(e.info.file ?? folder)} ${what}; the weight file is truncated or not the one this ${MODEL_FILE} lists: copy it again together with its ${MODEL_FILE}`,
    });
  }
}

/** For weights that come from the model file itself: where its manifest is, to report problems there. */
export type ManifestSite = (path: (string | number)[]) => ProblemSite;

/**
 * Loads the weights at `resolved` (already resolved against the spec) into
 * `model`. Problems are reported at `site(field)`, or in the model file's
 * `weightsManifest` when `manifestSite` is given.
 */
export function loadWeightsInto(
  model: tf.LayersModel,
  spec: WeightsSpec,
  resolved: string,
  site: SiteOf,
  fieldPrefix: string,
  manifestSite?: ManifestSite,
): WeightLoadReport {
  const pathField = `${fieldPrefix}.path`;
  const kind = fileOrFolder(resolved);
  if (kind === null) {
    const how = spec.createdBy
      ? `; create them with: ${spec.createdBy}`
      : '; give a checkpoint folder (written by --checkpoint-dir, e.g. ckpt/epoch-3) or a TensorFlow.js model.json';
    throw new UserError({ ...site(pathField), message: `weights not found: ${displayPath(resolved)} does not exist${how}` });
  }
  if (kind === 'file' && path.basename(resolved) !== MODEL_FILE) {
    throw new UserError({
      ...site(pathField),
      message: `${resolved} is a file; give the folder of a checkpoint or a TensorFlow.js ${MODEL_FILE} (its weight files next to it)`,
    });
  }
  const folder = kind === 'file' ? path.dirname(resolved) : resolved;
  const absent = missingWeightFile(folder);
  if (absent) {
    throw new UserError({
      ...(manifestSite?.([absent.group, 'paths', absent.index]) ?? site(pathField)),
      message: `weight file ${absent.name} is missing: ${displayPath(path.resolve(folder, absent.name))} does not exist; put it next to ${MODEL_FILE} (copy the ${MODEL_FILE} and every weight file its weightsManifest lists into one folder)`,
    });
  }
  const { weightSpecs, weightData } = readWeightFiles(folder, manifestSite);
  const savedSpecs = weightSpecs.filter((s) => s.group !== 'optimizer');
  // Decoded with every spec (offsets follow their order); optimizer slots are then ignored.
  const saved = tf.io.decodeWeights(weightData, weightSpecs);
  try {
    const modelLayers = model.layers.map((l) => l.name);
    const savedLayers = [...new Set(savedSpecs.map((s) => layerOf(s.name)))];
    (spec.skip ?? []).forEach((name, i) => {
      if (!modelLayers.includes(name) && !savedLayers.includes(name)) {
        throw new UserError({
          ...site(`${fieldPrefix}.skip[${i}]`),
          message: `no layer is called '${name}' in the model or the saved weights${suggestion(name, [...new Set([...modelLayers, ...savedLayers])])}`,
        });
      }
    });
    const skip = new Set(spec.skip ?? []);
    const report: WeightLoadReport = { source: folder, loaded: [], missing: [], mismatched: [], unused: [], skipped: [] };
    const wanted = new Set<string>();
    const savedNames = new Set(savedSpecs.map((s) => s.name));
    const assignments: [tf.LayerVariable, tf.Tensor][] = [];
    for (const w of model.weights) {
      const name = w.originalName;
      if (skip.has(layerOf(name))) {
        report.skipped.push(name);
        continue;
      }
      const savedName = savedNameOf(name, savedNames);
      if (savedName !== undefined) wanted.add(savedName);
      const value = savedName === undefined ? undefined : saved[savedName];
      if (!value) report.missing.push(name);
      else if (!tf.util.arraysEqual(w.shape as number[], value.shape)) {
        report.mismatched.push(`${name} (model ${JSON.stringify(w.shape)}, saved ${JSON.stringify(value.shape)})`);
      } else assignments.push([w, value]);
    }
    report.unused = savedSpecs.map((s) => s.name).filter((n) => !wanted.has(n) && !skip.has(layerOf(n)));
    const problems: string[] = [];
    if (manifestSite && (report.missing.length > 0 || report.unused.length > 0)) {
      // The file's own weights: the names must be those of its topology's layers.
      throw new UserError({
        ...manifestSite([]),
        message:
          `the model's weights are not in the file: expected ${list(report.missing)}; found ${list(report.unused)}` +
          ` (weightsManifest names are 'layer/weight' or 'model/layer/weight', with the layer names of the topology)`,
      });
    }
    if (spec.strict) {
      if (report.mismatched.length > 0) problems.push(`shapes differ: ${list(report.mismatched)}`);
      if (report.missing.length > 0) problems.push(`model weights not in the file: ${list(report.missing)}`);
      if (report.unused.length > 0) problems.push(`saved weights not in the model: ${list(report.unused)}`);
    } else if (assignments.length === 0 && model.weights.length > 0) {
      const hint = closestName(
        report.missing[0] ?? '',
        savedSpecs.map((s) => s.name),
      );
      problems.push(
        `no model weight matches a saved one by name and shape (model: ${list(model.weights.map((w) => w.originalName))}; saved: ${list(savedSpecs.map((s) => s.name))})` +
          (hint ? `; layer names must match, e.g. name the layer '${layerOf(hint)}'` : ''),
      );
    }
    if (problems.length > 0) {
      throw new UserError({
        ...site(pathField),
        ...(manifestSite ? manifestSite([]) : {}),
        message: `the weights in ${displayPath(folder)} do not fit this model: ${problems.join('; ')}${spec.strict && !manifestSite ? ' (or set "strict": false)' : ''}`,
      });
    }
    for (const [w, value] of assignments) {
      // The variable itself: LayerVariable.write would re-apply constraints.
      (w.read() as tf.Variable).assign(value);
      report.loaded.push(w.originalName);
    }
    return report;
  } finally {
    tf.dispose(saved);
  }
}

/** One log line saying what was loaded and what kept its initialisation. */
export function describeWeightLoad(report: WeightLoadReport): string {
  const layers = (names: string[]) => [...new Set(names.map(layerOf))].join(', ');
  const parts = [`loaded ${report.loaded.length} weight(s) of ${layers(report.loaded) || 'no layer'} from ${displayPath(report.source)}`];
  const fresh = [...report.missing, ...report.skipped];
  if (fresh.length > 0) parts.push(`freshly initialised (not in the file${report.skipped.length ? ' or skipped' : ''}): ${layers(fresh)}`);
  if (report.mismatched.length > 0) parts.push(`freshly initialised (other shape in the file): ${report.mismatched.join(', ')}`);
  if (report.unused.length > 0) parts.push(`not used from the file: ${layers(report.unused)}`);
  return parts.join('; ');
}

/**
 * Sets `trainable = false` on the layers `freeze` selects and returns their
 * names. Unknown names are reported at `site(field)` with a suggestion.
 */
export function applyFreeze(model: tf.LayersModel, freeze: FreezeSpec, site: SiteOf): string[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const names = layers.map((l) => l.name);
  const indexOf = (name: string, field: string): number => {
    const index = names.indexOf(name);
    if (index < 0) throw new UserError({ ...site(field), message: `no layer is called '${name}'${suggestion(name, names)} (layers: ${list(names, 12)})` });
    return index;
  };
  let chosen: number[];
  if (Array.isArray(freeze)) {
    chosen = freeze.map((name, i) => indexOf(name, `training.freeze[${i}]`));
  } else {
    const from = freeze.from !== undefined ? indexOf(freeze.from, 'training.freeze.from') : 0;
    const upTo = freeze.upTo !== undefined ? indexOf(freeze.upTo, 'training.freeze.upTo') : layers.length - 1;
    if (from > upTo) {
      throw new UserError({ ...site('training.freeze'), message: `'${freeze.from}' comes after '${freeze.upTo}' in the model; the range is empty` });
    }
    chosen = Array.from({ length: upTo - from + 1 }, (_, i) => from + i);
  }
  for (const index of chosen) layers[index].trainable = false;
  return chosen.map((i) => names[i]);
}
