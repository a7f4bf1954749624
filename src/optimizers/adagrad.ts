import type { Kernels } from '../kernels/kernels.js';
import { StateBuffers, type Optimizer } from './optimizer.js';

/** AdaGrad (Duchi, Hazan & Singer 2011): G → G + g², w → w − η g / (√G + ε). */
export function adagrad(kernels: Kernels, eps: number): Optimizer {
  const acc = new StateBuffers(kernels, 1);
  return {
    name: 'adagrad',
    step(params, eta) {
      for (const p of params) kernels.adagradStep(p.value, acc.get(p)[0]!, p.grad, eta, eps, p.size);
    },
  };
}
