import type { Kernels } from '../kernels/kernels.js';
import { StateBuffers, type Optimizer } from './optimizer.js';

/**
 * Momentum-based gradient descent (book eqs. 107–108): v → μv − η∇C, w → w + v, with a velocity
 * for every weight and bias. μ is the momentum coefficient; 1 − μ acts as friction.
 */
export function momentum(kernels: Kernels, mu: number): Optimizer {
  const velocity = new StateBuffers(kernels, 1);
  return {
    name: 'momentum',
    step(params, eta) {
      for (const p of params) kernels.momentumStep(p.value, velocity.get(p)[0]!, p.grad, eta, mu, p.size);
    },
  };
}
