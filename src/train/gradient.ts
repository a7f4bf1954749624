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

/** The whole mini-batch on the calling thread: forward, the cost, backward. */
export function serialGradient(net: Network, classes: number): BatchGradient {
  return {
    compute(x, y, count) {
      const out = net.forward(x, count, true);
      const c = net.cost.value(out, y, count, classes);
      if (Number.isFinite(c)) net.backward(y, count);
      return c;
    },
  };
}
