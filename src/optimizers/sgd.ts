import type { Kernels } from '../kernels/kernels.js';
import type { Optimizer } from './optimizer.js';

/** Plain mini-batch gradient descent: w → w − η ∂C/∂w (book eq. 20–21, with eq. 93's mean gradient). */
export function sgd(kernels: Kernels): Optimizer {
  return {
    name: 'sgd',
    step(params, eta) {
      for (const p of params) kernels.sgdStep(p.value, p.grad, eta, p.size);
    },
    state: () => [],
  };
}
