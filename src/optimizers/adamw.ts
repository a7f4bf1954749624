import type { Kernels } from '../kernels/kernels.js';
import { adam } from './adam.js';
import type { Optimizer } from './optimizer.js';

/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled weight decay regularization"): L2's weight decay
 * applied to the weights themselves, as the book's eq. 93 writes it, then Adam on the gradient of
 * C₀ alone:
 *   w → (1 − ηλ/n) w,   then   w → w − η m̂ / (√v̂ + ε).
 * Adam with L2 (`adam`) instead puts (λ/n) w into g, where the division by √v̂ shrinks the decay
 * of exactly the weights whose gradients are large. Without L2 (λ = 0) AdamW is Adam; PyTorch's
 * `AdamW(weight_decay=d)` is λ = d·n here. Biases are never decayed (book eq. 89).
 */
export function adamw(kernels: Kernels, beta1: number, beta2: number, eps: number): Optimizer {
  const inner = adam(kernels, beta1, beta2, eps);
  return {
    name: 'adamw',
    step: inner.step,
    stepDecayed(params, eta, c) {
      for (const p of params) if (p.decay) kernels.scale(p.value, 1 - eta * c, p.size); // w → (1 − ηλ/n) w, c = λ/n
      inner.step(params, eta);
    },
  };
}
