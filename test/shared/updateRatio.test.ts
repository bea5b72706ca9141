import * as assert from 'node:assert/strict';
import { BELOW_RESOLUTION_LABEL, updateBelowResolution } from '../../src/shared/updateRatio';

/** ‖ΔW‖/‖W‖ of an SGD update w − lr·g done in float32, as the trainer measures it. */
function float32UpdateRatio(weights: number[], gradient: number[], learningRate: number): number {
  const before = Float32Array.from(weights);
  const after = Float32Array.from(before.map((w, i) => w - learningRate * gradient[i]));
  let diff = 0;
  let norm = 0;
  before.forEach((w, i) => {
    diff += (after[i] - w) ** 2;
    norm += w * w;
  });
  return Math.sqrt(diff) / Math.sqrt(norm);
}

describe('shared: an update ratio of 0 below float32 resolution', () => {
  it('is what float32 gives for an update under half an ulp, and is labelled below the bound', () => {
    const weights = [1, -0.5, 2];
    const gradient = [1e-3, 2e-3, -1e-3];
    const tiny = float32UpdateRatio(weights, gradient, 1e-5); // |ΔW| ≈ 1e-8 ≪ 2^-24·|w|
    assert.equal(tiny, 0);
    assert.ok(updateBelowResolution({ updateRatio: tiny, gradNorm: 2.4e-3 }, 1e-5));
    const visible = float32UpdateRatio(weights, gradient, 1e-2);
    assert.ok(visible > 0);
    assert.ok(!updateBelowResolution({ updateRatio: visible, gradNorm: 2.4e-3 }, 1e-2));
    // The smallest ratio float32 can show is above the label's bound's order: a change of one ulp of 1.
    assert.ok(float32UpdateRatio([1], [-1], 2 ** -23) > 0);
    assert.equal(BELOW_RESOLUTION_LABEL, '< 6e-8');
  });

  it('a zero that is no rounding is not labelled: no gradient, a zero learning rate, not measured', () => {
    assert.equal(updateBelowResolution({ updateRatio: 0, gradNorm: 0 }, 0.1), false);
    assert.equal(updateBelowResolution({ updateRatio: 0, gradNorm: null }, 0.1), false);
    assert.equal(updateBelowResolution({ updateRatio: 0, gradNorm: 1 }, 0), false);
    assert.equal(updateBelowResolution({ updateRatio: null, gradNorm: 1 }, 0.1), false);
  });
});
