import type { Kernels } from '../kernels/kernels.js';
import type { Param } from '../layers/layer.js';

/**
 * An optimizer turns gradients into parameter updates. It keeps its own per-parameter state
 * (velocities, moment estimates), allocated once on the first step.
 */
export interface Optimizer {
  readonly name: string;
  /** Update every parameter from its gradient with learning rate η. */
  step(params: readonly Param[], eta: number): void;
  /**
   * The step with L2 (c = λ/n) applied by the optimizer itself to the decayed parameters: SGD
   * folds the gradient term c·w into its step (one pass over the weights instead of two, the same
   * numbers); AdamW decouples it, shrinking w by (1 − ηc) outside Adam's step. Optimizers without
   * it get c·w added to g first.
   */
  stepDecayed?(params: readonly Param[], eta: number, c: number): void;
}

/** Per-parameter state buffers, allocated from the kernels on first use. */
export class StateBuffers {
  private readonly map = new Map<Param, Float32Array[]>();
  constructor(private readonly kernels: Kernels, private readonly perParam: number) {}
  get(p: Param): Float32Array[] {
    let s = this.map.get(p);
    if (!s) {
      s = Array.from({ length: this.perParam }, () => this.kernels.alloc(p.size));
      this.map.set(p, s);
    }
    return s;
  }
}
