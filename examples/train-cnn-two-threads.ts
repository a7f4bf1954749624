// A small convolutional network trained with each mini-batch split between two threads
// (run: npm run build && node --no-concurrent-recompilation dist/examples/train-cnn-two-threads.js).
import { resolveConfig, train } from '../src/index.js';
import { createNodeKernels, gradientForBackend, loadSplits } from '../src/node/index.js';

const config = resolveConfig({
  data: { source: 'mnist', trainSize: 5000, validationSize: 1000 },
  network: { layers: 'conv 20x5x5, maxpool 2, relu, dense 100 relu, softmax 10' },
  cost: 'log-likelihood',
  epochs: 2,
  batchSize: 10,
  learningRate: 0.1,
  backend: 'wasm-dp',
  seed: 1,
});
const data = loadSplits(config.data);
const kernels = await createNodeKernels(config.backend); // 'wasm-dp': the WebAssembly kernels on two threads
const gradient = gradientForBackend(kernels, config.seed); // the worker thread takes the second half of every mini-batch
const { result } = await train({
  config,
  data,
  kernels,
  ...(gradient ? { gradient } : {}),
  listener: { onEpoch: (e) => console.log(`epoch ${e.epoch}: ${e.seconds.toFixed(1)} s, validation accuracy ${(100 * e.validationAccuracy!).toFixed(2)} %`) },
});
console.log(`${result.backend}: test accuracy ${(100 * result.testAccuracy).toFixed(2)} %`);
(kernels as { close?: () => void }).close?.();
