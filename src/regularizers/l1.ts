import type { Regularizer } from './regularizer.js';

/**
 * L1 regularization (book eqs. 95–97): C = C₀ + (λ/n) Σ_w |w|, gradient term (λ/n) sgn(w) with
 * sgn(0) = 0, so with plain SGD: w → w − (ηλ/n) sgn(w) − η ∂C₀/∂w.
 */
export function l1(lambda: number): Regularizer {
  return {
    name: 'l1',
    penalty(params, n) {
      let s = 0;
      for (const p of params) if (p.decay) for (let i = 0; i < p.size; i++) s += Math.abs(p.value[i]!);
      return (lambda / n) * s;
    },
    addGradient(params, n, kernels) {
      for (const p of params) if (p.decay) kernels.addL1Grad(p.value, p.grad, lambda / n, p.size); // ∂C/∂w += (λ/n) sgn(w)
    },
  };
}
