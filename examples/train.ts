// A complete training script using nnlab as a library (run: npm run build && node --no-concurrent-recompilation dist/examples/train.js).
import { resolveConfig, train, createKernels, formatArchitecture } from '../src/index.js';
import { loadSplits } from '../src/node/index.js';

// The same description the CLI takes (`nnlab train --config FILE.json`).
const config = resolveConfig({
  data: { source: 'mnist', trainSize: 10000 },
  network: { layers: 'dense 30 sigmoid, dense 10 sigmoid', init: 'default' },
  cost: 'cross-entropy',
  epochs: 3,
  batchSize: 10,
  learningRate: 0.5,
  regularization: { l2: 1.0 }, // λ; decay per step is ηλ/n with n = 10,000 here
  seed: 42,
});

const data = loadSplits(config.data); // 10,000 train / 10,000 validation / 10,000 test
const kernels = await createKernels('auto'); // WebAssembly SIMD where available, else the plain TypeScript reference
const { result } = await train({
  config,
  data,
  kernels,
  listener: {
    onEpoch: (e) => console.log(`epoch ${e.epoch}: validation accuracy ${(100 * e.validationAccuracy!).toFixed(2)} %`),
  },
});
console.log(`${formatArchitecture(config.network.layers)}: test accuracy ${(100 * result.testAccuracy).toFixed(2)} %`);
