import type { Kernels } from '../kernels/kernels.js';
import type { Param } from '../layers/layer.js';

/**
 * A regularizer adds a penalty to the cost and its derivative to the gradients of the decayed
 * parameters (weights; never biases, book eq. 89). `n` is the training-set size.
 */
export interface Regularizer {
  readonly name: string;
  /** The penalty term added to the cost, e.g. (λ/2n) Σ_w w². */
  penalty(params: readonly Param[], n: number): number;
  /** g += ∂penalty/∂w for every decayed parameter. */
  addGradient(params: readonly Param[], n: number, kernels: Kernels): void;
  /**
   * For L2 only: the coefficient c = λ/n of its gradient term c·w, so that an optimizer with
   * `stepDecayed` can fold the term into its step instead of `addGradient` writing it into g.
   */
  weightDecay?(n: number): number;
  /** A constraint applied after each optimizer step (max-norm), if any. */
  project?(params: readonly Param[]): void;
}
