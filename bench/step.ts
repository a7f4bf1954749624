/**
 * Times one mini-batch's forward and backward pass (no optimizer step, no data loading) of a
 * network on each Node backend, on random inputs, so that the three ways of using the cores can
 * be compared without the rest of training:
 *
 *   node dist/bench/step.js [batch=64] [architecture=the bench CNN] [images=2560]
 *
 * prints seconds per 50,000 images for wasm (one thread), wasm-threads (products split) and
 * wasm-dp (the mini-batch split, `src/node/data-parallel.ts`).
 */
import { Rng } from '../src/core/rng.js';
import { costByName } from '../src/costs/index.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { parseArchitecture } from '../src/network/arch.js';
import { Network } from '../src/network/network.js';
import { dataParallelGradient } from '../src/node/data-parallel.js';
import { createNodeKernels, type ThreadedKernels } from '../src/node/threaded-kernels.js';
import { serialGradient, type BatchGradient } from '../src/train/gradient.js';

const m = Number(process.argv[2] ?? 64);
const arch = process.argv[3] ?? 'conv 20x5x5, maxpool 2, relu, conv 40x5x5, maxpool 2, relu, dense 100 relu, softmax 10';
const images = Number(process.argv[4] ?? 2560);

function time(kernels: Kernels, gradient: (net: Network) => BatchGradient): number {
  const net = new Network({ inputShape: [1, 28, 28], layers: parseArchitecture(arch), cost: costByName('log-likelihood'), init: 'default', kernels, rng: new Rng(1) });
  net.ensureCapacity(m);
  const g = gradient(net);
  const x = kernels.alloc(784 * m), y = kernels.alloc(10 * m);
  const rng = new Rng(2);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  for (let i = 0; i < m; i++) y[i * 10 + (i % 10)] = 1;
  const steps = Math.max(1, Math.ceil(images / m));
  for (let i = 0; i < 3; i++) g.compute(x, y, m); // warm-up
  const t = performance.now();
  for (let i = 0; i < steps; i++) g.compute(x, y, m);
  return ((performance.now() - t) / 1000) * (50000 / (steps * m));
}

console.log(`${arch}, mini-batch ${m}: seconds per 50,000 images, forward + backward`);
for (const name of ['wasm', 'wasm-threads', 'wasm-dp'] as const) {
  const k = await createNodeKernels(name);
  const s = time(k, (net) => (name === 'wasm-dp' ? dataParallelGradient(k as ThreadedKernels, 1)(net, m, 10) : serialGradient(net, 10)));
  console.log(`${name.padEnd(13)} ${s.toFixed(2)}`);
  (k as Partial<ThreadedKernels>).close?.();
}
