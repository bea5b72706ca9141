// Model modules and Keras files for the source tests, written into temp
// folders (a module with a syntax error cannot live under test/: tsc checks it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { isUserError, type UserError } from '../../../src/shared/errors';
import { prepareRun } from '../../../src/trainer/run/prepare';
import { tempDir } from '../run/harness';
import { dense2 } from '../../fixtures/models/layouts';

export { tempDir };

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const EXAMPLES = path.join(ROOT, 'examples');

/** Writes `files` (name → text) into a new temp folder and returns its path. */
export function writeFiles(files: Record<string, string>, dir = tempDir('nd-sources-')): string {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

/** The 1-based line of the first line of `text` containing `marker`. */
export function lineOf(text: string, marker: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(marker));
  if (index < 0) throw new Error(`marker ${marker} not in text`);
  return index + 1;
}

/** A spiral data spec export, small. */
export const SPIRAL_DATA = `export const data = { source: 'synthetic', dataset: 'spiral', samples: 256, testSamples: 64, validationSplit: 0.25 };`;

export const TRAINING = `export const training = { epochs: 2, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', seed: 3 };`;

/** A module whose body is `body` inside model(tf), with spiral data and training. */
export function moduleWith(body: string, extra = ''): string {
  return [
    `import type * as tfType from '@tensorflow/tfjs';`,
    SPIRAL_DATA,
    TRAINING,
    extra,
    `export default function model(tf: typeof tfType) {`,
    body,
    `}`,
    ``,
  ].join('\n');
}

/** A Keras 2 `model.to_json()` of a Sequential MLP on 2 inputs; `extra` layers go before the output. */
export function kerasSequential(extra: object[] = [], classes = 2): string {
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 2], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' } },
        dense2('hidden', 16, 'relu'),
        ...extra,
        dense2('out', classes, 'softmax'),
      ],
    },
    keras_version: '2.15.0',
    backend: 'tensorflow',
  };
  return JSON.stringify(topology, null, 2);
}

/** A spec training the Keras file `kerasFile` on the spiral. */
export function kerasSpec(kerasFile: string, extra: { model?: object; training?: object } = {}): string {
  return JSON.stringify(
    {
      name: 'keras-test',
      data: { source: 'synthetic', dataset: 'spiral', samples: 256, testSamples: 64, validationSplit: 0.25 },
      model: { keras: kerasFile, ...extra.model },
      training: { epochs: 2, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', seed: 5, ...extra.training },
    },
    null,
    2,
  );
}

/** The UserError that preparing a run of `file` fails with (fails the test when it succeeds). */
export async function prepareError(file: string): Promise<UserError> {
  try {
    const ctx = await prepareRun({ modelFile: file, backend: 'wasm' }, () => undefined);
    ctx.model.dispose();
  } catch (e) {
    assert.ok(isUserError(e), `expected a UserError, got ${(e as Error)?.stack}`);
    return e as UserError;
  }
  return assert.fail('expected prepareRun to fail');
}
