/**
 * nnlab's public API for Node and the browser (no Node-only modules here; file loading lives in
 * `nnlab/node`).
 */
export * from './core/config.js';
export * from './core/errors.js';
export { Rng } from './core/rng.js';
export { sizeOf, type Shape } from './core/shape.js';
export type { Kernels } from './kernels/kernels.js';
export { KernelMemoryError } from './kernels/kernels.js';
export { referenceKernels } from './kernels/reference.js';
export { createKernels, createWasmKernels, wasmSimdSupported, wasmFmaSupported, kernelsNames, type KernelsName } from './kernels/index.js';
export { Dense, Activation, Dropout, Conv2d, Pool2d, Flatten, buildLayers, type Layer, type Param, type LayerContext } from './layers/index.js';
export { costByName, quadratic, crossEntropy, logLikelihood, type Cost } from './costs/index.js';
export { l1, l2, maxNorm, regularizersFor, type Regularizer } from './regularizers/index.js';
export { sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, optimizerFor, type Optimizer } from './optimizers/index.js';
export { initWeights, initBiases } from './init/initializers.js';
export { parseIdx, encodeIdx, type IdxArray } from './data/idx.js';
export { exampleSet, split, subset, fillBatch, type ExampleSet, type Splits } from './data/dataset.js';
export { Network, type NetworkOptions } from './network/network.js';
export { parseArchitecture, formatArchitecture } from './network/arch.js';
export { encodeModel, decodeModel, decodeModelHeader, MODEL_VERSION, type ModelHeader } from './network/model-file.js';
export { train, buildNetwork, type TrainOptions, type TrainListener, type EpochRecord, type RunResult } from './train/trainer.js';
export { serialGradient, type BatchGradient } from './train/gradient.js';
export { Evaluator, argmax, type Evaluation } from './train/evaluate.js';
export { pluralityVote, meanVote, scoreEnsemble, type EnsembleScore } from './train/ensemble.js';
export { scheduleFor, type Schedule } from './train/schedule.js';
export { EarlyStopping } from './train/early-stopping.js';
export { PRESETS, findPreset, bookScore, type Preset, type BookMetric } from './train/presets.js';
export { resolveConfig } from './train/resolve.js';
export * from './data/augment/index.js';
