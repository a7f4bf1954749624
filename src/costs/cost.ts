import type { ActivationName, CostName } from '../core/config.js';

/**
 * A cost function, as the book's network2.py gives it: a value and an output error.
 * `a` and `y` are [rows × cols] (one row per example; y is the one-hot target).
 */
export interface Cost {
  readonly name: CostName;
  /** Σ over the rows of C_x (the caller divides by the number of examples). */
  value(a: Float32Array, y: Float32Array, rows: number, cols: number): number;
  /** ∂C_x/∂a, for the general chain rule through any output neuron. */
  derivative(a: Float32Array, y: Float32Array, out: Float32Array, n: number): void;
  /**
   * The output neuron for which δ^L = ∂C/∂z^L simplifies to a − y (the σ′ factor cancels):
   * sigmoid for cross-entropy (eq. 66), softmax for log-likelihood (eq. 84). null: none.
   */
  readonly fusedWith: ActivationName | null;
}

/** ln(x) with x clamped away from 0, so that a saturated neuron gives a large finite cost. */
export function safeLog(x: number): number {
  return Math.log(x > 1e-38 ? x : 1e-38);
}
