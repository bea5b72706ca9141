// `data.inputShape`: each sample reshaped (same values, same order), e.g.
// flat CSV rows of 784 pixels as [28, 28, 1] for a convolutional model; and
// the hint model-shape errors give when such a reshape would fit.

import { UserError } from '../../shared/errors';
import { shapeSize, type RawDataset } from './raw';
import type { DataSpec, LoadContext } from './types';

const format = (shape: readonly (number | null)[]) => `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;

/** The input shape the data gives: the source's, or `data.inputShape` when it holds as many values. */
export function reshapedInput(raw: RawDataset, spec: DataSpec, ctx: LoadContext): number[] {
  const wanted = spec.inputShape;
  if (wanted === undefined) return raw.inputShape;
  const values = shapeSize(raw.inputShape);
  if (shapeSize(wanted) !== values) {
    throw new UserError({
      file: ctx.specFile,
      field: 'data.inputShape',
      message: `${format(wanted)} holds ${shapeSize(wanted)} values, but each sample has ${values} (${format(raw.inputShape)}); the shape must hold exactly ${values}`,
    });
  }
  return wanted;
}

/**
 * The fix to suggest when a model's declared input shape differs from the
 * data's: a reshape with `data.inputShape` when it holds as many values
 * (`[32, 32, 3]` on 3072-column rows), else null.
 */
export function inputShapeFix(declared: readonly (number | null)[], dataShape: readonly number[]): string | null {
  if (declared.length === 0 || declared.some((d) => d === null) || shapeSize(declared as number[]) !== shapeSize([...dataShape])) return null;
  return `set data.inputShape to ${format(declared)} to reshape each sample of ${format(dataShape)}`;
}
