// Loads any model source into a ModelSource: dispatches on the file kind.

import * as path from 'node:path';
import type { TrainOptions } from '../../shared/protocol';
import { UserError } from '../../shared/errors';
import { isModelSourceFile } from '../../spec/modelFiles';
import { loadModuleSource } from './module';
import { loadSpecSource } from './spec';
import type { ModelSource, SourceIO } from './types';

export async function loadModelSource(options: TrainOptions, io: SourceIO): Promise<ModelSource> {
  const file = path.resolve(options.modelFile);
  // Any *.json is read as a spec here (isModelSourceFile offers only *.nn.json to editors).
  const kind = isModelSourceFile(file) ?? (file.toLowerCase().endsWith('.json') ? 'spec' : null);
  if (kind === null) {
    throw new UserError({ file: options.modelFile, message: 'expected a model spec (*.nn.json) or a model module (*.model.ts, *.model.js)' });
  }
  return kind === 'module' ? loadModuleSource(file, options, io) : loadSpecSource(file, options, io);
}
