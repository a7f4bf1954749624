import type { LayerSpec } from '../core/config.js';
import type { Shape } from '../core/shape.js';
import { sizeOf } from '../core/shape.js';
import type { Layer, Param } from './layer.js';

/**
 * Flatten [channels × height × width] to a vector of c·h·w. Examples are already stored as
 * contiguous rows, so this is a reshape: forward and backward pass their buffers through unchanged.
 * (A dense layer after a convolution flattens implicitly; this layer makes it explicit.)
 */
export class Flatten implements Layer {
  readonly kind = 'flatten';
  readonly outputShape: Shape;

  constructor(readonly inputShape: Shape) {
    this.outputShape = [sizeOf(inputShape)];
  }

  setCapacity(): void {}

  forward(input: Float32Array): Float32Array {
    return input;
  }

  backward(outputError: Float32Array, _batch: number, needInputError: boolean): Float32Array | null {
    return needInputError ? outputError : null;
  }

  params(): Param[] {
    return [];
  }

  toSpec(): LayerSpec {
    return { type: 'flatten' };
  }
}
