export * from './errors.js';
export * from './problem.js';
export * from './rate.js';
export { pruningBlock, uniformPruning } from './pruning.js';
export { bandwidthBlock, roundLatency, clientLatency, unprunedLatencies } from './bandwidth.js';
export * from './methods.js';
export * from './rng.js';
export * from './scenario.js';
export * from './facade.js';
