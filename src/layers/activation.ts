import type { Shape } from '../core/shape.js';
import { sizeOf } from '../core/shape.js';
import type { ActivationName, LayerSpec } from '../core/config.js';
import type { Layer, LayerContext, Param } from './layer.js';

/**
 * A layer of neurons applied element-wise (softmax: row-wise): a = f(z).
 * - sigmoid σ(z) = 1/(1 + e^{−z}), σ′ = σ(1 − σ)
 * - tanh (book eq. 109), tanh′ = 1 − tanh²
 * - ReLU max(0, z) (eq. 112), derivative 1 for z > 0 else 0
 * - softmax a_j = e^{z_j}/Σ_k e^{z_k} (eq. 78)
 * - identity
 */
export class Activation implements Layer {
  readonly kind = 'activation';
  readonly outputShape: Shape;
  private readonly size: number;
  private z: Float32Array | null = null;
  private a: Float32Array = new Float32Array(0);
  private dz: Float32Array = new Float32Array(0);

  constructor(readonly inputShape: Shape, readonly fn: ActivationName, private readonly ctx: LayerContext) {
    this.outputShape = inputShape;
    this.size = sizeOf(inputShape);
  }

  setCapacity(capacity: number): void {
    this.a = this.ctx.kernels.alloc(capacity * this.size);
    this.dz = this.ctx.kernels.alloc(capacity * this.size);
  }

  forward(z: Float32Array, batch: number): Float32Array {
    const k = this.ctx.kernels;
    const n = batch * this.size;
    this.z = z;
    switch (this.fn) {
      case 'sigmoid': k.sigmoid(z, this.a, n); break;
      case 'tanh': k.tanh(z, this.a, n); break;
      case 'relu': k.relu(z, this.a, n); break;
      case 'softmax': k.softmaxRows(z, this.a, batch, this.size); break;
      case 'identity': this.a.set(z.subarray(0, n)); break;
    }
    return this.a;
  }

  /** δ = ∂C/∂a ⊙ f′(z)   (book BP1/BP2's Hadamard factor σ′(z)). */
  backward(da: Float32Array, batch: number): Float32Array {
    const k = this.ctx.kernels;
    const n = batch * this.size;
    switch (this.fn) {
      case 'sigmoid': k.sigmoidBackward(this.a, da, this.dz, n); break;
      case 'tanh': k.tanhBackward(this.a, da, this.dz, n); break;
      case 'relu': k.reluBackward(this.z!, da, this.dz, n); break;
      case 'softmax': k.softmaxBackwardRows(this.a, da, this.dz, batch, this.size); break;
      case 'identity': this.dz.set(da.subarray(0, n)); break;
    }
    return this.dz;
  }

  params(): Param[] {
    return [];
  }

  toSpec(): LayerSpec {
    return { type: 'activation', activation: this.fn };
  }
}
