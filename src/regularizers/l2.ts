import type { Regularizer } from './regularizer.js';

/**
 * L2 regularization, weight decay (book eqs. 87–93): C = C₀ + (λ/2n) Σ_w w².
 * Its gradient term is (λ/n) w (eq. 88), so with plain SGD each step is exactly the book's
 * w → (1 − ηλ/n) w − (η/m) Σ_x ∂C_x/∂w   (eq. 93).
 */
export function l2(lambda: number): Regularizer {
  return {
    name: 'l2',
    penalty(params, n) {
      let s = 0;
      for (const p of params) if (p.decay) for (let i = 0; i < p.size; i++) s += p.value[i]! * p.value[i]!;
      return (lambda / (2 * n)) * s;
    },
    weightDecay: (n) => lambda / n,
    addGradient(params, n, kernels) {
      for (const p of params) if (p.decay) kernels.addL2Grad(p.value, p.grad, lambda / n, p.size); // ∂C/∂w += (λ/n) w
    },
  };
}
