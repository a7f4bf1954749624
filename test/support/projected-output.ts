/**
 * The scalar L = Σᵢ rᵢ·yᵢ of a layer's output y = forward(x): its gradient with respect to y is r,
 * so backward(r) must give ∂L/∂x, ∂L/∂W, ∂L/∂b, which the finite-difference checks of
 * conv.test.ts and pool.test.ts compare with (L(x + h) − L(x − h)) / 2h.
 * (Kept out of the `*.test.ts` files so that the test runner does not count it as a test file.)
 */
import type { Layer } from '../../src/layers/layer.js';

export function projectedOutput(layer: Layer, x: Float32Array, r: Float32Array, batch: number): () => number {
  return () => {
    const y = layer.forward(x, batch, false);
    let s = 0;
    for (let i = 0; i < r.length; i++) s += r[i]! * y[i]!;
    return s;
  };
}
