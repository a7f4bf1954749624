import type { Shape } from '../core/shape.js';
import { sizeOf } from '../core/shape.js';
import type { LayerSpec } from '../core/config.js';
import type { Layer, LayerContext, Param } from './layer.js';

/**
 * Dropout (book chap3 #other_techniques_for_regularization; Srivastava et al. 2014), applied to
 * this layer's input, i.e. to the neurons of the layer before it:
 * - training: each unit is kept with probability 1 − p and set to 0 otherwise; the mask is
 *   drawn per example (as network3), or once per mini-batch (`perBatch`, the book's text);
 * - test: the full network runs with every unit scaled by (1 − p) — the same as the book's
 *   "halve the weights outgoing from hidden neurons" for p = ½ — so the test-time output equals
 *   the training-time expectation.
 */
export class Dropout implements Layer {
  readonly kind = 'dropout';
  readonly outputShape: Shape;
  private readonly size: number;
  private mask: Float32Array = new Float32Array(0);
  private out: Float32Array = new Float32Array(0);
  private dx: Float32Array = new Float32Array(0);

  constructor(readonly inputShape: Shape, readonly rate: number, readonly perBatch: boolean, private readonly ctx: LayerContext) {
    this.outputShape = inputShape;
    this.size = sizeOf(inputShape);
  }

  setCapacity(capacity: number): void {
    this.mask = this.ctx.kernels.alloc(capacity * this.size);
    this.out = this.ctx.kernels.alloc(capacity * this.size);
    this.dx = this.ctx.kernels.alloc(capacity * this.size);
  }

  forward(input: Float32Array, batch: number, training: boolean): Float32Array {
    const k = this.ctx.kernels;
    const n = batch * this.size;
    if (!training) {
      // test time: a → (1 − p) a
      this.out.set(input.subarray(0, n));
      k.scale(this.out, 1 - this.rate, n);
      return this.out;
    }
    const rng = this.ctx.rng;
    const p = this.rate;
    const drawn = this.perBatch ? this.size : n;
    rng.dropMask(this.mask, drawn, p); // mask_i = 0 with probability p, else 1
    if (this.perBatch) for (let r = 1; r < batch; r++) this.mask.copyWithin(r * this.size, 0, this.size);
    k.mul(input, this.mask, this.out, n);
    return this.out;
  }

  /** Only kept units pass their error back: ∂C/∂x = ∂C/∂y ⊙ mask. */
  backward(dy: Float32Array, batch: number): Float32Array {
    this.ctx.kernels.mul(dy, this.mask, this.dx, batch * this.size);
    return this.dx;
  }

  params(): Param[] {
    return [];
  }

  toSpec(): LayerSpec {
    return { type: 'dropout', rate: this.rate };
  }
}
