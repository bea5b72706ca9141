// Checkpoints a run saves on its way (`--checkpoint-dir`): the initial
// weights and the weights after each epoch.

import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { saveCheckpoint } from '../checkpoint';

export class RunCheckpoints {
  constructor(private readonly dir: string | undefined) {}

  async initial(model: tf.LayersModel): Promise<void> {
    if (this.dir) await saveCheckpoint(model, path.join(this.dir, 'initial'), { epoch: 0, step: 0 });
  }

  async afterEpoch(model: tf.LayersModel, epoch: number, step: number): Promise<void> {
    if (this.dir) await saveCheckpoint(model, path.join(this.dir, `epoch-${epoch}`), { epoch, step });
  }
}
