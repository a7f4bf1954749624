import { sizeOf } from '../core/shape.js';
import type { Network } from '../network/network.js';

/**
 * One mini-batch's forward and backward pass: the step of training that can be shared out. The
 * trainer asks it for the gradient of the mean cost over `count` examples (rows of `x`, one-hot
 * targets in `y`) and then adds the regularizers and lets the optimizer step.
 */
export interface BatchGradient {
  /**
   * Fill every parameter's `grad` with (1/m) Σ_x ∂C_x/∂w over the m = `count` examples and return
   * the summed cost Σ_x C_x. When that sum is not finite the gradients are left unspecified (the
   * trainer restores the last good weights and stops).
   */
  compute(x: Float32Array, y: Float32Array, count: number): number;
  /** Release threads or buffers this gradient holds (the network stays usable). */
  close?(): void;
}

/**
 * At most this many examples go through a network with convolutions at a time: a larger
 * mini-batch is taken in parts of about this size, each part's gradient added to the earlier
 * parts' (the sum is the same (1/m) Σ_x, added in another order). A convolutional network's
 * activations and im2col columns take about 250 KB an example (the chapter-6 CNN), so small parts
 * stay in the core's cache; measured on one thread (FMA build, forward + backward, s per 50,000
 * images): mini-batch 64 whole 18.2, in parts of 16 16.6, of 8 16.6; mini-batch 32 whole 19.1, in
 * parts of 8 15.5; mini-batch 10 whole 15.3. Dense-only networks gain from large batches (a weight
 * matrix read once for all rows) and are never split.
 */
export const CONV_PART = 12;

/**
 * How many examples of a mini-batch of `count` `net` takes through forward and backward at a
 * time: `count` (all at once) for a network without convolutions or with one dropout mask per
 * mini-batch (parts would draw one each); else `count` cut into ⌈count / CONV_PART⌉ parts of equal
 * size (the last one shorter by the rounding).
 */
export function partSize(net: Network, count: number): number {
  if (net.dropoutPerBatch || !net.layers.some((l) => l.kind === 'conv2d')) return count;
  return Math.ceil(count / Math.ceil(count / CONV_PART));
}

/**
 * Forward and backward over `count` rows of `x`/`y`, in parts of `partSize(net, count)`: fills
 * every parameter's `grad` with (1/`meanOver`) Σ over the rows of ∂C_x/∂w and returns Σ_x C_x
 * (a non-finite sum stops at the part that made it, the gradients then unspecified).
 */
export function forwardBackward(net: Network, x: Float32Array, y: Float32Array, count: number, meanOver: number, classes: number): number {
  const part = partSize(net, count);
  const inSize = sizeOf(net.inputShape);
  let cost = 0;
  for (let first = 0; first < count; first += part) {
    const n = Math.min(part, count - first);
    const xs = first === 0 ? x : x.subarray(first * inSize);
    const ys = first === 0 ? y : y.subarray(first * classes);
    const out = net.forward(xs, n, true);
    const c = net.cost.value(out, ys, n, classes);
    cost += c;
    if (!Number.isFinite(cost)) return cost;
    net.backward(ys, n, meanOver, first > 0);
  }
  return cost;
}

/** The whole mini-batch on the calling thread: forward, the cost, backward (in parts: `partSize`). */
export function serialGradient(net: Network, classes: number): BatchGradient {
  return {
    compute(x, y, count) {
      return forwardBackward(net, x, y, count, count, classes);
    },
  };
}
