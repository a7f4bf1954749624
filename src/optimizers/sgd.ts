import type { Kernels } from '../kernels/kernels.js';
import type { Optimizer } from './optimizer.js';

/** Plain mini-batch gradient descent: w → w − η ∂C/∂w (book eq. 20–21, with eq. 93's mean gradient). */
export function sgd(kernels: Kernels): Optimizer {
  return {
    name: 'sgd',
    step(params, eta) {
      for (const p of params) kernels.sgdStep(p.value, p.grad, eta, p.size);
    },
    stepDecayed(params, eta, c) {
      // with L2: w → (1 − ηλ/n) w − η ∂C₀/∂w (book eq. 93); biases: b → b − η ∂C₀/∂b (eq. 94)
      for (const p of params) if (p.decay) kernels.sgdDecayStep(p.value, p.grad, eta, c, p.size);
      else kernels.sgdStep(p.value, p.grad, eta, p.size);
    },
  };
}
