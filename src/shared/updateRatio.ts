// An update ratio ‖ΔW‖/‖W‖ of exactly 0 beside a gradient that is not 0: the
// update was computed but rounded away, each element's change being under
// half a unit in the last place of its float32 weight. Variables and the
// Gradients view's Update column say so rather than show a bare 0.

import type { WeightStats } from './stats';

/**
 * Below this ratio an update can vanish in float32: half an ulp of w is at
 * most 2^-24·|w|, so an update lost to rounding in every element has
 * ‖ΔW‖ ≤ 2^-24·‖W‖.
 */
const FLOAT32_HALF_ULP_RATIO = 2 ** -24;

/** The bound in the label, rounded up: `< 6e-8`. */
export const BELOW_RESOLUTION_LABEL = `< ${Number(FLOAT32_HALF_ULP_RATIO.toPrecision(1))}`;

export const BELOW_RESOLUTION_EXPLANATION =
  `the update is below float32 resolution of the weight: every element's change was under half a unit in the last place ` +
  `of its value (a relative change under ${FLOAT32_HALF_ULP_RATIO.toExponential(2)}), so the weight did not change although ` +
  'its gradient is not 0; a larger learning rate or a rescaled weight would move it';

/**
 * Whether a weight's update ratio of 0 means "rounded away": it measured 0
 * while its gradient and the learning rate were not 0 (a frozen weight or a
 * zero learning rate has no update to lose).
 */
export function updateBelowResolution(w: Pick<WeightStats, 'updateRatio' | 'gradNorm'>, learningRate: number): boolean {
  return w.updateRatio === 0 && w.gradNorm !== null && w.gradNorm > 0 && learningRate > 0;
}
