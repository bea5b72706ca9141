// The exports of dist/native-kernels*.wasm: one line per kernel file.
export { gemm } from './gemm';
export { winogradFilter, winogradForward } from './winograd';
export { winogradFilterGradBlocks, winogradFilterGradSum } from './winogradGrad';
export { adamUpdate } from './adam';
export { conv2dForward, conv2dBackpropFilter, conv2dBackpropInput } from './conv';
export { maxPoolGrad, maxPoolForward } from './pool';
export { sumLeadingAxes } from './reduce';
export { lstmForward, lstmTransposeRecurrent, lstmBackwardSteps, lstmBackwardWeights } from './lstm';
export { denseActivation, denseBackwardBlocks, columnSums, reluGrad } from './dense';
export { sumOfSquares, countNonFinite, finiteSumMinMax, updateSums, copyBlocks, sampledMoments, stridedHistogram, statsResult } from './stats';
export { binaryAdd, binarySub, binaryMul, binaryDiv, binarySquaredDifference } from './elementwise';
