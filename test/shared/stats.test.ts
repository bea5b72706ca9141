import * as assert from 'node:assert/strict';
import { describeLayerCount, type LayerInfo, type ModelTopology } from '../../src/shared/stats';

function topology(classNames: string[]): ModelTopology {
  const layers = classNames.map((className, i): LayerInfo => ({
    name: `l${i}`,
    className,
    activation: null,
    inputs: [],
    outputShape: [],
    paramCount: 0,
    trainable: true,
  }));
  return { name: 'm', layers, inputs: [], outputs: [], totalParams: 0, trainableParams: 0 };
}

describe('shared: layer counts', () => {
  it("count the spec's layers and name the input apart", () => {
    assert.equal(describeLayerCount(topology(['InputLayer', 'Dense', 'Dense', 'Dense'])), '3 layers + input');
    assert.equal(describeLayerCount(topology(['Dense', 'Dense'])), '2 layers');
    assert.equal(describeLayerCount(topology(['InputLayer', 'Dense'])), '1 layer + input');
    assert.equal(describeLayerCount(topology(['InputLayer', 'InputLayer', 'Dense'])), '1 layer + 2 inputs');
  });
});
