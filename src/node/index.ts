/** Node-only parts of nnlab: reading IDX files and the embedded MNIST, atomic writes. */
export { loadSplits, loadExampleSet, readIdxFile, mnistDir, IDX_FILES } from './data.js';
export { writeFileAtomic } from './atomic.js';
export { createNodeKernels, createThreadedKernels, nodeKernelsNames, DATA_PARALLEL_MIN_BATCH, prefersDataParallel, type KernelsHint } from './threaded-kernels.js';
export { dataParallelGradient, gradientForBackend } from './data-parallel.js';
export { NODE_FLAGS, missingNodeFlags } from './node-flags.js';
export { enableRelaxedSimd } from './relaxed-simd.js';
