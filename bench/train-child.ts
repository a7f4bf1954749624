/**
 * One benchmark training run in its own process, so that its peak memory (maxRSS) is its own:
 *   node dist/bench/train-child.js '<json>'
 * with json = { backend, config (a PartialRunConfig), trainSize, epochs }.
 * Loads the full MNIST files (as a real run does), trains `epochs` epochs on the first
 * `trainSize` training images with every monitor off, and prints one JSON line:
 * { epochSeconds: number[], examples, maxRssMiB, backend, fma }.
 */
import type { PartialRunConfig } from '../src/core/config.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { loadSplits } from '../src/node/data.js';
import { createNodeKernels, createThreadedKernels, type ThreadedOptions } from '../src/node/threaded-kernels.js';
import { createWasmKernels } from '../src/kernels/wasm/wasm-kernels.js';
import { enableRelaxedSimd } from '../src/node/relaxed-simd.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train } from '../src/train/trainer.js';
import { gradientForBackend } from '../src/node/data-parallel.js';

interface Job {
  backend: string;
  config: PartialRunConfig;
  trainSize: number;
  epochs: number;
  /** For 'wasm-threads': thread count and split threshold (else the defaults). */
  threads?: ThreadedOptions;
  /** The FMA build (true), the mul + add build (false), or the default (unset: FMA where relaxed SIMD works). */
  fma?: boolean;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
async function makeKernels(): Promise<Kernels> {
  if (job.fma !== false) enableRelaxedSimd(); // Node 20: the FMA build needs relaxed SIMD switched on
  if (job.fma !== undefined && job.backend === 'wasm') return createWasmKernels({ fma: job.fma });
  if (job.fma !== undefined || job.threads) {
    if (job.backend !== 'wasm-threads' && job.backend !== 'wasm-dp') throw new Error(`train-child: fma and threads options apply to wasm, wasm-threads and wasm-dp, not ${job.backend}`);
    return createThreadedKernels({ threads: 2, ...job.threads, name: job.backend, ...(job.fma !== undefined ? { fma: job.fma } : {}) });
  }
  return createNodeKernels(job.backend);
}
const kernels = await makeKernels();
const monitor = { trainCost: false, trainAccuracy: false, validationCost: false, validationAccuracy: false, testCost: false, testAccuracy: false };
const config = resolveConfig(job.config, { epochs: job.epochs, monitor, data: { trainSize: job.trainSize, validationSize: 10000 }, backend: job.backend });
const data = loadSplits(config.data);
const gradient = gradientForBackend(kernels, config.seed);
const { result } = await train({ config, data, kernels, ...(gradient ? { gradient } : {}) });
if ('close' in kernels && typeof kernels.close === 'function') kernels.close();
console.log(
  JSON.stringify({
    backend: kernels.name,
    fma: kernels.fma === true,
    examples: data.train.count,
    epochSeconds: result.epochs.map((e) => e.seconds),
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
