/**
 * Data-parallel training on two threads ('wasm-dp'): each mini-batch is cut in two, the main
 * thread runs forward and backward on the first ⌈m/2⌉ rows and the worker thread, at the same time,
 * on the rest with a replica of the network that reads the same weights (`replica.ts`). Each half
 * leaves (1/m) Σ over its own rows of ∂C_x/∂w, so their sum, taken here in a fixed order (main's,
 * then the worker's), is the gradient of the whole mini-batch (book eq. 93's (1/m) Σ_x). Then the
 * optimizer steps once on the main thread, with the worker helping through the split kernels.
 *
 * Why: with products split across threads ('wasm-threads') the two cores take turns at every
 * small product; here each core runs a whole network for its half of the batch, and they meet once
 * a mini-batch. Results are reproducible (same seed, same numbers) but are not bit for bit those of
 * one thread: the replica draws its own dropout masks and the gradient is summed in another order.
 */
import { sizeOf } from '../core/shape.js';
import { referenceKernels } from '../kernels/reference.js';
import type { Kernels } from '../kernels/kernels.js';
import { Network } from '../network/network.js';
import { Rng } from '../core/rng.js';
import { forwardBackward, serialGradient, type BatchGradient } from '../train/gradient.js';
import { REPLICA } from './kernel-protocol.js';
import type { ReplicaSpec } from './replica.js';
import type { ThreadedKernels } from './threaded-kernels.js';

/** Bytes the replica's buffers take: a copy of the network built with a counting allocator. */
function replicaBytes(net: Network, capacity: number): number {
  let bytes = 0;
  const counting: Kernels = { ...referenceKernels, alloc: (n: number) => ((bytes += (n * 4 + 63) & ~63), new Float32Array(n)) };
  const copy = new Network({ inputShape: net.inputShape, layers: net.specs, cost: net.cost, init: net.init, kernels: counting, rng: new Rng(0), dropoutPerBatch: net.dropoutPerBatch });
  copy.ensureCapacity(capacity);
  return bytes;
}

/** The part of a mini-batch of `count` the main thread takes (the worker takes the rest). */
export function mainPart(count: number): number {
  return Math.ceil(count / 2);
}

/**
 * A `TrainOptions.gradient` that shares every mini-batch with the worker thread of `kernels`
 * (which must have exactly one: `kernels.replica`). `seed` seeds the replica's dropout masks.
 * Mini-batches of one example run on the main thread alone.
 */
export function dataParallelGradient(kernels: ThreadedKernels, seed: number): (net: Network, batchSize: number, classes: number) => BatchGradient {
  return (net, batchSize, classes) => {
    const channel = kernels.replica;
    if (!channel) throw new Error(`data-parallel training needs a backend with exactly one worker thread ('wasm-dp'); '${kernels.name}' has ${kernels.threads - 1}`);
    if (net.kernels !== kernels) throw new Error('data-parallel training: the network was built on another kernel backend');
    const serial = serialGradient(net, classes);
    if (batchSize < 2) return serial;
    const capacity = batchSize - mainPart(batchSize);
    const inSize = sizeOf(net.inputShape);
    const params = net.params();
    const arenaBytes = replicaBytes(net, capacity) + (1 << 20); // + room for the kernels' own staging buffers
    const start = channel.acquire(arenaBytes + 4 * params.length); // the arena, then the gradient table
    const table = kernels.view(start + arenaBytes, params.length);
    const spec: ReplicaSpec = {
      layers: [...net.specs],
      inputShape: [...net.inputShape],
      init: net.init,
      cost: net.cost.name,
      dropoutPerBatch: net.dropoutPerBatch,
      seed: (seed ^ 0x6a09e667) >>> 0,
      capacity,
      inSize,
      classes,
      arenaStart: start,
      arenaBytes,
      params: params.map((p) => ({ offset: kernels.ptr(p.value, p.size), size: p.size })),
      gradTable: table.byteOffset,
    };
    channel.post(spec);
    try {
      channel.request(REPLICA.INIT, []);
    } catch (e) {
      channel.release();
      throw e;
    }
    const offsets = new Int32Array(table.buffer, table.byteOffset, params.length);
    const theirs = params.map((p, i) => kernels.view(offsets[i]!, p.size));
    let ours = 0;

    return {
      compute(x, y, count) {
        if (count < 2) return serial.compute(x, y, count);
        const h = mainPart(count);
        const xPtr = kernels.ptr(x, count * inSize) + 4 * h * inSize;
        const yPtr = kernels.ptr(y, count * classes) + 4 * h * classes;
        const cost = channel.request(REPLICA.PART, [count - h, count, xPtr, yPtr], () => {
          ours = forwardBackward(net, x, y, h, count, classes);
        });
        const total = ours + cost;
        if (!Number.isFinite(total)) return total;
        for (let i = 0; i < params.length; i++) kernels.axpy(1, theirs[i]!, params[i]!.grad, params[i]!.size);
        return total;
      },
      close() {
        channel.release();
      },
    };
  };
}

/**
 * The `TrainOptions.gradient` a Node backend implies: data-parallel for 'wasm-dp', else none (the
 * whole mini-batch on the main thread).
 */
export function gradientForBackend(kernels: Kernels, seed: number): ((net: Network, batchSize: number, classes: number) => BatchGradient) | undefined {
  return kernels.name === 'wasm-dp' ? dataParallelGradient(kernels as ThreadedKernels, seed) : undefined;
}
