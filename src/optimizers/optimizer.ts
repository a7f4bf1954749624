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
   * The same step with L2's gradient term c·w (c = λ/n) folded in for the decayed parameters,
   * in one pass over them instead of two; optimizers without it get the term added to g first.
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
