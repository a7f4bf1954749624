import type { Kernels } from '../kernels/kernels.js';
import { StateBuffers, type Optimizer } from './optimizer.js';

/**
 * Adam (Kingma & Ba 2015): m → β₁m + (1 − β₁)g, v → β₂v + (1 − β₂)g²,
 * w → w − η m̂ / (√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
 */
export function adam(kernels: Kernels, beta1: number, beta2: number, eps: number): Optimizer {
  const moments = new StateBuffers(kernels, 2);
  let t = 0;
  return {
    name: 'adam',
    step(params, eta) {
      t++;
      const c2 = Math.sqrt(1 - beta2 ** t);
      const etaT = (eta * c2) / (1 - beta1 ** t); // bias corrections folded into η and ε
      const epsT = eps * c2;
      for (const p of params) {
        const [m, v] = moments.get(p) as [Float32Array, Float32Array];
        kernels.adamStep(p.value, m, v, p.grad, etaT, beta1, beta2, epsT, p.size);
      }
    },
  };
}
