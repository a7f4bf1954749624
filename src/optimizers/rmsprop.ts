import type { Kernels } from '../kernels/kernels.js';
import { StateBuffers, type Optimizer } from './optimizer.js';

/** RMSProp (Tieleman & Hinton 2012): S → ρS + (1 − ρ) g², w → w − η g / (√S + ε). */
export function rmsprop(kernels: Kernels, rho: number, eps: number): Optimizer {
  const acc = new StateBuffers(kernels, 1);
  return {
    name: 'rmsprop',
    step(params, eta) {
      for (const p of params) kernels.rmspropStep(p.value, acc.get(p)[0]!, p.grad, eta, rho, eps, p.size);
    },
  };
}
