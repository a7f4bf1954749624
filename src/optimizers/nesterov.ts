import type { Kernels } from '../kernels/kernels.js';
import { StateBuffers, type Optimizer } from './optimizer.js';

/**
 * Nesterov accelerated gradient (Sutskever et al. 2013): v → μv − η∇C(w + μv), w → w + v.
 * Stored in the look-ahead form w̃ = w + μv, which needs only the gradient at the stored
 * weights: v → μv − η∇C(w̃), w̃ → w̃ + μv − η∇C(w̃).
 */
export function nesterov(kernels: Kernels, mu: number): Optimizer {
  const velocity = new StateBuffers(kernels, 1);
  return {
    name: 'nesterov',
    step(params, eta) {
      for (const p of params) kernels.nesterovStep(p.value, velocity.get(p)[0]!, p.grad, eta, mu, p.size);
    },
  };
}
